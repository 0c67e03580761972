"""Live events: the messages of the `events` WebSocket (openapi.json, info.description).

Each WebSocket message is a JSON array of one or more events, in order."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, TypeAdapter, model_validator

from app.domain.base import Instant, Record, Str
from app.domain.conversation import Conversation, Message
from app.domain.enums import EventType


class EventData(Record):
    """`conversation` is the summary after the change (every type but `deleted`);
    `message` the new message (`conversation.message`); `id` the deleted conversation."""

    conversation: Conversation | None = None
    message: Message | None = None
    id: Str | None = None


class LiveEvent(Record):
    seq: StrictInt
    cursor: Str  # pass back on reconnect to replay what was missed
    type: EventType
    conversation_id: Str
    at: Instant
    data: EventData

    @model_validator(mode="after")
    def _consistent(self) -> LiveEvent:
        if self.type is EventType.DELETED:
            return self
        if self.data.conversation is None:
            raise ValueError(f"a {self.type.value} event carries the conversation")
        if self.data.conversation.id != self.conversation_id:
            raise ValueError("the event's conversation_id and its conversation differ")
        if self.type is EventType.MESSAGE and self.data.message is None:
            raise ValueError("a conversation.message event carries the message")
        return self


_BATCH: TypeAdapter[tuple[LiveEvent, ...]] = TypeAdapter(
    Annotated[tuple[LiveEvent, ...], Field(min_length=1)]
)


def parse_events(message: str | bytes) -> tuple[LiveEvent, ...]:
    """One WebSocket message: a JSON array of one or more events, in order. Raises
    pydantic.ValidationError when it is not (malformed JSON included)."""
    return _BATCH.validate_json(message)
