"""Conversations as the platform describes them: a table row and the full record."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictFloat, StrictInt

from app.domain.base import Instant, Record, Str
from app.domain.enums import (
    ArtifactKind,
    Direction,
    LiveState,
    MessageRole,
    Platform,
    Status,
    SupervisorMode,
    UsedFor,
)

Count = Annotated[StrictInt, Field(ge=0)]


class KeyValuePair(Record):
    """A tag or a parameter of a conversation."""

    key: Str
    value: Str


class Conversation(Record):
    """One row of the conversations table (ConversationSummary in the contract)."""

    id: Str
    platform: Platform
    contact_id: Str
    contact: Str
    point_of_contact: Str
    direction: Direction
    used_for: UsedFor
    status: Status
    flow_id: Str | None
    flow_name: Str
    duration_seconds: Count
    last_message: Str
    last_message_at: Instant
    started_at: Instant
    ended_at: Instant | None
    flagged: StrictBool
    functions: tuple[Str, ...]
    parameters: tuple[KeyValuePair, ...]
    tags: tuple[KeyValuePair, ...]
    live_state: LiveState
    supervisor_mode: SupervisorMode
    current_node: Str | None
    has_audio: StrictBool
    change_seq: StrictInt


class Message(Record):
    index: Count
    role: MessageRole
    text: Str
    at: Instant
    offset_ms: StrictInt
    duration_ms: Count


class FunctionCall(Record):
    index: Count
    name: Str
    input: dict[Str, Any]
    output: dict[Str, Any]
    at: Instant
    offset_ms: StrictInt
    message_index: Count


class ArtifactInfo(Record):
    id: Str
    kind: ArtifactKind
    name: Str  # as the platform named it: never a path to write to as such
    media_type: Str
    size: Count


class AudioInfo(Record):
    media_type: Str
    size: Count
    duration_ms: Count
    channels: tuple[Str, ...]


class CoachingNote(Record):
    id: Str
    author: Str
    text: Str
    at: Instant


class Emotion(Record):
    emotion: Str
    score: Annotated[StrictFloat, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class FlowStep(Record):
    """One step of the path a conversation took through its flow."""

    step: StrictInt
    node_id: Str
    at: Instant
    message_index: Count


class ConversationDetail(Conversation):
    """The full record, shown when a conversation is opened."""

    reason: Str
    summary: Str
    analysis: Str
    sentiment: tuple[Emotion, ...]
    voice: Str | None
    messages: tuple[Message, ...]
    function_calls: tuple[FunctionCall, ...]
    flow_path: tuple[FlowStep, ...]
    coaching: tuple[CoachingNote, ...]
    artifacts: tuple[ArtifactInfo, ...]
    audio: AudioInfo | None

    def summary_record(self) -> Conversation:
        """The table row of this conversation."""
        return Conversation.model_validate(self.model_dump(include=set(Conversation.model_fields)))
