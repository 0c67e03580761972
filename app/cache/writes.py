"""Writing records into the cache, within a transaction the caller holds.

Upserts are idempotent and never move a conversation backwards: a summary older
(by change_seq) than the one cached is ignored, so a search page fetched before a
live event cannot undo it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import Connection, Table, and_, delete, select, update

from app.cache import codec, indexes, side_rows, summary_rows
from app.cache.schema import (
    artifacts,
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
from app.cache.summary_rows import Summary
from app.domain import Change, ChangeKind, ConversationDetail, EventType, LiveEvent, Message
from app.domain.feed import FeedChange
from app.filters import text as words

c = conversations.c
CHUNK = 500  # ids per IN (...) list
_SIDE_TABLES = (conversation_functions, conversation_tags, conversation_parameters)
_DETAIL_TABLES = (conversation_details, messages, function_calls, artifacts, conversation_search)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_summaries(
    conn: Connection, tenant: str, items: Iterable[Summary], *, now_us: int, touch: bool
) -> set[str]:
    """Insert new rows and update older ones; returns the ids now cached at the version
    given. A row already cached at that version is left as it is (re-applying a page
    costs reads only) and one cached at a newer version is never replaced. `touch`
    marks the rows as just used (for eviction); without it an existing row keeps its
    last use (background sync is not use).

    Rows go straight to the driver, a statement per batch: SQLAlchemy's per-row
    parameter processing cost more than SQLite's insert."""
    latest: dict[str, Summary] = {}
    for item in items:
        known = latest.get(item.id)
        if known is None or item.change_seq >= known.change_seq:
            latest[item.id] = item
    if not latest:
        return set()
    cached: dict[str, tuple[int, tuple[Any, ...]]] = {  # id -> pk, the UPDATE_COLUMNS cached
        row[0]: (row[1], row[2:]) for row in conn.exec_driver_sql(_CACHED_SQL, (tenant, _json(list(latest))))
    }
    new: list[Summary] = []
    newer: list[_Newer] = []
    unchanged: list[int] = []
    older: set[str] = set()
    for item in latest.values():
        known_row = cached.get(item.id)
        if known_row is None:
            new.append(item)
        elif item.change_seq > known_row[1][_SEQ]:
            newer.append((*known_row, item))
        elif item.change_seq == known_row[1][_SEQ]:
            unchanged.append(known_row[0])
        else:
            older.add(item.id)
    if new:
        _insert_new(conn, tenant, new, now_us)
    if newer:
        _update_newer(conn, tenant, newer, now_us, touch)
    if touch and unchanged:
        conn.exec_driver_sql(_TOUCH_SQL, (now_us, _json(unchanged)))
    return set(latest) - older


def keys_of(conn: Connection, tenant: str, ids: Sequence[str]) -> list[int]:
    """The row keys of these conversations, in this order (those not cached are left out)."""
    rows = conn.exec_driver_sql(_KEYS_SQL, (tenant, _json(list(ids))))
    found: dict[str, int] = {row_id: pk for row_id, pk in rows}
    return [found[i] for i in ids if i in found]


def _insert_new(conn: Connection, tenant: str, items: Sequence[Summary], now_us: int) -> None:
    # The keys are chosen here, so the side rows need no look-up of them: the write lock
    # is held (nobody else inserts), and max + 1 is the key SQLite would pick itself.
    first = int(conn.exec_driver_sql("SELECT coalesce(max(pk), 0) + 1 FROM conversations").scalar_one())
    rows = [summary_rows.insert_row(first + n, tenant, item, now_us) for n, item in enumerate(items)]
    conn.exec_driver_sql(_INSERT_SQL, rows)
    written = list(range(first, first + len(rows)))
    side_rows.insert(conn, written)
    if indexes.counts_kept(conn):
        side_rows.count_in(conn, tenant, [item.contact_id for item in items])
        side_rows.spell(conn, written)


# A summary newer than the row cached: its pk, the UPDATE_COLUMNS cached, the summary.
_Newer = tuple[int, tuple[Any, ...], Summary]


def _update_newer(conn: Connection, tenant: str, items: Sequence[_Newer], now_us: int, touch: bool) -> None:
    """Only the columns that changed: a live update changes a few, and every indexed column
    set costs its index entries (about twenty indexes) and the pages they dirty."""
    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}  # the columns set -> rows
    side: dict[str, list[int]] = {column: [] for column in side_rows.TABLES}  # changed JSON -> pks
    moved: list[tuple[str, str]] = []  # contact_id cached, now
    respelled: list[int] = []  # pks whose contact (as shown, or its id) changed
    touched = (now_us,) if touch else ()
    for pk, before, item in items:
        after = summary_rows.update_row(pk, summary_rows.insert_row(pk, tenant, item, now_us), touch=False)
        changed = [n for n, value in enumerate(before) if value != after[n]]
        columns = tuple(summary_rows.UPDATE_COLUMNS[n] for n in changed)
        updates.setdefault(columns, []).append((*(after[n] for n in changed), *touched, pk))
        for column in side.keys() & columns:
            side[column].append(pk)
        if "contact_id" in columns:
            moved.append((before[_CONTACT], item.contact_id))
        if "contact_id" in columns or "contact_folded" in columns:
            respelled.append(pk)
    for columns, rows in updates.items():
        conn.exec_driver_sql(_update_sql((*columns, "last_access") if touch else columns), rows)
    side_rows.rewrite(conn, side)
    if (moved or respelled) and indexes.counts_kept(conn):
        side_rows.count_in(conn, tenant, [now for _before, now in moved])
        side_rows.count_out(conn, tenant, [before for before, _now in moved])
        side_rows.spell(conn, respelled)


