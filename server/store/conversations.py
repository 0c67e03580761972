"""Writes to live conversations. Each write bumps the conversation's place in
the change feed and records the matching live event, in the same transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from server.db.models import (
    Artifact,
    Blob,
    Contact,
    Conversation,
    ConversationDetail,
    ConversationFunction,
    ConversationParameter,
    ConversationSearch,
    ConversationTag,
    Tombstone,
)
from server.domain import EventType, LiveState, MessageRole
from server.search.summaries import summary_of
from server.search.text import words as search_words
from server.seed.records import ConversationRecord, MessageRecord
from server.store import direct, documents, events, sequence
from server.store.announce import announce
from server.store.rows import SEARCHABLE_ROLES, message_json, preview, rows_for


def _summary_event(conversation: Conversation) -> dict[str, Any]:
    return {"conversation": summary_of(conversation).model_dump(mode="json")}


def create(session: Session, record: ConversationRecord) -> Conversation:
    """Insert a new conversation (live traffic) and announce it."""
    seq = sequence.take(session)
    rows = rows_for(record, pk=0, change_seq=seq)
    _ensure_contact(session, record.tenant_id, record.contact_id)
    values = {k: v for k, v in rows.conversation.items() if k != "pk"}
    pk = session.execute(insert(Conversation).values(values).returning(Conversation.pk)).scalar_one()
    session.execute(insert(ConversationDetail).values({**rows.detail, "conversation_pk": pk}))
    session.execute(insert(ConversationSearch).values({**rows.search, "conversation_pk": pk}))
    for table, items in (
        (ConversationTag, rows.tags),
        (ConversationParameter, rows.parameters),
        (ConversationFunction, rows.functions),
        (Artifact, rows.artifacts),
    ):
        if items:
            session.execute(insert(table), [{**item, "conversation_pk": pk} for item in items])
    conversation = session.get_one(Conversation, pk)
    events.record(
        session, record.tenant_id, EventType.STARTED, record.id, _summary_event(conversation), seq=seq
    )
    return conversation


def _ensure_contact(session: Session, tenant_id: str, contact_id: str) -> None:
    bumped = session.scalar(
        update(Contact)
        .where(Contact.id == contact_id)
        .values(conversation_count=Contact.conversation_count + 1)
        .returning(Contact.id)
    )
    if bumped is None:
        session.add(Contact(id=contact_id, tenant_id=tenant_id, conversation_count=1))
        session.flush()


def touch(
    session: Session,
    conversation: Conversation,
    event: EventType = EventType.UPDATED,
    extra: dict[str, Any] | None = None,
) -> int:
    """Give the conversation a new change-feed position and announce its new state;
    the event and the change feed share the one number."""
    session.flush()  # what the caller changed on the conversation is part of that state
    return announce(session, conversation, event, {}, extra)


def append_message(session: Session, conversation: Conversation, message: MessageRecord) -> dict[str, Any]:
    """Add a line to the transcript and announce it. The messages document and the
    search text grow in place: nothing said before is read back."""
    session.flush()
    dialect = session.get_bind().dialect.name
    words = " ".join(search_words(message.text)) if message.role in SEARCHABLE_ROLES else ""
    params = {
        "pk": conversation.pk,
        "role": str(message.role),
        "text": message.text,
        "at": message.at.isoformat(),
        "offset_ms": message.offset_ms,
        "duration_ms": message.duration_ms,
        "words": words,
    }
    # PostgreSQL appends the search words in the same statement; SQLite in its own.
    both = dialect == "postgresql" and bool(words)
    index = int(direct.fetch_one(session, _message_sql(dialect, both), params)[0])
    if words and not both:
        direct.execute(session, documents.search_append_sql(dialect), params)
    _forget_detail(session, conversation.pk)
    item = message_json(index, message)
    changes: dict[str, Any] = {
        "message_count": index + 1,
        "duration_seconds": max(0, int((message.at - conversation.started_at).total_seconds())),
    }
    if message.role != MessageRole.COACHING:  # the table's Last Message is what the customer saw
        changes["last_message"] = preview(message.text)
        changes["last_message_at"] = message.at
    announce(session, conversation, EventType.MESSAGE, changes, {"message": item})
    return item


def add_function_call(
    session: Session, conversation: Conversation, name: str, input: dict[str, Any], output: dict[str, Any]
) -> None:
    """Record a function the AI called. The caller holds the conversation's row lock."""
    session.flush()
    now = datetime.now(UTC)
    params = {
        "pk": conversation.pk,
        "name": name,
        "input": json.dumps(input),
        "output": json.dumps(output),
        "item_at": now.isoformat(),
        "offset_ms": int((now - conversation.started_at).total_seconds() * 1000),
    }
    changes: dict[str, Any] = {}
    if name not in conversation.functions:
        changes["functions"] = [*conversation.functions, name]
        session.add(
            ConversationFunction(
                conversation_pk=conversation.pk,
                name=name,
                tenant_id=conversation.tenant_id,
                started_at=conversation.started_at,
            )
        )
    sql = _function_call_sql(session.get_bind().dialect.name)
    announce(session, conversation, EventType.UPDATED, changes, details=(sql, params))
    _forget_detail(session, conversation.pk)


