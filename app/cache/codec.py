"""Domain records ⇄ cache rows. Rows read back are validated again: the cache file is
input like any other (a damaged or edited file gives a ValidationError, not a crash)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping

from app.domain import Conversation, ConversationDetail, Message
from app.filters import instants

# The summary columns of `conversations`, in the record's terms.
SUMMARY_COLUMNS = (
    "id",
    "platform",
    "contact_id",
    "contact",
    "contact_folded",
    "point_of_contact",
    "direction",
    "used_for",
    "status",
    "flow_id",
    "flow_name",
    "duration_seconds",
    "last_message",
    "last_message_at",
    "started_at",
    "ended_at",
    "flagged",
    "functions",
    "parameters",
    "tags",
    "live_state",
    "supervisor_mode",
    "current_node",
    "has_audio",
    "change_seq",
)


def summary_values(tenant: str, c: Conversation) -> tuple[Any, ...]:
    """The `conversations` row of a summary as the sqlite3 driver takes it, in the order of
    SUMMARY_ROW_KEYS (JSON columns as their text). A sync writes thousands a second: no
    dict, no per-value dispatch."""
    ended = None if c.ended_at is None else instants.to_micros(c.ended_at)
    return (
        tenant,
        c.id,
        c.platform.value,
        c.contact_id,
        c.contact,
        c.contact.casefold(),
        c.point_of_contact,
        c.direction.value,
        c.used_for.value,
        c.status.value,
        c.flow_id,
        c.flow_name,
        c.duration_seconds,
        c.last_message,
        instants.to_micros(c.last_message_at),
        instants.to_micros(c.started_at),
        ended,
        c.flagged,
        _json(list(c.functions)),
        _json([[p.key, p.value] for p in c.parameters]),
        _json([[t.key, t.value] for t in c.tags]),
        c.live_state.value,
        c.supervisor_mode.value,
        c.current_node,
        c.has_audio,
        c.change_seq,
    )


def _json(value: list[Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


SUMMARY_ROW_KEYS = ("tenant", *SUMMARY_COLUMNS)


def summary_fields(row: RowMapping) -> dict[str, Any]:
    """The fields of a Conversation from a `conversations` row."""
    ended = row["ended_at"]
    return {
        "id": row["id"],
        "platform": row["platform"],
        "contact_id": row["contact_id"],
        "contact": row["contact"],
        "point_of_contact": row["point_of_contact"],
        "direction": row["direction"],
        "used_for": row["used_for"],
        "status": row["status"],
        "flow_id": row["flow_id"],
        "flow_name": row["flow_name"],
        "duration_seconds": row["duration_seconds"],
        "last_message": row["last_message"],
        "last_message_at": instants.from_micros(row["last_message_at"]),
        "started_at": instants.from_micros(row["started_at"]),
        "ended_at": None if ended is None else instants.from_micros(ended),
        "flagged": bool(row["flagged"]),
        "functions": row["functions"],
        "parameters": [{"key": k, "value": v} for k, v in row["parameters"]],
        "tags": [{"key": k, "value": v} for k, v in row["tags"]],
        "live_state": row["live_state"],
        "supervisor_mode": row["supervisor_mode"],
        "current_node": row["current_node"],
        "has_audio": bool(row["has_audio"]),
        "change_seq": row["change_seq"],
    }


def conversation_of(row: RowMapping) -> Conversation:
    return Conversation.model_validate(summary_fields(row))


def message_row(pk: int, m: Message) -> dict[str, Any]:
    return {
        "conversation_pk": pk,
        "idx": m.index,
        "role": m.role.value,
        "text": m.text,
        "at": instants.to_micros(m.at),
        "offset_ms": m.offset_ms,
        "duration_ms": m.duration_ms,
    }


def message_fields(row: RowMapping) -> dict[str, Any]:
    return {
        "index": row["idx"],
        "role": row["role"],
        "text": row["text"],
        "at": instants.from_micros(row["at"]),
        "offset_ms": row["offset_ms"],
        "duration_ms": row["duration_ms"],
    }


def detail_rows(pk: int, d: ConversationDetail) -> dict[str, list[dict[str, Any]]]:
    """The rows of a full record, per table (the summary row aside)."""
    return {
        "conversation_details": [
            {
                "conversation_pk": pk,
                "reason": d.reason,
                "summary": d.summary,
                "analysis": d.analysis,
                "sentiment": [e.model_dump(mode="json") for e in d.sentiment],
                "voice": d.voice,
                "flow_path": [s.model_dump(mode="json") for s in d.flow_path],
                "coaching": [n.model_dump(mode="json") for n in d.coaching],
                "audio": None if d.audio is None else d.audio.model_dump(mode="json"),
            }
        ],
        "messages": [message_row(pk, m) for m in d.messages],
        "function_calls": [
            {
                "conversation_pk": pk,
                "idx": f.index,
                "name": f.name,
                "input": f.input,
                "output": f.output,
                "at": instants.to_micros(f.at),
                "offset_ms": f.offset_ms,
                "message_index": f.message_index,
            }
            for f in d.function_calls
        ],
        "artifacts": [
            {
                "conversation_pk": pk,
                "id": a.id,
                "position": position,
                "kind": a.kind.value,
                "name": a.name,
                "media_type": a.media_type,
                "size": a.size,
            }
            for position, a in enumerate(d.artifacts)
        ],
    }


def detail_of(
    summary: RowMapping,
    details: RowMapping,
    messages: Sequence[RowMapping],
    calls: Sequence[RowMapping],
    artifacts: Sequence[RowMapping],
) -> ConversationDetail:
    return ConversationDetail.model_validate(
        {
            **summary_fields(summary),
            "reason": details["reason"],
            "summary": details["summary"],
            "analysis": details["analysis"],
            "sentiment": details["sentiment"],
            "voice": details["voice"],
            "flow_path": details["flow_path"],
            "coaching": details["coaching"],
            "audio": details["audio"],
            "messages": [message_fields(m) for m in messages],
            "function_calls": [
                {
                    "index": f["idx"],
                    "name": f["name"],
                    "input": f["input"],
                    "output": f["output"],
                    "at": instants.from_micros(f["at"]),
                    "offset_ms": f["offset_ms"],
                    "message_index": f["message_index"],
                }
                for f in calls
            ],
            "artifacts": [{k: a[k] for k in ("id", "kind", "name", "media_type", "size")} for a in artifacts],
        }
    )
