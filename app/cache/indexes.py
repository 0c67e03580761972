"""The secondary indexes of the conversation tables, set aside for a large first sync.

Every summary written updates some twenty indexes, and at a few hundred thousand rows
that is most of a sync's time. Building an index once over all rows is several times
cheaper than keeping it up to date row by row, so a first sync of a large tenant drops
them and builds them again when it ends. A sync cut short (a crash) leaves them
missing: opening the cache builds any that are.
"""

from __future__ import annotations

from sqlalchemy import Connection, Index, text

from app.cache.schema import (
    conversation_functions,
    conversation_parameters,
    conversation_tags,
    conversations,
)

_TABLES = (conversations, conversation_functions, conversation_tags, conversation_parameters)


def secondary() -> list[Index]:
    """Indexes no write depends on (the keys and unique constraints stay)."""
    return [index for table in _TABLES for index in sorted(table.indexes, key=lambda i: str(i.name))]


def drop(conn: Connection) -> None:
    for index in secondary():
        index.drop(conn, checkfirst=True)


def ensure(conn: Connection) -> int:
    """Build the missing ones; returns how many were built."""
    built = 0
    for index in secondary():
        present = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name"), {"name": index.name}
        ).first()
        if present is None:
            index.create(conn)
            built += 1
    if built:
        conn.execute(text("ANALYZE"))  # the planner's statistics, for the rows just indexed
    return built