@functools.lru_cache(maxsize=256)
def _update_sql(columns: tuple[str, ...]) -> str:
    return f"UPDATE conversations SET {', '.join(f'{name} = ?' for name in columns)} WHERE pk = ?"


def _json(values: list[Any]) -> str:
    return _encode_json(values).decode()


_encode_json = msgspec.json.Encoder().encode
_CACHED_SQL = (
    f"SELECT id, pk, {', '.join(summary_rows.UPDATE_COLUMNS)} FROM conversations "
    "WHERE tenant = ? AND id IN (SELECT value FROM json_each(?))"
)
_SEQ, _CONTACT = (summary_rows.UPDATE_COLUMNS.index(name) for name in ("change_seq", "contact_id"))
_KEYS_SQL = "SELECT id, pk FROM conversations WHERE tenant = ? AND id IN (SELECT value FROM json_each(?))"
_INSERT_SQL = (
    f"INSERT INTO conversations ({', '.join(summary_rows.INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(summary_rows.INSERT_COLUMNS))})"
)
_TOUCH_SQL = "UPDATE conversations SET last_access = ? WHERE pk IN (SELECT value FROM json_each(?))"


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


def append_messages(conn: Connection, tenant: str, items: Sequence[tuple[str, Message]]) -> int:
    """Add live messages, in order, to the transcripts that are fully cached (and to what
    content search reads); returns how many were added. A message that does not follow the
    cached ones (a gap) is left out: the full record is stale and is fetched again when
    opened. A few statements for the batch, whatever its size: most live messages belong to
    conversations whose transcripts are not cached."""
    ids = _json(list({conversation_id for conversation_id, _message in items}))
    lines = {cid: [pk, count] for cid, pk, count in conn.exec_driver_sql(_FULLY_CACHED_SQL, (tenant, ids))}
    rows: list[dict[str, Any]] = []
    said: dict[int, list[str]] = {}  # pk -> the texts content search reads, in order
    for conversation_id, message in items:
        known = lines.get(conversation_id)
        if known is None or message.index != known[1]:
            continue
        known[1] += 1
        rows.append(codec.message_row(known[0], message))
        if message.role in words.SEARCHABLE_ROLES:
            said.setdefault(known[0], []).append(message.text)
    if rows:
        conn.execute(messages.insert(), rows)
    _extend_search_text(conn, said)
    return len(rows)


_FULLY_CACHED_SQL = (
    "SELECT c.id, c.pk, (SELECT count(*) FROM messages AS m WHERE m.conversation_pk = c.pk) "
    "FROM conversations AS c "
    "WHERE c.tenant = ? AND c.full_seq IS NOT NULL AND c.id IN (SELECT value FROM json_each(?))"
)


def _extend_search_text(conn: Connection, said: dict[int, list[str]]) -> None:
    """The new words go at the end: the same text as indexing the whole transcript again
    (messages are tokenised apart), without reading it back. One statement for the batch:
    FTS5 writes what each statement of a transaction indexed (here, by the update trigger)
    as a segment of its own, and each segment is merge work later."""
    added = {str(pk): text for pk, texts in said.items() if (text := words.search_text(texts))}
    if added:
        conn.exec_driver_sql(_EXTEND_SQL, (_encode_json(added).decode(),))


_EXTEND_SQL = (
    "WITH added (pk, words) AS (SELECT CAST(key AS INTEGER), value FROM json_each(?)) "
    "UPDATE conversation_search SET search_text = ("
    "SELECT CASE WHEN search_text = '' THEN words ELSE search_text || substr(words, 2) END "
    "FROM added WHERE pk = conversation_pk"
    ") WHERE conversation_pk IN (SELECT pk FROM added)"
)


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


def apply_changes(
    conn: Connection, tenant: str, changes: Iterable[Change | FeedChange], *, now_us: int
) -> tuple[int, Deleted]:
    """Apply change feed entries in their order: each run of upserts as one batch, each
    run of deletes as another. Returns how many rows were upserted, and what went."""
    upserted = 0
    deleted = Deleted()
    for kind, run in itertools.groupby(changes, key=lambda change: change.kind):
        if kind is ChangeKind.UPSERT:
            items = [change.conversation for change in run if change.conversation is not None]
            upserted += len(upsert_summaries(conn, tenant, items, now_us=now_us, touch=False))
        else:
            ids = [change.deleted.id for change in run if change.deleted is not None]
            gone = delete_conversations(conn, tenant, ids)
            deleted.count += gone.count
            deleted.relpaths += gone.relpaths
    return upserted, deleted


def apply_events(conn: Connection, tenant: str, events: Sequence[LiveEvent], *, now_us: int) -> Deleted:
    """Apply live events in their order; returns what went. Each run of events between
    deletes is one upsert of its summaries (the latest of each conversation wins) and its
    messages in order: a burst of a few hundred events costs a few statements, not a few
    per event."""
    deleted = Deleted()
    for deleting, run in itertools.groupby(events, key=lambda e: e.type is EventType.DELETED):
        if deleting:
            gone = delete_conversations(conn, tenant, [e.conversation_id for e in run])
            deleted.count += gone.count
            deleted.relpaths += gone.relpaths
            continue
        changed = list(run)
        summaries = [e.data.conversation for e in changed if e.data.conversation is not None]
        upsert_summaries(conn, tenant, summaries, now_us=now_us, touch=False)
        said = [(e.conversation_id, e.data.message) for e in changed if e.data.message is not None]
        if said:
            append_messages(conn, tenant, said)
    return deleted
