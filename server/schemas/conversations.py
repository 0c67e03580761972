"""Conversation records as the API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from server.domain import (
    ArtifactKind,
    Direction,
    LiveState,
    MessageRole,
    Platform,
    Status,
    SupervisorMode,
    UsedFor,
)
from server.schemas.filter import Filter, Sort


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class KeyValuePair(Out):
    key: str
    value: str


class ConversationSummary(Out):
    """One row of the conversations table: every column of DESIGN.md §1."""

    id: str
    platform: Platform
    contact_id: str
    contact: str
    point_of_contact: str
    direction: Direction
    used_for: UsedFor
    status: Status
    flow_id: str | None
    flow_name: str
    duration_seconds: int
    last_message: str
    last_message_at: datetime
    started_at: datetime
    ended_at: datetime | None
    flagged: bool
    functions: list[str]
    parameters: list[KeyValuePair]
    tags: list[KeyValuePair]
    live_state: LiveState
    supervisor_mode: SupervisorMode
    current_node: str | None
    has_audio: bool
    change_seq: int


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: Filter = Filter()
    sort: Sort = Sort()
    limit: Annotated[StrictInt, Field(ge=1, le=500)] = 100
    cursor: Annotated[str, Field(max_length=2000)] | None = None


class SearchPage(BaseModel):
    items: list[ConversationSummary]
    next_cursor: str | None = Field(description="Pass back to get the next page; null at the end.")
    total: int = Field(
        description="Matching conversations, counted for the first page; pages reached through "
        "its cursors repeat that count."
    )
    total_is_estimate: bool = Field(
        description="True when more than 1,000 rows match and `total` is the planner's estimate."
    )


class Emotion(Out):
    emotion: str
    score: Annotated[float, Field(ge=0, le=1)]


class Message(Out):
    index: int
    role: MessageRole
    text: str
    at: datetime
    offset_ms: int
    duration_ms: int


class FunctionCall(Out):
    index: int
    name: str
    input: dict[str, Any]
    output: dict[str, Any]
    at: datetime
    offset_ms: int
    message_index: int


class FlowStep(Out):
    step: int
    node_id: str
    at: datetime
    message_index: int


class CoachingNote(Out):
    id: str
    author: str
    text: str
    at: datetime


class ArtifactInfo(Out):
    id: str
    kind: ArtifactKind
    name: str
    media_type: str
    size: int


class AudioInfo(Out):
    media_type: str
    size: int
    duration_ms: int
    channels: list[str] = Field(description="What each channel carries, e.g. ['customer', 'agent'].")


class ConversationDetail(ConversationSummary):
    reason: str
    summary: str
    analysis: str
    sentiment: list[Emotion]
    voice: str | None
    messages: list[Message]
    function_calls: list[FunctionCall]
    flow_path: list[FlowStep]
    coaching: list[CoachingNote]
    artifacts: list[ArtifactInfo]
    audio: AudioInfo | None


class Tombstone(BaseModel):
    id: str
    deleted_at: datetime


class Change(BaseModel):
    seq: int
    kind: str = Field(description="'upsert' carries `conversation`; 'delete' carries `deleted`.")
    conversation: ConversationSummary | None = None
    deleted: Tombstone | None = None


class ChangesPage(BaseModel):
    changes: list[Change]
    next_cursor: str = Field(description="Resume from here; unchanged when nothing new.")
    has_more: bool


__all__ = ["Filter", "Sort"]
