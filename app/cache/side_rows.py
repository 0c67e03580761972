"""What filters read of a cached summary besides its row: one row per distinct function,
tag and parameter, the number of cached conversations of each contact, and the distinct
spellings of contacts (the Contact filter's trigram index).

Side rows are written by SQLite from the summary row's own JSON columns (as
app.cache.summary_rows encodes them), one statement per table for a whole batch:
no Python tuple per value, no parameter binding per value.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence

import msgspec
from sqlalchemy import Connection, and_, delete, update

from app.cache.schema import (
    contact_counts,
    conversation_functions,
    conversation_parameters,
    conversation_tags,
)

_encode = msgspec.json.Encoder().encode
# The batch's keys, from one JSON array parameter.
_PKS = "SELECT value FROM json_each(?)"
# `->>` (SQLite 3.38) reads an element of a pair about twice as fast as json_extract.
_FIRST, _SECOND = (
    ("p.value ->> 0", "p.value ->> 1")
    if sqlite3.sqlite_version_info >= (3, 38)
    else ("json_extract(p.value, '$[0]')", "json_extract(p.value, '$[1]')")
)
# Each side table, by the summary's JSON column it is made from.
TABLES = {
    "functions": conversation_functions.name,
    "tags": conversation_tags.name,
    "parameters": conversation_parameters.name,
}
_PAIRS = f"SELECT c.pk, {_FIRST}, {_SECOND} FROM conversations AS c, json_each(c.{{column}}) AS p"
# OR IGNORE: a value listed twice is one row.
_INSERT_SQL = {
    "functions": "INSERT OR IGNORE INTO conversation_functions (conversation_pk, name) "
    f"SELECT c.pk, p.value FROM conversations AS c, json_each(c.functions) AS p WHERE c.pk IN ({_PKS})",
    **{
        column: f"INSERT OR IGNORE INTO {TABLES[column]} (conversation_pk, key, value) "
        f"{_PAIRS.format(column=column)} WHERE c.pk IN ({_PKS})"
        for column in ("tags", "parameters")
    },
}
_DELETE_SQL = {
    column: f"DELETE FROM {table} WHERE conversation_pk IN ({_PKS})" for column, table in TABLES.items()
}


def insert(conn: Connection, pks: Sequence[int]) -> None:
    """The side rows of conversations just written (none of theirs may be left)."""
    listed = (_encode(list(pks)).decode(),)
    for sql in _INSERT_SQL.values():
        conn.exec_driver_sql(sql, listed)


def rewrite(conn: Connection, changed: Mapping[str, Sequence[int]]) -> None:
    """The side rows made from each JSON column (a key of TABLES), again, for the conversations whose column
    changed (a live update rarely changes any: it costs nothing then)."""
    for column, pks in changed.items():
        if pks:
            listed = (_encode(list(pks)).decode(),)
            conn.exec_driver_sql(_DELETE_SQL[column], listed)
            conn.exec_driver_sql(_INSERT_SQL[column], listed)


_COUNT_IN_SQL = (
    "INSERT INTO contact_counts (tenant, contact_id, conversations) VALUES (?, ?, ?) "
    "ON CONFLICT (tenant, contact_id) DO UPDATE SET conversations = conversations + excluded.conversations"
)


def count_in(conn: Connection, tenant: str, contact_ids: Sequence[str]) -> None:
    """Add conversations to their contacts' counts, one statement per batch."""
    if contact_ids:
        rows = [(tenant, contact_id, n) for contact_id, n in Counter(contact_ids).items()]
        conn.exec_driver_sql(_COUNT_IN_SQL, rows)


def count_out(conn: Connection, tenant: str, contact_ids: Sequence[str]) -> None:
    """Take conversations whose contact changed off their old contacts' counts (deleted rows
    are counted out by a trigger: see the migration)."""
    for contact_id, n in Counter(contact_ids).items():
        owned = and_(contact_counts.c.tenant == tenant, contact_counts.c.contact_id == contact_id)
        less = contact_counts.c.conversations - n
        conn.execute(update(contact_counts).where(owned).values(conversations=less))
        conn.execute(delete(contact_counts).where(owned, contact_counts.c.conversations <= 0))


def recount(conn: Connection) -> None:
    """Every contact's count from the cached conversations, in one pass: after a first sync
    that left the counts to the end (cheaper than a keyed update per conversation)."""
    conn.exec_driver_sql("DELETE FROM contact_counts")
    conn.exec_driver_sql(
        "INSERT INTO contact_counts (tenant, contact_id, conversations) "
        "SELECT tenant, contact_id, count(*) FROM conversations GROUP BY tenant, contact_id"
    )


_SPELL_SQL = (
    "INSERT OR IGNORE INTO contact_spellings (tenant, contact_folded, contact_id) "
    f"SELECT tenant, contact_folded, contact_id FROM conversations WHERE pk IN ({_PKS})"
)


def spell(conn: Connection, pks: Sequence[int]) -> None:
    """The contact spellings of conversations just written or whose contact changed (one
    already known costs a key look-up; a new one its trigrams)."""
    if pks:
        conn.exec_driver_sql(_SPELL_SQL, (_encode(list(pks)).decode(),))


RESPELL_SQL = (
    "INSERT OR IGNORE INTO contact_spellings (tenant, contact_folded, contact_id) "
    "SELECT DISTINCT tenant, contact_folded, contact_id FROM conversations"
)


def respell(conn: Connection) -> None:
    """Every spelling again from the cached conversations, in one pass (after a first sync
    that left them to the end; spellings whose conversations have gone are dropped)."""
    conn.exec_driver_sql("DELETE FROM contact_spellings")
    conn.exec_driver_sql(RESPELL_SQL)
