"""The child of `python -m bench detail` that measures a seek from the transcript (detail.seek).

A 60-minute stereo 8 kHz recording kept in a real cache, opened by the app's AudioPanel (offline:
from the kept copy, as Qt's media player plays it), beside a TranscriptView of 600 messages
(a line every 3 s), wired as the detail view wires them. Each sample: a click on a random
message → the player's position changed to that message's moment (positionChanged). Bound: a
bare QMediaPlayer on the same file, setPosition → positionChanged.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import wave
from pathlib import Path
from typing import Any

PREFIX = "SEEK "
MINUTES, RATE, MESSAGES, SEEKS = 60, 8000, 600, 40


def _recording(path: Path) -> None:
    import numpy as np

    minute = np.random.default_rng(3).normal(0, 3000, (RATE * 60, 2)).astype(np.int16).tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for _ in range(MINUTES):
            out.writeframes(minute)


def _detail(size: int) -> dict[str, Any]:
    """The detail bench's synthetic call (a line every 3 s), with the recording kept."""
    from bench.detail_bench import _record

    record = _record("cnv_seek", MESSAGES)
    audio = {"media_type": "audio/wav", "size": size, "duration_ms": MINUTES * 60_000}
    record.update(has_audio=True, audio={**audio, "channels": ["customer", "agent"]})
    return record


class _NoPlatform:
    async def download_audio(self, conversation_id: str, dest: Path) -> Path:
        raise AssertionError("the bench plays the kept copy")

    async def audio_part(self, conversation_id: str, byte_range: str | None = None) -> Any:
        raise AssertionError("the bench plays the kept copy")


async def _measure(scratch: Path) -> dict[str, list[float]]:
    from PySide6.QtCore import QUrl
    from PySide6.QtMultimedia import QMediaPlayer

    from app import transcript
    from app.cache.store import CacheStore, FileKind
    from app.domain import ConversationDetail
    from app.recordings import Recordings
    from app.transcript import EntryKind
    from ui.detail.audio_panel import AudioPanel
    from ui.detail.transcript import TranscriptModel, TranscriptView

    wav = scratch / "hour.wav"
    _recording(wav)
    store = CacheStore.open(scratch / "cache.sqlite3")
    detail = ConversationDetail.model_validate(_detail(wav.stat().st_size))
    store.write_detail("acme", detail)
    store.adopt_file("acme", detail.id, FileKind.AUDIO, wav, "audio/wav")
    recordings = Recordings(_NoPlatform(), lambda: (store, "acme"), lambda: False)
    assert detail.audio is not None
    panel = AudioPanel(recordings, detail.id, detail.audio)
    model = TranscriptModel()
    view = TranscriptView(model)
    model.set_entries(transcript.entries(detail))
    view.moment_requested.connect(panel.seek)  # as DetailView wires them
    view.resize(1000, 700)
    view.show()
    while panel.player.duration() <= 0:
        await asyncio.sleep(0.01)
    moved: list[float] = []
    panel.position_changed.connect(lambda _ms: moved.append(time.perf_counter()))
    rng = random.Random(5)
    app_ms = []
    lines = [r for r in range(model.rowCount()) if model.entry(r).kind is EntryKind.MESSAGE]
    for _ in range(SEEKS):
        row = rng.choice(lines)
        if model.entry(row).offset_ms == panel.player.position():
            continue  # no move, no news
        moved.clear()
        started = time.perf_counter()
        view.clicked.emit(model.index(row))
        while not moved:
            await asyncio.sleep(0)
        app_ms.append((moved[0] - started) * 1000)
        assert panel.player.position() == model.entry(row).offset_ms
        await asyncio.sleep(0.02)
    bare = QMediaPlayer()
    bare.setSource(QUrl.fromLocalFile(str(store.file_path("acme", detail.id, FileKind.AUDIO))))
    while bare.duration() <= 0:
        await asyncio.sleep(0.01)
    bare_moved: list[float] = []
    bare.positionChanged.connect(lambda _ms: bare_moved.append(time.perf_counter()))
    bare_ms = []
    for _ in range(SEEKS):
        bare_moved.clear()
        started = time.perf_counter()
        bare.setPosition(rng.randrange(MINUTES * 60_000))
        while not bare_moved:
            await asyncio.sleep(0)
        bare_ms.append((bare_moved[0] - started) * 1000)
        await asyncio.sleep(0.02)
    bare.setSource(QUrl())
    panel.close_panel()
    await recordings.close()
    store.close()
    return {"seek_ms": app_ms, "bare_seek_ms": bare_ms}


def child(scratch: Path) -> None:
    from bench.common import ROOT

    sys.path.insert(0, str(ROOT))
    from ui.pyside_workarounds import keep_singletons_alive

    keep_singletons_alive()
    from PySide6.QtWidgets import QApplication

    from ui.event_loop import EventLoop

    qt = QApplication(["detail-seek-bench"])
    loop = EventLoop(qt)
    asyncio.set_event_loop(loop)
    result = loop.run_until_complete(_measure(scratch))
    print(PREFIX + json.dumps(result), flush=True)
    loop.close()  # its executor's threads end before Qt goes


if __name__ == "__main__":
    child(Path(sys.argv[1]))
