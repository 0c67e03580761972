"""The incremental change feed that the client's sync reads."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import Row, select

from server.api.deps import DbSession
from server.api.problems import Problem
from server.auth.dependencies import TenantPrincipal
from server.db.models import Conversation, Tombstone
from server.schemas.conversations import ChangesPage
from server.search import summary_rows

router = APIRouter(tags=["sync"])


_CURSOR = re.compile(r"s[0-9]{1,19}")  # ASCII digits only (str.isdigit also accepts '²', '١')
_MAX_SEQ = 2**63 - 1  # sequence numbers are 64-bit integers in the database


def _position(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not _CURSOR.fullmatch(cursor) or int(cursor[1:]) > _MAX_SEQ:
        raise Problem(422, "Invalid request", "invalid value for: cursor")
    return int(cursor[1:])


@router.get(
    "/changes",
    summary="Conversations created, updated or deleted after a cursor",
    response_model=ChangesPage,
)
def changes(
    principal: TenantPrincipal,
    session: DbSession,
    cursor: Annotated[
        str | None, Query(max_length=40, description="From the previous page; empty = from the start.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Response:
    after = _position(cursor)
    tenant = principal.tenant_id
    # Plain rows straight to JSON (see summary_rows): a sync reads thousands per page.
    connection = session.connection()
    updated = connection.execute(
        select(*summary_rows.COLUMNS)
        .where(Conversation.tenant_id == tenant, Conversation.change_seq > after)
        .order_by(Conversation.change_seq)
        .limit(limit + 1)
    ).all()
    deleted = connection.execute(
        select(Tombstone.seq, Tombstone.conversation_id, Tombstone.deleted_at)
        .where(Tombstone.tenant_id == tenant, Tombstone.seq > after)
        .order_by(Tombstone.seq)
        .limit(limit + 1)
    ).all()
    merged = sorted(
        [_upsert(row) for row in updated] + [_delete(*row) for row in deleted],
        key=lambda change: int(change["seq"]),
    )
    page = merged[:limit]
    next_position = page[-1]["seq"] if page else after
    body = {"changes": page, "next_cursor": f"s{next_position}", "has_more": len(merged) > limit}
    return Response(summary_rows.dumps(body), media_type="application/json")


def _upsert(row: Row[Any]) -> dict[str, Any]:
    conversation = summary_rows.summary(row)
    return {"seq": row.change_seq, "kind": "upsert", "conversation": conversation, "deleted": None}


def _delete(seq: int, conversation_id: str, deleted_at: datetime) -> dict[str, Any]:
    deleted = {"id": conversation_id, "deleted_at": deleted_at}
    return {"seq": seq, "kind": "delete", "conversation": None, "deleted": deleted}
