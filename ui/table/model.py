"""The conversations table model: an ordered array of row keys, rows read in blocks on demand.

The listing (every matching row's key, 8 bytes a row) comes from the cache in one
query offline, or grows a page at a time online as the view scrolls to its end (Qt's
canFetchMore/fetchMore); a row's data is read only when the view asks for it, a block
of neighbours at a time, off the GUI thread, into a bounded cache of blocks (calibre's
and Wireshark's way with large lists). Until a block arrives its cells show a placeholder; a block
that failed shows so, and is tried again when next asked for. A new listing bumps a
read number, so that a block read for an older listing is dropped when it arrives late; a
refresh of the same listing keeps the reads of blocks whose rows did not move.
"""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.cache.queries import RowKeys
from app.domain import Conversation
from ui.problems import plain_tooltip
from ui.table.columns import COLUMNS, Column
from ui.tasks import spawn

log = logging.getLogger(__name__)
MAX_LOGGED_CELLS = 100  # cells that could not be shown, logged once each

RowsFetcher = Callable[[Sequence[int]], Awaitable[list[Conversation | None]]]
MoreRows = Callable[[], None]  # asks for the listing's next rows (they come through append_keys)
Index = QModelIndex | QPersistentModelIndex

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's Conversation, or None while loading
STATE_ROLE = Qt.ItemDataRole.UserRole + 2  # RowState of the row

_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable  # asked for every cell painted
GONE_TEXT = "(no longer in the cache)"
BLOCK_ROWS = 128
MAX_BLOCKS = 128  # ~16,000 rows held: a few screens around every place the user looked


class RowState:
    READY = 0
    LOADING = 1
    FAILED = 2
    GONE = 3  # deleted or evicted since the listing was made


@dataclass
class _Block:
    rows: list[Conversation | None]
    texts: list[list[str | None]]  # each cell's text, computed when first shown

    @classmethod
    def of(cls, rows: list[Conversation | None]) -> _Block:
        return cls(rows, [[None] * len(COLUMNS) for _ in rows])


