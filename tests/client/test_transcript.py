"""The transcript's reading order, over every conversation the platform serves."""

from __future__ import annotations

from datetime import timedelta

from app import transcript
from app.domain import CoachingNote, MessageRole
from app.transcript import EntryKind
from tests.client.conftest import TenantCorpus


def test_every_message_call_note_and_artifact_appears_once_in_reading_order(
    acme_corpus: TenantCorpus,
) -> None:
    for detail in acme_corpus.details:
        entries = transcript.entries(detail)
        said = [e for e in entries if e.message_index is not None and e.kind is not EntryKind.FUNCTION]
        assert [e.message_index for e in said] == sorted(m.index for m in detail.messages)
        assert [e.text for e in said] == [m.text for m in sorted(detail.messages, key=lambda m: m.index)]
        calls = [e.call for e in entries if e.kind is EntryKind.FUNCTION]
        assert sorted(c.index for c in calls if c is not None) == sorted(
            c.index for c in detail.function_calls
        )
        for position, entry in enumerate(entries):  # a call comes after the message it belongs to
            if entry.kind is EntryKind.FUNCTION and entry.message_index is not None:
                before = [e.message_index for e in entries[:position] if e.kind is not EntryKind.FUNCTION]
                assert entry.message_index in before
        assert [e.artifact for e in entries if e.kind is EntryKind.ARTIFACT] == list(detail.artifacts)
        assert entries[len(entries) - len(detail.artifacts) :] == tuple(
            e for e in entries if e.kind is EntryKind.ARTIFACT
        )  # artifacts last
        coaching = [e for e in entries if e.kind is EntryKind.COACHING]
        assert len(coaching) == len(detail.coaching) + sum(
            m.role is MessageRole.COACHING for m in detail.messages
        )


def test_a_coaching_note_sits_where_it_was_written(acme_corpus: TenantCorpus) -> None:
    detail = next(d for d in acme_corpus.details if len(d.messages) >= 3)
    second = sorted(detail.messages, key=lambda m: m.index)[1]
    note = CoachingNote(
        id="note-1", author="Dana", text="<b>Offer</b> the refund", at=second.at - timedelta(seconds=1)
    )
    entries = transcript.entries(detail.model_copy(update={"coaching": (note,)}))
    position = next(i for i, e in enumerate(entries) if e.text == note.text)
    assert entries[position].kind is EntryKind.COACHING and entries[position].speaker == "Dana"
    assert entries[position + 1].message_index == second.index  # just before the message it preceded
    assert entries[position].offset_ms == round((note.at - detail.started_at).total_seconds() * 1000)


def test_timestamps_and_arguments_read_plainly() -> None:
    assert transcript.timestamp(None) == ""
    assert transcript.timestamp(61_999) == "1:01"
    assert transcript.timestamp(3_723_000) == "1:02:03"
    assert transcript.arguments({"zip": "35947", "n": 2}) == 'zip="35947", n=2'
    assert transcript.pretty({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}'
