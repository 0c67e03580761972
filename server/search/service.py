"""Running a search: filter, keyset order, page, count."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from server.db.models import Conversation
from server.schemas.conversations import SearchRequest
from server.search import cursor as cursors
from server.search import summary_rows
from server.search.filter_sql import conditions

EXACT_COUNT_LIMIT = 1_000

SORT_COLUMNS: dict[str, tuple[InstrumentedAttribute[Any], type]] = {
    "id": (Conversation.id, str),
    "platform": (Conversation.platform, str),
    "contact": (Conversation.contact_display, str),
    "status": (Conversation.status, str),
    "flow": (Conversation.flow_name, str),
    "duration": (Conversation.duration_seconds, int),
    "last_message": (Conversation.last_message_at, datetime),
    "date": (Conversation.started_at, datetime),
    "flagged": (Conversation.flagged, bool),
}


@dataclass(frozen=True)
class Page:
    """One page of `SearchPage`, its summaries already JSON-ready."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int
    total_is_estimate: bool

    def json(self) -> bytes:
        return summary_rows.dumps(
            {
                "items": self.items,
                "next_cursor": self.next_cursor,
                "total": self.total,
                "total_is_estimate": self.total_is_estimate,
            }
        )


def search(session: Session, tenant_id: str, request: SearchRequest) -> Page:
    column, value_type = SORT_COLUMNS[request.sort.column]
    position = None
    if request.cursor:
        position = cursors.decode(request.cursor, request.filter, request.sort, value_type)
    now = position.now if position else datetime.now(UTC)
    dialect = session.get_bind().dialect.name
    where = conditions(request.filter, tenant_id=tenant_id, now=now, dialect=dialect)

    query = select(*summary_rows.COLUMNS).where(*where)
    key = tuple_(column, Conversation.id)
    if position is not None:
        after = tuple_(_bind(position.value, column), _bind(position.id, Conversation.id))
        query = query.where(key < after if request.sort.descending else key > after)
    order = (column.desc(), Conversation.id.desc()) if request.sort.descending else (column, Conversation.id)
    # Through the connection, not the Session: plain rows, none of the ORM's loading machinery.
    connection = session.connection()
    rows = connection.execute(query.order_by(*order).limit(request.limit + 1)).all()

    more = len(rows) > request.limit
    rows = rows[: request.limit]
    if position is not None:
        total, estimated = position.total, position.total_is_estimate
    elif not more:  # the whole result is on this first page: nothing left to count
        total, estimated = len(rows), False
    else:
        total, estimated = count(connection, where, dialect)
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = cursors.encode(
            cursors.Position(
                value=getattr(last, column.key),
                id=last.id,
                now=now,
                total=total,
                total_is_estimate=estimated,
            ),
            request.filter,
            request.sort,
        )
    return Page(
        items=summary_rows.summaries(rows),
        next_cursor=next_cursor,
        total=total,
        total_is_estimate=estimated,
    )


def _bind(value: Any, column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    return literal(value, type_=column.type)


def count(connection: Connection, where: list[ColumnElement[bool]], dialect: str) -> tuple[int, bool]:
    """Exact up to EXACT_COUNT_LIMIT; beyond, PostgreSQL's planner estimate."""
    capped = select(Conversation.pk).where(*where).limit(EXACT_COUNT_LIMIT + 1).subquery()
    exact = connection.scalar(select(func.count()).select_from(capped)) or 0
    if exact <= EXACT_COUNT_LIMIT:
        return exact, False
    if dialect != "postgresql":
        return connection.scalar(select(func.count()).select_from(Conversation).where(*where)) or 0, False
    compiled = (
        select(Conversation.pk)
        .where(*where)
        .compile(connection, compile_kwargs={"render_postcompile": True})
    )
    plan = (
        connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar_one()
    )
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return max(estimate, EXACT_COUNT_LIMIT + 1), True
