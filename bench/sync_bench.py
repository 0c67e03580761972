"""sync: the client's change-feed sync from a local platform into a fresh cache.

A platform (one worker) serves the scale's shared database; the client's own code
(app.api.client.ApiClient + app.sync.changes.ChangeSync + app.cache.CacheStore)
pulls the change feed of tenant acme, pages of 5,000, into an empty cache file:
HTTP, validation into app.domain records, and the cache's upsert, as the app does
it. The full scale syncs the first SYNC_LIMIT changes (the rest would take as long
again and tell nothing new).

Figure:
  sync.rate   summaries per second, end to end; bound: the rate of raw sqlite3
              executemany inserts of the same rows (the cache's own row encoding,
              app.cache.codec) into an empty cache file of the same schema.
              Goal: >= 20,000/s and >= 50% of the bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from app.api.client import ApiClient
from app.cache import codec
from app.cache.store import CacheStore
from app.domain import ChangeKind, Conversation
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
            rows = await _rows(api, synced)
        bound = _raw_insert_rate(Path(scratch) / "raw.db", rows)
    rate = synced / seconds
    log(f"sync: raw executemany of the same {len(rows):,} rows: {bound:,.0f}/s")
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


async def _rows(api: ApiClient, count: int) -> list[tuple[Any, ...]]:
    """The first `count` summaries of the feed, encoded as the cache stores them."""
    rows: list[tuple[Any, ...]] = []
    cursor = None
    while len(rows) < count:
        page = await api.changes(cursor, limit=5000)
        for change in page.changes:
            if change.kind is ChangeKind.UPSERT and isinstance(change.conversation, Conversation):
                rows.append((*codec.summary_values(TENANT, change.conversation), 0))
        cursor = page.next_cursor
        if not page.has_more:
            break
    return rows[:count]


def _raw_insert_rate(path: Path, rows: list[tuple[Any, ...]]) -> float:
    """Rows per second of sqlite3 executemany (plain INSERT) into an empty cache of the same
    schema, indexes included, in pages of 5,000 committed one by one, as sync commits."""
    CacheStore.open(path).close()  # creates the schema through the migrations
    columns = [*codec.SUMMARY_ROW_KEYS, "last_access"]
    sql = f"INSERT INTO conversations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous = NORMAL")
        started = time.perf_counter()
        for start in range(0, len(rows), 5000):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(sql, rows[start : start + 5000])
            db.execute("COMMIT")
        return len(rows) / (time.perf_counter() - started)
    finally:
        db.close()
