"""Live writes (server.store.conversations) append in SQL: what they leave in the
database must be what rebuilding from the whole transcript gives, and the events
they record must carry the conversation as it now is, under the seq they share
with the change feed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from server.db.models import Conversation, ConversationDetail, ConversationSearch, Event
from server.domain import EventType, MessageRole, Status
from server.schemas.conversations import ConversationSummary, Message
from server.search.summaries import summary_of
from server.seed.records import MessageRecord
from server.store import conversations as store
from server.store.rows import transcript_search_text
from tests.server import live

LINES = [
    (MessageRole.CUSTOMER, "Hi, I'm calling about the charge on my last bill."),
    (MessageRole.AGENT, "Sure. Could you confirm the account holder's name?"),
    (MessageRole.COACHING, "Offer the loyalty discount before anything else"),
    (MessageRole.CUSTOMER, "Crème brûlée — ＦＵＬＬＷＩＤＴＨ, ﬁ ligature and Straße"),
    (MessageRole.AGENT, "مرحبا بك 👋🏽 שלום"),
    (MessageRole.SYSTEM, "<script>alert(1)</script> =HYPERLINK(\"http://x\") 'quoted' \"double\""),
    (MessageRole.CUSTOMER, "..."),  # no words at all
    (MessageRole.SUPERVISOR, "a" * 70 + " short " + "b" * 64),  # one word too long to index
    (MessageRole.CUSTOMER, "line one\nline two\ttabbed\u0301 e\u0301"),
    (MessageRole.AGENT, "x" * 5000),
]


@pytest.fixture
def call(seeded_db: str) -> Iterator[str]:
    cid = live.create_call(seeded_db, messages=2)
    yield cid
    live.remove_calls(seeded_db, [cid])


def _locked(session: Any, cid: str) -> Conversation:
    conversation = session.scalar(select(Conversation).where(Conversation.id == cid).with_for_update())
    assert conversation is not None
    return conversation


def _stored(seeded_db: str, cid: str) -> tuple[Conversation, ConversationDetail, str]:
    with live.database(seeded_db).session() as session:
        conversation = session.scalar(select(Conversation).where(Conversation.id == cid))
        assert conversation is not None
        detail = session.get_one(ConversationDetail, conversation.pk)
        search = session.get_one(ConversationSearch, conversation.pk)
        session.expunge_all()
        return conversation, detail, search.search_text


def _events(seeded_db: str, cid: str, after: int) -> list[Event]:
    with live.database(seeded_db).session() as session:
        rows = list(session.scalars(select(Event).where(Event.conversation_id == cid, Event.seq > after)))
        session.expunge_all()
        return sorted(rows, key=lambda e: e.seq)


def test_appended_messages_match_a_full_rebuild(seeded_db: str, call: str) -> None:
    _, before, _ = _stored(seeded_db, call)
    first_seq = _stored(seeded_db, call)[0].change_seq
    started = datetime.now(UTC)
    items = []
    for i, (role, text) in enumerate(LINES):
        with live.database(seeded_db).session() as session:
            conversation = _locked(session, call)
            at = started + timedelta(seconds=i)
            message = MessageRecord(role=role.value, text=text, at=at, offset_ms=1000 * i, duration_ms=900)
            item = store.append_message(session, conversation, message)
            assert conversation.message_count == item["index"] + 1
            items.append(item)

    conversation, detail, search_text = _stored(seeded_db, call)
    assert detail.messages == [*before.messages, *items]
    assert [m["index"] for m in detail.messages] == list(range(len(detail.messages)))
    assert search_text == transcript_search_text(detail.messages)
    assert conversation.message_count == len(detail.messages)
    last_said = LINES[-1][1]
    assert conversation.last_message.startswith(last_said[:100])
    for message in detail.messages:
        Message.model_validate(message)

    events = _events(seeded_db, call, first_seq)
    assert [e.type for e in events] == [EventType.MESSAGE.value] * len(LINES)
    assert [e.data["message"] for e in events] == items
    for event in events:
        assert event.data["conversation"]["change_seq"] == event.seq
        ConversationSummary.model_validate(event.data["conversation"])
    assert events[-1].seq == conversation.change_seq
    assert events[-1].data["conversation"] == summary_of(conversation).model_dump(mode="json")


def test_coaching_is_not_the_last_message_and_not_searchable(seeded_db: str, call: str) -> None:
    before, _, before_text = _stored(seeded_db, call)
    with live.database(seeded_db).session() as session:
        conversation = _locked(session, call)
        now = datetime.now(UTC)
        store.append_message(
            session, conversation, MessageRecord(role="coaching", text="zanzibar", at=now, offset_ms=1)
        )
    after, detail, search_text = _stored(seeded_db, call)
    assert search_text == before_text == transcript_search_text(detail.messages)
    assert (after.last_message, after.last_message_at) == (before.last_message, before.last_message_at)
    assert after.message_count == before.message_count + 1


def test_function_calls_flow_steps_and_the_ending(seeded_db: str, call: str) -> None:
    first_seq = _stored(seeded_db, call)[0].change_seq
    with live.database(seeded_db).session() as session:
        conversation = _locked(session, call)
        store.add_function_call(session, conversation, "lookup_account", {"last4": "4821"}, {"ok": True})
        store.add_function_call(session, conversation, "lookup_account", {"last4": "1111"}, {"ok": False})
        store.move_to_node(session, conversation, "verify")
        store.add_function_call(session, conversation, "refund", {"amount": 12.5, "notes": ["a", None]}, {})
        store.move_to_node(session, conversation, "wrap_up")
        in_memory = summary_of(conversation).model_dump(mode="json")
    conversation, detail, _ = _stored(seeded_db, call)
    assert in_memory == summary_of(conversation).model_dump(mode="json")
    assert conversation.functions == ["lookup_account", "refund"]
    assert conversation.current_node == "wrap_up"
    last = len(detail.messages) - 1
    calls = [(f["index"], f["name"], f["input"], f["output"], f["message_index"])
             for f in detail.function_calls]
    assert calls == [
        (0, "lookup_account", {"last4": "4821"}, {"ok": True}, last),
        (1, "lookup_account", {"last4": "1111"}, {"ok": False}, last),
        (2, "refund", {"amount": 12.5, "notes": ["a", None]}, {}, last),
    ]
    assert [(s["step"], s["node_id"], s["message_index"]) for s in detail.flow_path] == [
        (1, "verify", last),
        (2, "wrap_up", last),
    ]
    for c in detail.function_calls:
        datetime.fromisoformat(c["at"])

    with live.database(seeded_db).session() as session:
        conversation = _locked(session, call)
        store.finish(session, conversation, Status.COMPLETED.value, summary="All sorted.")
    conversation, detail, _ = _stored(seeded_db, call)
    state = (conversation.status, conversation.live_state, conversation.current_node)
    assert state == ("completed", "ended", None)
    assert conversation.ended_at is not None
    assert detail.summary == "All sorted."

    events = _events(seeded_db, call, first_seq)
    assert [e.type for e in events] == [EventType.UPDATED.value] * 5 + [EventType.ENDED.value]
    assert [e.seq for e in events] == sorted(e.data["conversation"]["change_seq"] for e in events)
    assert events[-1].data["conversation"] == summary_of(conversation).model_dump(mode="json")


def test_changes_the_caller_made_are_written_and_announced(seeded_db: str, call: str) -> None:
    """The supervisor actions change the call in memory, then append or touch."""
    with live.database(seeded_db).session() as session:
        conversation = _locked(session, call)
        conversation.supervisor_mode = "listening"
        conversation.supervisor_user_id = "u_supervisor"
        seq = store.touch(session, conversation)
    conversation, _, _ = _stored(seeded_db, call)
    assert (conversation.supervisor_mode, conversation.change_seq) == ("listening", seq)
    (event,) = _events(seeded_db, call, seq - 1)
    assert event.data["conversation"]["supervisor_mode"] == "listening"
