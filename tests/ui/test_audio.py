"""A voice conversation's recording in the detail view: streamed from the platform process
through the relay into Qt's real media player (headless, it advances on the wall clock), its
waveform drawn from the copy kept in the real cache, the transcript following the playhead;
offline from that copy, and a copy gone bad explained in the panel."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtTest import QTest

from app.cache.store import FileKind
from app.domain import ConversationDetail, Filter, MessageRole, Status
from app.domain import Platform as ChannelPlatform
from app.transcript import Entry, EntryKind
from tests.platform import Platform, api_client
from tests.ui.apps import returning_app, signing_in_app
from tests.ui.conftest import until
from tests.ui.detail_cases import open_with
from tests.ui.test_main_window import _synced_window
from ui.detail.audio_panel import SPEEDS, AudioPanel
from ui.detail.transcript import PLAYING_ROLE, TranscriptModel
from ui.detail.view import DetailView

pytestmark = pytest.mark.usefixtures("secret_service")

Playing = QMediaPlayer.PlaybackState.PlayingState


def _recorded(detail: ConversationDetail) -> bool:
    return detail.audio is not None and len(detail.messages) >= 4


def _recording(platform: Platform, conversation_id: str) -> bytes:
    with api_client(platform.url, "supervisor") as http:
        response = http.get(f"conversations/{conversation_id}/audio")
        response.raise_for_status()
        return response.content


async def _audio(view: DetailView) -> AudioPanel:
    await until(lambda: view.audio is not None and view.audio.ready, 15, "the recording in the player")
    assert view.audio is not None
    return view.audio


def _message_row(view: DetailView, message_index: int) -> int:
    return next(
        r
        for r in range(view.model.rowCount())
        if view.model.entry(r).kind is EntryKind.MESSAGE
        and view.model.entry(r).message_index == message_index
    )


def test_the_recording_streams_plays_seeks_from_a_line_and_the_line_follows_the_playhead(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        view = await open_with(window, _recorded, ui_platform)
        audio = await _audio(view)
        detail = view.detail
        assert detail is not None and detail.audio is not None
        assert audio.url is not None and audio.url.startswith("http://127.0.0.1:")  # through the relay
        await until(lambda: audio.player.duration() > 0, 15, "the player to read the stream")
        assert abs(audio.player.duration() - detail.audio.duration_ms) < 100
        # The waveform: drawn from the copy now kept in the cache, a lane per speaker.
        await until(lambda: audio.waveform.peaks is not None, 15, "the waveform")
        peaks = audio.waveform.peaks
        assert peaks is not None and peaks.channels == 2
        assert abs(peaks.seconds * 1000 - detail.audio.duration_ms) < 100
        store, tenant = app.workspace.store, app.workspace.tenant
        assert store is not None and tenant is not None
        kept = store.file_path(tenant, view.conversation_id, FileKind.AUDIO)
        assert kept is not None and kept.read_bytes() == _recording(ui_platform, view.conversation_id)

        # A click on a line: the player goes to where it is spoken, at once; it is highlighted.
        message = detail.messages[2]
        row = _message_row(view, message.index)
        started = time.perf_counter()
        view.transcript.clicked.emit(view.model.index(row))
        seek_ms = (time.perf_counter() - started) * 1000
        assert audio.player.position() == message.offset_ms
        assert seek_ms < 1000  # a sanity bound; `python -m bench detail` measures it
        assert view.model.playing == row and view.model.index(row).data(PLAYING_ROLE) is True
        assert audio.time.text().startswith(f"0:{message.offset_ms // 1000:02}")

        # Playing: the position advances, and the highlight moves on with the spoken line.
        audio.toggle()
        await until(lambda: audio.player.playbackState() is Playing, 10, "playback")
        assert audio.play_button.accessibleName() == "Pause"
        next_start = detail.messages[3].offset_ms
        await until(lambda: audio.player.position() > next_start + 100, 30, "the next line")
        await until(lambda: view.model.playing == _message_row(view, 3), 5, "the highlight to follow")
        audio.toggle()
        await until(lambda: audio.player.playbackState() is not Playing, 10, "the pause")

        # The keys: ←/→ skip 5 s, Space plays and pauses, in the whole view.
        window.activateWindow()
        view.transcript.setFocus()
        before = audio.player.position()
        QTest.keyClick(view.transcript, Qt.Key.Key_Left)
        assert audio.player.position() == max(0, before - 5000)
        QTest.keyClick(view.transcript, Qt.Key.Key_Right)
        assert audio.player.position() == max(0, before - 5000) + 5000
        QTest.keyClick(view.transcript, Qt.Key.Key_Space)
        await until(lambda: audio.player.playbackState() is Playing, 10, "Space to play")
        QTest.keyClick(view.transcript, Qt.Key.Key_Space)
        await until(lambda: audio.player.playbackState() is not Playing, 10, "Space to pause")
        # A click on the waveform seeks too; a moment past the end stays within the recording.
        audio.waveform.seek_requested.emit(1500)
        assert audio.player.position() == 1500
        audio.seek(10**9)
        assert audio.player.position() == audio.player.duration()

        # Speed and volume.
        audio.speed.setCurrentIndex(SPEEDS.index(2.0))
        assert audio.player.playbackRate() == 2.0
        audio.volume.setValue(30)
        assert abs(audio.output.volume() - 0.3) < 0.01
        audio.mute_button.setChecked(True)
        assert audio.output.isMuted() and audio.mute_button.toolTip() == "Unmute"

        # Download audio: the platform's bytes, under the name the user confirmed.
        saved = await view.download_audio(tmp_path / "call.wav")
        assert saved is not None and saved.read_bytes() == kept.read_bytes()

        # Closing the tab ends the stream: the relay's path answers no more.
        url = audio.url
        window.tabs.close_tab(window.tabs.indexOf(view))
        async with httpx.AsyncClient() as player:
            assert (await player.get(url)).status_code == 404
        await app.workspace.close()
        window.close()

    run(scenario(), 180)


def test_offline_the_kept_recording_plays_a_missing_one_says_why_and_a_damaged_one_too(
    own_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    first = signing_in_app(own_platform, tmp_path, qapp)
    opened: dict[str, str] = {}

    async def online() -> None:
        window = await _synced_window(first)
        view = await open_with(window, _recorded, own_platform)
        audio = await _audio(view)
        await until(lambda: audio.waveform.peaks is not None, 15, "the waveform (and the kept copy)")
        opened["kept"] = view.conversation_id
        voice = await first.workspace.api.search(Filter(platforms=(ChannelPlatform.VOICE,)), limit=500)
        opened["other"] = next(
            c.id
            for c in voice.items
            if c.has_audio and c.status is Status.COMPLETED and c.id != view.conversation_id
        )
        await first.workspace.conversation(opened["other"])  # its record kept, its recording never asked for
        await first.workspace.close()
        window.close()

    run(online(), 120)
    own_platform.stop()
    again = returning_app(own_platform, tmp_path, qapp)

    async def offline() -> None:
        window = await again.start()
        assert window is not None
        store, tenant = again.workspace.store, again.workspace.tenant
        assert store is not None and tenant is not None
        view = window.tabs.open(store.rows(tenant, [opened["kept"]])[0])  # type: ignore[arg-type]
        audio = await _audio(view)
        assert audio.url is not None and audio.url.startswith("file://")
        await until(lambda: audio.waveform.peaks is not None, 15, "the waveform from the cache")
        audio.toggle()
        await until(lambda: audio.player.position() > 300, 10, "offline playback")
        audio.toggle()
        window.tabs.close_tab(window.tabs.indexOf(view))

        # Its record read online, its recording never played: not on this computer.
        missing = window.tabs.open(store.rows(tenant, [opened["other"]])[0])  # type: ignore[arg-type]
        await until(lambda: missing.audio is not None and missing.audio.notice.isVisible(), 15, "the notice")
        assert missing.audio is not None
        assert "recording is not available offline" in missing.audio.notice.text()
        assert not missing.audio.play_button.isEnabled()
        window.tabs.close_tab(window.tabs.indexOf(missing))

        # The kept copy damaged on disk: the panel says it cannot be decoded; the transcript stays.
        kept = store.file_path(tenant, opened["kept"], FileKind.AUDIO)
        assert kept is not None
        kept.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(range(256)) * 8)
        damaged = window.tabs.open(store.rows(tenant, [opened["kept"]])[0])  # type: ignore[arg-type]
        audio = await _audio(damaged)
        await until(lambda: "cannot be decoded" in audio.waveform.notice.text(), 15, "the waveform's notice")
        await until(lambda: audio.notice.isVisible(), 15, "the player's notice")
        assert "cannot be played" in audio.notice.text()
        assert damaged.model.rowCount() > 0
        await again.workspace.close()
        window.close()

    run(offline(), 90)


def test_the_line_under_the_playhead_is_the_last_one_begun() -> None:
    def said(index: int, at: int) -> Entry:
        return Entry(EntryKind.MESSAGE, "Customer", f"line {index}", at, index, MessageRole.CUSTOMER)

    model = TranscriptModel()
    note = Entry(EntryKind.COACHING, "Dana", "slow down", 1500)
    model.set_entries((said(0, 0), said(1, 1000), note, said(2, 4000)))
    assert [model.row_at(ms) for ms in (-1, 0, 999, 1000, 1600, 3999, 4000, 10**6)] == [
        None,
        0,
        0,
        1,
        1,
        1,
        3,
        3,
    ]
    changed: list[int] = []
    model.dataChanged.connect(lambda first, _last, roles: changed.append(first.row()))
    model.set_playing(1)
    model.set_playing(1)  # no news
    model.set_playing(3)
    assert changed == [1, 1, 3] and model.playing == 3
    model.set_entries((said(0, 0),))
    assert model.playing is None
