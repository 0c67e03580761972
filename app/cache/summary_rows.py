"""Summaries as `conversations` rows, the way the sqlite3 driver takes them.

A sync writes tens of thousands of rows a second, so a row is built in one pass: a
plain tuple in column order, instants as integer microseconds (app.filters.instants),
enum members as their text, and the functions, parameters and tags columns as JSON
text (`["name", …]`, `[["key", "value"], …]`), as app.cache.codec reads them back.
Either kind of summary record is taken: app.domain's pydantic Conversation (search
pages, live events, full records) or the change feed's FeedSummary.
"""

from __future__ import annotations

from typing import Any

import msgspec

from app.cache.codec import SUMMARY_ROW_KEYS
from app.domain import Conversation
from app.domain.feed import FeedSummary
from app.filters import instants

Summary = Conversation | FeedSummary

# The row's columns: the key (None: SQLite picks one), SUMMARY_ROW_KEYS, the last use.
INSERT_COLUMNS = ("pk", *SUMMARY_ROW_KEYS, "last_access")
# What an update of an existing row sets (tenant and id are its key and stay).
UPDATE_COLUMNS = INSERT_COLUMNS[3:-1]

# instants.to_micros/from_micros inlined: three calls a row, thousands of rows a second.
_EPOCH, _MICROSECOND = instants.EPOCH, instants.MICROSECOND
_EMPTY = "[]"
_encode = msgspec.json.Encoder().encode


def insert_row(pk: int | None, tenant: str, c: Summary, last_access: int) -> tuple[Any, ...]:
    """The values of INSERT_COLUMNS for a summary."""
    ended = c.ended_at
    return (
        pk,
        tenant,
        c.id,
        c.platform._value_,
        c.contact_id,
        c.contact,
        c.contact.casefold(),
        c.point_of_contact,
        c.direction._value_,
        c.used_for._value_,
        c.status._value_,
        c.flow_id,
        c.flow_name,
        c.duration_seconds,
        c.last_message,
        (c.last_message_at - _EPOCH) // _MICROSECOND,
        (c.started_at - _EPOCH) // _MICROSECOND,
        None if ended is None else (ended - _EPOCH) // _MICROSECOND,
        c.flagged,
        _encode(c.functions).decode() if c.functions else _EMPTY,
        _encode([(p.key, p.value) for p in c.parameters]).decode() if c.parameters else _EMPTY,
        _encode([(t.key, t.value) for t in c.tags]).decode() if c.tags else _EMPTY,
        c.live_state._value_,
        c.supervisor_mode._value_,
        c.current_node,
        c.has_audio,
        c.change_seq,
        last_access,
    )


def update_row(pk: int, inserted: tuple[Any, ...], *, touch: bool) -> tuple[Any, ...]:
    """From an insert_row tuple, the values of UPDATE_COLUMNS (and of last_access when
    `touch`), then the key."""
    return (*inserted[3:], pk) if touch else (*inserted[3:-1], pk)
