"""Benchmarks of the reference platform (on PostgreSQL) and of the client core.

Run from the repository root, with the server's virtualenv:

    python -m bench [NAME ...] [--scale quick|full] [--pg URL] [--reseed] [--keep]

    NAME     seed, search, events, sync, cache, live, live_apply, export, window, detail
             (default: all, in that order)
    --scale  quick: 10,000 conversations, about a minute in all on an idle 2-core
             machine (a smoke test: its figures are indicative only);
             full: 1,000,000 conversations (the scale the goals are set for;
             roughly an hour on 2 cores, most of it seeding)
    --pg     any database URL on the PostgreSQL server to use; the role must be
             allowed to create databases (default: $CONVODESK_BENCH_PG, else
             postgresql://convodesk:convodesk@127.0.0.1:5432/postgres)
    --reseed seed the shared databases again even if a marked one is present
    --keep   keep the per-bench scratch databases (bench_events) after the run

Output: each figure is ONE JSON line on stdout, e.g.

    {"bench": "search.first_page.status", "value": 12.3, "unit": "ms", "bound": 8.1,
     "ratio": 1.52, "goal": "<= 50 ms p99 and <= 2x bound", "scale": 1000000, "ok": true}

`bound` is a floor measured in the same run (raw COPY, the same SQL through
psycopg, a bare NOTIFY -> LISTEN); `ratio` is value / bound (for a rate,
bound / value: how many times slower than the floor); `ok` says whether the
goal holds at this scale (a figure without samples has value null and ok
false). Progress and per-figure detail go to stderr only, so
`python -m bench > figures.jsonl` collects the figures. Benchmarks report; they
do not assert.

Figures:

    seed.pg, seed.pg.rate         `python -m server seed` end to end (s, conversations/s);
                                  bound: raw COPY FROM of the same rows into unindexed tables
    search.first_page.<case>      p99 (ms) of the first page (limit 100, date desc) for each
                                  built-in view (view.all, view.production, view.test) and each
                                  filter field alone; bound: the server's own SQL via psycopg.
                                  quick: 25 requests per case, full: 100 (fewer if a case has
                                  taken 4 s / 90 s and has 10), after a warm-up
    search.deep_page[.<case>]     p99 (ms) of pages ~46-50 reached by next_cursor;
                                  bound: the first page p99 of the same case
    events.latency                p99 (ms) from a writer's commit to receipt on 20 WebSockets
                                  (platform with 2 workers), 500 live calls updated by
                                  store.conversations.append_message at 2/s each (1,000/s
                                  offered), at whatever rate that writer reaches;
                                  bound: p99 of a bare PostgreSQL NOTIFY -> LISTEN at 1,000/s
    events.rate                   updates/s the append_message writer committed; bound: the
                                  offered 1,000/s (ratio: offered / reached)
    events.fanout                 as events.latency, with a lean writer committing the same
                                  event rows through psycopg at the full offered 1,000/s: the
                                  relay and WebSocket fan-out at rate; same bound

    cache.first_page.<case>       p99 (ms) of CacheStore.search, first page (limit 100, date desc),
                                  on a cache of the scale's size (quick: 20,000 summaries, 5,000 of
                                  them full records; full: 1,000,000 / 100,000) for each built-in
                                  view and each filter field alone; bound: the same SQL statement
                                  through the sqlite3 module on the same file
    cache.content.<case>          the same for content search (FTS5): common, rare word, phrase
    cache.row_keys.<case>         p99 (ms) of CacheStore.row_keys, every matching row's key in
                                  order: what the lazy table holds (all, a status, a platform,
                                  content); same bound
    cache.size.per_1000_summaries KB of cache file per 1,000 summaries, and per full record
    cache.size.per_full_conversation  (pages in use); bound: the JSON of the same records
    cache.rss                     peak RSS (MB) of a fresh process that opens the cache and runs
                                  every case once; bound: the same imports without the cache
    sync.rate                     summaries/s of the client's change-feed sync (ApiClient +
                                  ChangeSync + CacheStore) from a platform on the scale's
                                  database into an empty cache (full: the first 200,000);
                                  bound: sqlite3 executemany of the same rows, same schema
    live.apply                    p99 (ms) per event from a WebSocket message's arrival to the
                                  end of its notification (validate, apply to the cache,
                                  notify), 500 simulated live calls; bound: validating alone
    live_apply.message            p99 (ms) of CacheStore.apply_events for a message of 50 events
                                  on a copy of the cache bench's file (the window bench's live
                                  traffic: 500 calls, 1,000 events/s); bound: the same rows
                                  written by raw sqlite3 on a second copy, no content index
    live_apply.rate               events/s apply_events keeps up with; bound: the offered 1,000/s
                                  (also `python -m bench.live_apply_bench [--cache FILE]`)

    export.cache.rate             rows/s of the CSV export of every cached row (quick: 20,000,
                                  full: 200,000 summaries; all twelve columns, best of 1 / 3
                                  runs); bound: csv.writer alone over the same cell texts
    export.cache.rate.sql         the same rate; bound: a raw sqlite3 SELECT by the same keys
                                  written with csv.writer
    export.cache.rate.read        the same rate; bound: the export's own column read alone
    export.rss.<rows>             RSS growth (MB) of a fresh process over an export of a quarter
                                  of the rows and of all of them; bound: the quarter's growth
                                  (also `python -m bench.export_bench [--rows N] [--repeat K]`)

    window.launch                 median s from starting `python main.py` (offline on the cache
                                  bench's file of the scale) to the first paint of the table with
                                  the rows on screen holding their data; bound: a fresh process
                                  painting the same first 100 rows (sqlite3) in a bare QTableView
    window.scroll.page            p99 frame time (ms) of PageDown steps and of jumps to random
    window.scroll.jump            rows in the real window (the longest GUI-thread busy period of
                                  a step, row blocks arriving included); bound: the same steps in
                                  a bare QTableView over an in-memory model of as many rows
    window.filter.<case>          p99 ms from a filter change to the first screen of its rows
                                  painted, for each filter field, a date range and content
                                  searches; bound: CacheStore.row_keys of one screen of rows
    window.live.busy              GUI-thread CPU % with 500 live calls updating twice a second
                                  each (1,000 events/s through the app's LiveEvents); bound: idle
    window.live.max_frame         the longest gap (ms) of a 16 ms heartbeat meanwhile; bound: idle
    window.rss                    RSS (MB) of the window's process after scrolling and filtering;
                                  bound: the bare QTableView process
                                  (every window offscreen: QT_QPA_PLATFORM=offscreen)
    detail.open.2000              ms from reading a cached 2,000-message conversation to its
                                  transcript painted; bound: raw sqlite3 texts in a bare QListView
    detail.scroll.10000           p99 frame (ms) of PageDowns and jumps in a 10,000-message
                                  transcript; bound: the bare QListView, same steps
    flow.layout.30 / .300         ms to lay out flows of 30 and 300 nodes; bound: a topological order
    waveform.peaks.60min          s for the peaks of an hour of stereo WAV; bound: numpy in memory

Also: `python -m bench.explain [CASE ...] [--db URL]` prints EXPLAIN (ANALYZE, BUFFERS)
of the SQL the server runs for each search case (--cursor-pages N: for page N+1).

Databases (all on the --pg server):

    convodesk_bench_<scale>       seeded once (seed 1, 12 audio clips) and marked with a
                                  COMMENT holding {"convodesk_bench": 1, ...}; reused by search
                                  while marked and less than two days old (relative filters such
                                  as date_within P7D drift as seeded data ages). The seed bench
                                  seeds into a fresh bench_seed and then hands it over under
                                  this name, so `python -m bench` seeds only once.
    convodesk_bench_events_base   a small seeded platform that bench_events is cloned from.
    bench_events                  the events bench's own copy (dropped after the run).

The cache bench's file lives under $CONVODESK_BENCH_CACHE_DIR (default
~/.cache/convodesk-bench)/cache-<scale>-<fingerprint of the cache schema, its migrations
and the generator>, built once and reused while marked (--reseed builds it again). The
window bench opens a copy of it (in the run directory, removed at the end unless --keep)
as the app's offline cache; the export bench builds its own (cache-export-<rows>-…).

Every platform process a bench starts is stopped when it ends, also on errors;
their logs stay in the run directory printed at the start.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

from bench.common import DEFAULT_PG, ROOT, SCALES, Context, log

BENCHES = ("seed", "search", "events", "sync", "cache", "live", "live_apply", "export", "window", "detail")
EXPORT = {"quick": (20_000, 1), "full": (200_000, 3)}  # rows cached and exported, timed runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benches to run: {', '.join(BENCHES)}")
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--pg", default=os.environ.get("CONVODESK_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--reseed", action="store_true", help="seed the shared databases again")
    parser.add_argument("--keep", action="store_true", help="keep scratch databases")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown bench(es): {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    ctx = Context(pg=args.pg, scale=SCALES[args.scale], reseed=args.reseed, keep=args.keep)
    log(f"scale {ctx.scale.name} ({ctx.scale.conversations:,} conversations); logs in {ctx.run_dir}")
    started = time.perf_counter()
    failed = []
    for name in names:
        bench_started = time.perf_counter()
        try:
            if name == "seed":
                from bench import seed_bench

                seed_bench.run(ctx)
            elif name == "search":
                from bench import search_bench

                search_bench.run(ctx)
            elif name == "events":
                from bench import events_bench

                events_bench.run(ctx)
            elif name == "cache":
                from bench import cache_bench

                cache_bench.run(ctx)
            elif name == "sync":
                from bench import sync_bench

                sync_bench.run(ctx)
            elif name == "live":
                from bench import live_bench

                live_bench.run(ctx)
            elif name == "live_apply":
                from bench import live_apply_bench

                live_apply_bench.run(ctx)
            elif name == "export":
                from bench import export_bench

                rows, repeat = EXPORT[ctx.scale.name]
                export_bench.run(rows, repeat)
            elif name == "detail":
                from bench import detail_bench

                detail_bench.run(ctx.scale.name)
            else:
                from bench import window_bench

                window_bench.run(ctx)
        except KeyboardInterrupt:
            raise
        except Exception:
            failed.append(name)
            log(f"{name} failed:\n{traceback.format_exc()}")
        log(f"{name}: {time.perf_counter() - bench_started:.1f} s")
    outcome = f"; failed: {', '.join(failed)}" if failed else ""
    log(f"done in {time.perf_counter() - started:.1f} s{outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
