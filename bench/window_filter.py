"""window.filter.<case>: a filter change until the table shows the first screen of its rows.

Each sample starts from the full listing (no filter, settled), emits the filters panel's
filter_changed signal with the case's filter (what the panel does once the user's
click or typing has settled; the panel's own wait is not counted), and ends when the
paint of the table in which every row on screen held its data, after the model took
the new listing, reached the screen (the end of its window's UpdateRequest). Then it
waits for the listing to read every matching key (its second query, reported in
stderr as "full"). The bound is CacheStore.row_keys for the same filter with a limit
of one screen of rows, called directly on the same store (the query any listing must
run), between the samples.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView

from app.domain import Filter, Sort
from bench.cache_data import Synthetic
from bench.window_frames import TimedApplication
from bench.window_probe import visible_rows_ready

INDEXED_MS, CONTENT_MS = 100.0, 250.0
WAIT_S = 30.0  # a change whose rows do not show in this long counts as not shown


@dataclass(frozen=True)
class FilterCase:
    name: str
    filter: Filter
    goal_ms: float


def cases(synth: Synthetic) -> list[FilterCase]:
    """The cache bench's filter fields (bench.cache_bench), a date range and content searches."""
    step = max(1, synth.count // 10)
    ids = tuple(synth.conversation_id(i) for i in range(step // 2, synth.count, step))
    phone = synth.contact(synth.contacts // 2)[2]
    week = synth.now - timedelta(days=60)
    fields: dict[str, dict[str, Any]] = {
        "status": {"statuses": ["reported"]},
        "platform": {"platforms": ["slack"]},
        "date_range": {"date_from": week - timedelta(days=7), "date_to": week},
        "date_within": {"date_within": "P7D"},
        "flagged": {"flagged": True},
        "direction": {"direction": "outbound"},
        "used_for": {"used_for": "test"},
        "flow": {"flow_ids": ["flow_acme_tech"]},
        "repeat_contacts": {"repeat_contacts": {"min": 5}},
        "ids": {"ids": ids},
        "contact": {"contact": "garcia"},
        "contact.phone": {"contact": phone},
        "function": {"functions": ["send_sms"]},
        "tag": {"tags": [{"key": "Language", "value": "Spanish"}]},
        "parameter": {"parameters": [{"key": "region", "value": "us-east"}]},
    }
    found = [FilterCase(n, Filter.model_validate(f), INDEXED_MS) for n, f in fields.items()]
    content = {"content.common": "help", "content.rare": "chargeback", "content.phrase": '"thank you"'}
    return found + [FilterCase(n, Filter(content=q), CONTENT_MS) for n, q in content.items()]


@dataclass
class CaseResult:
    ms: list[float] = field(default_factory=list)  # change -> first screen painted with its rows
    full_ms: list[float] = field(default_factory=list)  # change -> every key listed
    bound_ms: list[float] = field(default_factory=list)
    not_shown: int = 0
    rows: int = 0
    longest_frame_ms: float = 0.0  # the longest frame of any sample, change to every key listed
    longest: str = ""  # what it was made of


class _ReadyPaint(QObject):
    """Calls `ready(at)` at the first Paint of the viewport, once armed, whose rows on screen
    all hold data (or that shows an empty listing)."""

    def __init__(self, table: QTableView, ready: Callable[[float], None]) -> None:
        super().__init__(table)
        self._table, self._ready = table, ready
        self.armed = False
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.armed and event.type() == QEvent.Type.Paint:
            at = time.perf_counter()
            if self._table.model().rowCount() == 0 or visible_rows_ready(self._table):
                self.armed = False
                self._ready(at)
        return False

    def close(self) -> None:
        self._table.viewport().removeEventFilter(self)


async def _until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def settle(window: Any, f: Filter) -> bool:
    """List `f` and wait until the listing is complete and its first screen shows."""
    window.listing.set_filter(f)
    await asyncio.sleep(0)
    return await _until(lambda: window.listing.idle and visible_rows_ready(window.table), WAIT_S)


async def measure(
    qt: TimedApplication, window: Any, case: FilterCase, samples: int, screen_rows: int
) -> CaseResult:
    result = CaseResult()
    store, tenant = window.workspace.store, window.workspace.tenant
    loop = asyncio.get_running_loop()
    for _ in range(samples):
        await settle(window, Filter())
        shown: asyncio.Future[float] = loop.create_future()

        def ready(at: float, shown: asyncio.Future[float] = shown) -> None:
            if not shown.done():
                shown.set_result(at)

        watch = _ReadyPaint(window.table, ready)

        def on_reset(watch: _ReadyPaint = watch) -> None:
            watch.armed = True  # the model holds the new listing: its first screen is awaited

        window.model.modelReset.connect(on_reset)
        qt.take()
        qt.recording = True
        started = time.perf_counter()
        window.filters.filter_changed.emit(case.filter)
        try:
            painted = await asyncio.wait_for(shown, WAIT_S)
        except TimeoutError:
            painted = None
        complete = await _until(lambda: window.listing.idle, WAIT_S)
        finished = time.perf_counter()
        qt.recording = False
        recording = qt.take()
        frames = recording.frames()
        worst = max((ms for _, ms in frames), default=0.0)
        if worst > result.longest_frame_ms:
            result.longest_frame_ms, result.longest = worst, recording.longest(1)[0]
        window.model.modelReset.disconnect(on_reset)
        watch.close()
        if painted is None:
            result.not_shown += 1
        else:
            flushed = recording.flush_after(painted)
            result.ms.append(((flushed if flushed is not None else painted) - started) * 1000)
        if complete:
            result.full_ms.append((finished - started) * 1000)
        result.rows = window.model.rowCount()
        now = datetime.now(UTC)
        bound_started = time.perf_counter()
        store.row_keys(tenant, case.filter, Sort(), now=now, limit=screen_rows)
        result.bound_ms.append((time.perf_counter() - bound_started) * 1000)
    return result
