"""Pulling the platform's change feed into the cache.

Each page is applied together with its cursor in one cache transaction, so a sync
cut short (a crash, a lost connection, the app closed) resumes where the last
committed page ended; applying a page twice changes nothing. Deleted
conversations leave the cache with their files, from the feed's tombstones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from app.cache.store import CacheStore
from app.domain.feed import FeedPage
from app.notifications import Notifier

PAGE_SIZE = 5000  # the contract's largest page: fewer round trips and commits


class ChangesSource(Protocol):
    def changes(self, cursor: str | None = None, *, limit: int = ...) -> Awaitable[FeedPage]: ...


@dataclass(frozen=True)
class SyncProgress:
    pages: int
    upserted: int
    deleted: int
    done: bool  # the feed is exhausted: the cache holds everything up to `cursor`
    cursor: str | None
    seconds: float


class ChangeSync:
    """Brings the cache of one tenant up to date with the platform (one run at a time)."""

    def __init__(
        self,
        api: ChangesSource,
        store: CacheStore,
        tenant: str,
        *,
        page_size: int = PAGE_SIZE,
        cap_bytes: int | None = None,
    ) -> None:
        self._api = api
        self._store = store
        self._tenant = tenant
        self._page_size = page_size
        self._cap_bytes = cap_bytes  # the cache's size cap (settings: cache_max_mb)
        self._lock = asyncio.Lock()
        self.progress: Notifier[SyncProgress] = Notifier("sync progress")

    async def run(self) -> SyncProgress:
        """Apply pages until the feed has no more. Errors (ApiError from the network,
        CacheError from the cache) propagate; what was applied before them stays.

        The next page is fetched while the current one is written (the write runs on a
        worker thread), so the network and the disk work at the same time."""
        async with self._lock:
            started = time.perf_counter()
            cursor = await asyncio.to_thread(self._store.changes_cursor, self._tenant)
            page = await self._api.changes(cursor, limit=self._page_size)
            # A first sync of more than a page: build the indexes once at the end
            # instead of updating them row by row (app.cache.indexes).
            bulk = cursor is None and page.has_more
            if bulk:
                await asyncio.to_thread(self._store.suspend_indexes)
            try:
                report = await self._apply_from(page, started)
            finally:
                if bulk:
                    await asyncio.shield(asyncio.to_thread(self._store.restore_indexes))
            if self._cap_bytes is not None:  # least recently used, unpinned conversations go first
                await asyncio.to_thread(self._store.evict, self._cap_bytes)
            return report

    async def _apply_from(self, page: FeedPage, started: float) -> SyncProgress:
        pages = upserted = deleted = 0
        while True:
            writing = asyncio.ensure_future(asyncio.to_thread(self._store.apply_changes, self._tenant, page))
            following = (
                asyncio.ensure_future(self._api.changes(page.next_cursor, limit=self._page_size))
                if page.has_more
                else None
            )
            try:
                applied = await writing
            except BaseException:
                if following is not None:
                    _discard(following)
                raise
            pages += 1
            upserted += applied.upserted
            deleted += applied.deleted
            report = SyncProgress(
                pages, upserted, deleted, following is None, applied.cursor, time.perf_counter() - started
            )
            self.progress.publish(report)
            if following is None:
                return report
            page = await following

def _discard(future: asyncio.Future[FeedPage]) -> None:
    """Drop a prefetch that is no longer wanted, its outcome included."""
    future.cancel()
    if future.done() and not future.cancelled():
        future.exception()  # retrieved: no "exception was never retrieved" warning
