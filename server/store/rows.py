"""ConversationRecord → table rows (one mapping, used by the seeder and live writes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.domain import LiveState, MessageRole, Status
from server.search.text import search_text
from server.seed.records import ConversationRecord, MessageRecord

PREVIEW_CHARS = 200
SEARCHABLE_ROLES = {MessageRole.CUSTOMER, MessageRole.AGENT, MessageRole.SYSTEM, MessageRole.SUPERVISOR}


@dataclass(frozen=True, slots=True)
class ConversationRows:
    conversation: dict[str, Any]
    detail: dict[str, Any]
    search: dict[str, Any]
    tags: list[dict[str, Any]]
    parameters: list[dict[str, Any]]
    functions: list[dict[str, Any]]
    artifacts: list[dict[str, Any]]


def preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def message_json(index: int, m: MessageRecord) -> dict[str, Any]:
    return {
        "index": index,
        "role": m.role,
        "text": m.text,
        "at": m.at.isoformat(),
        "offset_ms": m.offset_ms,
        "duration_ms": m.duration_ms,
    }


def transcript_search_text(messages: list[dict[str, Any]]) -> str:
    """Content search covers what was said (not coaching notes, which the customer never saw)."""
    return search_text([m["text"] for m in messages if m["role"] in SEARCHABLE_ROLES])


def rows_for(record: ConversationRecord, *, pk: int, change_seq: int) -> ConversationRows:
    messages = [message_json(i, m) for i, m in enumerate(record.messages)]
    last = record.messages[-1] if record.messages else None
    functions = list(dict.fromkeys(fc.name for fc in record.function_calls))
    in_progress = record.status == Status.IN_PROGRESS
    conversation = {
        "pk": pk,
        "id": record.id,
        "tenant_id": record.tenant_id,
        "platform": record.platform,
        "direction": record.direction,
        "used_for": record.used_for,
        "status": record.status,
        "contact_id": record.contact_id,
        "contact_display": record.contact_display,
        "contact_search": record.contact_display.casefold(),
        "point_of_contact": record.point_of_contact,
        "flow_id": record.flow_id,
        "flow_name": record.flow_name,
        "voice": record.voice,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "duration_seconds": record.duration_seconds,
        "last_message": preview(last.text) if last else "",
        "last_message_at": last.at if last else record.started_at,
        "message_count": len(messages),
        "flagged": record.flagged,
        "functions": functions,
        "parameters": [list(p) for p in record.parameters],
        "tags": [list(t) for t in record.tags],
        "live_state": LiveState.AI.value if in_progress else LiveState.ENDED.value,
        "supervisor_user_id": None,
        "supervisor_mode": "none",
        "current_node": record.flow_path[-1].node_id if in_progress and record.flow_path else None,
        "audio_blob": record.audio_blob_sha256,
        "audio_duration_ms": record.audio_duration_ms,
        "change_seq": change_seq,
    }
    detail = {
        "conversation_pk": pk,
        "reason": record.reason,
        "summary": record.summary,
        "analysis": record.analysis,
        "sentiment": [{"emotion": e, "score": s} for e, s in record.sentiment],
        "messages": messages,
        "function_calls": [
            {
                "index": i,
                "name": fc.name,
                "input": fc.input,
                "output": fc.output,
                "at": fc.at.isoformat(),
                "offset_ms": fc.offset_ms,
                "message_index": fc.message_index,
            }
            for i, fc in enumerate(record.function_calls)
        ],
        "flow_path": [
            {"step": i + 1, "node_id": s.node_id, "at": s.at.isoformat(), "message_index": s.message_index}
            for i, s in enumerate(record.flow_path)
        ],
        "coaching": [
            {"id": f"{record.id}-c{i}", "author": c.author, "text": c.text, "at": c.at.isoformat()}
            for i, c in enumerate(record.coaching)
        ],
    }
    # Side rows repeat the conversation's tenant and start (see server.db.models).
    tenant_id, started_at = record.tenant_id, record.started_at
    return ConversationRows(
        conversation=conversation,
        detail=detail,
        search={
            "conversation_pk": pk,
            "search_text": transcript_search_text(messages),
            "tenant_id": tenant_id,
            "started_at": started_at,
        },
        tags=[
            {"conversation_pk": pk, "key": k, "value": v, "tenant_id": tenant_id, "started_at": started_at}
            for k, v in dict.fromkeys(record.tags)
        ],
        parameters=[
            {"conversation_pk": pk, "key": k, "value": v, "tenant_id": tenant_id, "started_at": started_at}
            for k, v in dict.fromkeys(record.parameters)
        ],
        functions=[
            {"conversation_pk": pk, "name": n, "tenant_id": tenant_id, "started_at": started_at}
            for n in functions
        ],
        artifacts=[
            {
                "id": a.id,
                "conversation_pk": pk,
                "kind": a.kind,
                "name": a.name,
                "media_type": a.media_type,
                "size": a.size,
                "blob_sha256": a.blob_sha256,
            }
            for a in record.artifacts
        ],
    )
