"""ORM rows → API records."""

from __future__ import annotations

from server.db.models import Conversation
from server.schemas.conversations import ConversationSummary, KeyValuePair


def summary_of(row: Conversation) -> ConversationSummary:
    return ConversationSummary(
        id=row.id,
        platform=row.platform,  # type: ignore[arg-type]
        contact_id=row.contact_id,
        contact=row.contact_display,
        point_of_contact=row.point_of_contact,
        direction=row.direction,  # type: ignore[arg-type]
        used_for=row.used_for,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        flow_id=row.flow_id,
        flow_name=row.flow_name,
        duration_seconds=row.duration_seconds,
        last_message=row.last_message,
        last_message_at=row.last_message_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        flagged=row.flagged,
        functions=list(row.functions),
        parameters=[KeyValuePair(key=k, value=v) for k, v in row.parameters],
        tags=[KeyValuePair(key=k, value=v) for k, v in row.tags],
        live_state=row.live_state,  # type: ignore[arg-type]
        supervisor_mode=row.supervisor_mode,  # type: ignore[arg-type]
        current_node=row.current_node,
        has_audio=row.audio_blob is not None,
        change_seq=row.change_seq,
    )
