"""sync: the client's change-feed sync from a local platform into a fresh cache.

A platform (one worker) serves the scale's shared database; the client's own code
(app.api.client.ApiClient + app.sync.changes.ChangeSync + app.cache.CacheStore)
pulls the change feed of tenant acme, pages of 5,000, into an empty cache file:
HTTP, validation into app.domain.feed records, and the cache's upsert, as the app does
it. The full scale syncs the first SYNC_LIMIT changes (the rest would take as long
again and tell nothing new).

Figure:
  sync.rate   summaries per second, end to end (a first sync: the secondary
              indexes are built at its end, and that is timed too); bound: the rate
              of raw sqlite3 executemany inserts of the same rows (the conversation
              rows in the cache's own encoding, app.cache.summary_rows, and their
              function, tag and parameter rows) into an empty cache file of the same
              schema, secondary indexes set aside and built at the end, contacts
              counted and spelled and ANALYZE run, as a first sync does.
              Goal: >= 20,000/s and >= 50% of the bound.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.schema import CreateIndex

from app.api.client import ApiClient
from app.cache import indexes, side_rows, summary_rows
from app.cache.schema import conversation_functions, conversation_parameters, conversation_tags
from app.cache.store import CacheStore
from app.domain.feed import FeedSummary
from app.settings import ClientSettings
from app.sync.changes import ChangeSync, SyncProgress
from bench.common import BenchPlatform, Context, emit, log, seeded_database

TENANT = "acme"
SYNC_LIMIT = 200_000  # changes synced at the full scale
GOAL_RATE = 20_000.0
GOAL = ">= 20,000/s and >= 50% of bound"


class FixedToken:
    """The bench's tenant token (sign-in is not what is measured)."""

    def __init__(self, token: str) -> None:
        self._token = token
        self.tenant = TENANT

    async def access_token(self) -> str:
        return self._token

    async def renew(self, rejected: str) -> str:
        return self._token


class Enough(Exception):
    """Stops a sync once the bench has what it measures."""


def run(ctx: Context) -> None:
    url = seeded_database(ctx)
    with BenchPlatform(url, ctx.run_dir) as platform:
        token = platform.tenant_token("supervisor", TENANT)
        asyncio.run(_run(ctx, platform.url, token))


async def _run(ctx: Context, server_url: str, token: str) -> None:
    limit = SYNC_LIMIT if ctx.scale.name == "full" else None
    settings = ClientSettings(server_url=server_url)
    with tempfile.TemporaryDirectory(prefix="convodesk-sync-") as scratch:
        async with ApiClient(FixedToken(token), settings) as api:
            store = CacheStore.open(Path(scratch) / "cache.db")
            try:
                synced, seconds = await _sync(api, store, limit)
            finally:
                store.close()
            log(f"sync: {synced:,} summaries in {seconds:.1f} s ({synced / seconds:,.0f}/s)")
            summaries = await _rows(api, synced)
        bound = _raw_insert_rate(Path(scratch) / "raw.db", summaries)
    rate = synced / seconds
    emit(
        "sync.rate", rate, "summaries/s", bound, GOAL, ctx.scale.conversations,
        rate >= GOAL_RATE and rate >= 0.5 * bound, ratio=bound / rate,
    )


async def _sync(api: ApiClient, store: CacheStore, limit: int | None) -> tuple[int, float]:
    sync = ChangeSync(api, store, TENANT)
    last: list[SyncProgress] = []

    def watch(progress: SyncProgress) -> None:
        last.append(progress)
        if progress.pages % 10 == 0:
            log(f"sync: {progress.upserted:,} after {progress.seconds:.1f} s")

    sync.progress.subscribe(watch)
    started = time.perf_counter()
    task = asyncio.create_task(sync.run())
    while not task.done():
        await asyncio.sleep(0.05)
        if limit is not None and last and last[-1].upserted >= limit:
            task.cancel()  # between pages: every applied page is committed
            break
    with contextlib.suppress(asyncio.CancelledError):
        await task
    seconds = time.perf_counter() - started
    return last[-1].upserted, seconds


