"""window: the main window (ui/) offline on a cache of the scale's size.

The cache bench's file of the scale (bench/cache_build.py: 20,000 or 1,000,000 summaries,
5,000 or 100,000 of them with full records) is reused, or built first, and copied to
where the app looks for the cache of the last user (bench/window_setup.py); the server
address is a loopback port nobody listens on, so the window opens offline on it. Every
window runs on Qt's offscreen platform (QT_QPA_PLATFORM=offscreen, one 1920x1080
screen): it paints with the same raster engine into the same kind of backing store as
on X11, without sending the pixels to a display server (a full repaint of the table
measured 38 ms under Xvfb and 38 ms offscreen on the same machine).

Figures (value, bound measured in the same run):

    window.launch          median s from starting `python main.py --settings F --server URL`
                           to the end of the first paint with the rows on screen holding
                           their data (bench/window_probe.py), warm page cache; bound: a
                           fresh process that reads the same first 100 rows with sqlite3
                           and paints them in a bare QTableView. Goal <= 1.0 s
    window.scroll.page     p99 of the frame time (ms) of PageDown steps from the top (25 a
    window.scroll.jump     second), and of jumps to random positions (10 a second), in the
                           real window: the longest frame of each step (GUI-thread work up to
                           a flush to the screen, bench/window_frames.py), block arrivals and
                           their repaints included (bench/window_scroll.py);
                           bound: the same steps in a bare QTableView over an in-memory model of
                           as many rows (bench/window_bare.py). Goal <= 16 ms p99
    window.filter.<case>   p99 ms from the filters panel's filter_changed to the flush of the
                           paint of the first screen of the new rows (bench/window_filter.py);
                           bound: CacheStore.row_keys of the same filter, one screen of rows.
                           Goal <= 100 ms (filters), <= 250 ms (content.*)
    window.live.busy       % of the GUI thread's time on CPU with 500 live calls updating
                           twice a second each (1,000 events/s, bench/window_live.py);
                           bound: the idle window. Goal <= 25 %
    window.live.max_frame  the longest gap (ms) of a 16 ms heartbeat timer meanwhile;
                           bound: the idle window. Goal <= 50 ms
    window.rss             RSS (MB) of the window's process after the scrolling and
                           filtering; bound: the bare QTableView process of window.launch.
                           Goal <= 400 MB

Every child's log is kept in the run directory.
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench import cache_bench, window_launch, window_setup
from bench.cache_build import built_cache
from bench.common import ROOT, Context, emit, log, percentile, summary
from bench.window_setup import Scratch

LAUNCH_GOAL_S, FRAME_GOAL_MS, BUSY_GOAL_PCT, GAP_GOAL_MS, RSS_GOAL_MB = 1.0, 16.0, 25.0, 50.0, 400.0
WINDOW_SIZE = (1440, 900)  # the main window's size at first start: the bare launch table's


@dataclass(frozen=True)
class WindowScale:
    launches: int  # timed runs of each (after a warm-up)
    pages: int  # PageDown steps
    jumps: int
    filter_samples: int  # per case
    live_seconds: float  # each of the idle and the live phase


SCALES = {
    "quick": WindowScale(launches=3, pages=100, jumps=40, filter_samples=2, live_seconds=5.0),
    "full": WindowScale(launches=7, pages=1000, jumps=300, filter_samples=10, live_seconds=20.0),
}


def run(ctx: Context) -> None:
    scale, cache_scale = SCALES[ctx.scale.name], cache_bench.SCALES[ctx.scale.name]
    built = built_cache(ctx.scale.name, cache_scale.conversations, cache_scale.full, reseed=ctx.reseed)
    scratch = window_setup.prepare(built, ctx.run_dir / "window")
    try:
        bare_rss_mb = _launch(scratch, scale)
        session = _session(scratch, scale)
        _scroll(scratch, scale, session)
        _filters(scratch, session)
        _rss(scratch, session, bare_rss_mb)
        _live(scratch, session)
    finally:
        if not ctx.keep:
            window_setup.remove(scratch)
    log(f"window: logs in {scratch.root}")


def _name(figure: str) -> str:
    return figure


# --- launch -------------------------------------------------------------------------------------


def _launch(scratch: Scratch, scale: WindowScale) -> float:
    """Emits window.launch; returns the bare table process's RSS (MB), window.rss's bound."""
    launches = window_launch.measure(scratch, scale.launches, WINDOW_SIZE)
    bound = statistics.median(launches.bare_s)
    value = statistics.median(launches.app_s) if launches.app_s and not launches.never else math.nan
    runs = len(launches.app_s) + launches.never
    log(
        f"window.launch: app [{summary(launches.app_s)}] s, rows never shown in {launches.never} of {runs} "
        f"runs; bare table [{summary(launches.bare_s)}] s; median s from start to: "
        f"{window_launch.phases(launches)}; "
        f"RSS at first paint: app {statistics.median(launches.app_rss_kb or [0]) / 1024:.0f} MB, "
        f"bare {statistics.median(launches.bare_rss_kb) / 1024:.0f} MB"
    )
    emit(
        _name("window.launch"),
        value,
        "s",
        bound,
        f"<= {LAUNCH_GOAL_S:g} s (median)",
        scratch.conversations,
        value <= LAUNCH_GOAL_S,
    )
    return statistics.median(launches.bare_rss_kb) / 1024


# --- the in-process window ------------------------------------------------------------------------


def _relay(stream: IO[bytes], path: Path, marker: str) -> None:
    """Keep a child's stderr in its log; pass its progress lines on."""
    with open(path, "ab") as out:
        for line in stream:
            out.write(line)
            text = line.decode(errors="replace").rstrip()
            if text.startswith(marker):
                print(text, file=sys.stderr, flush=True)


