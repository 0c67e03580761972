"""When conversations happen: start times weighted by day and hour, live ones in the last half hour.

Timedeltas come from tables prepared once: building a timedelta costs more than the
addition it is used for.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime, timedelta

from server.seed.compiled_scripts import Call, Row
from server.seed.enum_values import SYSTEM
from server.seed.weights import Rand, WeightedTable

HISTORY_DAYS = 180
IN_PROGRESS_WINDOW_MS = 28 * 60 * 1000  # live conversations started within the last ~30 minutes
# Hour-of-day weights (UTC): business hours dominate.
HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.2, 2.5, 3.5, 3.8, 3.6,
                3.2, 3.5, 3.6, 3.4, 3.0, 2.4, 1.6, 1.1, 0.8, 0.6, 0.4, 0.3)


def ms(value: int) -> timedelta:
    return timedelta(0, 0, 0, value)


class Timeline:
    __slots__ = (
        "_day_tds", "_days", "_hours", "_midnight", "_second_tds", "_since_midnight", "deltas", "now",
    )

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._hours = WeightedTable({h: w for h, w in enumerate(HOUR_WEIGHTS)})
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        self._midnight = midnight
        self._since_midnight = int((now - midnight).total_seconds())
        self._day_tds = [timedelta(days=d) for d in range(HISTORY_DAYS + 30)]
        self._second_tds = [timedelta(seconds=s) for s in range(86_400)]
        day_weights = {}
        for d in range(HISTORY_DAYS):
            weekend = (midnight - timedelta(days=d)).weekday() >= 5
            day_weights[d] = (1.0 + 3.0 * (1 - d / HISTORY_DAYS) ** 2) * (0.5 if weekend else 1.0)
        self._days = WeightedTable(day_weights)
        # Offset (ms) -> timedelta: whole seconds (text messages are timed to the second), plus
        # whatever remember() is given (every offset of the recordings).
        self.deltas: dict[int, timedelta] = {s * 1000: timedelta(seconds=s) for s in range(7200)}

    def remember(self, offsets: Iterable[int]) -> None:
        for offset in offsets:
            self.deltas[offset] = ms(offset)

    def place(
        self, rows: list[Row], calls: list[Call], end_ms: int, live: bool, r: Rand
    ) -> tuple[list[Row], list[Call], datetime, datetime | None]:
        """(rows, calls, started_at, ended_at): a live conversation keeps only what was said so far."""
        if live:
            talk = [row for row in rows if row[0] != SYSTEM] or rows
            first_end = talk[0][2] + talk[0][3] + 500 if talk else 1_000
            limit = max(first_end + 1, min(end_ms, IN_PROGRESS_WINDOW_MS))
            elapsed = first_end + int(r() * (limit - first_end))
            rows = [row for row in talk if row[2] + row[3] <= elapsed]
            calls = [c for c in calls if c[0] < len(rows)]
            return rows, calls, self.now - ms(elapsed), None
        started_at = self._start_time(r, end_ms)
        return rows, calls, started_at, started_at + (self.deltas.get(end_ms) or ms(end_ms))

    def _start_time(self, r: Rand, duration_ms: int) -> datetime:
        """Recent days and business hours are busier; the conversation must have ended by now."""
        day = bisect_right(self._days.cum, r())
        second = bisect_right(self._hours.cum, r()) * 3_600 + int(r() * 3_600)  # of the day
        latest = self._since_midnight - duration_ms // 1000 - 60
        while second - day * 86_400 > latest:
            day += 1
        day_td = self._day_tds[day] if day < len(self._day_tds) else timedelta(days=day)
        return self._midnight - day_td + self._second_tds[second]
