"""CSV export of the offline cache: rate and memory.

    python -m bench.export_bench [--rows N] [--repeat K]

Builds (once, then reuses: bench.cache_build) a cache of N summaries (default 200,000)
and times app.export.sources.export_cache of every row, all twelve columns, date order,
best of K runs. Figures, one JSON line each (bench.common.emit):

    export.cache.rate       rows/s of export_cache; bound: csv.writer alone writing the
                            same cell texts, already in memory, to a file (the floor of
                            any export through the csv module); ratio = bound / value
    export.cache.rate.sql   the same rate; bound: raw sqlite3 SELECT of the stored columns
                            (no formatting) by the same keys, written with csv.writer
    export.cache.rate.read  the same rate; bound: the export's own read alone, its column
                            texts of every block (app.cache.export_rows, one group_concat a
                            stored value a block) by the same keys, nothing formatted or
                            written (the floor of this way of exporting)
    export.rss.<rows>       RSS growth (MB) of a fresh process over its export (the largest
                            RSS sampled once a block, less the RSS before), for a quarter
                            of the rows and for all of them; bound: the quarter's growth
                            (flat: the whole is no more than 16 MB above it)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.cache import CacheStore
from app.cache.export_rows import ExportRows
from app.domain import Filter, Sort, TableColumn
from app.export.sources import export_cache
from bench.cache_build import TENANT, built_cache
from bench.cache_data import DAYS
from bench.common import ROOT, emit, log

GOAL_RATE = 200_000
COLUMNS = tuple(TableColumn)


def _best(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def run(rows: int, repeat: int) -> None:
    built = built_cache(f"export-{rows}", rows, 0, reseed=False)
    now = built.instant
    path = Path(built.path)
    out = Path(tempfile.mkdtemp(prefix="convodesk-export-bench-"))
    with CacheStore.open(path) as store:

        def export() -> None:
            export_cache(store, TENANT, Filter(), Sort(), COLUMNS, out / "export.csv", now=now)

        seconds = _best(export, repeat)
        keys = store.row_keys(TENANT, Filter(), Sort(), now=now)
    blocks = [keys[i : i + 5000].tolist() for i in range(0, len(keys), 5000)]
    with ExportRows(path, TENANT, COLUMNS) as reader:
        read = _best(lambda: [reader.columns_of(block) for block in blocks], repeat)
    with open(out / "export.csv", encoding="utf-8-sig", newline="") as f:  # the cell texts, as written
        cells = list(csv.reader(f))[1:]
    texts = [cells[i : i + 5000] for i in range(0, len(cells), 5000)]
    del cells

    def write_only() -> None:
        with open(out / "floor.csv", "w", encoding="utf-8-sig", newline="") as f:
            for block in texts:
                buffer = io.StringIO(newline="")
                csv.writer(buffer, lineterminator="\r\n").writerows(block)
                f.write(buffer.getvalue())

    floor = _best(write_only, repeat)
    texts.clear()  # free them before the next measure
    stored = ", ".join(
        f"c.{name}"
        for name in (
            "id",
            "platform",
            "contact",
            "status",
            "flow_name",
            "duration_seconds",
            "last_message",
            "started_at",
            "flagged",
            "functions",
            "parameters",
            "tags",
        )
    )
    select = (
        f"SELECT {stored} FROM json_each(?) AS k CROSS JOIN conversations AS c ON c.pk = k.value "
        "WHERE c.tenant = ? ORDER BY k.key"
    )

    def raw_sql() -> None:
        db = sqlite3.connect(path)
        try:
            with open(out / "raw.csv", "w", encoding="utf-8-sig", newline="") as f:
                for block in blocks:
                    rows_ = db.execute(select, ("[" + ",".join(map(str, block)) + "]", TENANT)).fetchall()
                    buffer = io.StringIO(newline="")
                    csv.writer(buffer, lineterminator="\r\n").writerows(rows_)
                    f.write(buffer.getvalue())
        finally:
            db.close()

    raw = _best(raw_sql, repeat)
    rate, floor_rate, raw_rate, read_rate = rows / seconds, rows / floor, rows / raw, rows / read
    size = (out / "export.csv").stat().st_size
    log(
        f"export: {rows:,} rows in {seconds:.2f} s ({size / 2**20:.0f} MB file); csv.writer alone "
        f"{floor:.2f} s; raw SELECT + csv.writer {raw:.2f} s; the export's read alone {read:.2f} s"
    )
    goal = f">= {GOAL_RATE:,} rows/s"
    emit(
        "export.cache.rate",
        rate,
        "rows/s",
        floor_rate,
        goal,
        rows,
        rate >= GOAL_RATE,
        ratio=floor_rate / rate,
    )
    emit(
        "export.cache.rate.sql",
        rate,
        "rows/s",
        raw_rate,
        goal,
        rows,
        rate >= GOAL_RATE,
        ratio=raw_rate / rate,
    )
    emit(
        "export.cache.rate.read",
        rate,
        "rows/s",
        read_rate,
        goal,
        rows,
        rate >= GOAL_RATE,
        ratio=read_rate / rate,
    )

    # Memory, in fresh processes: a quarter of the rows (the newest quarter) and all of them.
    quarter = Filter(date_from=now - timedelta(days=DAYS / 4))
    growth: dict[str, float] = {}
    for name, f in (("quarter", quarter), ("all", Filter())):
        child = _child(path, now, f, out / f"rss-{name}.csv")
        growth[name] = (child["peak_kb"] - child["before_kb"]) / 1024
        log(
            f"rss ({name}): {child['rows']:,} rows, {child['before_kb'] / 1024:.0f} MB before, "
            f"{child['after_kb'] / 1024:.0f} MB after, peak {child['peak_kb'] / 1024:.0f} MB"
        )
        emit(
            f"export.rss.{child['rows']}",
            growth[name],
            "MB",
            growth["quarter"],
            "<= the quarter's growth + 16 MB",
            child["rows"],
            growth[name] <= growth["quarter"] + 16,
            ratio=growth[name] / max(growth["quarter"], 1e-9),
        )
    for leftover in out.iterdir():
        leftover.unlink()
    out.rmdir()


def _child(path: Path, now: datetime, f: Filter, out: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "bench.export_bench",
        "--child",
        str(path),
        now.isoformat(),
        f.model_dump_json(),
        str(out),
    ]
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def child(path: str, now: str, filter_json: str, out: str) -> None:
    with CacheStore.open(Path(path)) as store:
        f = Filter.model_validate_json(filter_json)
        instant = datetime.fromisoformat(now)
        store.count(TENANT, f, now=instant)  # warm: imports, connections, the page cache
        before = _rss_kb()
        peak = before

        def sample(_written: int, _expected: int) -> None:  # once a block: the RSS while exporting
            nonlocal peak
            peak = max(peak, _rss_kb())

        written = export_cache(store, TENANT, f, Sort(), COLUMNS, Path(out), now=instant, progress=sample)
        after = _rss_kb()
    print(json.dumps({"rows": written, "before_kb": before, "after_kb": after, "peak_kb": max(peak, after)}))


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--child"]:
        child(*argv[1:5])
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m bench.export_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=200_000, help="summaries in the cache (default 200,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best counts (default 3)")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    run(args.rows, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
