"""Recording live events (the WebSocket's source of truth is the events table)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from server.db.models import Event
from server.domain import EventType
from server.events.relay import CHANNEL
from server.store import sequence


def record(
    session: Session,
    tenant_id: str,
    type: EventType,
    conversation_id: str,
    data: dict[str, Any],
    *,
    seq: int | None = None,
) -> int:
    """Add an event; `seq` when the caller already took the number for this change."""
    seq = seq if seq is not None else sequence.take(session)
    session.execute(
        insert(Event).values(
            seq=seq,
            tenant_id=tenant_id,
            type=type.value,
            conversation_id=conversation_id,
            at=datetime.now(UTC),
            data=data,
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        # Delivered at commit: every worker's relay wakes and reads the new rows.
        session.execute(select(func.pg_notify(CHANNEL, "")))
    return seq
