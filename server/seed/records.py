"""Plain records that the generator produces and the loader writes.

The generator knows nothing of the database and the loader nothing of how data
is made up: these dataclasses are the whole interface between the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class FlowRecord:
    id: str  # globally unique, e.g. "acme-billing"
    tenant_id: str
    name: str
    description: str
    # {"nodes": [{"id", "kind", "label"}], "edges": [{"source", "target", "condition"}]}
    graph: dict[str, Any]
    entry_node: str


@dataclass(frozen=True, slots=True)
class BlobRecord:
    sha256: str
    media_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    id: str
    kind: str  # ArtifactKind value
    name: str  # as the AI named it; may be hostile (the client sanitises on save)
    media_type: str
    blob_sha256: str
    size: int


@dataclass(slots=True)
class MessageRecord:
    role: str  # MessageRole value
    text: str
    at: datetime  # absolute UTC time
    offset_ms: int  # from conversation start; matches the recording for voice
    duration_ms: int = 0  # speech length for voice turns


@dataclass(slots=True)
class FunctionCallRecord:
    name: str
    input: dict[str, Any]
    output: dict[str, Any]
    at: datetime
    offset_ms: int
    message_index: int  # the transcript message it follows


@dataclass(slots=True)
class FlowStepRecord:
    node_id: str
    at: datetime
    message_index: int  # first transcript message at this step


@dataclass(slots=True)
class CoachingRecord:
    author: str
    text: str
    at: datetime


@dataclass(slots=True)
class ConversationRecord:
    id: str
    tenant_id: str
    platform: str
    direction: str
    used_for: str
    status: str
    contact_id: str
    contact_display: str  # phone, e-mail or name, as shown in the table
    point_of_contact: str  # the platform's number / address / bot name
    flow_id: str | None
    flow_name: str
    voice: str | None  # TTS voice of the agent, voice platforms only
    started_at: datetime
    ended_at: datetime | None
    flagged: bool
    parameters: list[tuple[str, str]]
    tags: list[tuple[str, str]]
    reason: str
    summary: str
    analysis: str
    sentiment: list[tuple[str, float]]  # top emotions, highest first
    messages: list[MessageRecord]
    function_calls: list[FunctionCallRecord]
    flow_path: list[FlowStepRecord]
    coaching: list[CoachingRecord] = field(default_factory=list)
    artifacts: list[ArtifactRecord] = field(default_factory=list)
    audio_blob_sha256: str | None = None
    audio_duration_ms: int = 0

    @property
    def duration_seconds(self) -> int:
        end = self.ended_at or (self.messages[-1].at if self.messages else self.started_at)
        return max(0, int((end - self.started_at).total_seconds()))