async def _rows(api: ApiClient, count: int) -> list[FeedSummary]:
    """The first `count` summaries of the feed."""
    rows: list[FeedSummary] = []
    cursor = None
    while len(rows) < count:
        page = await api.changes(cursor, limit=5000)
        rows += [change.conversation for change in page.changes if change.conversation is not None]
        cursor = page.next_cursor
        if not page.has_more:
            break
    return rows[:count]


@dataclass(frozen=True)
class RawRows:
    """The rows a sync writes for some summaries, encoded as the cache encodes them (keys
    1, 2, … as in an empty cache), before any timing."""

    conversations: list[tuple[Any, ...]]
    functions: list[tuple[Any, ...]]
    tags: list[tuple[Any, ...]]
    parameters: list[tuple[Any, ...]]

    @classmethod
    def of(cls, summaries: list[FeedSummary]) -> RawRows:
        rows = cls([], [], [], [])
        for pk, s in enumerate(summaries, 1):
            rows.conversations.append(summary_rows.insert_row(pk, TENANT, s, 0))
            rows.functions.extend((pk, name) for name in set(s.functions))
            rows.tags.extend((pk, *pair) for pair in {(t.key, t.value) for t in s.tags})
            rows.parameters.extend((pk, *pair) for pair in {(p.key, p.value) for p in s.parameters})
        return rows

    def tables(self, start: int, stop: int) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        """Table and rows of the summaries [start, stop) (side rows are in key order)."""
        yield "conversations", self.conversations[start:stop]
        for name, rows in (
            ("conversation_functions", self.functions),
            ("conversation_tags", self.tags),
            ("conversation_parameters", self.parameters),
        ):
            keys = [row[0] for row in rows]
            yield name, rows[bisect.bisect_left(keys, start + 1) : bisect.bisect_left(keys, stop + 1)]


def _raw_insert_rate(path: Path, summaries: list[FeedSummary]) -> float:
    """Rows per second of raw sqlite3 executemany (plain INSERTs) of the same rows into an
    empty cache of the same schema, in pages of 5,000 committed one by one, as sync
    commits, with the secondary indexes set aside and built at the end, then the
    contacts counted and spelled and ANALYZE run, as a first sync does (keeping every index up to
    date instead is several times slower at either scale)."""
    rows = RawRows.of(summaries)
    count = len(rows.conversations)
    CacheStore.open(path).close()  # creates the schema through the migrations
    statements = {
        table.name: f"INSERT INTO {table.name} VALUES ({', '.join('?' * len(table.columns))})"
        for table in (conversation_functions, conversation_tags, conversation_parameters)
    }
    statements["conversations"] = (
        f"INSERT INTO conversations ({', '.join(summary_rows.INSERT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(summary_rows.INSERT_COLUMNS))})"
    )
    secondary = indexes.secondary()
    created = [str(CreateIndex(index).compile(dialect=sqlite_dialect())) for index in secondary]
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous = NORMAL")
        for index in secondary:
            db.execute(f"DROP INDEX {index.name}")
        started = time.perf_counter()
        for start in range(0, count, 5000):
            db.execute("BEGIN IMMEDIATE")
            for table, part in rows.tables(start, start + 5000):
                db.executemany(statements[table], part)
            db.execute("COMMIT")
        inserted = time.perf_counter() - started
        db.execute("BEGIN IMMEDIATE")
        db.execute(_RECOUNT_SQL)
        db.execute(side_rows.RESPELL_SQL)  # the store's own statement
        for sql in created:
            db.execute(sql)
        db.execute("COMMIT")
        db.execute("ANALYZE")
        seconds = time.perf_counter() - started
    finally:
        db.close()
    log(
        f"sync: raw executemany of the same {count:,} summaries: {count / seconds:,.0f}/s "
        f"(inserts {inserted:.1f} s, then indexes, counts, spellings and ANALYZE {seconds - inserted:.1f} s)"
    )
    return count / seconds


_RECOUNT_SQL = (
    "INSERT INTO contact_counts "
    "SELECT tenant, contact_id, count(*) FROM conversations GROUP BY tenant, contact_id"
)
