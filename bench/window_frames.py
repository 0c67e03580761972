"""How the window children see the GUI thread: busy periods, frames, a heartbeat, memory.

A busy period is a stretch in which the GUI thread does not go back to waiting: the
outermost QApplication.notify calls (every event, timer, posted call and asyncio
callback of qasync's loop runs inside one) whose gaps are under GAP_MS are one period.
A new picture reaches the screen at the end of each top-level UpdateRequest event (Qt
paints the window's dirty widgets into its backing store and flushes it there). So a
frame is a piece of a busy period cut at those flushes: from the start of the period or
the previous flush to the next flush, or to the period's end for work that no flush
followed. The longest frame of a step is how long the screen stood still while the GUI
thread worked for it. (The dispatcher's awake/aboutToBlock signals do not bracket the
work with the GLib dispatcher Qt uses on Linux, so they are not used.) The notify
override costs about a microsecond an event, in the window and in its bound alike.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

GAP_MS = 0.3  # events closer than this belong to one busy period
SLOW_MS = 5.0  # top-level events at least this long are noted, to say what long frames were made of
HEARTBEAT_MS = 16
_UPDATE_REQUEST = QEvent.Type.UpdateRequest


@dataclass(frozen=True)
class Recording:
    periods: list[tuple[float, float]]  # (start, end) of busy periods, perf_counter seconds
    flushes: list[float]  # ends of top-level UpdateRequest events: a new picture on screen
    slow: list[tuple[float, float, str]]  # (start, end, what) of top-level events of SLOW_MS or more

    def frames(self) -> list[tuple[float, float]]:
        """(end, ms) of every frame: the busy periods cut at the flushes."""
        out = []
        for start, end in self.periods:
            lo, hi = bisect.bisect_right(self.flushes, start), bisect.bisect_right(self.flushes, end)
            begin = start
            for flush in self.flushes[lo:hi]:
                out.append((flush, (flush - begin) * 1000))
                begin = flush
            if end > begin:
                out.append((end, (end - begin) * 1000))
        return out

    def longest(self, count: int = 3) -> list[str]:
        """The `count` longest frames, each with the slow events that made it up."""
        out = []
        for end, ms in sorted(self.frames(), key=lambda f: -f[1])[:count]:
            start = end - ms / 1000
            parts = [f"{what} {(e - s) * 1000:.0f}" for s, e, what in self.slow if s < end and e > start]
            out.append(f"{ms:.0f} ms ({', '.join(parts) or 'short events only'})")
        return out

    def flush_after(self, at: float) -> float | None:
        """The end of the first flush at or after `at` (a paint seen at `at` shows then)."""
        k = bisect.bisect_left(self.flushes, at)
        return self.flushes[k] if k < len(self.flushes) else None


class TimedApplication(QApplication):
    """A QApplication that records the GUI thread's busy periods and flushes while `recording`."""

    def __init__(self, argv: Sequence[str]) -> None:
        super().__init__(list(argv))
        self.recording = False
        self._periods: list[tuple[float, float]] = []
        self._flushes: list[float] = []
        self._slow: list[tuple[float, float, str]] = []
        self._depth = 0
        self._start = self._end = -1.0

    def notify(self, receiver: QObject, event: QEvent) -> bool:
        if self._depth or not self.recording:
            return super().notify(receiver, event)
        self._depth = 1
        flush = event.type() == _UPDATE_REQUEST and receiver.isWidgetType()
        started = time.perf_counter()
        try:
            return super().notify(receiver, event)
        finally:
            self._depth = 0
            ended = time.perf_counter()
            if flush:
                self._flushes.append(ended)
            if ended - started >= SLOW_MS / 1000:
                what = f"{event.type().name}:{type(receiver).__name__}"
                self._slow.append((started, ended, what))
            if started - self._end < GAP_MS / 1000:
                self._end = ended
            else:
                if self._end >= 0:
                    self._periods.append((self._start, self._end))
                self._start, self._end = started, ended

    def take(self) -> Recording:
        """What was recorded so far (the open period included), and a fresh start."""
        if self._end >= 0:
            self._periods.append((self._start, self._end))
        recording = Recording(self._periods, self._flushes, self._slow)
        self._periods, self._flushes, self._slow = [], [], []
        self._start = self._end = -1.0
        return recording


class Heartbeat:
    """A 16 ms precise timer; the gaps between its ticks say how long the GUI thread was held."""

    def __init__(self, parent: QObject) -> None:
        self.ticks: list[float] = []
        self._timer = QTimer(parent)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks.clear()
        self._timer.start()

    def stop(self) -> list[float]:
        """Gaps between consecutive ticks, ms."""
        self._timer.stop()
        return [(b - a) * 1000 for a, b in zip(self.ticks, self.ticks[1:], strict=False)]


def memory_kb() -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of this process, kB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found
