"""Vocabulary of the reference platform: the enumerations its API speaks.

The client has its own copy of these values, read from docs/api/openapi.json;
nothing here is imported by the client.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    FAILED = "failed"
    HUMAN_HANDOFF = "human_handoff"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    RESTARTED = "restarted"
    UNSUBSCRIBED = "unsubscribed"
    NO_ANSWER = "no_answer"
    ANSWERING_MACHINE_MESSAGE_LEFT = "answering_machine_message_left"
    ANSWERING_MACHINE_NO_MESSAGE_LEFT = "answering_machine_no_message_left"


class Platform(StrEnum):
    VOICE = "voice"
    SMS = "sms"
    WEB = "web"
    EMAIL = "email"
    SLACK = "slack"
    HUMAN_PHONE = "human_phone"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class UsedFor(StrEnum):
    PRODUCTION = "production"
    TEST = "test"


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    READONLY = "readonly"


class MessageRole(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"
    SUPERVISOR = "supervisor"
    COACHING = "coaching"


class ArtifactKind(StrEnum):
    CSV = "csv"
    IMAGE = "image"
    PDF = "pdf"


class LiveState(StrEnum):
    """Who handles a conversation that is in progress."""

    AI = "ai"  # the AI agent is talking; supervisor actions are allowed
    QUEUED = "queued"  # waiting in the human-agent queue
    HUMAN = "human"  # a human agent or a transfer destination has it
    ENDED = "ended"


class SupervisorMode(StrEnum):
    NONE = "none"
    LISTENING = "listening"
    TAKEN_OVER = "taken_over"


class FlowNodeKind(StrEnum):
    START = "start"
    MESSAGE = "message"
    QUESTION = "question"
    CONDITION = "condition"
    FUNCTION = "function"
    HANDOFF = "handoff"
    END = "end"


class EventType(StrEnum):
    STARTED = "conversation.started"
    UPDATED = "conversation.updated"
    MESSAGE = "conversation.message"
    ENDED = "conversation.ended"
    DELETED = "conversation.deleted"


SORTABLE_COLUMNS = (
    "id",
    "platform",
    "contact",
    "status",
    "flow",
    "duration",
    "last_message",
    "date",
    "flagged",
)

# Every column of the conversations table, in their default order.
TABLE_COLUMNS = (*SORTABLE_COLUMNS, "functions", "parameters", "tags")
