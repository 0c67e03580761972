"""ORM rows → API records."""

from __future__ import annotations

from server.db.models import Conversation
from server.domain import Direction, LiveState, Platform, Status, SupervisorMode, UsedFor
from server.schemas.conversations import ConversationSummary, KeyValuePair


def summary_of(row: Conversation) -> ConversationSummary:
    """Rows were validated on the way in: build the record without validating it again
    (a search page builds a hundred of them)."""
    return ConversationSummary.model_construct(
        id=row.id,
        platform=Platform(row.platform),
        contact_id=row.contact_id,
        contact=row.contact_display,
        point_of_contact=row.point_of_contact,
        direction=Direction(row.direction),
        used_for=UsedFor(row.used_for),
        status=Status(row.status),
        flow_id=row.flow_id,
        flow_name=row.flow_name,
        duration_seconds=row.duration_seconds,
        last_message=row.last_message,
        last_message_at=row.last_message_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        flagged=row.flagged,
        functions=list(row.functions),
        parameters=[KeyValuePair.model_construct(key=k, value=v) for k, v in row.parameters],
        tags=[KeyValuePair.model_construct(key=k, value=v) for k, v in row.tags],
        live_state=LiveState(row.live_state),
        supervisor_mode=SupervisorMode(row.supervisor_mode),
        current_node=row.current_node,
        has_audio=row.audio_blob is not None,
        change_seq=row.change_seq,
    )
