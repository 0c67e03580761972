"""Typed, immutable records of what the platform sends and the client keeps
(docs/api/openapi.json, components.schemas)."""

from app.domain.account import Me, MeTenant
from app.domain.conversation import (
    ArtifactInfo,
    AudioInfo,
    CoachingNote,
    Conversation,
    ConversationDetail,
    Emotion,
    FlowStep,
    FunctionCall,
    KeyValuePair,
    Message,
)
from app.domain.enums import (
    Action,
    ArtifactKind,
    ChangeKind,
    Direction,
    EventType,
    FlowNodeKind,
    LiveState,
    MessageRole,
    Platform,
    Role,
    SortColumn,
    Status,
    SupervisorMode,
    TableColumn,
    UsedFor,
    ViewScope,
)
from app.domain.events import EventData, LiveEvent, parse_events
from app.domain.filter import Filter, KeyValue, RepeatRange, Sort, parse_duration
from app.domain.flow import Flow, FlowEdge, FlowNode, FlowSummary
from app.domain.pages import ActionResult, Change, ChangesPage, SearchPage, Tombstone
from app.domain.problem import Problem
from app.domain.view import DEFAULT_COLUMNS, View, ViewIn

ConversationSummary = Conversation  # the contract's name for a table row

__all__ = [
    "DEFAULT_COLUMNS",
    "Action",
    "ActionResult",
    "ArtifactInfo",
    "ArtifactKind",
    "AudioInfo",
    "Change",
    "ChangeKind",
    "ChangesPage",
    "CoachingNote",
    "Conversation",
    "ConversationDetail",
    "ConversationSummary",
    "Direction",
    "Emotion",
    "EventData",
    "EventType",
    "Filter",
    "Flow",
    "FlowEdge",
    "FlowNode",
    "FlowNodeKind",
    "FlowStep",
    "FlowSummary",
    "FunctionCall",
    "KeyValue",
    "KeyValuePair",
    "LiveEvent",
    "LiveState",
    "Me",
    "MeTenant",
    "Message",
    "MessageRole",
    "Platform",
    "Problem",
    "RepeatRange",
    "Role",
    "SearchPage",
    "Sort",
    "SortColumn",
    "Status",
    "SupervisorMode",
    "TableColumn",
    "Tombstone",
    "UsedFor",
    "View",
    "ViewIn",
    "ViewScope",
    "parse_duration",
    "parse_events",
]