def move_to_node(session: Session, conversation: Conversation, node_id: str) -> None:
    """The call moved on in its flow. The caller holds the conversation's row lock."""
    session.flush()
    sql = _flow_step_sql(session.get_bind().dialect.name)
    params = {"pk": conversation.pk, "node_id": node_id, "item_at": datetime.now(UTC).isoformat()}
    announce(session, conversation, EventType.UPDATED, {"current_node": node_id}, details=(sql, params))
    _forget_detail(session, conversation.pk)


def finish(session: Session, conversation: Conversation, status: str, *, summary: str | None = None) -> None:
    session.flush()
    now = datetime.now(UTC)
    if summary is not None:
        session.execute(
            update(ConversationDetail)
            .where(ConversationDetail.conversation_pk == conversation.pk)
            .values(summary=summary)
        )
        _forget_detail(session, conversation.pk)
    changes = {
        "status": status,
        "live_state": LiveState.ENDED.value,
        "supervisor_mode": "none",
        "supervisor_user_id": None,
        "current_node": None,
        "ended_at": now,
        "duration_seconds": max(0, int((now - conversation.started_at).total_seconds())),
    }
    announce(session, conversation, EventType.ENDED, changes)


def _forget_detail(session: Session, pk: int) -> None:
    """A details row loaded earlier in this session no longer matches what SQL wrote."""
    detail = session.identity_map.get(session.identity_key(ConversationDetail, pk))
    if detail is not None:
        session.expire(detail)


# Items are built in SQL so that each takes its position from the document it joins.


@cache
def _message_sql(dialect: str, with_search: bool) -> str:
    item = {
        "index": documents.length("messages"),
        "role": documents.param(dialect, "role", "text"),
        "text": documents.param(dialect, "text", "text"),
        "at": documents.param(dialect, "at", "text"),
        "offset_ms": documents.param(dialect, "offset_ms", "bigint"),
        "duration_ms": documents.param(dialect, "duration_ms", "bigint"),
    }
    returning = f"{documents.length('messages')} - 1"
    return documents.append_sql(dialect, "messages", item, returning=returning, search=with_search)


@cache
def _function_call_sql(dialect: str) -> str:
    item = {
        "index": documents.length("function_calls"),
        "name": documents.param(dialect, "name", "text"),
        "input": documents.json_param(dialect, "input"),
        "output": documents.json_param(dialect, "output"),
        "at": documents.param(dialect, "item_at", "text"),
        "offset_ms": documents.param(dialect, "offset_ms", "bigint"),
        "message_index": documents.greatest(dialect, f"{documents.length('messages')} - 1", "0"),
    }
    return documents.append_sql(dialect, "function_calls", item, lock=False)


@cache
def _flow_step_sql(dialect: str) -> str:
    item = {
        "step": f"{documents.length('flow_path')} + 1",
        "node_id": documents.param(dialect, "node_id", "text"),
        "at": documents.param(dialect, "item_at", "text"),
        "message_index": documents.greatest(dialect, f"{documents.length('messages')} - 1", "0"),
    }
    return documents.append_sql(dialect, "flow_path", item, lock=False)


def remove(session: Session, conversation: Conversation) -> int:
    """Delete a conversation with its details, artifacts and recording; leave a tombstone."""
    blobs = set(
        session.scalars(select(Artifact.blob_sha256).where(Artifact.conversation_pk == conversation.pk))
    )
    if conversation.audio_blob:
        blobs.add(conversation.audio_blob)
    tenant_id, conversation_id, contact_id = conversation.tenant_id, conversation.id, conversation.contact_id
    session.delete(conversation)
    session.flush()
    session.execute(
        update(Contact)
        .where(Contact.id == contact_id)
        .values(conversation_count=Contact.conversation_count - 1)
    )
    _drop_unreferenced(session, blobs)
    seq = events.record(session, tenant_id, EventType.DELETED, conversation_id, {"id": conversation_id})
    session.add(
        Tombstone(seq=seq, tenant_id=tenant_id, conversation_id=conversation_id, deleted_at=datetime.now(UTC))
    )
    return seq


def _drop_unreferenced(session: Session, shas: set[str]) -> None:
    """Recordings and artifact files may be shared (the demo data pools them):
    a file goes when nothing refers to it any more."""
    for sha in shas:
        in_use = session.scalar(select(Conversation.pk).where(Conversation.audio_blob == sha).limit(1)) or (
            session.scalar(select(Artifact.id).where(Artifact.blob_sha256 == sha).limit(1))
        )
        if in_use is None:
            session.execute(delete(Blob).where(Blob.sha256 == sha))
