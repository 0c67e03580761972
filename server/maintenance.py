"""Housekeeping that every worker runs now and then (each step is idempotent,
so several workers doing it at once is harmless)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.auth.grants import purge_expired
from server.db.engine import Database
from server.db.models import Counter, Event

log = logging.getLogger(__name__)
PRUNED_THROUGH = "events_pruned_through"
INTERVAL_SECONDS = 3600


def pruned_through(session: Session) -> int:
    """Events up to this seq are gone: a cursor before it cannot be resumed."""
    return int(session.scalar(select(Counter.value).where(Counter.name == PRUNED_THROUGH)) or 0)


def prune_events(session: Session, retention: timedelta) -> int:
    cutoff = datetime.now(UTC) - retention
    last = session.scalar(select(func.max(Event.seq)).where(Event.at < cutoff))
    if last is None:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Counter).values(name=PRUNED_THROUGH, value=0).on_conflict_do_nothing())
    session.execute(
        update(Counter).where(Counter.name == PRUNED_THROUGH, Counter.value < last).values(value=last)
    )
    result = cast(CursorResult[Any], session.execute(delete(Event).where(Event.seq <= last)))
    return result.rowcount or 0


def run_once(db: Database, retention: timedelta) -> None:
    with db.session() as session:
        removed = prune_events(session, retention)
        purge_expired(session)
    if removed:
        log.info("pruned old events", extra={"events": removed})


async def run_forever(db: Database, retention: timedelta) -> None:
    while True:
        try:
            await asyncio.to_thread(run_once, db, retention)
        except Exception:
            log.exception("housekeeping failed; will try again")
        await asyncio.sleep(INTERVAL_SECONDS)


@contextlib.asynccontextmanager
async def running(db: Database, retention: timedelta) -> AsyncIterator[None]:
    task = asyncio.create_task(run_forever(db, retention), name="housekeeping")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
