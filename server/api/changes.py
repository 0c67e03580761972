"""The incremental change feed that the client's sync reads."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from server.api.deps import DbSession
from server.api.problems import Problem
from server.auth.dependencies import TenantPrincipal
from server.db.models import Conversation, Tombstone
from server.schemas.conversations import Change, ChangesPage
from server.schemas.conversations import Tombstone as TombstoneOut
from server.search.summaries import summary_of

router = APIRouter(tags=["sync"])


_CURSOR = re.compile(r"s[0-9]{1,19}")  # ASCII digits only (str.isdigit also accepts '²', '١')
_MAX_SEQ = 2**63 - 1  # sequence numbers are 64-bit integers in the database


def _position(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not _CURSOR.fullmatch(cursor) or int(cursor[1:]) > _MAX_SEQ:
        raise Problem(422, "Invalid request", "invalid value for: cursor")
    return int(cursor[1:])


@router.get("/changes", summary="Conversations created, updated or deleted after a cursor")
def changes(
    principal: TenantPrincipal,
    session: DbSession,
    cursor: Annotated[
        str | None, Query(max_length=40, description="From the previous page; empty = from the start.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> ChangesPage:
    after = _position(cursor)
    tenant = principal.tenant_id
    updated = session.scalars(
        select(Conversation)
        .where(Conversation.tenant_id == tenant, Conversation.change_seq > after)
        .order_by(Conversation.change_seq)
        .limit(limit + 1)
    ).all()
    deleted = session.scalars(
        select(Tombstone)
        .where(Tombstone.tenant_id == tenant, Tombstone.seq > after)
        .order_by(Tombstone.seq)
        .limit(limit + 1)
    ).all()
    merged = sorted(
        [Change(seq=c.change_seq, kind="upsert", conversation=summary_of(c)) for c in updated]
        + [
            Change(
                seq=t.seq, kind="delete", deleted=TombstoneOut(id=t.conversation_id, deleted_at=t.deleted_at)
            )
            for t in deleted
        ],
        key=lambda change: change.seq,
    )
    page = merged[:limit]
    next_position = page[-1].seq if page else after
    return ChangesPage(changes=page, next_cursor=f"s{next_position}", has_more=len(merged) > limit)
