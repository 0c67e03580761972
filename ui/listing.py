"""The table's listing: which conversations, in which order, kept current as the cache changes.

A filter or sort change runs the listing query on a worker thread; a newer change
supersedes an older one still running (its result is dropped when it arrives). Live
events repaint the rows they touch in place; conversations that start and match the
filter are announced as "N new" rather than moving the rows under the user's eyes,
unless the user is at the top with nothing selected, where they simply appear.
The change feed landing pages refreshes the listing, at most every couple of seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from app.cache.errors import CacheError
from app.domain import Conversation, EventType, Filter, LiveEvent, Sort
from app.sync.changes import SyncProgress
from app.workspace import Workspace
from ui.table.model import ConversationsModel
from ui.table.view import ConversationsTable
from ui.tasks import spawn

log = logging.getLogger(__name__)

REFRESH_MS = 1500  # at most one refresh of the listing this often while the cache changes
FIRST_ROWS = 200  # shown before the whole listing is read: more than a screenful


class Listing(QObject):
    counted = Signal(int)  # rows in the listing
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
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(lambda: spawn(self._run(keep_place=True)))
        self._model.load_failed.connect(self.failed.emit)

    # --- what to list ---------------------------------------------------------------------------

    def set_query(self, f: Filter, sort: Sort) -> None:
        self.filter, self.sort = f, sort
        spawn(self._run(keep_place=False))

    def set_filter(self, f: Filter) -> None:
        self.set_query(f, self.sort)

    def set_sort(self, sort: Sort) -> None:
        self.set_query(self.filter, sort)

    def show_new(self) -> None:
        """Bring in the conversations announced as new, and show them at the top."""
        spawn(self._run(keep_place=True))
        self._table.scrollToTop()

    def refresh_soon(self) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    async def run_now(self) -> None:
        """Run the listing query and wait for it (start-up, tests)."""
        await self._run(keep_place=False)

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
        if progress.upserted or progress.deleted:
            self.refresh_soon()

    # --- inside ---------------------------------------------------------------------------------

    async def _run(self, *, keep_place: bool) -> None:
        """A new query shows its first screenful at once, then reads the whole list of keys
        (which takes longer on a large cache) and installs it without moving what is shown."""
        store, tenant = self._workspace.store, self._workspace.tenant
        if store is None or tenant is None:
            return
        self._generation += 1
        generation = self._generation
        f, sort, now = self.filter, self.sort, datetime.now(UTC)

        async def fetch(row_keys: Sequence[int]) -> list[Conversation | None]:
            return await asyncio.to_thread(store.rows_by_keys, tenant, row_keys)

        self.busy.emit(True)
        try:
            if not keep_place:
                first = await asyncio.to_thread(store.row_keys, tenant, f, sort, now=now, limit=FIRST_ROWS)
                if generation != self._generation:
                    return  # superseded by a newer query
                self._model.set_listing(first, fetch)
                self._announce_new(0)
                if len(first) < FIRST_ROWS:
                    self._done(len(first))
                    return
            keys = await asyncio.to_thread(store.row_keys, tenant, f, sort, now=now)
        except CacheError as exc:
            if generation == self._generation:
                self.busy.emit(False)
                self.failed.emit(exc)
            return
        if generation != self._generation:
            return
        self._model.refresh_listing(keys, fetch)
        self._announce_new(0)
        self._done(len(keys))

    def _done(self, total: int) -> None:
        self.counted.emit(total)
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
        at_top = self._table.verticalScrollBar().value() == 0
        if at_top and not self._table.selectionModel().hasSelection():
            self.refresh_soon()
        else:
            self._announce_new(self._new + matching)
