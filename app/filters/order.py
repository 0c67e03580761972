"""Sort orders and keyset positions on the cache (docs/filters.md, "Sorting").

The same total order as the platform: the sort column, then the conversation id,
both in the sort's direction. Text compares by code point (SQLite's BINARY
collation compares UTF-8 bytes, which is code point order), false before true,
instants as integers. No sortable column holds NULL (a conversation without a flow
has the flow name "").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, UnaryExpression, literal, tuple_

from app.cache.schema import conversations
from app.domain import Sort, SortColumn

c = conversations.c

SORT_COLUMNS: dict[SortColumn, Column[Any]] = {
    SortColumn.ID: c.id,
    SortColumn.PLATFORM: c.platform,
    SortColumn.CONTACT: c.contact,
    SortColumn.STATUS: c.status,
    SortColumn.FLOW: c.flow_name,
    SortColumn.DURATION: c.duration_seconds,
    SortColumn.LAST_MESSAGE: c.last_message_at,
    SortColumn.DATE: c.started_at,
    SortColumn.FLAGGED: c.flagged,
}


@dataclass(frozen=True)
class Position:
    """Where a page ended: the sort column's stored value in its last row, and that
    row's id. The next page starts strictly after it, so rows inserted meanwhile
    never make a row appear twice or vanish."""

    value: Any
    id: str


def sort_column(sort: Sort) -> Column[Any]:
    return SORT_COLUMNS[sort.column]


def order_by(sort: Sort) -> tuple[UnaryExpression[Any], UnaryExpression[Any]]:
    column = sort_column(sort)
    if sort.descending:
        return column.desc(), c.id.desc()
    return column.asc(), c.id.asc()


def after(sort: Sort, position: Position) -> ColumnElement[bool]:
    """Rows strictly after `position` in the order of `sort`."""
    column = sort_column(sort)
    key = tuple_(column, c.id)
    bound = tuple_(literal(position.value, type_=column.type), literal(position.id, type_=c.id.type))
    return key < bound if sort.descending else key > bound
