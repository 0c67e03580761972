"""What a large first sync sets aside and builds once at the end: the secondary indexes
of the conversation tables, the contacts' conversation counts and their spellings.

Every summary written updates some twenty indexes, and at a few hundred thousand rows
that is most of a sync's time. Building an index once over all rows is several times
cheaper than keeping it up to date row by row, so a first sync of a large tenant drops
them and builds them again when it ends. Likewise the count of each contact's
conversations (a keyed upsert per row, on a key in no useful order) is not kept while
its index is set aside, and is counted again in one pass when that index is built; the
contacts' spellings (app.cache.side_rows.spell) follow the counts. A
sync cut short (a crash) leaves them missing: opening the cache builds any that are.
"""

from __future__ import annotations

from sqlalchemy import Connection, Index

from app.cache import side_rows
from app.cache.schema import (
    contact_counts,
    conversation_functions,
    conversation_parameters,
    conversation_tags,
    conversations,
)

# contact_counts last: its recount reads conversations through their contact index.
_TABLES = (conversations, conversation_functions, conversation_tags, conversation_parameters, contact_counts)


def secondary() -> list[Index]:
    """Indexes no write depends on (the keys and unique constraints stay)."""
    return [index for table in _TABLES for index in sorted(table.indexes, key=lambda i: str(i.name))]


def counts_kept(conn: Connection) -> bool:
    """Whether writes keep contact_counts and contact_spellings up to date (not while the
    counts' index is set aside)."""
    return _present(conn, _COUNTS_INDEX)


def spellings_indexed(conn: Connection) -> bool:
    """Whether the contacts' spellings have their trigram index (left out on an SQLite
    without the trigram tokenizer: see migration 0002)."""
    return _in_schema(conn, "table", "contact_spellings_fts")


def drop(conn: Connection) -> None:
    for index in secondary():
        index.drop(conn, checkfirst=True)


def ensure(conn: Connection) -> int:
    """Build the missing ones; returns how many were built."""
    built = 0
    for index in secondary():
        if _present(conn, index):
            continue
        if index is _COUNTS_INDEX:
            side_rows.recount(conn)
            side_rows.respell(conn)
        index.create(conn)
        built += 1
    if built:
        conn.exec_driver_sql("ANALYZE")  # the planner's statistics, for the rows just indexed
    return built


def _present(conn: Connection, index: Index) -> bool:
    return _in_schema(conn, "index", str(index.name))


def _in_schema(conn: Connection, kind: str, name: str) -> bool:
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?", (kind, name)
    ).first()
    return found is not None


(_COUNTS_INDEX,) = contact_counts.indexes
