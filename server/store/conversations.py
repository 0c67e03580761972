"""Writes to live conversations. Each write bumps the conversation's place in
the change feed and records the matching live event, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
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
from server.seed.records import ConversationRecord, MessageRecord
from server.store import events, sequence
from server.store.rows import message_json, preview, rows_for, transcript_search_text


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
    seq = sequence.take(session)
    conversation.change_seq = seq
    session.flush()
    data = {**(extra or {}), **_summary_event(conversation)}
    return events.record(session, conversation.tenant_id, event, conversation.id, data, seq=seq)


def append_message(session: Session, conversation: Conversation, message: MessageRecord) -> dict[str, Any]:
    detail = session.get_one(ConversationDetail, conversation.pk, with_for_update=True)
    item = message_json(len(detail.messages), message)
    detail.messages = [*detail.messages, item]
    session.execute(
        update(ConversationSearch)
        .where(ConversationSearch.conversation_pk == conversation.pk)
        .values(search_text=transcript_search_text(detail.messages))
    )
    conversation.message_count = len(detail.messages)
    if message.role != MessageRole.COACHING:  # the table's Last Message is what the customer saw
        conversation.last_message = preview(message.text)
        conversation.last_message_at = message.at
    conversation.duration_seconds = max(0, int((message.at - conversation.started_at).total_seconds()))
    touch(session, conversation, EventType.MESSAGE, {"message": item})
    return item


def add_function_call(
    session: Session, conversation: Conversation, name: str, input: dict[str, Any], output: dict[str, Any]
) -> None:
    detail = session.get_one(ConversationDetail, conversation.pk, with_for_update=True)
    now = datetime.now(UTC)
    call = {
        "index": len(detail.function_calls),
        "name": name,
        "input": input,
        "output": output,
        "at": now.isoformat(),
        "offset_ms": int((now - conversation.started_at).total_seconds() * 1000),
        "message_index": max(0, len(detail.messages) - 1),
    }
    detail.function_calls = [*detail.function_calls, call]
    if name not in conversation.functions:
        conversation.functions = [*conversation.functions, name]
        session.add(ConversationFunction(conversation_pk=conversation.pk, name=name))
    touch(session, conversation)


def move_to_node(session: Session, conversation: Conversation, node_id: str) -> None:
    detail = session.get_one(ConversationDetail, conversation.pk, with_for_update=True)
    step = {
        "step": len(detail.flow_path) + 1,
        "node_id": node_id,
        "at": datetime.now(UTC).isoformat(),
        "message_index": max(0, len(detail.messages) - 1),
    }
    detail.flow_path = [*detail.flow_path, step]
    conversation.current_node = node_id
    touch(session, conversation)


def finish(session: Session, conversation: Conversation, status: str, *, summary: str | None = None) -> None:
    now = datetime.now(UTC)
    conversation.status = status
    conversation.live_state = LiveState.ENDED.value
    conversation.supervisor_mode = "none"
    conversation.supervisor_user_id = None
    conversation.current_node = None
    conversation.ended_at = now
    conversation.duration_seconds = max(0, int((now - conversation.started_at).total_seconds()))
    if summary is not None:
        detail = session.get_one(ConversationDetail, conversation.pk)
        detail.summary = summary
    touch(session, conversation, EventType.ENDED)


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
