"""Conversation summaries straight from database rows to JSON.

Search pages and the changes feed carry hundreds of summaries per response. Loading
ORM objects and building pydantic records for them cost more than the query itself,
so these paths select only the summary's columns and build the JSON-ready mapping
directly. A test holds its output equal to `ConversationSummary` for every seeded
conversation, so the contract stays the one the schema documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement

from server.db.models import Conversation

COLUMNS: tuple[ColumnElement[Any], ...] = (
    Conversation.id,
    Conversation.platform,
    Conversation.contact_id,
    Conversation.contact_display,
    Conversation.point_of_contact,
    Conversation.direction,
    Conversation.used_for,
    Conversation.status,
    Conversation.flow_id,
    Conversation.flow_name,
    Conversation.duration_seconds,
    Conversation.last_message,
    Conversation.last_message_at,
    Conversation.started_at,
    Conversation.ended_at,
    Conversation.flagged,
    Conversation.functions,
    Conversation.parameters,
    Conversation.tags,
    Conversation.live_state,
    Conversation.supervisor_mode,
    Conversation.current_node,
    Conversation.audio_blob,
    Conversation.change_seq,
)  # type: ignore[assignment]


def summary(row: Sequence[Any]) -> dict[str, Any]:
    """One summary, ready for `dumps`, from a row of COLUMNS (its instants are aware UTC
    datetimes, which orjson writes as pydantic does)."""
    (
        id_, platform, contact_id, contact, point_of_contact, direction, used_for, status, flow_id,
        flow_name, duration, last_message, last_message_at, started_at, ended_at, flagged, functions,
        parameters, tags, live_state, supervisor_mode, current_node, audio_blob, change_seq,
    ) = row
    return {
        "id": id_,
        "platform": platform,
        "contact_id": contact_id,
        "contact": contact,
        "point_of_contact": point_of_contact,
        "direction": direction,
        "used_for": used_for,
        "status": status,
        "flow_id": flow_id,
        "flow_name": flow_name,
        "duration_seconds": duration,
        "last_message": last_message,
        "last_message_at": last_message_at,
        "started_at": started_at,
        "ended_at": ended_at,
        "flagged": flagged,
        "functions": functions,
        "parameters": [{"key": k, "value": v} for k, v in parameters],
        "tags": [{"key": k, "value": v} for k, v in tags],
        "live_state": live_state,
        "supervisor_mode": supervisor_mode,
        "current_node": current_node,
        "has_audio": audio_blob is not None,
        "change_seq": change_seq,
    }


def summaries(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [summary(row) for row in rows]


def dumps(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as pydantic writes it, UTC instants ending in "Z" (orjson: a page
    of thousands of summaries took the standard library a third of the request, and
    writing each instant with `isoformat` in Python a tenth of a search)."""
    return orjson.dumps(document, option=orjson.OPT_UTC_Z)
