"""The two exports of a listing to CSV: from the offline cache, and from the platform.

Both stream, so memory stays flat however many rows the listing holds: the cache gives
every matching row's key (8 bytes a row, CacheStore.row_keys) and the rows are read a
block at a time; the platform is paged through its cursors.

Call export_cache in a worker thread (it reads SQLite and writes the disk); export_server
awaits the network and writes each page from a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import msgspec

from app import labels
from app.api.client import ApiClient
from app.cache.database import BUSY_TIMEOUT_MS, translated
from app.cache.errors import DamagedRow
from app.cache.store import CacheStore
from app.domain import Filter, SearchPage, Sort, TableColumn
from app.export.csv_table import FORMULA_LEADS, CsvTableWriter, ExportCancelled, neutralise
from app.filters.query import MAX_PAGE

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (rows written, rows expected)
Cancelled = Callable[[], bool]

BLOCK = 5000


# --- the cache ----------------------------------------------------------------------------------
#
# Building a Conversation per row and formatting it in Python reaches ~20,000 rows/s; the
# export reads the stored columns instead and lets SQLite format what it can (labels,
# dates, durations, neutralise) in C. tests/client/test_export_csv.py holds the texts equal
# to csv_table.cell_text of the records, and bench/export_bench.py measures the rate.


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# Each column's cell as SQL: its text, or NULL when the stored value is not well formed.
# The cache file is input like any other: a damaged or hand-edited cell is reported
# (CacheCorrupt), never written.


def _text(column: str) -> str:
    """csv_table.neutralise of a text column."""
    leads = ", ".join(str(ord(lead)) for lead in FORMULA_LEADS)
    return (
        f"CASE WHEN typeof({column}) != 'text' THEN NULL "
        f"WHEN unicode({column}) IN ({leads}) THEN '''' || {column} ELSE {column} END"
    )


def _labelled(column: str, table: dict[Any, str]) -> str:
    """The label of an enum column (none for a value outside the enum)."""
    cases = " ".join(f"WHEN {_sql_text(value)} THEN {_sql_text(text)}" for value, text in table.items())
    return f"CASE {column} {cases} END"


def _json(column: str) -> str:
    return f"CASE WHEN typeof({column}) = 'text' THEN {column} END"


_D = "c.duration_seconds"
_DURATION = (  # labels.duration
    f"CASE WHEN typeof({_D}) != 'integer' OR {_D} < 0 THEN NULL "
    f"WHEN {_D} >= 3600 THEN printf('%d:%02d:%02d', {_D} / 3600, {_D} / 60 % 60, {_D} % 60) "
    f"ELSE printf('%d:%02d', {_D} / 60, {_D} % 60) END"
)
_S = "c.started_at"
_DATE = (  # csv_table.instant_text of microseconds since the epoch, within Python's years 1-9999
    f"CASE WHEN typeof({_S}) = 'integer' AND {_S} BETWEEN -62135596800000000 AND 253402300799999999 "
    f"THEN strftime('%Y-%m-%dT%H:%M:%SZ', {_S} / 1000000 - ({_S} % 1000000 < 0), 'unixepoch') END"
)

# Function, tag and parameter lists are JSON texts that repeat across rows: each distinct
# text becomes its cell once, in Python (bounded, like app.cache.codec's decoded lists).
_decode_names = msgspec.json.Decoder(tuple[str, ...]).decode
_decode_pairs = msgspec.json.Decoder(tuple[tuple[str, str], ...]).decode


@functools.lru_cache(maxsize=20_000)
def _names_cell(stored: str) -> str:
    return neutralise("; ".join(_decode_names(stored)))


@functools.lru_cache(maxsize=20_000)
def _pairs_cell(stored: str) -> str:
    return neutralise("; ".join(f"{key}: {value}" for key, value in _decode_pairs(stored)))


# column: (SQL for its cell, the Python that finishes the cell or None)
_CELLS: dict[TableColumn, tuple[str, Callable[[str], str] | None]] = {
    TableColumn.ID: (_text("c.id"), None),
    TableColumn.PLATFORM: (_labelled("c.platform", {p.value: t for p, t in labels.PLATFORM.items()}), None),
    TableColumn.CONTACT: (_text("c.contact"), None),
    TableColumn.STATUS: (_labelled("c.status", {s.value: t for s, t in labels.STATUS.items()}), None),
    TableColumn.FLOW: (_text("c.flow_name"), None),
    TableColumn.DURATION: (_DURATION, None),
    TableColumn.LAST_MESSAGE: (_text("c.last_message"), None),  # verbatim: newlines are quoted
    TableColumn.DATE: (_DATE, None),
    TableColumn.FLAGGED: ("CASE c.flagged WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END", None),
    TableColumn.FUNCTIONS: (_json("c.functions"), _names_cell),
    TableColumn.PARAMETERS: (_json("c.parameters"), _pairs_cell),
    TableColumn.TAGS: (_json("c.tags"), _pairs_cell),
}


class CacheTexts:
    """Reads rows of the cache by key (CacheStore.row_keys) as their export cell texts,
    neutralised: `texts(keys)`. Its own read-only sqlite3 connection, closed by close()."""

    def __init__(self, path: Path, tenant: str, columns: Sequence[TableColumn]) -> None:
        cells = [_CELLS[column] for column in columns]
        self._tenant = tenant
        self._path = path
        # The rows of a JSON array of keys, in its order: the keys drive the loop (CROSS
        # JOIN), each a primary-key lookup.
        self._select = (
            f"SELECT {', '.join(cell[0] for cell in cells)} FROM json_each(?) AS k "
            "CROSS JOIN conversations AS c ON c.pk = k.value WHERE c.tenant = ? ORDER BY k.key"
        )
        self._finish = [(i, finish) for i, (_, finish) in enumerate(cells) if finish is not None]
        with translated(path):
            self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                self._db.execute("PRAGMA query_only = ON")
            except BaseException:
                self._db.close()
                raise

    def __enter__(self) -> CacheTexts:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def texts(self, keys: Sequence[int]) -> list[Sequence[str]]:
        """The rows of these keys in this order; a row deleted or evicted since is left out."""
        wanted = "[" + ",".join(map(str, keys)) + "]"
        with translated(self._path):
            rows: list[Sequence[str]] = self._db.execute(self._select, (wanted, self._tenant)).fetchall()
            if not rows:
                return rows
            # Column by column: zip, map and `in` loop in C (a Python loop a row costs more
            # than the rest of the Python work together).
            columns = list(zip(*rows, strict=True))
            if any(None in column for column in columns):
                raise DamagedRow("a cell of an exported column holds something else")
            try:
                for i, finish in self._finish:
                    columns[i] = tuple(map(finish, columns[i]))
            except (ValueError, TypeError) as exc:  # msgspec's errors: a malformed JSON column
                raise DamagedRow(f"{type(exc).__name__}: {exc}"[:200]) from exc
            return list(zip(*columns, strict=True)) if self._finish else rows


def export_cache(
    store: CacheStore,
    tenant: str,
    filter: Filter,
    sort: Sort,
    columns: Sequence[TableColumn],
    out_path: Path,
    *,
    now: datetime,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    block: int = BLOCK,
) -> int:
    """Export the cached listing to `out_path` as CSV; returns the rows written. Relative
    dates are resolved against `now`. Raises ExportCancelled (nothing written; an existing
    file is left as it was), ExportError, CacheError."""
    keys = store.row_keys(tenant, filter, sort, now=now)
    total = len(keys)
    with CsvTableWriter(out_path, columns) as out, CacheTexts(store.path, tenant, columns) as reader:
        _report(progress, 0, total)
        for start in range(0, total, block):
            _check(cancelled)
            out.write_neutralised(reader.texts(keys[start : start + block].tolist()))
            read = min(total, start + block)
            _report(progress, out.rows_written, total - (read - out.rows_written))  # less rows gone
        _check(cancelled)
        out.commit()
    return out.rows_written


# --- the platform -------------------------------------------------------------------------------


async def server_pages(
    api: ApiClient, filter: Filter, sort: Sort, *, page: int = MAX_PAGE
) -> AsyncGenerator[SearchPage, None]:
    """The platform's pages of the listing, followed through their cursors."""
    cursor: str | None = None
    while True:
        result = await api.search(filter, sort, limit=page, cursor=cursor)
        yield result
        cursor = result.next_cursor
        if cursor is None:
            return


