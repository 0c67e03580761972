"""Reading the cache: filtered, sorted, keyset-paged listings and records by id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Column, Connection, Integer, Text, func, select, type_coerce

from app.cache import codec, indexes
from app.cache.schema import (
    artifacts,
    conversation_details,
    conversation_functions,
    conversations,
    files,
    function_calls,
    messages,
)
from app.cache.writes import chunks
from app.domain import Conversation, ConversationDetail, Filter, Sort
from app.filters import order as filter_order
from app.filters import sql as filter_sql
from app.filters.text import parse_content

c = conversations.c


def _raw(column: Column[Any]) -> Any:
    """A column as SQLite stores it (JSON as its text, booleans as 0/1): codec decodes and
    checks it, faster than SQLAlchemy's per-value result processing."""
    if column.name in ("functions", "parameters", "tags"):
        return type_coerce(column, Text).label(column.name)
    if column.name in ("flagged", "has_audio"):
        return type_coerce(column, Integer).label(column.name)
    return column


# A listing's columns, in codec.SUMMARY_READ_COLUMNS order; built once (building a
# 25-column SELECT costs more than running a small one).
SUMMARY = select(*(_raw(c[name]) for name in codec.SUMMARY_READ_COLUMNS))
_ID = codec.READ_INDEX["id"]


# Row keys of a listing, in order (int64): the cache's own keys, not the platform's ids.
# A key names its row until that row is deleted or evicted (SQLite may then give it to a
# new row): a table refreshes its keys when the cache tells it rows went.
RowKeys = npt.NDArray[np.int64]


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
    where = filter_sql.conditions(
        f,
        tenant=tenant,
        now=now,
        content_by_order=_dense_content(conn, f),
        contact_ids=_contacts(conn, tenant, f),
    )
    if after is not None:
        where.append(filter_order.after(sort, after))
    key = codec.READ_INDEX[filter_order.sort_column(sort).name]
    query = SUMMARY.where(*where).order_by(*filter_order.order_by(sort)).limit(limit + 1)
    rows = conn.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [codec.conversation_of(row) for row in rows]
    last = rows[-1] if more else None
    position = filter_order.Position(value=last[key], id=last[_ID]) if last is not None else None
    return CachePage(items=items, next=position)


# A content filter matching more conversations than this finds a page's worth sooner by
# walking the listing's order than by fetching and sorting every match.
DENSE_CONTENT_MATCHES = 2000


def _dense_content(conn: Connection, f: Filter) -> bool:
    if f.content is None or parse_content(f.content).is_empty:
        return False
    return int(conn.execute(filter_sql.content_matches(f.content)).scalar_one()) > DENSE_CONTENT_MATCHES


# A Contact filter's text held by at most this many contact spellings is looked up in their
# trigram index, and its rows fetched by contact; a commoner one (or one too short for the
# index) is tested on each row in the listing's order, which soon meets enough of them.
CONTACT_SPELLINGS_LOOKED_UP = 500


def _contacts(conn: Connection, tenant: str, f: Filter) -> list[str] | None:
    """The contact ids whose spellings hold the Contact filter's text (None: test every row)."""
    if f.contact is None or not indexes.counts_kept(conn):  # spellings not kept: a first sync
        return None
    if not indexes.spellings_indexed(conn):
        return None
    query = filter_sql.spellings_holding(f.contact, CONTACT_SPELLINGS_LOOKED_UP)
    if query is None:
        return None
    found = conn.execute(query).all()
    if len(found) > CONTACT_SPELLINGS_LOOKED_UP:
        return None
    return sorted({contact_id for owner, contact_id in found if owner == tenant})


def all_ids(conn: Connection, tenant: str, f: Filter, sort: Sort, *, now: datetime) -> list[str]:
    """Every matching id in order: what a lazy table holds, its rows read on demand."""
    where = filter_sql.conditions(f, tenant=tenant, now=now, contact_ids=_contacts(conn, tenant, f))
    query = select(c.id).where(*where).order_by(*filter_order.order_by(sort))
    return list(conn.execute(query).scalars())


