"""The real window in a process of its own, offline on the bench cache, put through its paces.

    python -m bench.window_session < spec.json    # prints `SESSION {json}` on stdout

It starts the window with main.py's own start-up (ui.launcher.run_window), only with a
QApplication that records the GUI thread's busy periods (window_frames).
Then, in order: PageDown steps from the top and random jumps (window_scroll), filter
changes (window_filter), memory (after all that scrolling and filtering), and the idle
and live phases (window_live). If the rows on screen never get their data, it says so
and measures nothing else.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import statistics
import sys
import time
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bench import window_filter, window_live
from bench.cache_bench import FullCollections
from bench.cache_build import SEED
from bench.cache_data import Synthetic
from bench.window_frames import TimedApplication, memory_kb
from bench.window_probe import visible_rows_ready
from bench.window_scroll import jump_fractions, run_steps
from ui.tasks import spawn

PREFIX = "SESSION "
FIRST_ROWS_S = 10.0  # the window's first rows must show within this long to go on


def log(message: str) -> None:
    print(f"[window session {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def _until(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def _geometry(window: Any) -> dict[str, Any]:
    table = window.table
    header = table.horizontalHeader()
    shown = [
        s for s in sorted(range(header.count()), key=header.visualIndex) if not header.isSectionHidden(s)
    ]
    bottom = table.rowAt(table.viewport().height() - 1)
    return {
        "viewport": [table.viewport().width(), table.viewport().height()],
        "row_height": table.rowHeight(0),
        "column_widths": [header.sectionSize(s) for s in shown],
        "screen_rows": (bottom + 1 if bottom >= 0 else table.model().rowCount()) - max(0, table.rowAt(0)),
    }


async def _scroll(qt: TimedApplication, window: Any, spec: dict[str, Any], out: dict[str, Any]) -> None:
    table = window.table
    table.setFocus()
    table.setCurrentIndex(window.model.index(0, 0))
    with FullCollections() as collections:
        pages, out["page_longest"] = await run_steps(qt, table, None, spec["pages"])
    log(f"scroll: {len(pages)} PageDowns to row {table.rowAt(0):,}; {collections}")
    table.scrollToTop()
    await asyncio.sleep(0.3)
    out["jumps"] = jump_fractions(spec["jumps"])
    with FullCollections() as collections:
        jumps, out["jump_longest"] = await run_steps(qt, table, out["jumps"], 0)
    log(f"scroll: {len(jumps)} jumps; {collections}")
    out["page_ms"] = [s.frame_ms for s in pages]
    out["page_shown_ms"] = [s.shown_ms for s in pages]
    out["jump_ms"] = [s.frame_ms for s in jumps]
    out["jump_shown_ms"] = [s.shown_ms for s in jumps]


def heap_census(top: int = 8) -> str:
    """What a full garbage collection walks: the objects tracked outside the heap frozen
    at start-up, by type (the longest live frames are such collections)."""
    objects = gc.get_objects()
    kinds = collections.Counter(type(o).__qualname__ for o in objects)
    most = ", ".join(f"{name} {count:,}" for name, count in kinds.most_common(top))
    return f"heap: {len(objects):,} tracked objects besides the {gc.get_freeze_count():,} frozen; {most}"


def _cases(spec: dict[str, Any]) -> list[window_filter.FilterCase]:
    synth = Synthetic(spec["conversations"], spec["full"], seed=SEED, now=datetime.fromisoformat(spec["now"]))
    return window_filter.cases(synth)


async def _filters(qt: TimedApplication, window: Any, spec: dict[str, Any], out: dict[str, Any]) -> None:
    results = {}
    for case in _cases(spec):
        with FullCollections() as collections:
            result = await window_filter.measure(qt, window, case, spec["filter_samples"], out["screen_rows"])
        middle = statistics.median(result.ms) if result.ms else float("nan")
        log(f"filter {case.name}: {result.rows:,} rows, median {middle:.1f} ms; {collections}")
        results[case.name] = {"goal_ms": case.goal_ms, **asdict(result)}
    out["filters"] = results
    await window_filter.settle(window, window_filter.Filter())


async def _live(qt: TimedApplication, window: Any, spec: dict[str, Any], out: dict[str, Any]) -> None:
    table = window.table
    table.scrollToTop()
    table.clearSelection()
    await _until(lambda: visible_rows_ready(table), FIRST_ROWS_S)
    seconds = spec["live_seconds"]
    started = time.perf_counter()
    messages, on_screen = window_live.build_messages(window, seconds)
    log(
        f"live: {len(messages):,} messages built in {time.perf_counter() - started:.1f} s; "
        f"{on_screen} calls on screen"
    )
    with FullCollections() as collections:
        idle = await window_live.measure(qt, window, seconds, None)
    log(f"live: idle phase done; {collections}")
    with FullCollections() as collections:
        busy = await window_live.measure(qt, window, seconds, messages)
    log(f"live: events phase done; {collections}")
    out["live"] = {
        "idle": asdict(idle),
        "events": asdict(busy),
        "on_screen": on_screen,
        "calls": window_live.CALLS,
    }


async def phases(qt: TimedApplication, window: Any, spec: dict[str, Any], started: float) -> dict[str, Any]:
    out: dict[str, Any] = {"filter_cases": [(case.name, case.goal_ms) for case in _cases(spec)]}
    shown = await _until(lambda: visible_rows_ready(window.table), FIRST_ROWS_S)
    out["rows_shown"] = shown
    out["first_rows_s"] = time.perf_counter() - started if shown else None
    out.update(_geometry(window))
    if not shown:
        log(f"the rows on screen never got their data in {FIRST_ROWS_S:.0f} s: nothing else to measure")
        out["memory"] = memory_kb()
        return out
    log(
        f"first rows shown {out['first_rows_s']:.2f} s after Application.start(); "
        f"{out['screen_rows']} rows on screen"
    )
    await window.settled()  # run_window freezes the start-up heap then: measure after it
    await asyncio.sleep(0.1)
    await _scroll(qt, window, spec, out)
    await _filters(qt, window, spec, out)
    out["memory"] = memory_kb()
    log(f"memory after scrolling and filtering: {out['memory']}")
    log(heap_census())
    await _live(qt, window, spec, out)
    out["memory_after_live"] = memory_kb()
    log(heap_census())
    return out


def main() -> None:
    """ui.launcher.run_window as `python main.py --settings F --server URL` runs it, with two
    changes: its QApplication is a TimedApplication, and the phases run once the window is up."""
    spec = json.loads(sys.stdin.read())
    import PySide6.QtWidgets

    import ui.application
    from ui import launcher

    PySide6.QtWidgets.QApplication = TimedApplication  # type: ignore[misc]  # run_window imports it late
    start = ui.application.Application.start
    result: dict[str, Any] = {}

    async def started(app: Any) -> Any:
        began = time.perf_counter()
        window = await start(app)
        if window is None:
            raise RuntimeError("the window did not open (no cache found for the settings?)")

        async def measure() -> None:
            try:
                result.update(await phases(app.qt, window, spec, began))
            finally:
                window.close()  # run_window then ends as it would

        spawn(measure())
        return window

    ui.application.Application.start = started  # type: ignore[method-assign]
    code = launcher.run_window(["--settings", spec["settings"], "--server", spec["server"]])
    if code != 0 or "rows_shown" not in result:
        raise SystemExit(f"the window session ended without its figures (exit {code})")
    print(PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
