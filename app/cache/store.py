"""CacheStore: the local cache of one (server, user), through SQLAlchemy on SQLite.

Every method is synchronous and may take a while on a large cache: call it off the
GUI thread. Writes are serialised in-process and each runs in one transaction, so a
failure (a full disk, a damaged file) rolls it back whole and leaves what was
cached before intact.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType

import numpy as np
from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import SQLAlchemyError

from app.cache import accounting, catalog, indexes, queries, writes
from app.cache.accounting import CacheSize
from app.cache.database import translated
from app.cache.errors import CacheCorrupt, CacheError
from app.cache.files import FileStore
from app.cache.opening import Integrity, open_engine, replace_damaged
from app.cache.queries import CachePage, RowKeys
from app.cache.schema import conversations, files
from app.domain import (
    ChangesPage,
    Conversation,
    ConversationDetail,
    Filter,
    Flow,
    FlowSummary,
    LiveEvent,
    Sort,
    View,
)
from app.domain.feed import FeedPage
from app.filters import instants
from app.filters import order as filter_order

c = conversations.c


class FileKind(StrEnum):
    AUDIO = "audio"
    ARTIFACT = "artifact"


@dataclass(frozen=True)
class AppliedChanges:
    upserted: int
    deleted: int
    cursor: str


@dataclass(frozen=True)
class Eviction:
    evicted: int  # conversations removed
    size: CacheSize  # after eviction


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _forget_content_index_statistics(conn: Connection) -> bool:
    """Drop what ANALYZE (indexes.ensure, at the end of a first sync) counted of the content
    index's own tables, which it finds nearly empty: as transcripts are cached, those counts
    make FTS5's delete of each merged segment (a range of rowids) a scan of the whole index,
    400 MB read per merge at 100,000 transcripts, a merge every 16 live lines. Without
    statistics SQLite reads the range. Returns whether any were dropped."""
    analyzed = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    if analyzed is None:
        return False
    dropped = conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl GLOB 'conversation_fts_*'")
    return dropped.rowcount > 0


class _Checkpointer:
    """Folds the write-ahead log back into the database file on a thread of its own.

    SQLite's automatic checkpoint runs in the commit that takes the log past 1,000 pages:
    at a million rows 30-70 ms, the slowest of live events' writes. Instead, each write
    asks this thread for a passive checkpoint (it waits for no reader or writer, and none
    waits for it), run at most every PERIOD seconds; a writer still checkpoints itself
    once the log holds BACKSTOP_PAGES, should this thread fall behind. Commits are as
    durable as before: a checkpoint only moves committed pages.
    """

    PERIOD = 0.25
    BACKSTOP_PAGES = 10_000

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine
        self._due = threading.Event()
        self._stopping = threading.Event()
        self.lock = threading.Lock()  # held while checkpointing: hold it to replace the file
        self._thread = threading.Thread(target=self._run, name="cache-checkpoint", daemon=True)
        self._thread.start()

    def request(self) -> None:
        self._due.set()

    def stop(self) -> None:
        self._stopping.set()
        self._due.set()
        self._thread.join()

    def _run(self) -> None:
        while self._due.wait() and not self._stopping.is_set():
            self._due.clear()
            with self.lock:
                self._checkpoint()
            self._stopping.wait(self.PERIOD)

    def _checkpoint(self) -> None:
        # A failure is left to the next write or read to meet (a busy or full disk, a
        # damaged file); the log is checkpointed at the next request.
        with contextlib.suppress(sqlite3.Error, SQLAlchemyError), self._engine().connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class CacheStore:
    """Open with CacheStore.open(path); close when done (or use it as a context manager)."""

    def __init__(
        self, path: Path, engine: Engine, clock: Callable[[], datetime], hard_limit_bytes: int | None
    ) -> None:
        self.path = path
        self.files = FileStore(path.with_name(f"{path.name}.files"))
        self.recovered: CacheCorrupt | None = None  # set when a damaged file was replaced
        self._engine = engine
        self._clock = clock
        self._hard_limit_bytes = hard_limit_bytes
        self._write_lock = threading.RLock()
        self._checkpointer = _Checkpointer(lambda: self._engine)

    # --- opening ------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        hard_limit_bytes: int | None = None,
        integrity: Integrity = "quick",
        clock: Callable[[], datetime] = _utc_now,
    ) -> CacheStore:
        """Open (creating or migrating) the cache at `path`.

        A damaged file is moved aside to `<name>.corrupt-<timestamp>` and a fresh cache
        is created; `store.recovered` then holds the CacheCorrupt that says so. "quick"
        finds a file that is not a database, is truncated, or has a damaged schema or
        first page of conversations; "full" also reads every page (slow on a large
        cache). A suspect file is only read, never written. Raises CacheSchemaTooNew for
        a cache written by a newer Convodesk. `hard_limit_bytes` is a ceiling on the
        file: writes beyond it fail with CacheFull.
        """
        engine, recovered = open_engine(path, hard_limit_bytes=hard_limit_bytes, integrity=integrity)
        store = cls(path, engine, clock, hard_limit_bytes)
        store.recovered = recovered
        store._sweep_files()
        store.restore_indexes()  # after a first sync that was cut short
        return store

    def close(self) -> None:
        self._checkpointer.stop()
        self._engine.dispose()

    def __enter__(self) -> CacheStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def rebuild(self) -> CacheCorrupt:
        """After a CacheCorrupt from a read or write: move the damaged file aside and start
        a fresh cache in its place; returns the notice to show."""
        with self._write_lock, self._checkpointer.lock:  # no checkpoint writes to the file moved aside
            self._engine.dispose()
            self._engine, notice = replace_damaged(
                self.path, hard_limit_bytes=self._hard_limit_bytes, detail="damage found in use"
            )
            self.recovered = notice
            self._sweep_files()
            return notice

    def check_integrity(self) -> None:
        """Read every page; raises CacheCorrupt if any is damaged."""
        with self._reading() as conn:
            problems = conn.execute(text("PRAGMA quick_check")).scalars().all()
        if problems != ["ok"]:
            raise CacheCorrupt(self.path, detail="; ".join(map(str, problems[:5])))

    # --- transactions -------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        with translated(self.path), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        with (
            self._write_lock,
            translated(self.path),
            self._engine.connect().execution_options(write=True) as conn,
            conn.begin(),
        ):
            conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {_Checkpointer.BACKSTOP_PAGES}")
            yield conn
        self._checkpointer.request()

    def _now_us(self) -> int:
        return instants.to_micros(self._clock())

    # --- conversations: writes ----------------------------------------------------------

    def upsert_summaries(self, tenant: str, items: Iterable[Conversation], *, touch: bool = True) -> int:
        """Write a page of table rows through (idempotent; an older version of a row never
        replaces a newer one). Returns how many rows are now cached at the given version."""
        with self._writing() as conn:
            return len(writes.upsert_summaries(conn, tenant, items, now_us=self._now_us(), touch=touch))

    def write_through(self, tenant: str, items: Sequence[Conversation]) -> RowKeys:
        """Write a page of the platform's search results through (as upsert_summaries, marked
        as used) and return their row keys in the page's order: what the table lists online."""
        with self._writing() as conn:
            writes.upsert_summaries(conn, tenant, items, now_us=self._now_us(), touch=True)
            return np.array(writes.keys_of(conn, tenant, [item.id for item in items]), dtype=np.int64)

    def write_detail(self, tenant: str, detail: ConversationDetail) -> None:
        """Cache a full record (transcript, function calls, artifact list, …)."""
        with self._writing() as conn:
            writes.write_detail(conn, tenant, detail, now_us=self._now_us())

    def delete(self, tenant: str, ids: Sequence[str]) -> int:
        """Remove conversations with everything cached about them, files included."""
        with self._writing() as conn:
            deleted = writes.delete_conversations(conn, tenant, ids)
        self.files.remove(deleted.relpaths)
        return deleted.count

    def apply_changes(self, tenant: str, page: ChangesPage | FeedPage) -> AppliedChanges:
        """Apply a page of the change feed and keep its cursor, in one transaction: after a
        crash either both are stored or neither, and applying a page twice is harmless."""
        with self._writing() as conn:
            now_us = self._now_us()
            upserted, deleted = writes.apply_changes(conn, tenant, page.changes, now_us=now_us)
            catalog.set_changes_cursor(conn, tenant, page.next_cursor, now_us=now_us)
        self.files.remove(deleted.relpaths)
        return AppliedChanges(upserted=upserted, deleted=deleted.count, cursor=page.next_cursor)

    def apply_events(self, tenant: str, events: Sequence[LiveEvent]) -> None:
        """Apply live events in order and keep the last one's cursor, in one transaction
        (a burst of events costs one commit)."""
        if not events:
            return
        with self._writing() as conn:
            deleted = writes.apply_events(conn, tenant, events, now_us=self._now_us())
            catalog.set_events_cursor(conn, tenant, events[-1].cursor)
        self.files.remove(deleted.relpaths)

    def suspend_indexes(self) -> None:
        """Drop the secondary indexes for a large first sync: writes get several times
        faster, filtered reads slower, until restore_indexes()."""
        with self._writing() as conn:
            indexes.drop(conn)

    def restore_indexes(self) -> int:
        """Build whichever secondary indexes are missing; returns how many."""
        with self._writing() as conn:
            built = indexes.ensure(conn)
            stale = _forget_content_index_statistics(conn)
        if stale:
            self._engine.dispose()  # each connection read the statistics when it opened
        return built

    def pin(self, tenant: str, ids: Sequence[str], pinned: bool = True) -> int:
        """ "Keep offline": pinned conversations are never evicted."""
        return self._update_ids(tenant, ids, pinned=pinned)

    def touch(self, tenant: str, ids: Sequence[str]) -> int:
        """Mark conversations as just used (opened, shown): they are evicted last."""
        return self._update_ids(tenant, ids, last_access=self._now_us())

    def _update_ids(self, tenant: str, ids: Sequence[str], **values: object) -> int:
        changed = 0
        with self._writing() as conn:
            for part in writes.chunks(list(dict.fromkeys(ids))):
                result = conn.execute(
                    update(conversations).where(c.tenant == tenant, c.id.in_(part)).values(**values)
                )
                changed += result.rowcount
        return changed

    # --- files ----------------------------------------------------------------------------

    def store_file(
        self,
        tenant: str,
        conversation_id: str,
        kind: FileKind,
        data: bytes,
        media_type: str,
        artifact_id: str | None = None,
    ) -> Path:
        """Keep a recording or an artifact of a cached conversation; returns its path."""
        relpath = self.files.write(data)
        return self._register_file(tenant, conversation_id, kind, relpath, media_type, len(data), artifact_id)

    def adopt_file(
        self,
        tenant: str,
        conversation_id: str,
        kind: FileKind,
        source: Path,
        media_type: str,
        artifact_id: str | None = None,
    ) -> Path:
        """Like store_file, for a file already on disk (a download, best in `files.incoming`):
        moved into the cache rather than read into memory."""
        size = source.stat().st_size
        relpath = self.files.adopt(source)
        return self._register_file(tenant, conversation_id, kind, relpath, media_type, size, artifact_id)

    def _register_file(
        self,
        tenant: str,
        conversation_id: str,
        kind: FileKind,
        relpath: str,
        media_type: str,
        size: int,
        artifact_id: str | None,
    ) -> Path:
        try:
            with self._writing() as conn:
                pk = conn.execute(
                    select(c.pk).where(c.tenant == tenant, c.id == conversation_id)
                ).scalar_one_or_none()
                if pk is None:
                    raise CacheError("The conversation is not in the offline cache.", detail=conversation_id)
                old = self._file_row(conn, pk, kind, artifact_id)
                if old is not None:
                    conn.execute(files.delete().where(files.c.relpath == old))
                row = {"conversation_pk": pk, "kind": kind.value, "artifact_id": artifact_id}
                conn.execute(insert(files).values(**row, relpath=relpath, media_type=media_type, size=size))
        except BaseException:
            self.files.remove([relpath])
            raise
        if old is not None:
            self.files.remove([old])
        return self.files.path(relpath)

    def is_kept(self, tenant: str, conversation_id: str, change_seq: int) -> bool:
        """Whether the conversation is kept offline as of `change_seq`: pinned, its full
        record at least that recent, and its recording and every artifact on disk."""
        with self._reading() as conn:
            return queries.is_kept(conn, tenant, conversation_id, change_seq)

    def file_path(
        self, tenant: str, conversation_id: str, kind: FileKind, artifact_id: str | None = None
    ) -> Path | None:
        with self._reading() as conn:
            pk = conn.execute(
                select(c.pk).where(c.tenant == tenant, c.id == conversation_id)
            ).scalar_one_or_none()
            relpath = None if pk is None else self._file_row(conn, pk, kind, artifact_id)
        return None if relpath is None else self.files.path(relpath)

    @staticmethod
    def _file_row(conn: Connection, pk: int, kind: FileKind, artifact_id: str | None) -> str | None:
        f = files.c
        query = select(f.relpath).where(f.conversation_pk == pk, f.kind == kind.value)
        query = query.where(f.artifact_id.is_(None) if artifact_id is None else f.artifact_id == artifact_id)
        return conn.execute(query).scalar_one_or_none()

    def _sweep_files(self) -> None:
        with self._reading() as conn:
            known = set(conn.execute(select(files.c.relpath)).scalars())
        self.files.sweep(known)

    # --- conversations: reads -------------------------------------------------------------

    def search(
        self,
        tenant: str,
        f: Filter,
        sort: Sort,
        *,
        now: datetime,
        limit: int = 100,
        after: filter_order.Position | None = None,
    ) -> CachePage:
        """One page of a listing, after `after` (the `next` of the previous page). Use one
        `now` for every page of a listing: relative date ranges are resolved against it."""
        with self._reading() as conn:
            return queries.search(conn, tenant, f, sort, limit=limit, after=after, now=now)

    def all_ids(self, tenant: str, f: Filter, sort: Sort, *, now: datetime) -> list[str]:
        with self._reading() as conn:
            return queries.all_ids(conn, tenant, f, sort, now=now)

    def row_keys(
        self, tenant: str, f: Filter, sort: Sort, *, now: datetime, limit: int | None = None
    ) -> RowKeys:
        """Every matching row's key (or the first `limit`), in order (for a lazy table; see
        queries.row_keys)."""
        with self._reading() as conn:
            return queries.row_keys(conn, tenant, f, sort, now=now, limit=limit)

    def rows_by_keys(self, tenant: str, keys: Sequence[int]) -> list[Conversation | None]:
        with self._reading() as conn:
            return queries.rows_by_keys(conn, tenant, keys)

    def count(self, tenant: str, f: Filter, *, now: datetime) -> int:
        with self._reading() as conn:
            return queries.count(conn, tenant, f, now=now)

    def function_names(self, tenant: str) -> list[str]:
        with self._reading() as conn:
            return queries.function_names(conn, tenant)

    def rows(self, tenant: str, ids: Sequence[str]) -> list[Conversation]:
        with self._reading() as conn:
            return queries.rows_by_ids(conn, tenant, ids)

    def detail(self, tenant: str, conversation_id: str) -> ConversationDetail | None:
        with self._reading() as conn:
            return queries.detail(conn, tenant, conversation_id)

    def stale_details(self, tenant: str) -> list[str]:
        """Fully cached conversations whose full record is older than their summary."""
        with self._reading() as conn:
            query = select(c.id).where(c.tenant == tenant, c.full_seq.is_not(None), c.full_seq < c.change_seq)
            return list(conn.execute(query).scalars())

    # --- flows, views, sync -----------------------------------------------------------------

    def upsert_flows(self, tenant: str, items: Sequence[FlowSummary]) -> None:
        with self._writing() as conn:
            catalog.upsert_flows(conn, tenant, items)

    def write_flow(self, tenant: str, flow: Flow) -> None:
        with self._writing() as conn:
            catalog.write_flow(conn, tenant, flow)

    def flows(self, tenant: str) -> list[FlowSummary]:
        with self._reading() as conn:
            return catalog.flow_list(conn, tenant)

    def flow(self, tenant: str, flow_id: str) -> Flow | None:
        with self._reading() as conn:
            return catalog.flow(conn, tenant, flow_id)

    def replace_views(self, tenant: str, items: Sequence[View]) -> None:
        with self._writing() as conn:
            catalog.replace_views(conn, tenant, items)

    def views(self, tenant: str) -> list[View]:
        with self._reading() as conn:
            return catalog.view_list(conn, tenant)

    def pin_view(self, tenant: str, view_id: str, pinned: bool = True) -> bool:
        with self._writing() as conn:
            return catalog.pin_view(conn, tenant, view_id, pinned)

    def pinned_views(self, tenant: str) -> list[str]:
        with self._reading() as conn:
            return catalog.pinned_views(conn, tenant)

    def changes_cursor(self, tenant: str) -> str | None:
        with self._reading() as conn:
            return catalog.cursors(conn, tenant)[0]

    def events_cursor(self, tenant: str) -> str | None:
        with self._reading() as conn:
            return catalog.cursors(conn, tenant)[1]

    def reset_events_cursor(self, tenant: str) -> None:
        """Forget the live events' resume position (expired or refused by the platform)."""
        with self._writing() as conn:
            catalog.set_events_cursor(conn, tenant, None)

    def reset_changes_cursor(self, tenant: str) -> None:
        """The next sync starts from the beginning of the change feed."""
        with self._writing() as conn:
            catalog.set_changes_cursor(conn, tenant, None, now_us=self._now_us())

    # --- size -------------------------------------------------------------------------------

    def size(self) -> CacheSize:
        with self._reading() as conn:
            return accounting.measure(conn, self.path)

    def evict(self, cap_bytes: int, *, batch: int = 2000) -> Eviction:
        """Remove least recently used unpinned conversations (with their files) until the
        cache takes at most `cap_bytes`, or only pinned ones are left; then hand the
        freed pages back to the disk."""
        evicted = 0
        while True:
            with self._writing() as conn:
                size = accounting.measure(conn, self.path)
                excess = size.total_bytes - cap_bytes
                if excess <= 0 or size.conversations == size.pinned:
                    break
                # Aim at the excess with the average conversation's share, in bounded steps.
                each = max(1, size.total_bytes // max(1, size.conversations))
                victims = accounting.least_recently_used(conn, min(batch, max(1, -(-excess // each))))
                if not victims:
                    break
                gone = writes.delete_by_pk(conn, victims)
            self.files.remove(gone.relpaths)
            evicted += gone.count
        if evicted:
            with translated(self.path), self._write_lock, self._engine.connect() as conn:
                # On the driver's connection, outside any transaction: give free pages back
                # to the disk, and empty the write-ahead log.
                raw = conn.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA incremental_vacuum").fetchall()
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return Eviction(evicted=evicted, size=self.size())