async def export_server(
    api: ApiClient,
    tenant: str,
    filter: Filter,
    sort: Sort,
    columns: Sequence[TableColumn],
    out_path: Path,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    page: int = MAX_PAGE,
) -> int:
    """Export the platform's listing to `out_path` as CSV; returns the rows written.

    `tenant` is the one `api`'s session works in (the client is tenant-scoped: its URLs
    carry it). The first page's `total` (an estimate above 1,000 on PostgreSQL) is the
    expected count until the last page. Raises ExportCancelled (also when the task is
    cancelled: nothing written), ExportError, ApiError."""
    del tenant  # in the client's URLs already
    out = CsvTableWriter(out_path, columns)
    await _in_thread(out.open)
    try:
        total: int | None = None
        pages = server_pages(api, filter, sort, page=page)
        try:
            async for result in pages:
                _check(cancelled)
                if total is None:
                    total = result.total
                    _report(progress, 0, total)
                await _in_thread(out.write_rows, result.items)
                written = out.rows_written
                _report(progress, written, written if result.next_cursor is None else max(total, written))
        finally:
            await pages.aclose()
        _check(cancelled)
        await _in_thread(out.commit)
    except BaseException:
        out.abort()  # an unlink: brief, and it must happen even while the task is being cancelled
        raise
    return out.rows_written


async def _in_thread(call: Callable[..., T], *args: Any) -> T:
    """`call` in a worker thread; a cancel waits for it to finish first, so that the file is
    never deleted under a write in progress."""
    task = asyncio.ensure_future(asyncio.to_thread(call, *args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise


# --- both ---------------------------------------------------------------------------------------


def _check(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise ExportCancelled()


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
