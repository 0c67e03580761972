"""A conversation's new state, its change-feed position and its live event, written together.

Every write to a live conversation ends here: the conversation's changed columns
and its new change_seq, the event that announces it (sharing that number) and,
on PostgreSQL, the NOTIFY that wakes the relays. On PostgreSQL that is one
statement. The counter is the last lock it takes (the caller already holds the
conversation's row), as everywhere else, so writers queue on it without deadlock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import JSON, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from server.db.models import Conversation
from server.domain import EventType
from server.events.relay import CHANNEL
from server.search.summaries import summary_of
from server.store import direct, events, sequence

_JSON_COLUMNS = frozenset(c.name for c in Conversation.__table__.c if isinstance(c.type, JSON))


def announce(
    session: Session,
    conversation: Conversation,
    event: EventType,
    changes: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
    *,
    details: tuple[str, Mapping[str, Any]] | None = None,
) -> int:
    """Write `changes` to the conversation with a new change_seq, record `event` with
    `extra` and the conversation's summary as its data; returns the seq. The
    in-memory `conversation` is updated to match, without making it dirty.

    `details` is an UPDATE of the conversation's details row (SQL and parameters) to
    write with it, in the same statement on PostgreSQL. The caller holds the
    conversation's row lock (which is what makes it safe to take the counter before
    the details row within that statement: nobody else can hold that row)."""
    for key, value in changes.items():
        set_committed_value(conversation, key, value)
    details_sql, details_params = details or ("", {})
    if session.get_bind().dialect.name == "postgresql":
        # The summary is encoded before the number is taken; the statement writes the
        # number into it, so that the counter is held for one statement, not for this.
        encoded = orjson.dumps({**(extra or {}), **_summary_data(conversation)}).decode()
        seq = direct.fetch_one(
            session,
            _postgresql_statement(tuple(changes), details_sql),
            {
                **details_params,
                **{k: direct.json_value(v) if k in _JSON_COLUMNS else v for k, v in changes.items()},
                "pk": conversation.pk,
                "tenant_id": conversation.tenant_id,
                "type": event.value,
                "conversation_id": conversation.id,
                "at": datetime.now(UTC),
                "data": encoded,
            },
        )[0]
        set_committed_value(conversation, "change_seq", seq)
        return int(seq)
    if details_sql:
        direct.execute(session, details_sql, details_params)
    seq = sequence.take(session)
    session.execute(
        update(Conversation).where(Conversation.pk == conversation.pk).values(**changes, change_seq=seq)
    )
    set_committed_value(conversation, "change_seq", seq)
    data = {**(extra or {}), **_summary_data(conversation)}
    return events.record(session, conversation.tenant_id, event, conversation.id, data, seq=seq)


def _summary_data(conversation: Conversation) -> dict[str, Any]:
    return {"conversation": summary_of(conversation).model_dump(mode="json")}


@cache
def _postgresql_statement(columns: tuple[str, ...], details_sql: str) -> str:
    assignments = "".join(f", {column} = :{column}" for column in columns)
    details = f"details AS ({details_sql}), " if details_sql else ""
    return (
        f"WITH {details}taken AS ({sequence.TAKE_ONE_SQL}), "
        f"changed AS (UPDATE conversations SET change_seq = taken.value{assignments} "
        "FROM taken WHERE conversations.pk = :pk RETURNING taken.value), "
        "recorded AS (INSERT INTO events (seq, tenant_id, type, conversation_id, at, data) "
        "SELECT value, :tenant_id, :type, :conversation_id, :at, "
        "jsonb_set(CAST(:data AS jsonb), '{conversation,change_seq}', to_jsonb(value)) FROM changed) "
        f"SELECT value, pg_notify('{CHANNEL}', '') FROM changed"
    )
