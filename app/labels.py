"""What the user reads for the contract's values: one wording for the table, the filters
panel and the exports (the platform's enum values are identifiers, not text)."""

from __future__ import annotations

from app.domain import Direction, LiveState, Platform, Status, SupervisorMode, TableColumn, UsedFor

STATUS = {
    Status.COMPLETED: "Completed",
    Status.ABANDONED: "Abandoned",
    Status.FAILED: "Failed",
    Status.HUMAN_HANDOFF: "Human Handoff",
    Status.IN_PROGRESS: "In Progress",
    Status.REPORTED: "Reported",
    Status.RESTARTED: "Restarted",
    Status.UNSUBSCRIBED: "Unsubscribed",
    Status.NO_ANSWER: "No Answer",
    Status.ANSWERING_MACHINE_MESSAGE_LEFT: "Answering Machine — Message Left",
    Status.ANSWERING_MACHINE_NO_MESSAGE_LEFT: "Answering Machine — No Message Left",
}

PLATFORM = {
    Platform.VOICE: "Voice",
    Platform.SMS: "SMS",
    Platform.WEB: "Web",
    Platform.EMAIL: "Email",
    Platform.SLACK: "Slack",
    Platform.HUMAN_PHONE: "Human Phone",
}

DIRECTION = {Direction.INBOUND: "Inbound", Direction.OUTBOUND: "Outbound"}

USED_FOR = {UsedFor.PRODUCTION: "Production", UsedFor.TEST: "Test"}

LIVE_STATE = {
    LiveState.AI: "AI agent",
    LiveState.QUEUED: "Queued for a human",
    LiveState.HUMAN: "Human agent",
    LiveState.ENDED: "Ended",
}

SUPERVISOR_MODE = {
    SupervisorMode.NONE: "",
    SupervisorMode.LISTENING: "A supervisor is listening",
    SupervisorMode.TAKEN_OVER: "Taken over by a supervisor",
}

COLUMN = {
    TableColumn.ID: "ID",
    TableColumn.PLATFORM: "Platform",
    TableColumn.CONTACT: "Contact",
    TableColumn.STATUS: "Status",
    TableColumn.FLOW: "Flow",
    TableColumn.DURATION: "Duration",
    TableColumn.LAST_MESSAGE: "Last Message",
    TableColumn.DATE: "Date",
    TableColumn.FLAGGED: "Flagged",
    TableColumn.FUNCTIONS: "Functions",
    TableColumn.PARAMETERS: "Parameters",
    TableColumn.TAGS: "Tags",
}


def duration(seconds: int) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
