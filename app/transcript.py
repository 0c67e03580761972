"""A conversation's transcript as one list of entries, in the order a reviewer reads it.

Messages in their order, each function call right after the message it belongs to, the
coaching notes supervisors added at the moment they were written, and the artifacts the AI
produced at the end. Texts stay exactly as received: the view shows them as plain text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app import labels
from app.domain import ArtifactInfo, ConversationDetail, FunctionCall, Message, MessageRole


class EntryKind(StrEnum):
    MESSAGE = "message"
    FUNCTION = "function"  # a function call the AI made, with its input and output
    COACHING = "coaching"  # seen by the AI agent or the supervisors, never by the customer
    ARTIFACT = "artifact"


SPEAKER = {
    MessageRole.CUSTOMER: "Customer",
    MessageRole.AGENT: "AI agent",
    MessageRole.SYSTEM: "System",
    MessageRole.SUPERVISOR: "Supervisor",
    MessageRole.COACHING: "Coaching",
}


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    speaker: str  # who: a role, a function's name, a note's author, an artifact's name
    text: str  # what: the message, the note, the call's arguments in one line
    offset_ms: int | None  # from the start of the conversation (None: no moment, e.g. artifacts)
    message_index: int | None = None  # the message this entry is (or follows)
    role: MessageRole | None = None
    call: FunctionCall | None = None
    artifact: ArtifactInfo | None = None


def entries(detail: ConversationDetail) -> tuple[Entry, ...]:
    """Every entry of the transcript in reading order."""
    calls: dict[int, list[FunctionCall]] = {}
    for call in sorted(detail.function_calls, key=lambda c: (c.message_index, c.index)):
        calls.setdefault(call.message_index, []).append(call)
    started = detail.started_at
    notes = sorted(detail.coaching, key=lambda n: n.at)
    out: list[Entry] = []
    for message in sorted(detail.messages, key=lambda m: m.index):
        while notes and notes[0].at <= message.at:
            note = notes.pop(0)
            out.append(Entry(EntryKind.COACHING, note.author, note.text, _offset(started, note.at)))
        out.append(message_entry(message))
        for call in calls.pop(message.index, []):
            out.append(
                Entry(
                    EntryKind.FUNCTION,
                    call.name,
                    arguments(call.input),
                    call.offset_ms,
                    message.index,
                    call=call,
                )
            )
    for leftover in sorted((c for group in calls.values() for c in group), key=lambda c: c.index):
        out.append(
            Entry(
                EntryKind.FUNCTION,
                leftover.name,
                arguments(leftover.input),
                leftover.offset_ms,
                call=leftover,
            )
        )
    out.extend(Entry(EntryKind.COACHING, n.author, n.text, _offset(started, n.at)) for n in notes)
    out.extend(Entry(EntryKind.ARTIFACT, a.name, a.media_type, None, artifact=a) for a in detail.artifacts)
    return tuple(out)


def message_entry(message: Message) -> Entry:
    """A message's entry (coaching the AI agent heard is set apart like a note)."""
    kind = EntryKind.COACHING if message.role is MessageRole.COACHING else EntryKind.MESSAGE
    return Entry(kind, SPEAKER[message.role], message.text, message.offset_ms, message.index, message.role)


def arguments(values: dict[str, Any]) -> str:
    """A call's input on one line, as `key=value, …` (the full JSON is in `pretty`)."""
    return ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in values.items())


def pretty(values: dict[str, Any]) -> str:
    """JSON indented for reading; keys in the order received."""
    return json.dumps(values, ensure_ascii=False, indent=2)


def timestamp(offset_ms: int | None) -> str:
    """`m:ss` from the start (`h:mm:ss` past an hour); empty for no moment."""
    return "" if offset_ms is None else labels.duration(offset_ms // 1000)


def _offset(started: datetime, at: datetime) -> int:
    return round((at - started).total_seconds() * 1000)


def as_text(detail: ConversationDetail) -> str:
    """The conversation as a plain-text document: what it was, then every entry on its line(s)."""
    head = [
        f"Conversation {detail.id}",
        f"Contact: {detail.contact} ({detail.contact_id})",
        f"Platform: {labels.PLATFORM[detail.platform]}, {labels.DIRECTION[detail.direction]}",
        f"Status: {labels.STATUS[detail.status]}",
        f"Started: {detail.started_at.isoformat()}",
        f"Duration: {labels.duration(detail.duration_seconds)}",
    ]
    head += [f"{name}: {getattr(detail, field)}" for name, field in _STORY if getattr(detail, field)]
    lines = [*head, ""]
    for entry in entries(detail):
        when = timestamp(entry.offset_ms)
        prefix = f"[{when}] " if when else ""
        if entry.kind is EntryKind.FUNCTION and entry.call is not None:
            lines.append(f"{prefix}Function call {entry.speaker}")
            lines.append(_indented(f"Input: {pretty(entry.call.input)}"))
            lines.append(_indented(f"Output: {pretty(entry.call.output)}"))
        elif entry.kind is EntryKind.ARTIFACT and entry.artifact is not None:
            lines.append(
                f"Artifact: {entry.speaker} ({entry.artifact.media_type}, {entry.artifact.size} bytes)"
            )
        elif entry.kind is EntryKind.COACHING:
            lines.append(f"{prefix}Coaching ({entry.speaker}, not seen by the customer): {entry.text}")
        else:
            lines.append(f"{prefix}{entry.speaker}: {entry.text}")
    return "\n".join(lines) + "\n"


_STORY = (("Reason", "reason"), ("Summary", "summary"), ("Analysis", "analysis"))


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())
