"""seed: `python -m server seed` of the scale into a fresh database, against a raw COPY of the same rows.

The bound is the pure load cost of what the seeder wrote: each bulk table is
copied out to a file (not timed) and loaded back with COPY FROM into an
unindexed scratch table of the same shape, generated columns included (the
tsvector of the transcripts is part of any load). The seeder's extra work over
the bound is generating the data, building indexes and checking foreign keys.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.common import (
    Context,
    create_database,
    emit,
    libpq_url,
    log,
    rename_database,
    run_seed,
    shared_name,
    write_marker,
)

NAME = "bench_seed"
GOAL_SECONDS_PER_MILLION = 600.0
COPY_BLOCK = 1 << 20


def run(ctx: Context) -> None:
    n = ctx.scale.conversations
    url = create_database(ctx, NAME)
    log(f"seed: seeding {n:,} conversations into fresh database {NAME}")
    seeded_at = datetime.now(UTC)
    seconds = run_seed(url, n)
    log(f"seed: {seconds:.1f} s ({n / seconds:,.0f} conversations/s)")

    bound = raw_copy_seconds(url, ctx.run_dir)
    goal_seconds = GOAL_SECONDS_PER_MILLION * n / 1_000_000
    goal = f"<= {goal_seconds:,.0f} s for {n:,} (600 s per 1,000,000)"
    ok = seconds <= goal_seconds
    emit("seed.pg", seconds, "s", bound, goal, n, ok)
    goal_rate = 1_000_000 / GOAL_SECONDS_PER_MILLION
    emit(
        "seed.pg.rate", n / seconds, "conversations/s", n / bound,
        f">= {goal_rate:,.0f} conversations/s", n, ok, ratio=seconds / bound,
    )

    # Hand the freshly seeded database over to the other benches of this scale.
    name = shared_name(ctx.scale)
    rename_database(ctx, NAME, name)
    write_marker(ctx, name, n, seeded_at)
    ctx.fresh_seeded = name
    log(f"seed: database kept as {name} for the other benches")


def _bulk_tables() -> dict[str, list[str]]:
    from server.db.models import Base
    from server.seed.bulk import BULK_TABLES

    return {t: [c.name for c in Base.metadata.tables[t].columns] for t in BULK_TABLES}


def raw_copy_seconds(url: str, work_dir: Path) -> float:
    """Time COPY FROM of every bulk table's rows into unindexed scratch tables."""
    total = index_total = 0.0
    with psycopg.connect(libpq_url(url), autocommit=True) as c:
        for table, columns in _bulk_tables().items():
            scratch = f"bench_scratch_{table}"
            cols = sql.SQL(", ").join(map(sql.Identifier, columns))
            path = work_dir / f"{table}.copy"
            with open(path, "wb") as out, c.cursor() as cur:
                query = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(cols, sql.Identifier(table))
                with cur.copy(query) as copy:
                    for block in copy:
                        out.write(block)
            c.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(scratch)))
            c.execute(
                sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING GENERATED)").format(
                    sql.Identifier(scratch), sql.Identifier(table)
                )
            )
            size = path.stat().st_size
            started = time.perf_counter()
            with open(path, "rb") as data, c.transaction(), c.cursor() as cur:
                query = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(scratch), cols)
                with cur.copy(query) as copy:
                    while block := data.read(COPY_BLOCK):
                        copy.write(block)
            elapsed = time.perf_counter() - started
            total += elapsed
            indexing = _index_seconds(c, table, scratch)
            index_total += indexing
            log(f"seed: raw COPY {table}: {size / 1e6:,.1f} MB in {elapsed:.2f} s; indexes {indexing:.2f} s")
            c.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(scratch)))
            path.unlink()
    log(f"seed: raw COPY of all bulk tables: {total:.2f} s (the bound); building their indexes "
        f"after it: {index_total:.2f} s (not in the bound)")
    return total


def _index_seconds(c: psycopg.Connection[Any], table: str, scratch: str) -> float:
    """For the log: time to build the table's indexes (constraints' included) on the loaded scratch copy."""
    definitions = [
        row[0] for row in c.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s", (table,)
        )
    ]
    c.execute("SET maintenance_work_mem = '512MB'")  # as the seeder does
    started = time.perf_counter()
    for i, definition in enumerate(definitions):
        unique = " UNIQUE" if definition.startswith("CREATE UNIQUE") else ""
        using = definition[definition.index(" USING "):]
        c.execute(f'CREATE{unique} INDEX "bench_scratch_ix_{table}_{i}" ON "{scratch}"{using}')
    return time.perf_counter() - started
