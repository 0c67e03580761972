"""WebSocket `events`: live conversation events with a resume cursor.

Connect with `Authorization: Bearer <tenant token>` and, to resume, `?cursor=`
the `cursor` of the last event received: everything after it is replayed, then
live events follow, each exactly once and in order.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from sqlalchemy import func, select

from server.auth.dependencies import AuthError, principal_from_token
from server.db.engine import Database
from server.db.models import Event
from server.events.relay import EventRelay, event_json
from server.maintenance import pruned_through

router = APIRouter(tags=["events"])

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_CURSOR = 4422
CLOSE_TOO_SLOW = 4408
CLOSE_CURSOR_EXPIRED = 4410
REPLAY_BATCH = 1000


def _replay(db: Database, tenant_id: str, after: int, upto: int) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.scalars(
            select(Event)
            .where(Event.tenant_id == tenant_id, Event.seq > after, Event.seq <= upto)
            .order_by(Event.seq)
            .limit(REPLAY_BATCH)
        )
        return [event_json(e) for e in rows]


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
    if cursor is not None and not cursor.isdigit():
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
        while sent < head:  # replay what the client missed, in batches
            batch = await asyncio.to_thread(_replay, db, principal.tenant_id, sent, head)
            if not batch:
                break
            for message in batch:
                await websocket.send_json(message)
            sent = batch[-1]["seq"]
        sent = max(sent, head)
        while True:
            if subscriber.overflowed:
                await websocket.close(code=CLOSE_TOO_SLOW, reason="too slow; reconnect with your cursor")
                return
            message = await subscriber.queue.get()
            if message["seq"] <= sent:
                continue  # already replayed
            await websocket.send_json(message)
            sent = message["seq"]
    except WebSocketDisconnect:
        pass
    finally:
        relay.unsubscribe(subscriber)
