"""window.launch: start to the first paint with rows, the app and a bare table, each in a fresh process.

The parent reads time.monotonic() (one clock for every process on Linux) just before
starting the child; the child (bench.window_probe) stamps the end of the first paint
in which the table's rows on screen had their data. App and bare runs alternate, after
one warm-up of each (so both find the cache file in the OS page cache: a warm start).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bench.common import ROOT, log
from bench.window_probe import PREFIX
from bench.window_setup import Scratch

GIVE_UP_S = 10.0  # the app probe stops waiting for rows this long after the window shows
TIMEOUT_S = 120.0


@dataclass
class Launches:
    app_s: list[float] = field(default_factory=list)  # start -> painted with rows
    bare_s: list[float] = field(default_factory=list)
    never: int = 0  # app runs whose rows never showed within GIVE_UP_S
    app_marks: list[dict[str, float]] = field(default_factory=list)  # phases, s from start
    bare_rss_kb: list[int] = field(default_factory=list)
    app_rss_kb: list[int] = field(default_factory=list)


def _child(command: list[str], scratch: Scratch, log_name: str) -> tuple[float, dict[str, Any]]:
    with open(scratch.root / log_name, "ab") as errors:
        started = time.monotonic()
        done = subprocess.run(
            command, cwd=ROOT, env=scratch.env(), stdout=subprocess.PIPE, stderr=errors, timeout=TIMEOUT_S
        )
    lines = [line for line in done.stdout.decode().splitlines() if line.startswith(PREFIX)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{command[3]} probe failed (exit {done.returncode}); see {scratch.root / log_name}"
        )
    return started, json.loads(lines[-1][len(PREFIX) :])


def app_command(scratch: Scratch) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.window_probe",
        "app",
        str(GIVE_UP_S),
        "--",
        "--settings",
        str(scratch.settings),
        "--server",
        scratch.server_url,
    ]


def measure(scratch: Scratch, runs: int, table_size: tuple[int, int]) -> Launches:
    bare_command = [
        sys.executable,
        "-m",
        "bench.window_probe",
        "bare",
        str(scratch.cache),
        "acme",
        str(table_size[0]),
        str(table_size[1]),
    ]
    result = Launches()
    app_runs = True  # until a run whose rows never show: waiting GIVE_UP_S again says nothing new
    for run in range(runs + 1):
        warm_up = run == 0
        shown = "not run (its rows never show)"
        if app_runs:
            started, marks = _child(app_command(scratch), scratch, "launch-app.log")
            if marks.get("painted") is None:
                shown, app_runs = f"rows never shown in {GIVE_UP_S:g} s", False
                result.never += 1
                result.app_marks.append({k: v - started for k, v in marks.items() if isinstance(v, float)})
            else:
                app = marks["painted"] - started
                shown = f"{app:.3f} s"
                if not warm_up:
                    result.app_s.append(app)
                    result.app_rss_kb.append(marks["vmrss_kb"])
                    result.app_marks.append(
                        {k: v - started for k, v in marks.items() if isinstance(v, float)}
                    )
        started, marks = _child(bare_command, scratch, "launch-bare.log")
        bare = marks["painted"] - started
        if not warm_up:
            result.bare_s.append(bare)
            result.bare_rss_kb.append(marks["vmrss_kb"])
        log(f"window.launch run {run}{' (warm-up)' if warm_up else ''}: app {shown}, bare table {bare:.3f} s")
    return result


def phases(launches: Launches) -> str:
    """Median time from start to each mark of the app probe."""
    names = ("probe_start", "imports", "window_show", "first_paint", "rows_paint", "ready_paint", "painted")
    parts = []
    for name in names:
        values = [m[name] for m in launches.app_marks if name in m]
        if values:
            parts.append(f"{name} {statistics.median(values):.3f}")
    return ", ".join(parts)