def _child(module: str, spec: dict[str, Any], scratch: Scratch, prefix: str, marker: str) -> dict[str, Any]:
    log_path = scratch.root / f"{module.rsplit('.', 1)[-1]}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=scratch.env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    relay = threading.Thread(target=_relay, args=(process.stderr, log_path, marker), daemon=True)
    relay.start()
    process.stdin.write(json.dumps(spec).encode())
    process.stdin.close()
    output = process.stdout.read().decode()
    code = process.wait()
    relay.join(10)
    lines = [line for line in output.splitlines() if line.startswith(prefix)]
    if code != 0 or not lines:
        raise RuntimeError(f"{module} failed (exit {code}); see {log_path}")
    result: dict[str, Any] = json.loads(lines[-1][len(prefix) :])
    return result


def _session(scratch: Scratch, scale: WindowScale) -> dict[str, Any]:
    spec = {
        **json.loads(scratch.spec()),
        "pages": scale.pages,
        "jumps": scale.jumps,
        "filter_samples": scale.filter_samples,
        "live_seconds": scale.live_seconds,
    }
    log(f"window: the real window, offline on {scratch.conversations:,} cached conversations")
    session = _child("bench.window_session", spec, scratch, "SESSION ", "[window session")
    (scratch.root / "session.json").write_text(json.dumps(session))  # every sample, for a closer look
    if not session["rows_shown"]:
        log(
            "window: the rows on screen never got their data; the "
            "scrolling, filter, live and memory figures cannot be measured"
        )
    return session


def _not_measured(scratch: Scratch, figures: list[tuple[str, str, str]]) -> None:
    for figure, unit, goal in figures:
        emit(_name(figure), math.nan, unit, None, goal, scratch.conversations, False)


# --- scrolling ------------------------------------------------------------------------------------


def _scroll(scratch: Scratch, scale: WindowScale, session: dict[str, Any]) -> None:
    goal = f"<= {FRAME_GOAL_MS:g} ms p99"
    if not session["rows_shown"]:
        _not_measured(scratch, [("window.scroll.page", "ms", goal), ("window.scroll.jump", "ms", goal)])
        return
    spec = {
        "cache": str(scratch.cache),
        "tenant": "acme",
        "rows": scratch.conversations,
        "viewport": session["viewport"],
        "row_height": session["row_height"],
        "column_widths": session["column_widths"],
        "pages": scale.pages,
        "jumps": session["jumps"],
    }
    log(f"window: the bare table, {scratch.conversations:,} rows in memory, viewport {session['viewport']}")
    bare = _child("bench.window_bare", spec, scratch, "BARE ", "[window bare")
    for kind in ("page", "jump"):
        frames, floor = session[f"{kind}_ms"], bare[f"{kind}_ms"]
        shown = [s for s in session[f"{kind}_shown_ms"] if s is not None]
        late = len(session[f"{kind}_shown_ms"]) - len(shown)
        value, bound = percentile(frames, 99), percentile(floor, 99)
        log(
            f"window.scroll.{kind}: frames ms window [{summary(frames)}] bare [{summary(floor)}]; over "
            f"{FRAME_GOAL_MS:g} ms: {sum(f > FRAME_GOAL_MS for f in frames)} of {len(frames)} steps "
            f"(bare {sum(f > FRAME_GOAL_MS for f in floor)}); step -> rows painted with data ms "
            f"[{summary(shown)}], {late} steps whose rows were not painted before the next step"
        )
        log(
            f"window.scroll.{kind}: longest frames: window {'; '.join(session[f'{kind}_longest'])}; bare "
            f"{'; '.join(bare[f'{kind}_longest'])}"
        )
        emit(
            _name(f"window.scroll.{kind}"),
            value,
            "ms",
            bound,
            goal,
            scratch.conversations,
            value <= FRAME_GOAL_MS,
        )


