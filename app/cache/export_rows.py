"""Cached rows for a CSV export, read by key a block at a time, column by column.

An export formats every row of a listing. Read as Python tuples, a dozen values a row
cost more than all the formatting; so a block of rows comes out of SQLite as one text
per stored value, the block's values of it joined (group_concat), and the export
formats a column at a time (app.export.csv_block). A block holding a value that this
read cannot vouch for (a NULL or a BLOB, an instant before 1970) is read as records
instead, every value checked as any read of the cache checks it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from app.cache import codec
from app.cache.database import BUSY_TIMEOUT_MS, translated
from app.domain import Conversation, TableColumn

SEPARATOR = "\x1f"  # between the values of a column (ASCII unit separator)

# The stored values each exported column is made of, as SQL over `conversations AS c`.
STORED: dict[TableColumn, tuple[str, ...]] = {
    TableColumn.ID: ("c.id",),
    TableColumn.PLATFORM: ("c.platform",),
    TableColumn.CONTACT: ("c.contact",),
    TableColumn.STATUS: ("c.status",),
    TableColumn.FLOW: ("c.flow_name",),
    TableColumn.DURATION: ("c.duration_seconds",),
    TableColumn.LAST_MESSAGE: ("c.last_message",),
    # An instant (microseconds since the epoch) as its hour since the epoch and its second
    # within that hour: both repeat across rows, so their texts can be looked up.
    TableColumn.DATE: ("c.started_at / 3600000000", "c.started_at / 1000000 % 3600"),
    TableColumn.FLAGGED: ("c.flagged",),
    TableColumn.FUNCTIONS: ("c.functions",),
    TableColumn.PARAMETERS: ("c.parameters",),
    TableColumn.TAGS: ("c.tags",),
}
# The stored column behind each exported one (its values are checked, _unsure).
_COLUMN_NAME: dict[TableColumn, str] = {column: stored[0] for column, stored in STORED.items()}
_COLUMN_NAME[TableColumn.DATE] = "c.started_at"
# Hours and seconds are whole (SQLite divides integers towards zero) from 1970 to 9999.
_LATEST = 253402300799999999


@dataclass(frozen=True)
class ColumnTexts:
    """A block of rows by column: for each exported column, the texts of its STORED values,
    each the block's values joined by SEPARATOR in the rows' order. A text holding the
    separator itself yields more than `rows` values when split."""

    rows: int
    texts: dict[TableColumn, tuple[str, ...]]


def _unsure(columns: Sequence[TableColumn]) -> str:
    """SQL true for a row with a value the column read cannot vouch for: max() is NULL
    when a value is, and a BLOB sorts after every number and text."""
    names = ", ".join(dict.fromkeys(_COLUMN_NAME[column] for column in columns))
    unsure = f"coalesce(max({names}, '') >= X'', 1)"  # '': max() takes two values at least
    if TableColumn.DATE in columns:
        unsure += f" OR c.started_at NOT BETWEEN 0 AND {_LATEST}"
    return unsure


class ExportRows:
    """Reads cached rows by key (CacheStore.row_keys) for an export of `columns`, in the
    keys' order; a row deleted or evicted since is left out. Its own read-only sqlite3
    connection, closed by close(), usable from any thread but by one at a time."""

    def __init__(self, path: Path, tenant: str, columns: Sequence[TableColumn]) -> None:
        self.columns = tuple(dict.fromkeys(columns))
        self._path = path
        self._tenant = tenant
        # The keys drive the loop (json_each yields them in order, CROSS JOIN keeps it the
        # outer loop), so group_concat sees the rows in the keys' order; tests hold the
        # result equal to the ordered records.
        rows = "FROM json_each(?) AS k CROSS JOIN conversations AS c ON c.pk = k.value WHERE c.tenant = ?"
        stored = [value for column in self.columns for value in STORED[column]]
        # The separator as a literal: char(31) would be evaluated again for every value.
        joined = ", ".join(f"group_concat({value}, '{SEPARATOR}')" for value in stored)
        self._select = f"SELECT count(*), total({_unsure(self.columns)}), {joined} {rows}"
        read = ", ".join(f"c.{name}" for name in codec.SUMMARY_READ_COLUMNS)
        self._records = f"SELECT {read} {rows} ORDER BY k.key"
        with translated(path):
            self._db = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            try:
                self._db.execute("PRAGMA query_only = ON")
            except BaseException:
                self._db.close()
                raise

    def __enter__(self) -> ExportRows:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def columns_of(self, keys: Sequence[int]) -> ColumnTexts | None:
        """The rows of these keys by column; None when one of them holds a value this read
        cannot vouch for (read records_of then)."""
        with translated(self._path):
            found, unsure, *texts = self._db.execute(self._select, (_json(keys), self._tenant)).fetchone()
        if unsure:
            return None
        if not found:
            return ColumnTexts(0, {})
        values = iter(texts)
        return ColumnTexts(
            found, {column: tuple(next(values) for _ in STORED[column]) for column in self.columns}
        )

    def records_of(self, keys: Sequence[int]) -> list[Conversation]:
        """The rows of these keys as records, every value checked (app.cache.codec); raises
        CacheCorrupt for a row no record can hold."""
        with translated(self._path):
            rows = self._db.execute(self._records, (_json(keys), self._tenant)).fetchall()
            return [codec.conversation_of(row) for row in rows]


def _json(keys: Sequence[int]) -> str:
    return "[" + ",".join(map(str, keys)) + "]"