def row_keys(
    conn: Connection, tenant: str, f: Filter, sort: Sort, *, now: datetime, limit: int | None = None
) -> RowKeys:
    """The key of every matching row, in order: what a lazy table holds (8 bytes a row),
    reading rows by key (rows_by_keys) as they scroll into view. With `limit`, only the
    first ones (a screenful to show while the whole list is read).

    SQLite joins the keys into one text and numpy parses it: a million keys cost a
    single result row instead of a million Python tuples (~3x faster). group_concat
    follows the order of the subquery it reads, which the LIMIT keeps from being
    optimised away; tests hold the result equal to the plain ordered query."""
    contact_ids = _contacts(conn, tenant, f)
    if limit is not None:  # a few: walking the listing's order beats sorting every match
        where = filter_sql.conditions(
            f, tenant=tenant, now=now, content_by_order=_dense_content(conn, f), contact_ids=contact_ids
        )
        query = select(c.pk).where(*where).order_by(*filter_order.order_by(sort)).limit(limit)
        return np.fromiter(conn.execute(query).scalars(), dtype=np.int64)
    # Every match: sorting them beats walking.
    where = filter_sql.conditions(f, tenant=tenant, now=now, contact_ids=contact_ids)
    ordered = select(c.pk).where(*where).order_by(*filter_order.order_by(sort)).limit(-1).subquery()
    joined = conn.execute(select(func.group_concat(ordered.c.pk))).scalar_one()
    if joined is None:
        return np.empty(0, dtype=np.int64)
    return _parsed_keys(joined)


_PARSE_SLICE = 1 << 16  # characters: a fraction of a millisecond of parsing each


def _parsed_keys(joined: str) -> RowKeys:
    """The comma-separated keys as an array, parsed a slice at a time: numpy holds the GIL while
    it parses, and a million keys in one call would keep the GUI thread waiting ~25 ms."""
    parts, start = [], 0
    while start < len(joined):
        end = joined.find(",", start + _PARSE_SLICE)
        end = len(joined) if end == -1 else end
        parts.append(np.fromstring(joined[start:end], dtype=np.int64, sep=","))
        start = end + 1
    return np.concatenate(parts)


def rows_by_keys(conn: Connection, tenant: str, keys: Sequence[int]) -> list[Conversation | None]:
    """The rows of these keys (row_keys), in the order asked; None where a row has gone."""
    wanted = [int(k) for k in keys]
    found = _rows_where(conn, tenant, c.pk, list(dict.fromkeys(wanted)), 0)
    return [found.get(k) for k in wanted]


def count(conn: Connection, tenant: str, f: Filter, *, now: datetime) -> int:
    where = filter_sql.conditions(f, tenant=tenant, now=now, contact_ids=_contacts(conn, tenant, f))
    return int(conn.execute(select(func.count()).select_from(conversations).where(*where)).scalar_one())


def function_names(conn: Connection, tenant: str) -> list[str]:
    """The functions called in the tenant's cached conversations, by name: each distinct
    name from the name index, kept if one of its rows belongs to the tenant."""
    f = conversation_functions.c
    names = select(f.name).distinct().subquery()
    owned = (
        select(1)
        .select_from(conversation_functions.join(conversations, c.pk == f.conversation_pk))
        .where(f.name == names.c.name, c.tenant == tenant)
        .exists()
    )
    return list(conn.execute(select(names.c.name).where(owned).order_by(names.c.name)).scalars())


def rows_by_ids(conn: Connection, tenant: str, ids: Sequence[str]) -> list[Conversation]:
    """The cached rows of these ids, in the order asked; ids not cached are left out."""
    found = _rows_where(conn, tenant, c.id, list(dict.fromkeys(ids)), _ID)
    return [found[i] for i in ids if i in found]


def _rows_where(
    conn: Connection, tenant: str, column: Column[Any], values: Sequence[Any], at: int
) -> dict[Any, Conversation]:
    """The cached rows whose `column` is one of `values`, decoded, by that value (the row's
    item `at`)."""
    found: dict[Any, Conversation] = {}
    for part in chunks(values):
        for row in conn.execute(SUMMARY.where(c.tenant == tenant, column.in_(part))):
            found[row[at]] = codec.conversation_of(row)
    return found


def is_kept(conn: Connection, tenant: str, conversation_id: str, change_seq: int) -> bool:
    row = conn.execute(
        select(c.pk, c.pinned, c.full_seq, conversation_details.c.audio)
        .join(conversation_details, conversation_details.c.conversation_pk == c.pk)
        .where(c.tenant == tenant, c.id == conversation_id)
    ).one_or_none()
    if row is None or not row.pinned or row.full_seq is None or row.full_seq < change_seq:
        return False
    f = files.c
    kept = select(f.id).where(f.conversation_pk == row.pk)
    if row.audio is not None and conn.execute(kept.where(f.kind == "audio")).first() is None:
        return False
    missing = select(artifacts.c.id).where(
        artifacts.c.conversation_pk == row.pk,
        ~kept.where(f.kind == "artifact", f.artifact_id == artifacts.c.id).exists(),
    )
    return conn.execute(missing.limit(1)).first() is None


def detail(conn: Connection, tenant: str, conversation_id: str) -> ConversationDetail | None:
    """The full record, if it is cached."""
    summary = conn.execute(
        SUMMARY.where(c.tenant == tenant, c.id == conversation_id, c.full_seq.is_not(None))
    ).one_or_none()
    if summary is None:
        return None
    pk = summary[0]
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
