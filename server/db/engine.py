"""Engines and sessions for SQLite (demo, tests) and PostgreSQL (scale)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# API queries read a page of rows: starting parallel workers costs more than it saves.
# Filter values decide the plan (a rare tag and a common one want different ones), so a
# prepared statement must not fall back to a generic plan.
PG_OPTIONS = "-c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_custom_plan"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    # JSON columns are read on every summary (functions, tags, parameters): orjson parses
    # them several times faster than the standard library.
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, json_deserializer=orjson.loads
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"options": PG_OPTIONS},
        json_deserializer=orjson.loads,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_lock_for_update(state: ORMExecuteState) -> None:
    """SQLite has no SELECT ... FOR UPDATE, and the driver only opens a transaction
    at the first write, so a locking read would run outside any transaction and two
    requests could both read "no supervisor on the call" and both write (lost
    update). Take the database's write lock (BEGIN IMMEDIATE) before such a read
    instead: the read-modify-write is then atomic, as the row lock makes it on
    PostgreSQL. Plain reads are unaffected (WAL readers never wait)."""
    if not state.is_select or getattr(state.statement, "_for_update_arg", None) is None:
        return
    dbapi_connection = state.session.connection().connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory, shared by a process."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if self.dialect == "sqlite":
            event.listen(self._sessions, "do_orm_execute", _sqlite_lock_for_update)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error.

        Records that must survive the rollback (e.g. the audit entry of a refused
        action) are put in `session.info["after_rollback"]` and written afterwards.
        """
        with self._sessions() as session:
            try:
                with session.begin():
                    yield session
            except BaseException:
                pending = session.info.pop("after_rollback", [])
                if pending:
                    with session.begin():
                        session.add_all(pending)
                raise

    def dispose(self) -> None:
        self.engine.dispose()
