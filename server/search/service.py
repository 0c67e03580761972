"""Running a search: filter, keyset order, page, count."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, literal, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal

from server.db.engine import Database
from server.db.models import Conversation
from server.schemas.conversations import SearchRequest
from server.search import cursor as cursors
from server.search import summary_rows
from server.search.filter_sql import SearchSql, search_sql

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


# Built once: coercing the two dozen columns again for every request is measurable.
_SUMMARIES = select(*summary_rows.COLUMNS)
# Rows are read by position and name only: skip re-keying the cached result metadata by
# this request's column objects, which SQLAlchemy does for every execution of a cached
# statement (an option of its own ORM; about a tenth of a search's CPU time).
_PLAIN_ROWS = {"_result_disable_adapt_to_context": True}


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


def run(db: Database, tenant_id: str, request: SearchRequest) -> bytes:
    """A search as the API answers it: its JSON body.

    The statements run in autocommit: a search only reads, and a transaction
    would cost two more round trips (BEGIN, COMMIT) than its own queries."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return search(connection, tenant_id, request).json()


def search(connection: Connection, tenant_id: str, request: SearchRequest) -> Page:
    column, value_type = SORT_COLUMNS[request.sort.column]
    position = None
    if request.cursor:
        position = cursors.decode(request.cursor, request.filter, request.sort, value_type)
    now = position.now if position else datetime.now(UTC)
    dialect = connection.dialect.name
    plan = search_sql(request.filter, tenant_id=tenant_id, now=now, dialect=dialect)

    query = _SUMMARIES.select_from(plan.source).where(*plan.where)
    # Sorting by date follows the driving side table's copy of the start, which its index holds.
    sort_column: ColumnElement[Any] = plan.started_at if column is Conversation.started_at else column
    key = tuple_(sort_column, Conversation.id)
    if position is not None:
        bound = _bind(position.value, column)
        after = tuple_(bound, _bind(position.id, Conversation.id))
        query = query.where(key < after if request.sort.descending else key > after)
        if sort_column is not column:  # the row comparison alone does not bound the side index
            query = query.where(sort_column <= bound if request.sort.descending else sort_column >= bound)
    order = (
        (sort_column.desc(), Conversation.id.desc())
        if request.sort.descending
        else (sort_column, Conversation.id)
    )
    # Plain rows through a connection: none of the ORM's loading machinery.
    page_query = query.order_by(*order).limit(request.limit + 1)
    rows = connection.execute(page_query, execution_options=_PLAIN_ROWS).all()

    more = len(rows) > request.limit
    rows = rows[: request.limit]
    if position is not None:
        total, estimated = position.total, position.total_is_estimate
    elif not more:  # the whole result is on this first page: nothing left to count
        total, estimated = len(rows), False
    else:
        total, estimated = count(connection, plan, dialect)
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


class Estimate(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON)` of a SELECT: the planner's plan, whose top row count is its
    estimate of the matches. A statement of its own so that SQLAlchemy compiles it once
    per shape and caches it, like the page query (compiling it for every request cost
    a tenth of a search)."""

    inherit_cache = True
    # SQLAlchemy's own form for a construct's parts (what its cache key is made of).
    _traverse_internals = [("statement", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(Estimate, "postgresql")
def _explain(element: Estimate, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def count(connection: Connection, plan: SearchSql, dialect: str) -> tuple[int, bool]:
    """Exact up to EXACT_COUNT_LIMIT; beyond, PostgreSQL's planner estimate."""
    matches: Select[Any] = (
        plan.side_matches
        if plan.side_matches is not None
        else (select(Conversation.pk).select_from(plan.source).where(*plan.where))
    )
    capped = matches.limit(EXACT_COUNT_LIMIT + 1).subquery()
    exact = connection.scalar(select(func.count()).select_from(capped)) or 0
    if exact <= EXACT_COUNT_LIMIT:
        return exact, False
    if dialect != "postgresql":
        return connection.scalar(select(func.count()).select_from(matches.subquery())) or 0, False
    plan_json = connection.execute(Estimate(matches), execution_options=_PLAIN_ROWS).scalar_one()
    if isinstance(plan_json, str):
        plan_json = json.loads(plan_json)
    estimate = int(plan_json[0]["Plan"]["Plan Rows"])
    return max(estimate, EXACT_COUNT_LIMIT + 1), True
