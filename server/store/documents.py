"""SQL that appends one item to a JSON array document of conversation_details.

The documents (messages, function calls, flow path) only grow while a call is
live. Appending in SQL spares loading, decoding, re-encoding and rewriting the
whole document in Python for every line spoken. The item is built in SQL too, so
that its position (the document's length before the append) is read in the same
statement that writes the row, under its lock.
"""

from __future__ import annotations

from collections.abc import Mapping


def json_object(dialect: str, fields: Mapping[str, str]) -> str:
    """A JSON object of SQL expressions, keys in the given order (keys are trusted names)."""
    pairs = ", ".join(f"'{key}', {value}" for key, value in fields.items())
    return f"json_build_object({pairs})" if dialect == "postgresql" else f"json_object({pairs})"


def appended(dialect: str, column: str, item: str) -> str:
    """`column` with `item` (an SQL JSON expression) added at its end.

    PostgreSQL stores these documents as `json` (text kept as written, which loads
    faster than jsonb), so the item is spliced in before the closing bracket and the
    cast back to json validates the result. SQLite has json_insert."""
    if dialect != "postgresql":
        return f"json_insert({column}, '$[#]', {item})"
    doc = f"rtrim(CAST({column} AS text), E' \\t\\r\\n')"
    return (
        f"CAST(CASE WHEN json_array_length({column}) = 0 THEN '[' || CAST({item} AS text) || ']' "
        f"ELSE left({doc}, -1) || ',' || CAST({item} AS text) || ']' END AS json)"
    )


def param(dialect: str, name: str, sql_type: str) -> str:
    """A bound parameter inside json_build_object, which must know its type on PostgreSQL."""
    return f"CAST(:{name} AS {sql_type})" if dialect == "postgresql" else f":{name}"


def json_param(dialect: str, name: str) -> str:
    """A bound parameter holding JSON text, embedded as JSON (not as a string)."""
    return f"CAST(:{name} AS json)" if dialect == "postgresql" else f"json(:{name})"


def greatest(dialect: str, a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if dialect == "postgresql" else f"max({a}, {b})"


def append_sql(
    dialect: str,
    column: str,
    item: Mapping[str, str],
    *,
    returning: str = "",
    search: bool = False,
    lock: bool = True,
) -> str:
    """An UPDATE of conversation_details (row :pk) that appends `item` (field -> SQL) to
    `column`. On PostgreSQL, with `lock`, it first locks the conversation's row, as every
    writer does before its details (a no-op when the caller already holds it); with
    `search`, it also appends :words to the search text (see `search_append_sql`).
    SQLite locks the whole database for a write and takes the search update apart."""
    target = appended(dialect, column, json_object(dialect, item))
    tail = f" RETURNING {returning}" if returning else ""
    if dialect != "postgresql" or not lock:
        return f"UPDATE conversation_details SET {column} = {target} WHERE conversation_pk = :pk{tail}"
    searched = f", searched AS ({search_append_sql(dialect)})" if search else ""
    return (
        f"WITH locked AS (SELECT pk FROM conversations WHERE pk = :pk FOR UPDATE){searched} "
        f"UPDATE conversation_details SET {column} = {target} "
        f"FROM locked WHERE conversation_details.conversation_pk = locked.pk{tail}"
    )


def search_append_sql(dialect: str) -> str:
    """Add :words (a message's normalised words, space-separated, non-empty) to the
    search text of row :pk, keeping server.search.text.search_text's form: words
    separated by one space, with a space at each end."""
    words = param(dialect, "words", "text")
    return (
        "UPDATE conversation_search SET search_text = "
        f"CASE WHEN search_text = '' THEN ' ' ELSE search_text END || {words} || ' ' "
        "WHERE conversation_pk = :pk"
    )


def length(column: str) -> str:
    """The number of items in a document column (the same function on both engines)."""
    return f"json_array_length({column})"
