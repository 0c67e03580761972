"""Pages of results: search listings and the change feed."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, model_validator

from app.domain.base import Instant, Record, Str
from app.domain.conversation import Conversation
from app.domain.enums import Action, ChangeKind


class SearchPage(Record):
    items: tuple[Conversation, ...]
    next_cursor: Str | None  # None at the end of the listing
    total: Annotated[StrictInt, Field(ge=0)]
    total_is_estimate: StrictBool


class Tombstone(Record):
    id: Str
    deleted_at: Instant


class Change(Record):
    """One entry of the change feed: an upsert carries `conversation`, a delete `deleted`."""

    seq: StrictInt
    kind: ChangeKind
    conversation: Conversation | None = None
    deleted: Tombstone | None = None

    @model_validator(mode="after")
    def _payload(self) -> Change:
        if self.kind is ChangeKind.UPSERT and self.conversation is None:
            raise ValueError("an upsert change carries the conversation")
        if self.kind is ChangeKind.DELETE and self.deleted is None:
            raise ValueError("a delete change carries the tombstone")
        return self


class ChangesPage(Record):
    changes: tuple[Change, ...]
    next_cursor: Str  # resume from here; unchanged when nothing is new
    has_more: StrictBool


class ActionResult(Record):
    action: Action
    conversation: Conversation
