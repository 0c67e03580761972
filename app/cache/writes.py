"""Writing records into the cache, within a transaction the caller holds.

Upserts are idempotent and never move a conversation backwards: a summary older
(by change_seq) than the one cached is ignored, so a search page fetched before a
live event cannot undo it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, func, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import insert

from app.cache import codec
from app.cache.schema import (
    artifacts,
    contact_counts,
    conversation_details,
    conversation_functions,
    conversation_parameters,
    conversation_search,
    conversation_tags,
    conversations,
    files,
    function_calls,
    messages,
)
from app.domain import Conversation, ConversationDetail, KeyValuePair, Message
from app.filters import text as words

c = conversations.c
CHUNK = 500  # ids per IN (...) list
_SIDE_TABLES = (conversation_functions, conversation_tags, conversation_parameters)
_DETAIL_TABLES = (conversation_details, messages, function_calls, artifacts, conversation_search)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_summaries(
    conn: Connection, tenant: str, items: Iterable[Conversation], *, now_us: int, touch: bool
) -> set[str]:
    """Insert new rows and update older ones; returns the ids now cached at the version
    given. A row already cached at that version is left as it is (re-applying a page
    costs reads only) and one cached at a newer version is never replaced. `touch`
    marks the rows as just used (for eviction); without it an existing row keeps its
    last use (background sync is not use)."""
    latest: dict[str, Conversation] = {}
    for item in items:
        known = latest.get(item.id)
        if known is None or item.change_seq >= known.change_seq:
            latest[item.id] = item
    if not latest:
        return set()
    cached: dict[str, int] = {}  # id -> change_seq of what is cached
    contacts: dict[str, str] = {}  # id -> contact_id of what is cached
    for part in chunks(list(latest)):
        in_cache = select(c.id, c.change_seq, c.contact_id).where(c.tenant == tenant, c.id.in_(part))
        for row_id, seq, contact_id in conn.execute(in_cache):
            cached[row_id] = seq
            contacts[row_id] = contact_id
    fresh = [i for i in latest.values() if i.id not in cached or i.change_seq > cached[i.id]]
    unchanged = [i.id for i in latest.values() if cached.get(i.id) == i.change_seq]
    if fresh:
        # Straight to the driver: SQLAlchemy's per-row parameter processing cost more than
        # SQLite's insert (the rows are encoded once here, JSON included).
        conn.exec_driver_sql(
            _upsert_sql(touch), [(*codec.summary_values(tenant, item), now_us) for item in fresh]
        )
        pks: dict[str, int] = {}
        for part in chunks([i.id for i in fresh]):
            query = select(c.id, c.pk).where(c.tenant == tenant, c.id.in_(part))
            pks.update((ident, pk) for ident, pk in conn.execute(query))
        replaced = [pks[i.id] for i in fresh if i.id in cached]  # new rows have no side rows yet
        _replace_side_rows(conn, {pks[i.id]: i for i in fresh}, replaced)
        moved = {i.id for i in fresh if i.id in contacts and contacts[i.id] != i.contact_id}
        counted_in = [i.contact_id for i in fresh if i.id not in cached or i.id in moved]
        _count_in(conn, tenant, counted_in)
        _count_out(conn, tenant, [contacts[row_id] for row_id in moved])
    if touch and unchanged:
        for part in chunks(unchanged):
            conn.execute(
                update(conversations).where(c.tenant == tenant, c.id.in_(part)).values(last_access=now_us)
            )
    return {i.id for i in fresh} | set(unchanged)


@functools.cache
def _upsert_sql(touch: bool) -> str:
    """The SQLite text of the summary upsert; its parameters: codec.summary_values + last_access."""
    stmt = insert(conversations)
    updated = {name: stmt.excluded[name] for name in codec.SUMMARY_COLUMNS if name != "id"}
    if touch:
        updated["last_access"] = stmt.excluded.last_access
    upsert = stmt.values({name: bindparam(name) for name in (*codec.SUMMARY_ROW_KEYS, "last_access")})
    compiled = upsert.on_conflict_do_update(index_elements=[c.tenant, c.id], set_=updated).compile(
        dialect=sqlite.dialect()
    )
    assert compiled.positiontup == [*codec.SUMMARY_ROW_KEYS, "last_access"], compiled.positiontup
    return str(compiled)


_COUNT_IN_SQL = (
    "INSERT INTO contact_counts (tenant, contact_id, conversations) VALUES (?, ?, ?) "
    "ON CONFLICT (tenant, contact_id) DO UPDATE SET conversations = conversations + excluded.conversations"
)


@functools.cache
def _insert_sql(table: Table) -> str:
    compiled = table.insert().compile(dialect=sqlite.dialect())
    assert compiled.positiontup == [column.name for column in table.columns], compiled.positiontup
    return str(compiled)


def _count_in(conn: Connection, tenant: str, contact_ids: Sequence[str]) -> None:
    """Add conversations to their contacts' counts, one statement per batch."""
    if contact_ids:
        rows = [(tenant, contact_id, n) for contact_id, n in Counter(contact_ids).items()]
        conn.exec_driver_sql(_COUNT_IN_SQL, rows)


