"""The vocabularies of the platform's API (docs/api/openapi.json, components.schemas).

A value outside these sets is a validation error: the client cannot show or filter
what it does not know, and saying so beats guessing.
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

    AI = "ai"
    QUEUED = "queued"
    HUMAN = "human"
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


class Action(StrEnum):
    """Supervisor actions on a live conversation."""

    LISTEN = "listen"
    TAKEOVER = "takeover"
    HANDBACK = "handback"
    LEAVE = "leave"
    TRANSFER = "transfer"
    ENQUEUE = "enqueue"
    END = "end"
    COACH = "coach"


class Role(StrEnum):
    """A user's role in a tenant. `MeTenant.role` is plain text in the contract, so a
    role added later by the platform does not break sign-in (see MeTenant.known_role)."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    READONLY = "readonly"


class ViewScope(StrEnum):
    BUILTIN = "builtin"
    ORG = "org"
    PERSONAL = "personal"


class SortColumn(StrEnum):
    """Columns the table (and the server) can sort on (docs/filters.md, "Sorting")."""

    ID = "id"
    PLATFORM = "platform"
    CONTACT = "contact"
    STATUS = "status"
    FLOW = "flow"
    DURATION = "duration"
    LAST_MESSAGE = "last_message"
    DATE = "date"
    FLAGGED = "flagged"


class TableColumn(StrEnum):
    """Every column of the conversations table, in the default order."""

    ID = "id"
    PLATFORM = "platform"
    CONTACT = "contact"
    STATUS = "status"
    FLOW = "flow"
    DURATION = "duration"
    LAST_MESSAGE = "last_message"
    DATE = "date"
    FLAGGED = "flagged"
    FUNCTIONS = "functions"
    PARAMETERS = "parameters"
    TAGS = "tags"


class EventType(StrEnum):
    STARTED = "conversation.started"
    UPDATED = "conversation.updated"
    MESSAGE = "conversation.message"
    ENDED = "conversation.ended"
    DELETED = "conversation.deleted"


class ChangeKind(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"