class ConversationsModel(QAbstractTableModel):
    """All twelve columns in their canonical order; the view hides and moves them."""

    load_failed = Signal(object)  # the exception of a block that could not be read

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: tuple[Column, ...] = COLUMNS
        self._keys: RowKeys = np.empty(0, dtype=np.int64)
        self._fetch: RowsFetcher | None = None
        self._more: MoreRows | None = None  # None: the listing is complete
        self._unshowable: set[tuple[int, int]] = set()
        self._blocks: OrderedDict[int, _Block] = OrderedDict()
        self._reads = itertools.count()
        self._pending: dict[int, int] = {}  # block number -> its read under way
        self._failed: set[int] = set()
        self._row_of_id: dict[str, int] = {}  # rows of the blocks held, for live updates
        self._recent: dict[int, Conversation | None] = {}  # key -> row of blocks a refresh moved

    # --- the listing --------------------------------------------------------------------------

    def set_listing(
        self,
        keys: RowKeys,
        fetch: RowsFetcher,
        more: MoreRows | None = None,
        *,
        first_rows: list[Conversation | None] | None = None,
    ) -> None:
        """A new result (another filter or sort): the view goes back to the top. `more`, when
        the listing has more rows than `keys`, is called as the view scrolls to the end;
        `first_rows`, the rows of the first block when they were read with the keys."""
        self.beginResetModel()
        self._install(keys, fetch, more)
        if first_rows is not None and len(first_rows) == len(keys[:BLOCK_ROWS]):
            self._keep(0, _Block.of(first_rows))
        self.endResetModel()

    def append_keys(self, keys: RowKeys, more: MoreRows | None) -> None:
        """The listing's next rows (after `more` was called); `more` again if there are others."""
        self._more = more
        if not len(keys):
            return
        first = len(self._keys)
        self.beginInsertRows(QModelIndex(), first, first + len(keys) - 1)
        self._keys = np.concatenate([self._keys, keys])
        # The block that was the last one is incomplete: it is read again when next shown.
        self._forget_block(first // BLOCK_ROWS)
        self.endInsertRows()

    def refresh_listing(self, keys: RowKeys, fetch: RowsFetcher, more: MoreRows | None = None) -> None:
        """The same result brought up to date (rows added or gone): selection and current row
        stay on the conversations they were on."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        old_keys = [int(self._keys[index.row()]) for index in persistent]
        previous, held, pending = self._keys, list(self._blocks.items()), dict(self._pending)
        self._install(keys, fetch, more)
        unmoved = partial(_same_span, previous, keys)
        self._pending = {number: read for number, read in pending.items() if unmoved(number)}
        # Blocks whose rows did not move stay; the rows of the others are remembered, so that a
        # block of rows already shown (moved down by new ones) is rebuilt at once, not read
        # again behind placeholders.
        for number, block in held:
            if unmoved(number):
                self._keep(number, block)
            else:
                span = previous[number * BLOCK_ROWS : (number + 1) * BLOCK_ROWS]
                self._recent.update(zip(span.tolist(), block.rows, strict=False))
        moved = []
        for index, key in zip(persistent, old_keys, strict=True):
            found = np.flatnonzero(keys == key)
            moved.append(self.index(int(found[0]), index.column()) if found.size else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _install(self, keys: RowKeys, fetch: RowsFetcher, more: MoreRows | None) -> None:
        self._keys, self._fetch, self._more = keys, fetch, more
        self._blocks.clear()
        self._recent.clear()
        self._pending.clear()
        self._failed.clear()
        self._row_of_id.clear()

    @property
    def keys(self) -> RowKeys:
        return self._keys

    def row_of_key(self, key: int) -> int | None:
        found = np.flatnonzero(self._keys == key)
        return int(found[0]) if found.size else None

    def row_of_id(self, conversation_id: str) -> int | None:
        """The row of a conversation whose block is held (only those can be on screen)."""
        return self._row_of_id.get(conversation_id)

    def record(self, row: int) -> Conversation | None:
        block = self._blocks.get(row // BLOCK_ROWS)
        return None if block is None else block.rows[row % BLOCK_ROWS]

    def update_records(self, records: Sequence[Conversation]) -> int:
        """New versions of rows that are held (live events): their cells repaint in place. Returns
        how many were on the table."""
        rows = []
        for record in records:
            row = self._row_of_id.get(record.id)
            if row is None:
                continue
            block = self._blocks[row // BLOCK_ROWS]
            offset = row % BLOCK_ROWS
            current = block.rows[offset]
            if current is not None and current.change_seq > record.change_seq:
                continue
            block.rows[offset] = record
            block.texts[offset] = [None] * len(self.columns)
            rows.append(row)
        if rows:  # one signal: the view repaints what of that span is on screen
            self._changed(min(rows), max(rows) - min(rows) + 1)
        return len(rows)

    # --- Qt's model interface -------------------------------------------------------------------

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._more is not None

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            assert self._more is not None
            self._more()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.title if column.sort else f"{column.title} (not sortable)"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _CELL_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # An exception escaping data() takes the whole process down inside Qt's paint code
        # (PySide6 6.12): a record that cannot be shown is logged and shows as empty instead.
        try:
            return self._data(index, role)
        except Exception:
            cell = (index.row(), index.column())
            if cell not in self._unshowable and len(self._unshowable) < MAX_LOGGED_CELLS:
                self._unshowable.add(cell)  # once per cell, not on every repaint
                log.exception("cannot show row %d column %d (role %d)", *cell, role)
            return None

    def row_state(self, row: int) -> tuple[int, Conversation | None]:
        """A row's RowState and its record when READY: what the delegate paints from, in one
        Python call instead of a data() round trip through Qt per role. Asking for a row on
        screen reads its block; a block that failed is read again only when its data is asked
        for through data() (a retry on every repaint would hammer a broken cache)."""
        number = row // BLOCK_ROWS
        block = self._blocks.get(number) or self._rebuilt(number)
        if block is None:
            if number in self._failed:
                return RowState.FAILED, None
            self._request(number)
            return RowState.LOADING, None
        self._blocks.move_to_end(number)
        record = block.rows[row % BLOCK_ROWS]
        return (RowState.GONE, None) if record is None else (RowState.READY, record)

    def cell_text(self, row: int, col: int) -> str:
        """The text of a READY row's cell, computed once per row version."""
        block = self._blocks[row // BLOCK_ROWS]
        texts = block.texts[row % BLOCK_ROWS]
        text = texts[col]
        if text is None:
            record = block.rows[row % BLOCK_ROWS]
            text = texts[col] = "" if record is None else self.columns[col].text(record)
        return text

    def _data(self, index: Index, role: int) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        state, record = self.row_state(row)
        if state == RowState.FAILED and role in (Qt.ItemDataRole.DisplayRole, RECORD_ROLE):
            self._request(row // BLOCK_ROWS)  # its data asked for: a failed block is read again
        if role == STATE_ROLE:
            return state
        if role == RECORD_ROLE:
            return record
        if record is None:
            gone = state == RowState.GONE and role == Qt.ItemDataRole.DisplayRole and col == 0
            return GONE_TEXT if gone else None
        column = self.columns[col]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(column.tooltip(record))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{column.title}: {self.cell_text(row, col)}"
        return None

    # --- reading blocks -------------------------------------------------------------------------

    def _request(self, number: int) -> None:
        if number in self._pending or self._fetch is None:
            return
        read = self._pending[number] = next(self._reads)
        spawn(self._load(number, read, self._fetch))

    async def _load(self, number: int, read: int, fetch: RowsFetcher) -> None:
        start = number * BLOCK_ROWS
        keys = [int(k) for k in self._keys[start : start + BLOCK_ROWS]]
        try:
            rows = await fetch(keys)
        except Exception as exc:  # reported once through load_failed; the rows show "failed"
            if self._pending.get(number) == read:
                del self._pending[number]
                self._failed.add(number)
                self._changed(start, len(keys))
                self.load_failed.emit(exc)
            return
        if self._pending.get(number) != read:
            return  # a block of an older listing
        if len(rows) != len(self._keys[start : start + BLOCK_ROWS]):
            del self._pending[number]  # rows were appended to this block meanwhile: read again
            self._changed(start, len(keys))
            return
        del self._pending[number]
        self._failed.discard(number)
        self._keep(number, _Block.of(rows))
        while len(self._blocks) > MAX_BLOCKS:
            self._forget_block(next(iter(self._blocks)))  # the least recently shown
        self._changed(start, len(keys))

    def _rebuilt(self, number: int) -> _Block | None:
        """The block made of rows a refresh moved, when it holds all of them (tried once: a
        block that could not be made is being read)."""
        if not self._recent or number in self._pending:
            return None
        keys = self._keys[number * BLOCK_ROWS : (number + 1) * BLOCK_ROWS].tolist()
        rows = [self._recent.get(key) for key in keys]
        if not keys or None in rows:
            return None
        block = _Block.of(rows)
        self._keep(number, block)
        return block

    def _forget_block(self, number: int) -> None:
        block = self._blocks.pop(number, None)  # a read under way is redone (its length check)
        if block is not None:
            for record in block.rows:
                if record is not None:
                    self._row_of_id.pop(record.id, None)

    def _keep(self, number: int, block: _Block) -> None:
        self._blocks[number] = block
        start = number * BLOCK_ROWS
        for offset, record in enumerate(block.rows):
            if record is not None:
                self._row_of_id[record.id] = start + offset

    def _changed(self, start: int, count: int) -> None:
        if count:
            self.dataChanged.emit(self.index(start, 0), self.index(start + count - 1, len(self.columns) - 1))


def _same_span(before: RowKeys, after: RowKeys, number: int) -> bool:
    """Whether block `number` holds the same rows in both listings."""
    span = slice(number * BLOCK_ROWS, (number + 1) * BLOCK_ROWS)
    return np.array_equal(before[span], after[span])
