"""Scrolling steps and their frames, the same for the real window and its bare bound.

A step is a PageDown key press (and release) sent to the table, or a jump: the vertical
scroll bar set to a random position, as dragging its thumb does. Steps come at a fixed
cadence (PageDown held: 25 a second, the X server's default key repeat; jumps: 10 a
second) whether or not the previous step's rows have arrived. Each step's frame time
is the longest frame (window_frames) that ended in its slot: the key handling and
repaint, and the arrival and repaint of the row blocks read for it. Its "shown" time
is from the step to the flush of the first paint in its slot in which every row on
screen had its data (None if that did not happen before the next step).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import random
import time
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QTableView

from bench.window_frames import Recording, TimedApplication
from bench.window_probe import visible_rows_ready

PAGE_CADENCE_S = 0.040
JUMP_CADENCE_S = 0.100
SEED = 7


@dataclass(frozen=True)
class StepResult:
    frame_ms: float  # the longest frame ending in the step's slot
    shown_ms: float | None  # step -> its rows painted with data (None: not within the slot)


class PaintLog(QObject):
    """When the table's viewport was painted, and whether every row on screen had its data."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self._table = table
        self.paints: list[tuple[float, bool]] = []
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints.append((time.perf_counter(), visible_rows_ready(self._table)))
        return False

    def close(self) -> None:
        self._table.viewport().removeEventFilter(self)


def jump_fractions(count: int) -> list[float]:
    rng = random.Random(SEED)
    return [rng.random() for _ in range(count)]


def _page_down(table: QTableView) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(table, QKeyEvent(kind, Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier))


def _jump(table: QTableView, fraction: float) -> None:
    bar = table.verticalScrollBar()
    bar.setValue(round(fraction * bar.maximum()))


async def run_steps(
    qt: TimedApplication, table: QTableView, jumps: list[float] | None, pages: int
) -> tuple[list[StepResult], list[str]]:
    """`pages` PageDowns from where the table is, or one jump per fraction in `jumps`; returns
    each step's result and what the longest frames were made of."""
    cadence = PAGE_CADENCE_S if jumps is None else JUMP_CADENCE_S
    count = pages if jumps is None else len(jumps)
    paints = PaintLog(table)
    qt.take()
    qt.recording = True
    starts = []
    for i in range(count):
        started = time.perf_counter()
        starts.append(started)
        if jumps is None:
            _page_down(table)
        else:
            _jump(table, jumps[i])
        await asyncio.sleep(max(0.0, started + cadence - time.perf_counter()))
    starts.append(time.perf_counter())
    qt.recording = False
    recording = qt.take()
    paints.close()
    return _results(starts, recording, paints.paints), recording.longest()


def _results(starts: list[float], recording: Recording, paints: list[tuple[float, bool]]) -> list[StepResult]:
    frames = recording.frames()
    ends = [end for end, _ in frames]
    times = [at for at, _ in paints]
    results = []
    for begin, finish in itertools.pairwise(starts):
        lo, hi = bisect.bisect_right(ends, begin), bisect.bisect_right(ends, finish)
        frame = max((ms for _, ms in frames[lo:hi]), default=0.0)
        shown = None
        for at, ready in paints[bisect.bisect_left(times, begin) : bisect.bisect_left(times, finish)]:
            if ready:
                flushed = recording.flush_after(at)
                shown = ((flushed if flushed is not None else at) - begin) * 1000
                break
        results.append(StepResult(frame, shown))
    return results
