"""Recordings: streamed from the real platform through the loopback relay (as the media player
asks, with byte ranges), kept in a real cache, downloaded, and refused offline without a copy."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from app.api.client import ApiClient
from app.api.errors import NotFound
from app.cache.errors import NotCached
from app.cache.store import CacheStore, FileKind
from app.domain import ConversationDetail, Filter, Platform
from app.recordings import Recordings

pytestmark = pytest.mark.asyncio


async def _with_recording(api: ApiClient) -> tuple[ConversationDetail, bytes]:
    page = await api.search(Filter(platforms=(Platform.VOICE,)), limit=50)
    for summary in page.items:
        if summary.has_audio:
            detail = await api.conversation(summary.id)
            response = await api.audio_part(detail.id)
            try:
                return detail, await response.aread()
            finally:
                await response.aclose()
    raise AssertionError("no recording in the first voice conversations")


def _recordings(api: ApiClient, store: CacheStore, online: list[bool]) -> Recordings:
    return Recordings(api, lambda: (store, "acme"), lambda: online[0])


async def _raw(url: str, request: bytes) -> bytes:
    """What the relay answers to `request` sent as it is, on a socket of its own."""
    host, port = url.split("/")[2].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return answer


async def test_the_relay_streams_the_recording_whole_and_by_ranges_to_a_known_path_only(
    api: ApiClient, store: CacheStore
) -> None:
    detail, data = await _with_recording(api)
    recordings = _recordings(api, store, [True])
    try:
        url = await recordings.url(detail.id)
        assert url.startswith("http://127.0.0.1:") and detail.id not in url  # nothing to guess from
        async with httpx.AsyncClient() as player:
            whole = await player.get(url)
            assert whole.status_code == 200 and whole.content == data
            assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
            part = await player.get(url, headers={"Range": "bytes=100-1099"})
            assert part.status_code == 206 and part.content == data[100:1100]
            assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
            tail = await player.get(url, headers={"Range": f"bytes={len(data) - 10}-"})
            assert tail.status_code == 206 and tail.content == data[-10:]
            beyond = await player.get(url, headers={"Range": f"bytes={len(data)}-"})
            assert beyond.status_code == 416
            head = await player.head(url)
            assert head.status_code == 200 and head.headers["content-length"] == str(len(data))
            assert head.content == b""
            # Not a known path, not a read, or a head past any sane size: nothing from the platform.
            assert (await player.get(url.rsplit("/", 1)[0] + "/guessed.wav")).status_code == 404
            assert (await player.post(url, content=b"x")).status_code == 405
            recordings.release(url)
            assert (await player.get(url)).status_code == 404
        flood = b"GET / HTTP/1.1\r\nX: " + b"a" * 100_000 + b"\r\n\r\n"
        assert b"RIFF" not in await _raw(url, flood)
    finally:
        await recordings.close()


async def test_the_platform_s_refusal_reaches_the_player_as_an_error_and_is_explained(
    api: ApiClient, store: CacheStore
) -> None:
    recordings = _recordings(api, store, [True])
    try:
        url = await recordings.url("cnv_never_existed")
        async with httpx.AsyncClient() as player:
            assert (await player.get(url)).status_code == 404
        assert isinstance(recordings.problem(url), NotFound)
    finally:
        await recordings.close()


async def test_a_recording_kept_once_plays_from_the_cache_and_offline(
    api: ApiClient, store: CacheStore, tmp_path: Path
) -> None:
    detail, data = await _with_recording(api)
    store.write_detail("acme", detail)
    online = [True]
    recordings = _recordings(api, store, online)
    try:
        assert detail.audio is not None
        first, again = await asyncio.gather(
            recordings.keep(detail.id, detail.audio.media_type),
            recordings.keep(detail.id, detail.audio.media_type),
        )
        assert first == again and first.read_bytes() == data  # fetched once for both
        assert store.file_path("acme", detail.id, FileKind.AUDIO) == first
        assert not list(store.files.incoming.iterdir())  # no download left behind
        online[0] = False
        assert await recordings.url(detail.id) == first.as_uri()
        saved = await recordings.download(detail.id, tmp_path / "call.wav")
        assert saved.read_bytes() == data
        other = next(
            c
            for c in (await api.search(Filter(platforms=(Platform.VOICE,)), limit=50)).items
            if c.has_audio and c.id != detail.id
        )
        with pytest.raises(NotCached, match="recording is not available offline"):
            await recordings.url(other.id)
    finally:
        await recordings.close()


async def test_a_download_online_comes_from_the_platform_whole(
    api: ApiClient, store: CacheStore, tmp_path: Path
) -> None:
    detail, data = await _with_recording(api)
    recordings = _recordings(api, store, [True])
    try:
        saved = await recordings.download(detail.id, tmp_path / "call.wav")
        assert saved.read_bytes() == data and not (tmp_path / "call.wav.part").exists()
    finally:
        await recordings.close()
