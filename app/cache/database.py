"""The SQLite file under the cache: engine, pragmas, transactions, damage detection.

Transactions are explicit: the driver runs in autocommit mode and every SQLAlchemy
transaction issues BEGIN itself (BEGIN IMMEDIATE for writes, so that a writer takes
the lock up front instead of failing half-way). SQLite errors become the typed
errors of app.cache.errors.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from app.cache.errors import CacheBusy, CacheCorrupt, CacheError, CacheFull, DamagedRow

BUSY_TIMEOUT_MS = 5000
_HEADER = b"SQLite format 3\x00"
# Primary result codes (the low byte of an extended code).
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_NOTADB = 5, 6, 11, 13, 26


def make_engine(path: Path, *, hard_limit_bytes: int | None = None) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is issued by the "begin" hook below
        cursor = dbapi_connection.cursor()
        try:
            # Only takes effect on a new file: lets eviction hand space back to the disk.
            cursor.execute("PRAGMA auto_vacuum = INCREMENTAL")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if hard_limit_bytes is not None:
                # Per connection: a ceiling on the file, SQLITE_FULL beyond it.
                page_size = int(cursor.execute("PRAGMA page_size").fetchone()[0])
                cursor.execute(f"PRAGMA max_page_count = {max(1, int(hard_limit_bytes) // page_size)}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@functools.cache
def has_trigram_tokenizer() -> bool:
    """Whether this SQLite has FTS5's trigram tokenizer (SQLite 3.34 and later): probed on
    a scratch database, since a build may leave it out whatever its version."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(text, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """SQLite's failures as typed cache errors."""
    try:
        yield
    except DBAPIError as exc:
        raise typed_error(path, exc) from exc
    except sqlite3.Error as exc:
        raise typed_error(path, exc) from exc
    except (DamagedRow, ValidationError) as exc:
        # A row that decodes to no valid record (damaged or edited by hand).
        raise CacheCorrupt(path, detail=f"a cached record is malformed: {exc}"[:500]) from exc


def typed_error(path: Path, exc: DBAPIError | sqlite3.Error) -> CacheError:
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(original, "sqlite_errorcode", None)
    detail = str(original)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == SQLITE_FULL:
        return CacheFull(detail)
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return CacheCorrupt(path, detail=detail)
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return CacheBusy(detail)
    return CacheError("The offline cache could not be read or written.", detail=detail)


def header_damage(path: Path) -> str | None:
    """Why the file's header shows it damaged (not SQLite, or shorter than it says), or
    None. Cheap: reads 100 bytes; damage deeper in the file shows when it is read."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size == 0:
        return None  # a new, empty database
    with path.open("rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(_HEADER):
        return "not a SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "invalid page size"
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is only meaningful when these two counters agree.
    if pages and header[24:28] == header[92:96] and size < pages * page_size:
        return f"truncated: {size} bytes, the header says {pages * page_size}"
    return None


def inspect(path: Path, *, full: bool) -> str | None:
    """Read the file without writing to it (a read-only connection, which also never
    checkpoints on close): raise CacheCorrupt if it is damaged or not a cache, so that a
    suspect file is moved aside exactly as it was found; return its schema revision
    (None for a new file). `full` reads every page."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise typed_error(path, exc) from exc
    except (DamagedRow, ValidationError) as exc:
        # A row that decodes to no valid record (damaged or edited by hand).
        raise CacheCorrupt(path, detail=f"a cached record is malformed: {exc}"[:500]) from exc
    try:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if names and "alembic_version" not in names:
            raise CacheCorrupt(path, detail="the file holds tables but no cache schema")
        if "conversations" in names:
            db.execute("SELECT pk FROM conversations LIMIT 1").fetchall()
        if full:
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise CacheCorrupt(path, detail="; ".join(map(str, problems[:5])))
        if not names:
            return None
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if revision is None else str(revision[0])
    except sqlite3.Error as exc:
        raise typed_error(path, exc) from exc
    except (DamagedRow, ValidationError) as exc:
        # A row that decodes to no valid record (damaged or edited by hand).
        raise CacheCorrupt(path, detail=f"a cached record is malformed: {exc}"[:500]) from exc
    finally:
        db.close()


def move_aside(path: Path) -> Path:
    """Rename the damaged file (and its WAL and shared-memory files, which belong to it
    and would corrupt a new file of the same name) to `<name>.corrupt-<timestamp>`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm", "-journal"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{target}{suffix}"))
    return target
