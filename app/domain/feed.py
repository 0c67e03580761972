"""The change feed as sync reads it: msgspec records decoded straight from a page's bytes.

A sync reads hundreds of thousands of summaries, and validating each into pydantic
records took longer than writing it to the cache. These records hold the feed to
the same rules as app.domain.pages (strict scalars, instants with an offset, known
enum values, valid Unicode, unknown fields ignored) in a few microseconds each, and
also refuse integers that no SQLite column could hold. `FeedSummary.record()` gives
the pydantic Conversation of a summary for code that wants one.

msgspec's JSON reader refuses a lone surrogate (`"\\ud800"`) and bytes that are not
UTF-8, so every string decoded is valid Unicode.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, ClassVar

import msgspec

from app.domain.conversation import Conversation
from app.domain.enums import ChangeKind, Direction, LiveState, Platform, Status, SupervisorMode, UsedFor

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# An integer SQLite can store (Python's are unbounded: a larger one would fail at the write).
Int64 = Annotated[int, msgspec.Meta(ge=_INT64_MIN, le=_INT64_MAX)]
Count = Annotated[int, msgspec.Meta(ge=0, le=_INT64_MAX)]
# ISO 8601 text with an offset; a number or a naive date-time is refused.
Instant = Annotated[datetime, msgspec.Meta(tz=True)]


class FeedPair(msgspec.Struct, frozen=True, gc=False):
    """A tag or a parameter."""

    key: str
    value: str


# gc=False: the records hold no references that could form a cycle, so the garbage
# collector need not track the hundreds of thousands a sync creates.
class FeedSummary(msgspec.Struct, frozen=True, gc=False):
    """One row of the conversations table (ConversationSummary in the contract)."""

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
    duration_seconds: Count
    last_message: str
    last_message_at: Instant
    started_at: Instant
    ended_at: Instant | None
    flagged: bool
    functions: tuple[str, ...]
    parameters: tuple[FeedPair, ...]
    tags: tuple[FeedPair, ...]
    live_state: LiveState
    supervisor_mode: SupervisorMode
    current_node: str | None
    has_audio: bool
    change_seq: Int64

    def record(self) -> Conversation:
        """The same summary as an app.domain Conversation."""
        return Conversation.model_validate(msgspec.to_builtins(self, builtin_types=(datetime,)))


class FeedTombstone(msgspec.Struct, frozen=True, gc=False):
    id: str
    deleted_at: Instant


# The change entries: `kind` selects the record (a tagged union, checked by msgspec
# itself: no Python code runs per entry), and each requires its payload.
class FeedUpsert(msgspec.Struct, tag_field="kind", tag=ChangeKind.UPSERT.value, frozen=True, gc=False):
    seq: Int64
    conversation: FeedSummary
    deleted: FeedTombstone | None = None  # not read: an upsert carries no tombstone

    kind: ClassVar[ChangeKind] = ChangeKind.UPSERT


class FeedDelete(msgspec.Struct, tag_field="kind", tag=ChangeKind.DELETE.value, frozen=True, gc=False):
    seq: Int64
    deleted: FeedTombstone
    conversation: FeedSummary | None = None  # not read: a delete carries no summary

    kind: ClassVar[ChangeKind] = ChangeKind.DELETE


FeedChange = FeedUpsert | FeedDelete


class FeedPage(msgspec.Struct, frozen=True, gc=False):
    changes: tuple[FeedChange, ...]
    next_cursor: str  # resume from here; unchanged when nothing is new
    has_more: bool


class FeedRefused(ValueError):
    """A page that is not a valid change feed page. The message says where and why,
    never with the offending value (the server's text is not repeated to the user)."""


_DECODER = msgspec.json.Decoder(FeedPage)
_LOCATION = re.compile(r" - at `\$(?P<path>[^`]*)`$")


def decode_page(content: bytes) -> FeedPage:
    """A page of the change feed from the body of the response. Raises FeedRefused."""
    try:
        return _DECODER.decode(content)
    except msgspec.ValidationError as exc:
        raise FeedRefused(_where_and_why(str(exc))) from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise FeedRefused("body: not valid JSON") from None


def _where_and_why(message: str) -> str:
    """`$.changes[3].conversation.status` -> `changes.3.conversation.status`, with a reason
    that names types and fields only."""
    found = _LOCATION.search(message)
    path = "body"
    if found is not None:
        message = message[: found.start()]
        path = re.sub(r"\[(\d+)\]", r".\1", found["path"]).lstrip(".") or "body"
    if message.startswith(("Expected", "Object missing required field", "Invalid RFC3339")):
        reason = message  # these name types and fields only
    elif message.startswith(("Invalid enum value", "Invalid value")):
        reason = "not one of the known values"
    else:
        reason = "invalid value"
    return f"{path}: {reason}"