# --- filters --------------------------------------------------------------------------------------


def _filters(scratch: Scratch, session: dict[str, Any]) -> None:
    if not session["rows_shown"]:
        cases = [(f"window.filter.{n}", "ms", f"<= {goal:g} ms p99") for n, goal in session["filter_cases"]]
        _not_measured(scratch, cases)
        return
    for name, case in session["filters"].items():
        value, bound = percentile(case["ms"], 99), percentile(case["bound_ms"], 99)
        if case["not_shown"]:
            value = math.nan
        log(
            f"window.filter.{name}: {case['rows']:,} rows; first screen ms [{summary(case['ms'])}], "
            f"{case['not_shown']} changes never shown; every key listed ms [{summary(case['full_ms'])}]; "
            f"row_keys(limit={session['screen_rows']}) ms [{summary(case['bound_ms'])}]; longest frame "
            f"{case['longest']}"
        )
        emit(
            _name(f"window.filter.{name}"),
            value,
            "ms",
            bound,
            f"<= {case['goal_ms']:g} ms p99",
            scratch.conversations,
            value <= case["goal_ms"],
        )


# --- memory ---------------------------------------------------------------------------------------


def _rss(scratch: Scratch, session: dict[str, Any], bound: float) -> None:
    memory = session["memory"]
    value = memory["VmRSS"] / 1024 if session["rows_shown"] else math.nan  # nothing was scrolled
    after = session.get("memory_after_live", {})
    if session["rows_shown"]:
        log(
            f"window.rss: {memory['VmRSS'] / 1024:.0f} MB after scrolling and filtering (peak "
            f"{memory['VmHWM'] / 1024:.0f} MB); after the live phase {after['VmRSS'] / 1024:.0f} MB "
            f"(peak {after['VmHWM'] / 1024:.0f} MB); bare QTableView process {bound:.0f} MB"
        )
    else:
        log(
            f"window.rss: not measured (nothing could be scrolled); the window with its first screen of "
            f"placeholders: {memory['VmRSS'] / 1024:.0f} MB (peak {memory['VmHWM'] / 1024:.0f} MB)"
        )
    emit(
        _name("window.rss"),
        value,
        "MB",
        bound,
        f"<= {RSS_GOAL_MB:g} MB",
        scratch.conversations,
        value <= RSS_GOAL_MB,
    )


# --- live -----------------------------------------------------------------------------------------


def _live(scratch: Scratch, session: dict[str, Any]) -> None:
    busy_goal, gap_goal = f"<= {BUSY_GOAL_PCT:g} %", f"<= {GAP_GOAL_MS:g} ms"
    if not session["rows_shown"]:
        _not_measured(
            scratch, [("window.live.busy", "%", busy_goal), ("window.live.max_frame", "ms", gap_goal)]
        )
        return
    live = session["live"]
    idle, events = live["idle"], live["events"]
    log(
        f"window.live: {events['offered']:,} events offered in {events['seconds']:.1f} s "
        f"({events['offered'] / events['seconds']:,.0f}/s), {events['delivered']:,} delivered to the window "
        f"in time, {events['backlog']} messages still queued at the end; {live['calls']} calls, "
        f"{live['on_screen']} on screen. GUI thread: CPU {100 * events['cpu_share']:.1f} % (idle "
        f"{100 * idle['cpu_share']:.1f} %), busy periods {100 * events['busy_share']:.1f} % (idle "
        f"{100 * idle['busy_share']:.1f} %), longest frame {events['longest_frame_ms']:.1f} ms; "
        f"heartbeat gaps ms "
        f"[{summary(events['gaps_ms'])}] idle [{summary(idle['gaps_ms'])}]"
    )
    log(f"window.live: longest frames with events: {'; '.join(events['longest'])}")
    value, bound = 100 * events["cpu_share"], 100 * idle["cpu_share"]
    emit(
        _name("window.live.busy"),
        value,
        "%",
        bound,
        busy_goal,
        scratch.conversations,
        value <= BUSY_GOAL_PCT and events["backlog"] == 0,
    )
    gap, idle_gap = max(events["gaps_ms"], default=math.nan), max(idle["gaps_ms"], default=math.nan)
    emit(
        _name("window.live.max_frame"),
        gap,
        "ms",
        idle_gap,
        gap_goal,
        scratch.conversations,
        gap <= GAP_GOAL_MS,
    )