def _count_out(conn: Connection, tenant: str, contact_ids: Sequence[str]) -> None:
    """Take conversations whose contact changed off their old contacts' counts (deleted rows
    are counted out by a trigger: see the migration)."""
    for contact_id, n in Counter(contact_ids).items():
        owned = and_(contact_counts.c.tenant == tenant, contact_counts.c.contact_id == contact_id)
        less = contact_counts.c.conversations - n
        conn.execute(update(contact_counts).where(owned).values(conversations=less))
        conn.execute(delete(contact_counts).where(owned, contact_counts.c.conversations <= 0))


def _replace_side_rows(conn: Connection, items: dict[int, Conversation], replaced: Sequence[int]) -> None:
    """Functions, tags and parameters as filters read them: one row per distinct value."""
    for part in chunks(replaced):
        for table in _SIDE_TABLES:
            conn.execute(delete(table).where(table.c.conversation_pk.in_(part)))
    # Rows in table column order, straight to the driver (see upsert_summaries).
    functions = [(pk, name) for pk, i in items.items() for name in set(i.functions)]
    tags = [(pk, k, v) for pk, i in items.items() for k, v in _distinct(i.tags)]
    parameters = [(pk, k, v) for pk, i in items.items() for k, v in _distinct(i.parameters)]
    side_rows: tuple[list[tuple[Any, ...]], ...] = (functions, tags, parameters)
    for table, rows in zip(_SIDE_TABLES, side_rows, strict=True):
        if rows:
            conn.exec_driver_sql(_insert_sql(table), rows)


def _distinct(pairs: Sequence[KeyValuePair]) -> set[tuple[str, str]]:
    return {(pair.key, pair.value) for pair in pairs}


def write_detail(conn: Connection, tenant: str, detail: ConversationDetail, *, now_us: int) -> int:
    """Cache a full record (replacing any cached one); returns the conversation's pk."""
    upsert_summaries(conn, tenant, [detail.summary_record()], now_us=now_us, touch=True)
    pk = int(conn.execute(select(c.pk).where(c.tenant == tenant, c.id == detail.id)).scalar_one())
    for table in _DETAIL_TABLES:
        conn.execute(delete(table).where(table.c.conversation_pk == pk))
    for table_name, rows in codec.detail_rows(pk, detail).items():
        if rows:
            conn.execute(_table(table_name).insert(), rows)
    conn.execute(
        conversation_search.insert(),
        {"conversation_pk": pk, "search_text": words.transcript_search_text(detail.messages)},
    )
    conn.execute(update(conversations).where(c.pk == pk).values(full_seq=detail.change_seq))
    return pk


def _table(name: str) -> Table:
    return {t.name: t for t in _DETAIL_TABLES}[name]


def append_message(conn: Connection, tenant: str, conversation_id: str, message: Message) -> bool:
    """Add a live message to a fully cached transcript (and to what content search reads).
    False when the transcript is not cached or the message does not follow the cached
    ones (a gap: the full record is stale and is fetched again when opened)."""
    row = conn.execute(
        select(c.pk, c.full_seq).where(c.tenant == tenant, c.id == conversation_id)
    ).one_or_none()
    if row is None or row.full_seq is None:
        return False
    count = conn.execute(
        select(func.count()).select_from(messages).where(messages.c.conversation_pk == row.pk)
    ).scalar_one()
    if message.index != count:
        return False
    conn.execute(messages.insert(), codec.message_row(row.pk, message))
    stored = conn.execute(
        select(messages.c.role, messages.c.text)
        .where(messages.c.conversation_pk == row.pk)
        .order_by(messages.c.idx)
    ).all()
    searchable = [t for role, t in stored if role in words.SEARCHABLE_ROLES]
    conn.execute(
        update(conversation_search)
        .where(conversation_search.c.conversation_pk == row.pk)
        .values(search_text=words.search_text(searchable))
    )
    return True


@dataclass
class Deleted:
    """How many conversations went, and the names of their files, to unlink once the
    transaction has committed (a rollback must not lose files still referred to)."""

    count: int = 0
    relpaths: list[str] = field(default_factory=list)


def delete_conversations(conn: Connection, tenant: str, ids: Sequence[str]) -> Deleted:
    """Delete conversations with everything cached about them (side rows cascade)."""
    deleted = Deleted()
    for part in chunks(list(dict.fromkeys(ids))):
        owned = and_(c.tenant == tenant, c.id.in_(part))
        deleted.relpaths += conn.execute(
            select(files.c.relpath).join(conversations, files.c.conversation_pk == c.pk).where(owned)
        ).scalars()
        deleted.count += conn.execute(delete(conversations).where(owned)).rowcount
    return deleted


def delete_by_pk(conn: Connection, pks: Sequence[int]) -> Deleted:
    deleted = Deleted()
    for part in chunks(pks):
        owned = files.c.conversation_pk.in_(part)
        deleted.relpaths += conn.execute(select(files.c.relpath).where(owned)).scalars()
        deleted.count += conn.execute(delete(conversations).where(c.pk.in_(part))).rowcount
    return deleted
