"""Fan-out of live events to this worker's WebSocket subscribers.

The events table is the source of truth. Writers commit rows there (and, on
PostgreSQL, NOTIFY at commit); each worker process wakes on the notification —
or on a short poll, which also covers SQLite and any lost notification — reads
the rows it has not seen, and hands each to the subscribers of that tenant.
Whichever worker a client is connected to, it sees every event, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, cast, func, select

from server.db.engine import Database
from server.db.models import Event

log = logging.getLogger(__name__)
CHANNEL = "convodesk_events"
BATCH = 2000
QUEUE_LIMIT = 20_000
FRAME_EVENTS = 500  # at most this many events in one WebSocket message,
FRAME_BYTES = 512 * 1024  # and about this much text (one event may exceed it alone)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An event as sent: encoded once, whatever the number of subscribers."""

    seq: int
    text: str


@dataclass(eq=False)
class Subscriber:
    tenant_id: str
    queue: asyncio.Queue[Outgoing] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    overflowed: bool = False


def event_rows() -> Select[int, str, str, str, datetime, str]:
    """The columns an event is sent from; `data` as its stored JSON text, which goes out as is
    (decoding and re-encoding every event's summary was most of the relay's work)."""
    return select(
        Event.seq, Event.tenant_id, Event.type, Event.conversation_id, Event.at, cast(Event.data, Text)
    )


@dataclass(frozen=True, slots=True)
class Tenanted:
    tenant_id: str
    message: Outgoing


def outgoing(row: Sequence[Any]) -> Tenanted:
    """An event row of `event_rows()`, encoded for the wire (`seq` first, which readers may rely on)."""
    seq, tenant_id, type_, conversation_id, at, data = row
    text = (
        f'{{"seq":{seq},"cursor":"{seq}","type":{json.dumps(type_)},'
        f'"conversation_id":{json.dumps(conversation_id, ensure_ascii=False)},'
        f'"at":"{at.isoformat()}","data":{data}}}'
    )
    return Tenanted(tenant_id, Outgoing(seq, text))


def frames(messages: Sequence[Outgoing]) -> Iterator[str]:
    """WebSocket messages for these events: JSON arrays of them, in order, each within
    FRAME_EVENTS and FRAME_BYTES (so that a client's message size limit is never hit)."""
    start = size = 0
    for i, message in enumerate(messages):
        if i > start and (i - start >= FRAME_EVENTS or size + len(message.text) > FRAME_BYTES):
            yield "[" + ",".join(m.text for m in messages[start:i]) + "]"
            start, size = i, 0
        size += len(message.text) + 1
    if start < len(messages):
        yield "[" + ",".join(m.text for m in messages[start:]) + "]"


class EventRelay:
    def __init__(self, db: Database, poll_seconds: float | None = None) -> None:
        self.db = db
        self.poll_seconds = poll_seconds or (1.0 if db.dialect == "postgresql" else 0.05)
        self._subscribers: set[Subscriber] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._last_seq = 0

    async def start(self) -> None:
        self._last_seq = await asyncio.to_thread(self._max_seq)
        self._tasks.append(asyncio.create_task(self._run(), name="event-relay"))
        if self.db.dialect == "postgresql":
            self._tasks.append(asyncio.create_task(self._listen(), name="event-listen"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def subscribe(self, tenant_id: str) -> Subscriber:
        subscriber = Subscriber(tenant_id)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def wake(self) -> None:
        self._wake.set()

    def _max_seq(self) -> int:
        with self.db.session() as session:
            return int(session.scalar(select(func.max(Event.seq))) or 0)

    def _read_after(self, seq: int) -> list[Tenanted]:
        with self.db.session() as session:
            rows = session.connection().execute(
                event_rows().where(Event.seq > seq).order_by(Event.seq).limit(BATCH)
            )
            return [outgoing(row) for row in rows]

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            try:
                while True:
                    batch = await asyncio.to_thread(self._read_after, self._last_seq)
                    self._dispatch(batch)
                    if len(batch) < BATCH:
                        break
            except Exception:  # the database may be briefly unavailable; try again next tick
                log.exception("event relay could not read events")
                await asyncio.sleep(1.0)

    def _dispatch(self, batch: list[Tenanted]) -> None:
        for event in batch:
            self._last_seq = event.message.seq
            message = event.message
            for subscriber in list(self._subscribers):
                if subscriber.tenant_id != event.tenant_id or subscriber.overflowed:
                    continue
                try:
                    subscriber.queue.put_nowait(message)
                except asyncio.QueueFull:
                    # A consumer this slow is dropped; it resumes from its cursor.
                    subscriber.overflowed = True

    async def _listen(self) -> None:
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.wake()  # catch up on anything committed before LISTEN took effect
                    async for _ in conn.notifies():
                        self.wake()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("LISTEN connection lost; polling until it is back", exc_info=True)
                await asyncio.sleep(1.0)
