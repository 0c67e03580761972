"""A conversation's recording: where the player finds it, the copy kept in the cache, a download.

The player plays the copy kept on this computer when there is one (so recordings play offline),
else streams the platform's through the loopback relay. The copy is fetched whole in the
background when a recording is first opened: the waveform is drawn from it, and the recording
plays offline from then on (it counts against the cache's size cap like any file).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import httpx

from app.api.errors import ApiError
from app.cache.errors import NotCached
from app.cache.store import CacheStore, FileKind
from app.recording_relay import RecordingRelay
from app.saving import copy_atomically


class RecordingDownloads(Protocol):
    async def download_audio(self, conversation_id: str, dest: Path) -> Path: ...


class RecordingSource(RecordingDownloads, Protocol):
    async def audio_part(self, conversation_id: str, byte_range: str | None = None) -> httpx.Response: ...


async def keep_recording(
    api: RecordingDownloads, store: CacheStore, tenant: str, conversation_id: str, media_type: str
) -> Path:
    """Download the recording into the cache (the conversation must be cached); its path there."""
    # Named after the conversation (hashed: an id is not a file name), so that a download cut
    # short resumes from its part file when it is asked for again.
    name = hashlib.sha256(f"{tenant}\0{conversation_id}".encode()).hexdigest()[:32]
    download = store.files.incoming / f"{name}.audio"
    try:
        await api.download_audio(conversation_id, download)
        return await asyncio.to_thread(
            store.adopt_file, tenant, conversation_id, FileKind.AUDIO, download, media_type
        )
    finally:
        download.unlink(missing_ok=True)


class Recordings:
    """The workspace's recordings; `cache` gives the open cache and tenant, `online` the state."""

    def __init__(
        self,
        api: RecordingSource,
        cache: Callable[[], tuple[CacheStore, str]],
        online: Callable[[], bool],
    ) -> None:
        self._api = api
        self._cache = cache
        self._online = online
        self._relay = RecordingRelay(api.audio_part)
        self._keeping: dict[tuple[str, str], asyncio.Task[Path]] = {}

    async def url(self, conversation_id: str) -> str:
        """Where the player finds the recording: the kept copy (a file URL), else the relay's URL
        streaming the platform's. NotCached when offline without a copy. `release` it after."""
        kept = await self._kept(conversation_id)
        if kept is not None:
            return kept.as_uri()
        return await self._relay.url(conversation_id)

    def problem(self, url: str) -> ApiError | None:
        """Why the platform failed the stream at `url`, when the player reports an error."""
        return self._relay.problem(url)

    def release(self, url: str) -> None:
        self._relay.forget(url)

    async def keep(self, conversation_id: str, media_type: str) -> Path:
        """The copy kept in the cache, downloaded first if need be (once, however often asked)."""
        kept = await self._kept(conversation_id)
        if kept is not None:
            return kept
        store, tenant = self._cache()
        key = (tenant, conversation_id)
        task = self._keeping.get(key)
        if task is None:
            task = asyncio.ensure_future(
                keep_recording(self._api, store, tenant, conversation_id, media_type)
            )
            self._keeping[key] = task
            task.add_done_callback(lambda _: self._keeping.pop(key, None))
        return await asyncio.shield(task)  # one caller giving up does not stop it for the others

    async def download(self, conversation_id: str, dest: Path) -> Path:
        """The recording into `dest` (a safe path the user confirmed): from the kept copy, else
        from the platform. An existing file is replaced only once the new one is whole."""
        kept = await self._kept(conversation_id)
        if kept is not None:
            await asyncio.to_thread(copy_atomically, kept, dest)
            return dest
        return await self._api.download_audio(conversation_id, dest)

    async def close(self) -> None:
        for task in list(self._keeping.values()):
            task.cancel()
        await asyncio.gather(*self._keeping.values(), return_exceptions=True)
        await self._relay.close()

    async def _kept(self, conversation_id: str) -> Path | None:
        """The copy on this computer; None online without one; NotCached offline without one."""
        store, tenant = self._cache()
        kept = await asyncio.to_thread(store.file_path, tenant, conversation_id, FileKind.AUDIO)
        if kept is not None and kept.exists():
            return kept
        if not self._online():
            raise NotCached(conversation_id, what="Its recording")
        return None
