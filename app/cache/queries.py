"""Reading the cache: filtered, sorted, keyset-paged listings and records by id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from app.cache import codec
from app.cache.schema import artifacts, conversation_details, conversations, function_calls, messages
from app.cache.writes import chunks
from app.domain import Conversation, ConversationDetail, Filter, Sort
from app.filters import order as filter_order
from app.filters import sql as filter_sql
from app.filters.text import parse_content

c = conversations.c


@dataclass(frozen=True)
class CachePage:
    """One page of a listing; `next` is None at its end."""

    items: list[Conversation]
    next: filter_order.Position | None

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]


def search(
    conn: Connection,
    tenant: str,
    f: Filter,
    sort: Sort,
    *,
    limit: int,
    after: filter_order.Position | None,
    now: datetime,
) -> CachePage:
    if limit < 1:
        raise ValueError("limit must be at least 1")
    where = filter_sql.conditions(f, tenant=tenant, now=now, content_by_order=_dense_content(conn, f))
    if after is not None:
        where.append(filter_order.after(sort, after))
    key = filter_order.sort_column(sort)
    query = select(conversations).where(*where).order_by(*filter_order.order_by(sort)).limit(limit + 1)
    rows = conn.execute(query).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [codec.conversation_of(row) for row in rows]
    last = rows[-1] if more else None
    position = filter_order.Position(value=last[key.name], id=last["id"]) if last is not None else None
    return CachePage(items=items, next=position)


# A content filter matching more conversations than this finds a page's worth sooner by
# walking the listing's order than by fetching and sorting every match.
DENSE_CONTENT_MATCHES = 2000


def _dense_content(conn: Connection, f: Filter) -> bool:
    if f.content is None or parse_content(f.content).is_empty:
        return False
    return int(conn.execute(filter_sql.content_matches(f.content)).scalar_one()) > DENSE_CONTENT_MATCHES


def all_ids(conn: Connection, tenant: str, f: Filter, sort: Sort, *, now: datetime) -> list[str]:
    """Every matching id in order: what a lazy table holds, its rows read on demand."""
    where = filter_sql.conditions(f, tenant=tenant, now=now)
    query = select(c.id).where(*where).order_by(*filter_order.order_by(sort))
    return list(conn.execute(query).scalars())


def count(conn: Connection, tenant: str, f: Filter, *, now: datetime) -> int:
    where = filter_sql.conditions(f, tenant=tenant, now=now)
    return int(conn.execute(select(func.count()).select_from(conversations).where(*where)).scalar_one())


def rows_by_ids(conn: Connection, tenant: str, ids: Sequence[str]) -> list[Conversation]:
    """The cached rows of these ids, in the order asked; ids not cached are left out."""
    found: dict[str, Conversation] = {}
    for part in chunks(list(dict.fromkeys(ids))):
        for row in conn.execute(select(conversations).where(c.tenant == tenant, c.id.in_(part))).mappings():
            found[row["id"]] = codec.conversation_of(row)
    return [found[i] for i in ids if i in found]


def detail(conn: Connection, tenant: str, conversation_id: str) -> ConversationDetail | None:
    """The full record, if it is cached."""
    summary = (
        conn.execute(select(conversations).where(c.tenant == tenant, c.id == conversation_id))
        .mappings()
        .one_or_none()
    )
    if summary is None or summary["full_seq"] is None:
        return None
    pk = summary["pk"]
    details = (
        conn.execute(select(conversation_details).where(conversation_details.c.conversation_pk == pk))
        .mappings()
        .one_or_none()
    )
    if details is None:
        return None

    msgs = (
        conn.execute(select(messages).where(messages.c.conversation_pk == pk).order_by(messages.c.idx))
        .mappings()
        .all()
    )
    calls = (
        conn.execute(
            select(function_calls)
            .where(function_calls.c.conversation_pk == pk)
            .order_by(function_calls.c.idx)
        )
        .mappings()
        .all()
    )
    arts = (
        conn.execute(
            select(artifacts).where(artifacts.c.conversation_pk == pk).order_by(artifacts.c.position)
        )
        .mappings()
        .all()
    )
    return codec.detail_of(summary, details, msgs, calls, arts)
