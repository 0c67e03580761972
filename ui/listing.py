"""The table's listing: which conversations, in which order, kept current as things change.

Online the platform filters and sorts: the listing is its search, a page at a time as
the user scrolls, written through to the cache (app.sync.search). Offline it is the
cache's own query, every matching row's key at once. Either way the model reads rows
from the cache by key, so the table behaves the same, and going offline or back keeps
the selection on the same conversations.

A filter or sort change cancels the query still running and starts the new one (a
late result of an older one is dropped all the same). Live events repaint the rows
they touch in place; conversations that start and match the filter are announced as
"N new" rather than moving the rows under the user's eyes, unless the user is at the
top with nothing selected, where they simply appear. Offline, the change feed landing
pages refreshes the listing, at most every couple of seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.api.errors import ApiError
from app.cache.errors import CacheError
from app.cache.queries import RowKeys
from app.cache.store import CacheStore
from app.domain import Conversation, EventType, Filter, LiveEvent, Sort
from app.filters.query import MAX_PAGE
from app.sync.changes import SyncProgress
from app.sync.search import PlatformListing
from app.workspace import Workspace
from ui.table.model import BLOCK_ROWS, ConversationsModel, MoreRows
from ui.table.view import ConversationsTable
from ui.tasks import spawn

log = logging.getLogger(__name__)

REFRESH_MS = 1500  # at most one refresh of the listing this often while the cache changes
FIRST_ROWS = 200  # shown before the rest of the listing is read: more than a screenful
PAGE_ROWS = MAX_PAGE  # online, the rows read each time the view reaches the end
REFRESH_ROWS = 5000  # online, a refresh reads again at most this many rows


class Listing(QObject):
    counted = Signal(int, bool)  # rows in the listing, and whether that is an estimate
    new_available = Signal(int)  # new matching conversations not shown yet (0: none)
    failed = Signal(object)  # an exception to explain
    busy = Signal(bool)  # a listing query is running

    def __init__(self, workspace: Workspace, model: ConversationsModel, table: ConversationsTable) -> None:
        super().__init__(table)
        self._workspace = workspace
        self._model = model
        self._table = table
        self.filter = Filter()
        self.sort = Sort()
        self._generation = 0
        self._new = 0
        self._arriving = 0  # new matching conversations waiting for the refresh to bring them in
        self._changed = False  # rows changed or went: the refresh runs whatever the user does
        self._bring_in = False  # the next refresh shows the new rows at the top (the chip's click)
        self._query: asyncio.Task[None] | None = None  # the listing query running
        self._platform: PlatformListing | None = None  # online: the listing being paged
        self._paging: asyncio.Task[None] | None = None  # online: the next page being read
        self._listed: set[int] = set()  # online: the keys listed (a row that moved is listed once)
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._refresh_due)
        self._model.load_failed.connect(self.failed.emit)

    @property
    def online(self) -> bool:
        """Whether the rows listed are the platform's result (else the cache's)."""
        return self._platform is not None

    @property
    def idle(self) -> bool:
        """Whether the listing query has finished (its rows may still be loading)."""
        return self._query is None or self._query.done()

    # --- what to list ---------------------------------------------------------------------------

    def set_query(self, f: Filter, sort: Sort) -> None:
        self.filter, self.sort = f, sort
        self._start(keep_place=False)

    def set_filter(self, f: Filter) -> None:
        self.set_query(f, self.sort)

    def set_sort(self, sort: Sort) -> None:
        self.set_query(self.filter, sort)

    def show_new(self) -> None:
        """Bring in the conversations announced as new, and show them at the top."""
        self._bring_in = True
        self._start(keep_place=True)
        self._table.scrollToTop()

    def refresh_soon(self) -> None:
        """List again shortly (rows changed or went); several changes make one refresh."""
        self._changed = True
        if not self._refresh.isActive():
            self._refresh.start()

    def follow_link(self, online: bool) -> None:
        """The platform came within reach or went out of it: list again from where the rows
        now come from, keeping the selection and the scroll position."""
        if self._query is not None and online != self.online:
            self._start(keep_place=True)

    def stop(self) -> None:
        """The window is closing: no more queries, pages or refreshes."""
        self._refresh.stop()
        self._supersede()

    async def run_now(self) -> None:
        """Run the listing query and wait for it (start-up, tests)."""
        self._start(keep_place=False)
        assert self._query is not None
        await asyncio.wait([self._query])  # done, or superseded by a newer query

    # --- news from the workspace ---------------------------------------------------------------

    def on_events(self, events: Sequence[LiveEvent]) -> None:
        records: dict[str, Conversation] = {}
        started: list[str] = []
        gone = False
        for event in events:
            if event.data.conversation is not None:
                records[event.conversation_id] = event.data.conversation
            if event.type is EventType.STARTED:
                started.append(event.conversation_id)
            elif event.type is EventType.DELETED:
                gone = True
        self._model.update_records(list(records.values()))
        if gone:
            self.refresh_soon()
        if started:
            spawn(self._count_new(started))

    def on_synced(self, progress: SyncProgress) -> None:
        # Online the platform lists: the cache catching up changes nothing in the listing.
        if (progress.upserted or progress.deleted) and not self.online:
            self.refresh_soon()

    # --- inside ---------------------------------------------------------------------------------

    def _start(self, *, keep_place: bool) -> None:
        """Run the listing query, superseding (and cancelling) the one running."""
        self._supersede()
        self._query = spawn(self._run(self._generation, keep_place=keep_place))

    def _supersede(self) -> None:
        """Drop the results of the query and the page still coming, and cancel them."""
        self._generation += 1
        for running in (self._query, self._paging):
            if running is not None and not running.done():
                running.cancel()
        self._paging = None

    async def _run(self, generation: int, *, keep_place: bool) -> None:
        store, tenant = self._workspace.store, self._workspace.tenant
        if store is None or tenant is None:
            return
        self.busy.emit(True)
        try:
            if self._workspace.connectivity.state.online:
                await self._run_online(generation, keep_place=keep_place)
            else:
                await self._run_offline(generation, keep_place=keep_place)
        except (ApiError, CacheError) as exc:
            if generation == self._generation:
                self.busy.emit(False)
                self.failed.emit(exc)

    async def _fetch(self, keys: Sequence[int]) -> list[Conversation | None]:
        store, tenant = self._workspace.store, self._workspace.tenant
        if store is None or tenant is None:
            return [None] * len(keys)
        return await asyncio.to_thread(store.rows_by_keys, tenant, keys)

    async def _run_offline(self, generation: int, *, keep_place: bool) -> None:
        """A new query shows its first screenful at once, then reads the whole list of keys
        (which takes longer on a large cache) and installs it without moving what is shown."""
        store, tenant = self._workspace.store, self._workspace.tenant
        assert store is not None and tenant is not None
        f, sort, now = self.filter, self.sort, datetime.now(UTC)
        if not keep_place:
            first, rows = await asyncio.to_thread(_first_screen, store, tenant, f, sort, now)
            if generation != self._generation:
                return  # superseded by a newer query
            self._platform = None
            self._model.set_listing(first, self._fetch, first_rows=rows)
            self._announce_new(0)
            if len(first) < FIRST_ROWS:
                self._done(len(first), estimate=False)
                return
        keys = await asyncio.to_thread(store.row_keys, tenant, f, sort, now=now)
        if generation != self._generation:
            return
        self._platform = None
        self._relist(keys, None)
        self._done(len(keys), estimate=False)

    async def _run_online(self, generation: int, *, keep_place: bool) -> None:
        """The platform's first page (or, to keep the place, as many rows as were listed);
        the rest a page at a time as the view reaches the end."""
        store, tenant = self._workspace.store, self._workspace.tenant
        assert store is not None and tenant is not None
        platform = PlatformListing(self._workspace.api, store, tenant, self.filter, self.sort)
        if keep_place:
            wanted = min(REFRESH_ROWS, max(FIRST_ROWS, self._model.rowCount()))
            keys = await platform.first_rows(wanted, PAGE_ROWS)
        else:
            keys = await platform.next_page(FIRST_ROWS)
        if generation != self._generation:
            return
        self._platform = platform
        keys = self._unique(keys, fresh=True)
        more = None if platform.exhausted else self._more
        if keep_place:
            self._relist(keys, more)
        else:
            self._model.set_listing(keys, self._fetch, more)
            self._announce_new(0)
        self._done_online(platform)

    def _relist(self, keys: RowKeys, more: MoreRows | None) -> None:
        """The listing brought up to date in place. Unless the user asked for the new rows, the
        conversation at the top of the view stays there: rows that came in above it do not push
        it down (they are announced by the chip; a user idle at the very top sees them come)."""
        bar, previous = self._table.verticalScrollBar(), self._model.keys
        top = bar.value()
        anchored = not self._bring_in and top < len(previous) and not self._user_is_idle_at_top()
        self._bring_in = False
        anchor = int(previous[top]) if anchored else None
        self._model.refresh_listing(keys, self._fetch, more)
        row = None if anchor is None else self._model.row_of_key(anchor)
        if row is None:
            self._announce_new(0)
            return
        bar.setValue(row)
        # New above: listed above the anchor now, and not before (what was above it stays known).
        self._announce_new(int(np.count_nonzero(~np.isin(keys[:row], previous[:top]))))

    def _more(self) -> None:
        """The view reached the end of the rows listed: read the platform's next page."""
        if self._platform is None or (self._paging is not None and not self._paging.done()):
            return
        self._paging = spawn(self._next_page(self._platform, self._generation))

    async def _next_page(self, platform: PlatformListing, generation: int) -> None:
        try:
            keys = await platform.next_page(PAGE_ROWS)
        except (ApiError, CacheError) as exc:
            if generation == self._generation:
                self.failed.emit(exc)  # scrolling to the end again asks once more
            return
        if generation != self._generation:
            return
        self._model.append_keys(self._unique(keys, fresh=False), None if platform.exhausted else self._more)
        self._done_online(platform)

    def _unique(self, keys: RowKeys, *, fresh: bool) -> RowKeys:
        """The keys not listed yet: a conversation whose sort value changed between two pages
        can come twice."""
        if fresh:
            self._listed = set()
        kept = [int(k) for k in keys if int(k) not in self._listed]
        self._listed.update(kept)
        return np.array(kept, dtype=np.int64)

    def _done_online(self, platform: PlatformListing) -> None:
        rows = self._model.rowCount()
        if platform.exhausted:
            self._done(rows, estimate=False)
        else:
            self._done(max(platform.total, rows), estimate=platform.total_is_estimate)

    def _done(self, total: int, *, estimate: bool) -> None:
        self.counted.emit(total, estimate)
        self.busy.emit(False)

    def _announce_new(self, count: int) -> None:
        self._new = count
        self.new_available.emit(count)

    async def _count_new(self, ids: list[str]) -> None:
        store, tenant = self._workspace.store, self._workspace.tenant
        if store is None or tenant is None:
            return
        wanted = tuple(
            dict.fromkeys(ids if self.filter.ids is None else [i for i in ids if i in self.filter.ids])
        )
        if not wanted:
            return
        probe = self.filter.model_copy(update={"ids": wanted})
        generation = self._generation
        try:
            matching = await asyncio.to_thread(store.count, tenant, probe, now=datetime.now(UTC))
        except CacheError as exc:
            self.failed.emit(exc)
            return
        if not matching or generation != self._generation:
            return
        if self._user_is_idle_at_top():
            self._arriving += matching  # they appear at the next refresh, if the user still is
            if not self._refresh.isActive():
                self._refresh.start()
        else:
            self._announce_new(self._new + matching)

    def _user_is_idle_at_top(self) -> bool:
        return (
            self._table.verticalScrollBar().value() == 0 and not self._table.selectionModel().hasSelection()
        )

    def _refresh_due(self) -> None:
        arriving, self._arriving = self._arriving, 0
        if self._changed or self._user_is_idle_at_top():
            self._changed = False
            self._start(keep_place=True)
        else:  # the user has scrolled or selected meanwhile: announce them instead
            self._announce_new(self._new + arriving)


def _first_screen(
    store: CacheStore, tenant: str, f: Filter, sort: Sort, now: datetime
) -> tuple[RowKeys, list[Conversation | None]]:
    """A new query's first keys and the rows of its first block, read in one go: the rows are
    painted at once, not after a frame of placeholders and another trip to a worker thread."""
    first = store.row_keys(tenant, f, sort, now=now, limit=FIRST_ROWS)
    return first, store.rows_by_keys(tenant, first[:BLOCK_ROWS].tolist())
