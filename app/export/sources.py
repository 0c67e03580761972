"""The two exports of a listing to CSV: from the offline cache, and from the platform.

Both stream, so memory stays flat however many rows the listing holds: the cache gives
every matching row's key (8 bytes a row, CacheStore.row_keys) and the rows are read a
block at a time; the platform is paged through its cursors.

Call export_cache in a worker thread (it reads SQLite and writes the disk); export_server
awaits the network and writes each page from a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from app.api.client import ApiClient
from app.cache.export_rows import ColumnTexts, ExportRows
from app.cache.queries import RowKeys
from app.cache.store import CacheStore
from app.domain import Filter, SearchPage, Sort, TableColumn
from app.export.csv_block import BlockFormatter, Unformatted
from app.export.csv_table import CsvTableWriter, ExportCancelled
from app.filters.query import MAX_PAGE

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (rows written, rows expected)
Cancelled = Callable[[], bool]

BLOCK = 5000


# --- the cache ----------------------------------------------------------------------------------
#
# Building a Conversation per row and formatting it in Python reaches ~20,000 rows/s; the
# export reads a block's rows column by column instead (app.cache.export_rows) and formats
# whole columns (csv_block). A block that the column read or the formatter cannot vouch for
# is written from its records, every value checked. SQLite reads a block without holding
# the GIL, so the next block is read in a worker thread while this one is formatted.
# tests/client/test_export_csv.py holds the bytes equal to the records' and
# bench/export_bench.py measures the rate.


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
    formatter = BlockFormatter(columns)
    with (
        CsvTableWriter(out_path, columns) as out,
        ExportRows(store.path, tenant, columns) as reader,
        ThreadPoolExecutor(1, thread_name_prefix="export-read") as pool,  # its exit waits for a read
    ):
        _report(progress, 0, total)
        read = 0
        for chunk, columns_read in _read_ahead(pool, reader, keys, block):
            _check(cancelled)
            block_read = columns_read.result()
            if not _write_columns(out, formatter, block_read):
                out.write_rows(pool.submit(reader.records_of, chunk).result())
            read += len(chunk)
            _report(progress, out.rows_written, total - (read - out.rows_written))  # less rows gone
        _check(cancelled)
        out.commit()
    return out.rows_written


def _read_ahead(
    pool: ThreadPoolExecutor, reader: ExportRows, keys: RowKeys, size: int
) -> Iterator[tuple[list[int], Future[ColumnTexts | None]]]:
    """Each block's keys and the read of its columns; the next block's read is under way
    before a block is handed out."""
    pending: tuple[list[int], Future[ColumnTexts | None]] | None = None
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size].tolist()
        submitted = (chunk, pool.submit(reader.columns_of, chunk))
        if pending is not None:
            yield pending
        pending = submitted
    if pending is not None:
        yield pending


def _write_columns(out: CsvTableWriter, formatter: BlockFormatter, block: ColumnTexts | None) -> bool:
    """Write the block formatted by column; False when the read or the formatter cannot
    vouch for one of its values (the block is then written from its records)."""
    if block is None:
        return False
    try:
        lines = formatter.lines(block)
    except Unformatted:
        return False
    out.write_lines(lines, block.rows)
    return True


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
