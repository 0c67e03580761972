"""The platform's result of one query, a page at a time, written through to the cache.

Online, the platform filters and sorts (DESIGN §4): the client never downloads "all".
Each page is written into the cache as it arrives and handed on as the cache's row
keys of its conversations, so the table reads rows the same way online and offline,
and what was seen online can be reviewed offline later.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import numpy as np

from app.cache.queries import RowKeys
from app.cache.store import CacheStore
from app.domain import Filter, SearchPage, Sort


class SearchSource(Protocol):
    async def search(
        self,
        filter: Filter | None = None,
        sort: Sort | None = None,
        *,
        limit: int = ...,
        cursor: str | None = None,
    ) -> SearchPage: ...


class PlatformListing:
    """Pages of one (filter, sort) in the platform's order. Not reentrant: await one
    `next_page()` at a time."""

    def __init__(self, api: SearchSource, store: CacheStore, tenant: str, f: Filter, sort: Sort) -> None:
        self._api = api
        self._store = store
        self._tenant = tenant
        self.filter, self.sort = f, sort
        self._cursor: str | None = None
        self.started = False
        self.total = 0  # the platform's count (an estimate when total_is_estimate)
        self.total_is_estimate = False

    @property
    def exhausted(self) -> bool:
        """Whether the last page has been read."""
        return self.started and self._cursor is None

    async def next_page(self, limit: int) -> RowKeys:
        """The row keys of the next `limit` conversations (fewer at the end). ApiError and
        CacheError propagate; the listing can be asked again after one."""
        if self.exhausted:
            return np.empty(0, dtype=np.int64)
        page = await self._api.search(self.filter, self.sort, limit=limit, cursor=self._cursor)
        keys = await asyncio.to_thread(self._store.write_through, self._tenant, page.items)
        self._cursor, self.started = page.next_cursor, True
        self.total, self.total_is_estimate = page.total, page.total_is_estimate
        return keys

    async def first_rows(self, count: int, page: int) -> RowKeys:
        """The keys of the first `count` rows (or all of them when fewer), `page` at a time:
        the same listing brought up to date as far as it had been read."""
        parts: list[RowKeys] = []
        read = 0
        while read < count and not self.exhausted:
            keys = await self.next_page(min(page, count - read))
            parts.append(keys)
            read += len(keys)
            if not len(keys):
                break
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
