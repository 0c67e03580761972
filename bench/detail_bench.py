"""The conversation detail view's transcript: opening a long cached conversation, and scrolling.

    python -m bench detail [--scale quick|full]

A child process (Qt's offscreen platform, a 1440×900 window's transcript of 1000×780) builds
a cache holding one synthetic conversation of 2,000 messages and one of 10,000 (texts of
realistic lengths, a function call every tenth message, some coaching), then measures:

    detail.open.2000      ms from asking the cache for the record to the transcript painted
                          with its first rows (read, entries, model, layout, paint); median of
                          7. Bound: raw sqlite3 SELECT of the same messages' texts into a bare
                          QListView over a QStringListModel (word wrap), painted. Goal <= 150 ms
    detail.scroll.10000   ms per frame at p99 of 300 PageDowns and 100 jumps to random rows
                          through the 10,000-message transcript (each frame: the scroll and
                          the viewport's repaint). Bound: the bare QListView, same steps.
                          Goal <= 16 ms
    flow.layout.30        ms to lay out a synthetic flow of 30 (and 300) nodes with branches and
    flow.layout.300       loops (app.flow_layout, off the GUI thread in the app); median of 5.
                          Bound: graphlib's topological order of the same graph, its loops
                          removed (the least any layered layout must do). Goals <= 100 ms, <= 1 s
    waveform.peaks.60min  s to compute the peaks of a 60-minute stereo 16-bit 16 kHz WAV
                          (app.waveform, read a block at a time). Bound: numpy reading the whole
                          file at once and reducing each channel in memory. Goal <= 1 s
    detail.seek           ms at p99 of 40 clicks on random lines of a 600-line transcript to the
                          player's position changed, in a 60-minute recording kept in the cache
                          (bench/detail_seek.py: the app's AudioPanel and TranscriptView on
                          Qt's media player). Bound: a bare QMediaPlayer's setPosition on the
                          same file. Goal <= 50 ms
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ROOT, emit, log, percentile, summary

PREFIX = "DETAIL "
OPEN_MESSAGES = 2_000
SCROLL_MESSAGES = 10_000
OPENS = 7
PAGES, JUMPS = 300, 100
SENTENCES = (
    "Thanks for calling, how can I help you today?",
    "My internet has been dropping all morning and I work from home, so this is really frustrating.",
    "I understand. Let me look up your account; can you confirm the zip code on it?",
    "It's 35947.",
    "Thanks. There is no outage in your area. Please unplug your router, wait ten seconds, and plug it "
    "back in. If the lights do not come back within two minutes we will send a technician.",
    "Okay.",
    "Is there anything else I can help you with?",
)


def run(scale: str) -> None:
    _flow_layouts()
    _waveform()
    with tempfile.TemporaryDirectory(prefix="convodesk-detail-bench-") as scratch:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=scratch)
        command = [sys.executable, "-m", "bench.detail_bench", scratch]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"detail bench child failed:\n{done.stderr[-3000:]}")
        line = next(line for line in done.stdout.splitlines() if line.startswith(PREFIX))
        result = json.loads(line[len(PREFIX) :])
        seeks = _child_result("bench.detail_seek", scratch, env, "SEEK ")
    opened, bare_open = result["open_ms"], result["bare_open_ms"]
    log(f"detail.open: app ms [{summary(opened)}]; bare QListView ms [{summary(bare_open)}]")
    median, bound = percentile(opened, 50), percentile(bare_open, 50)
    emit("detail.open.2000", median, "ms", bound, "<= 150 ms (median)", OPEN_MESSAGES, median <= 150)
    frames, bare = result["scroll_ms"], result["bare_scroll_ms"]
    log(f"detail.scroll: app ms [{summary(frames)}]; bare QListView ms [{summary(bare)}]")
    p99 = percentile(frames, 99)
    emit("detail.scroll.10000", p99, "ms", percentile(bare, 99), "<= 16 ms p99", SCROLL_MESSAGES, p99 <= 16)
    seek, bare_seek = seeks["seek_ms"], seeks["bare_seek_ms"]
    log(f"detail.seek: app ms [{summary(seek)}]; bare QMediaPlayer ms [{summary(bare_seek)}]")
    p99 = percentile(seek, 99)
    emit("detail.seek", p99, "ms", percentile(bare_seek, 99), "<= 50 ms p99", len(seek), p99 <= 50)


def _child_result(module: str, scratch: str, env: dict[str, str], prefix: str) -> dict[str, Any]:
    """The JSON a bench child process prints after `prefix`."""
    folder = Path(scratch) / module
    folder.mkdir()
    command = [sys.executable, "-m", module, str(folder)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{done.stderr[-3000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith(prefix))
    result: dict[str, Any] = json.loads(line[len(prefix) :])
    return result


def _synthetic_flow(nodes: int) -> Any:
    """A flow of `nodes` nodes: a forward branching graph plus loops back (questions asked again)."""
    from app.domain import Flow

    rng = random.Random(nodes)
    edges = [
        (i, rng.randrange(i + 1, nodes))
        for i in range(nodes - 1)
        for _ in range(2 if rng.random() < 0.3 else 1)
    ]
    edges += [
        (rng.randrange(nodes // 2, nodes), rng.randrange(0, nodes // 2)) for _ in range(max(1, nodes // 15))
    ]
    return Flow.model_validate(
        {
            "id": f"flow_{nodes}",
            "name": "Bench",
            "description": "",
            "entry_node": "n0",
            "nodes": [
                {"id": f"n{i}", "kind": "start" if i == 0 else "message", "label": f"Step {i}"}
                for i in range(nodes)
            ],
            "edges": [{"source": f"n{a}", "target": f"n{b}", "condition": ""} for a, b in edges],
        }
    )


def _waveform() -> None:
    import wave

    import numpy as np

    from app.waveform import BUCKETS, peaks

    rate, seconds = 16_000, 3600
    with tempfile.TemporaryDirectory(prefix="convodesk-wave-bench-") as scratch:
        path = Path(scratch) / "hour.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(rate)
            chunk = (np.random.default_rng(1).normal(0, 3000, (rate * 60, 2))).astype(np.int16).tobytes()
            for _ in range(seconds // 60):
                out.writeframes(chunk)
        times, bounds = [], []
        for _ in range(3):
            started = time.perf_counter()
            found = peaks(path)
            times.append(time.perf_counter() - started)
            assert found.low.shape == (2, BUCKETS) and (found.high > 0).all()  # every slice read
            started = time.perf_counter()
            samples = np.fromfile(path, dtype=np.int16, offset=44).reshape(-1, 2)
            for channel in range(2):
                column = np.ascontiguousarray(samples[:, channel])
                usable = column[: len(column) // BUCKETS * BUCKETS].reshape(BUCKETS, -1)
                usable.min(axis=1), usable.max(axis=1)
            bounds.append(time.perf_counter() - started)
    log(f"waveform.peaks: s [{summary(times)}]; numpy whole file s [{summary(bounds)}]")
    best = min(times)
    emit("waveform.peaks.60min", best, "s", min(bounds), "<= 1 s", seconds, best <= 1.0)


def _flow_layouts() -> None:
    from graphlib import TopologicalSorter

    from app.flow_layout import layered

    for nodes, goal_ms in ((30, 100.0), (300, 1000.0)):
        flow = _synthetic_flow(nodes)
        times, bounds = [], []
        for _ in range(5):
            started = time.perf_counter()
            layered(flow)
            times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            forward = TopologicalSorter()
            for edge in flow.edges:
                if int(edge.source[1:]) < int(edge.target[1:]):  # the loops back left out
                    forward.add(edge.target, edge.source)
            list(forward.static_order())
            bounds.append((time.perf_counter() - started) * 1000)
        log(f"flow.layout.{nodes}: ms [{summary(times)}]; topological order ms [{summary(bounds)}]")
        median = percentile(times, 50)
        emit(
            f"flow.layout.{nodes}",
            median,
            "ms",
            percentile(bounds, 50),
            f"<= {goal_ms:g} ms",
            nodes,
            median <= goal_ms,
        )


# --- the child -----------------------------------------------------------------------------


def _record(conversation_id: str, messages: int) -> dict[str, Any]:
    """A conversation as the platform serves it, with `messages` messages."""
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    at = lambda i: (start + timedelta(seconds=3 * i)).isoformat()  # noqa: E731
    rng = random.Random(messages)
    roles = ("agent", "customer")
    return {
        "id": conversation_id,
        "platform": "voice",
        "contact_id": "ct_bench",
        "contact": "+12025550100",
        "point_of_contact": "+18005550100",
        "direction": "inbound",
        "used_for": "production",
        "status": "completed",
        "flow_id": None,
        "flow_name": "Tech Support Triage",
        "duration_seconds": 3 * messages,
        "last_message": "Bye.",
        "last_message_at": at(messages),
        "started_at": at(0),
        "ended_at": at(messages),
        "flagged": False,
        "functions": ["lookup_account"],
        "parameters": [],
        "tags": [{"key": "Language", "value": "English"}],
        "live_state": "ended",
        "supervisor_mode": "none",
        "current_node": None,
        "has_audio": False,
        "change_seq": 1,
        "reason": "Connection drops",
        "summary": "Router restarted.",
        "analysis": "Resolved.",
        "sentiment": [{"emotion": "relief", "score": 0.7}],
        "voice": None,
        "messages": [
            {
                "index": i,
                "role": "coaching" if i % 97 == 96 else roles[i % 2],
                "text": " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 3))),
                "at": at(i),
                "offset_ms": 3000 * i,
                "duration_ms": 2500,
            }
            for i in range(messages)
        ],
        "function_calls": [
            {
                "index": n,
                "name": "lookup_account",
                "input": {"account_id": f"{n:08d}"},
                "output": {"found": True, "plan": "Basic"},
                "at": at(i),
                "offset_ms": 3000 * i,
                "message_index": i,
            }
            for n, i in enumerate(range(5, messages, 10))
        ],
        "flow_path": [],
        "coaching": [],
        "artifacts": [],
        "audio": None,
    }


def child(scratch: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from app.cache.store import CacheStore
    from app.domain import ConversationDetail
    from ui.pyside_workarounds import keep_singletons_alive

    keep_singletons_alive()
    from PySide6.QtCore import QEvent, QObject, QStringListModel
    from PySide6.QtWidgets import QAbstractItemView, QApplication, QListView

    from app import transcript
    from ui.detail.transcript import TranscriptModel, TranscriptView

    qt = QApplication(["detail-bench"])
    store = CacheStore.open(scratch / "cache.sqlite3")
    for conversation_id, count in (("cnv_open", OPEN_MESSAGES), ("cnv_scroll", SCROLL_MESSAGES)):
        store.write_detail("acme", ConversationDetail.model_validate(_record(conversation_id, count)))

    class Painted(QObject):
        """Notes the end of the viewport's first paint that shows rows."""

        def __init__(self, view: QListView) -> None:
            super().__init__(view)
            self.view, self.at = view, 0.0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.view.model().rowCount() and not self.at:
                self.at = -1.0  # this paint shows rows: stamped once it is over
            return False

    def until_painted(view: QListView, started: float) -> float:
        probe = Painted(view)
        view.viewport().installEventFilter(probe)
        while probe.at == 0.0:
            qt.processEvents()
        qt.processEvents()
        view.viewport().removeEventFilter(probe)
        return (time.perf_counter() - started) * 1000

    def shown(view: QListView) -> QListView:
        view.resize(1000, 780)
        view.show()
        qt.processEvents()
        return view

    model = TranscriptModel()
    view = shown(TranscriptView(model))
    opened = []
    for _ in range(OPENS):
        model.set_entries(())
        qt.processEvents()
        started = time.perf_counter()
        model.set_entries(transcript.entries(store.detail("acme", "cnv_open")))  # type: ignore[arg-type]
        opened.append(until_painted(view, started))

    bare_model = QStringListModel()
    bare = QListView()
    bare.setModel(bare_model)
    bare.setWordWrap(True)
    bare.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    bare.setLayoutMode(QListView.LayoutMode.Batched)
    shown(bare)
    db = sqlite3.connect(scratch / "cache.sqlite3")
    texts_sql = (
        "SELECT m.text FROM messages m JOIN conversations c ON c.pk = m.conversation_pk "
        "WHERE c.id = ? ORDER BY m.idx"
    )
    bare_opened = []
    for _ in range(OPENS):
        bare_model.setStringList([])
        qt.processEvents()
        started = time.perf_counter()
        bare_model.setStringList([row[0] for row in db.execute(texts_sql, ("cnv_open",))])
        bare_opened.append(until_painted(bare, started))

    def frames(list_view: QListView, rows: int) -> list[float]:
        rng = random.Random(7)
        bar = list_view.verticalScrollBar()
        steps = [None] * PAGES + [rng.randrange(rows) for _ in range(JUMPS)]
        out = []
        bar.setValue(0)
        qt.processEvents()
        for step in steps:
            started = time.perf_counter()
            if step is None:
                bar.setValue(bar.value() + bar.pageStep())
            else:
                list_view.scrollTo(
                    list_view.model().index(step, 0), QAbstractItemView.ScrollHint.PositionAtTop
                )
            list_view.viewport().repaint()
            out.append((time.perf_counter() - started) * 1000)
        return out

    model.set_entries(transcript.entries(store.detail("acme", "cnv_scroll")))  # type: ignore[arg-type]
    until_painted(view, time.perf_counter())
    print(f"laid out in {_laid_out(qt, view):.2f} s", file=sys.stderr)
    scroll = frames(view, model.rowCount())
    bare_model.setStringList([row[0] for row in db.execute(texts_sql, ("cnv_scroll",))])
    _laid_out(qt, bare)
    bare_scroll = frames(bare, bare_model.rowCount())
    result = {
        "open_ms": opened,
        "bare_open_ms": bare_opened,
        "scroll_ms": scroll,
        "bare_scroll_ms": bare_scroll,
    }
    print(PREFIX + json.dumps(result), flush=True)
    store.close()


def _laid_out(qt: Any, view: Any) -> float:
    """Until a batched layout has placed every row (the last one has a place); its seconds."""
    started = time.perf_counter()
    last = view.model().index(view.model().rowCount() - 1, 0)
    while view.visualRect(last).height() == 0:
        qt.processEvents()
    qt.processEvents()
    return time.perf_counter() - started


if __name__ == "__main__":
    child(Path(sys.argv[1]))
