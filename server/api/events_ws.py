"""WebSocket `events`: live conversation events with a resume cursor.

Connect with `Authorization: Bearer <tenant token>` and, to resume, `?cursor=`
the `cursor` of the last event received: everything after it is replayed, then
live events follow, each exactly once and in order. Each message is a JSON array
of one or more events: whatever is queued for a subscriber goes out together, which
keeps a burst to a few frames instead of one frame (and one write) per event.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from sqlalchemy import func, select

from server.auth.dependencies import AuthError, principal_from_token
from server.db.engine import Database
from server.db.models import Event
from server.events.relay import FRAME_EVENTS, EventRelay, Outgoing, Subscriber, event_rows, frames, outgoing
from server.maintenance import pruned_through

router = APIRouter(tags=["events"])

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_CURSOR = 4422
CLOSE_TOO_SLOW = 4408
CLOSE_CURSOR_EXPIRED = 4410
REPLAY_BATCH = FRAME_EVENTS
_CURSOR = re.compile(r"[0-9]{1,19}")  # ASCII digits only


def _replay(db: Database, tenant_id: str, after: int, upto: int) -> list[Outgoing]:
    with db.session() as session:
        rows = session.connection().execute(
            event_rows()
            .where(Event.tenant_id == tenant_id, Event.seq > after, Event.seq <= upto)
            .order_by(Event.seq)
            .limit(REPLAY_BATCH)
        )
        return [outgoing(row).message for row in rows]


def _head(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.max(Event.seq))) or 0)


def _expired(db: Database, cursor: int) -> bool:
    with db.session() as session:
        return cursor < pruned_through(session)


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    # Accept first: a close before the handshake completes becomes a bare HTTP 403
    # and the client never sees the close code (4401/4403/4422) the contract promises.
    await websocket.accept()
    await websocket.close(code=code, reason=reason[:120])


@router.websocket("/events")
async def events(
    websocket: WebSocket,
    tenant: str,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> None:
    header = websocket.headers.get("authorization", "")
    token = header[7:] if header[:7].lower() == "bearer " else ""
    db: Database = websocket.app.state.db
    relay: EventRelay = websocket.app.state.relay
    try:
        principal = await asyncio.to_thread(
            principal_from_token, token, tenant, db=db, settings=websocket.app.state.settings
        )
    except AuthError as exc:
        await _refuse(websocket, CLOSE_FORBIDDEN if exc.status == 403 else CLOSE_UNAUTHORIZED, exc.reason)
        return
    if cursor is not None and not _CURSOR.fullmatch(cursor):
        await _refuse(websocket, CLOSE_BAD_CURSOR, "invalid cursor")
        return
    if cursor is not None and await asyncio.to_thread(_expired, db, int(cursor)):
        await _refuse(websocket, CLOSE_CURSOR_EXPIRED, "cursor too old; resync through changes")
        return
    subscriber = relay.subscribe(principal.tenant_id)
    try:
        # Fix the starting point before the handshake completes: whatever the client
        # does once it sees the socket open has a larger seq, so it is delivered.
        head = await asyncio.to_thread(_head, db)
        sent = int(cursor) if cursor is not None else head
        await websocket.accept()
        sender = asyncio.create_task(_send(websocket, db, subscriber, principal.tenant_id, sent, head))
        # The client never speaks; reading is how a hang-up is noticed while no events flow.
        listener = asyncio.create_task(_until_disconnected(websocket))
        done, pending = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if (
                not task.cancelled()
                and task.exception()
                and not isinstance(task.exception(), WebSocketDisconnect)
            ):
                raise task.exception()  # type: ignore[misc]
    finally:
        relay.unsubscribe(subscriber)


async def _until_disconnected(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


async def _send(
    websocket: WebSocket, db: Database, subscriber: Subscriber, tenant_id: str, sent: int, head: int
) -> None:
    while sent < head:  # replay what the client missed, in batches
        batch = await asyncio.to_thread(_replay, db, tenant_id, sent, head)
        if not batch:
            break
        for text in frames(batch):
            await websocket.send_text(text)
        sent = batch[-1].seq
    sent = max(sent, head)
    while True:
        if subscriber.overflowed:
            await websocket.close(code=CLOSE_TOO_SLOW, reason="too slow; reconnect with your cursor")
            return
        pending = [await subscriber.queue.get()]
        while len(pending) < FRAME_EVENTS and not subscriber.queue.empty():
            pending.append(subscriber.queue.get_nowait())
        fresh = [m for m in pending if m.seq > sent]  # some may have come with the replay
        for text in frames(fresh):
            await websocket.send_text(text)
        if fresh:
            sent = fresh[-1].seq
