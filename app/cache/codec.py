"""Domain records ⇄ cache rows. Rows read back are checked again: the cache file is
input like any other (a damaged or edited file gives DamagedRow or a ValidationError,
not a crash)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec
from pydantic import BaseModel
from sqlalchemy import RowMapping

from app.cache.errors import DamagedRow
from app.domain import Conversation, ConversationDetail, Message
from app.domain.conversation import KeyValuePair
from app.domain.enums import Direction, LiveState, Platform, Status, SupervisorMode, UsedFor
from app.filters import instants

RecordT = TypeVar("RecordT", bound=BaseModel)

# The summary columns of `conversations`, in the record's terms.
SUMMARY_COLUMNS = (
    "id",
    "platform",
    "contact_id",
    "contact",
    "contact_folded",
    "point_of_contact",
    "direction",
    "used_for",
    "status",
    "flow_id",
    "flow_name",
    "duration_seconds",
    "last_message",
    "last_message_at",
    "started_at",
    "ended_at",
    "flagged",
    "functions",
    "parameters",
    "tags",
    "live_state",
    "supervisor_mode",
    "current_node",
    "has_audio",
    "change_seq",
)


SUMMARY_ROW_KEYS = ("tenant", *SUMMARY_COLUMNS)


# What a listing reads of a `conversations` row, in this order: the row's key, then the
# summary columns (SUMMARY_COLUMNS without contact_folded, which only filters read).
SUMMARY_READ_COLUMNS = ("pk", *(name for name in SUMMARY_COLUMNS if name != "contact_folded"))
READ_INDEX = {name: i for i, name in enumerate(SUMMARY_READ_COLUMNS)}


# instants.to_micros/from_micros inlined: three calls a row, thousands of rows a second.
_EPOCH, _MICROSECOND = instants.EPOCH, instants.MICROSECOND
_PLATFORMS = Platform._value2member_map_
_DIRECTIONS = Direction._value2member_map_
_USES = UsedFor._value2member_map_
_STATUSES = Status._value2member_map_
_LIVE_STATES = LiveState._value2member_map_
_SUPERVISOR_MODES = SupervisorMode._value2member_map_
_OPTIONAL_TEXT = (str, type(None))


def summary_fields(row: Sequence[Any]) -> dict[str, Any]:
    """The fields of a Conversation from a row of SUMMARY_READ_COLUMNS, every value checked
    as strictly as validating the record would (a listing decodes thousands of rows a
    second, so by hand: pydantic takes ~15 µs a row). Raises DamagedRow."""
    try:
        (
            _pk, id_, platform, contact_id, contact, point_of_contact, direction, used_for, status,
            flow_id, flow_name, duration, last_message, last_message_at, started_at, ended_at, flagged,
            functions, parameters, tags, live_state, supervisor_mode, current_node, has_audio, change_seq,
        ) = row
        # Text read from SQLite is valid Unicode; a BLOB or a number in a text column is not text.
        if {type(id_), type(contact_id), type(contact), type(point_of_contact), type(flow_name),
                type(last_message)} != {str}:
            raise DamagedRow("a text column holds something else")
        if type(flow_id) not in _OPTIONAL_TEXT or type(current_node) not in _OPTIONAL_TEXT:
            raise DamagedRow("a text column holds something else")
        if {type(duration), type(change_seq), type(last_message_at), type(started_at)} != {int}:
            raise DamagedRow("a number column holds something else")
        if duration < 0 or flagged not in (0, 1) or has_audio not in (0, 1):
            raise DamagedRow("a number column is out of range")
        return {
            "id": id_,
            "platform": _PLATFORMS[platform],
            "contact_id": contact_id,
            "contact": contact,
            "point_of_contact": point_of_contact,
            "direction": _DIRECTIONS[direction],
            "used_for": _USES[used_for],
            "status": _STATUSES[status],
            "flow_id": flow_id,
            "flow_name": flow_name,
            "duration_seconds": duration,
            "last_message": last_message,
            "last_message_at": _EPOCH + last_message_at * _MICROSECOND,
            "started_at": _EPOCH + started_at * _MICROSECOND,
            "ended_at": None if ended_at is None else _EPOCH + ended_at * _MICROSECOND,
            "flagged": bool(flagged),
            "functions": _names(functions),
            "parameters": _pairs(parameters),
            "tags": _pairs(tags),
            "live_state": _LIVE_STATES[live_state],
            "supervisor_mode": _SUPERVISOR_MODES[supervisor_mode],
            "current_node": current_node,
            "has_audio": bool(has_audio),
            "change_seq": change_seq,
        }
    except DamagedRow:
        raise
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        # An unknown enum value, a malformed JSON column (msgspec errors are ValueErrors),
        # an instant out of range.
        raise DamagedRow(f"{type(exc).__name__}: {exc}"[:200]) from exc


# Tag, parameter and function lists repeat across conversations ("Language: Spanish"):
# each distinct column text is decoded once and its (immutable) records shared.
_DECODED_KEPT = 20_000
_names_seen: dict[str, tuple[str, ...]] = {}
_pairs_seen: dict[str, tuple[KeyValuePair, ...]] = {}
_decode_names = msgspec.json.Decoder(tuple[str, ...]).decode
_decode_pairs = msgspec.json.Decoder(tuple[tuple[str, str], ...]).decode


def _names(text: str) -> tuple[str, ...]:
    names = _names_seen.get(text)
    if names is None:
        names = _decode_names(text)
        _remember(_names_seen, text, names)
    return names


def _pairs(text: str) -> tuple[KeyValuePair, ...]:
    pairs = _pairs_seen.get(text)
    if pairs is None:
        pairs = tuple(_built(KeyValuePair, {"key": k, "value": v}) for k, v in _decode_pairs(text))
        _remember(_pairs_seen, text, pairs)
    return pairs


def _remember(seen: dict[str, Any], text: str, value: Any) -> None:
    if len(seen) >= _DECODED_KEPT:
        seen.clear()  # cheaper than tracking use; the next rows fill it again
    seen[text] = value


def conversation_of(row: Sequence[Any]) -> Conversation:
    """The Conversation of a row of SUMMARY_READ_COLUMNS (see summary_fields). Raises DamagedRow."""
    return _built(Conversation, summary_fields(row))


_FIELD_NAMES: dict[type[BaseModel], set[str]] = {}


def _built(model: type[RecordT], values: dict[str, Any]) -> RecordT:
    """A record of values already checked, without validating them a second time: what
    pydantic's model_construct does, minus its per-field Python loop (the dict must hold
    every field; tests hold the result equal to model_validate's)."""
    record = model.__new__(model)
    fields = _FIELD_NAMES.get(model)
    if fields is None:
        fields = _FIELD_NAMES[model] = set(model.model_fields)
    object.__setattr__(record, "__dict__", values)
    object.__setattr__(record, "__pydantic_fields_set__", fields)
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


def message_row(pk: int, m: Message) -> dict[str, Any]:
    return {
        "conversation_pk": pk,
        "idx": m.index,
        "role": m.role.value,
        "text": m.text,
        "at": instants.to_micros(m.at),
        "offset_ms": m.offset_ms,
        "duration_ms": m.duration_ms,
    }


def message_fields(row: RowMapping) -> dict[str, Any]:
    return {
        "index": row["idx"],
        "role": row["role"],
        "text": row["text"],
        "at": instants.from_micros(row["at"]),
        "offset_ms": row["offset_ms"],
        "duration_ms": row["duration_ms"],
    }


def detail_rows(pk: int, d: ConversationDetail) -> dict[str, list[dict[str, Any]]]:
    """The rows of a full record, per table (the summary row aside)."""
    return {
        "conversation_details": [
            {
                "conversation_pk": pk,
                "reason": d.reason,
                "summary": d.summary,
                "analysis": d.analysis,
                "sentiment": [e.model_dump(mode="json") for e in d.sentiment],
                "voice": d.voice,
                "flow_path": [s.model_dump(mode="json") for s in d.flow_path],
                "coaching": [n.model_dump(mode="json") for n in d.coaching],
                "audio": None if d.audio is None else d.audio.model_dump(mode="json"),
            }
        ],
        "messages": [message_row(pk, m) for m in d.messages],
        "function_calls": [
            {
                "conversation_pk": pk,
                "idx": f.index,
                "name": f.name,
                "input": f.input,
                "output": f.output,
                "at": instants.to_micros(f.at),
                "offset_ms": f.offset_ms,
                "message_index": f.message_index,
            }
            for f in d.function_calls
        ],
        "artifacts": [
            {
                "conversation_pk": pk,
                "id": a.id,
                "position": position,
                "kind": a.kind.value,
                "name": a.name,
                "media_type": a.media_type,
                "size": a.size,
            }
            for position, a in enumerate(d.artifacts)
        ],
    }


def detail_of(
    summary: Sequence[Any],
    details: RowMapping,
    messages: Sequence[RowMapping],
    calls: Sequence[RowMapping],
    artifacts: Sequence[RowMapping],
) -> ConversationDetail:
    return ConversationDetail.model_validate(
        {
            **summary_fields(summary),
            "reason": details["reason"],
            "summary": details["summary"],
            "analysis": details["analysis"],
            "sentiment": details["sentiment"],
            "voice": details["voice"],
            "flow_path": details["flow_path"],
            "coaching": details["coaching"],
            "audio": details["audio"],
            "messages": [message_fields(m) for m in messages],
            "function_calls": [
                {
                    "index": f["idx"],
                    "name": f["name"],
                    "input": f["input"],
                    "output": f["output"],
                    "at": instants.from_micros(f["at"]),
                    "offset_ms": f["offset_ms"],
                    "message_index": f["message_index"],
                }
                for f in calls
            ],
            "artifacts": [{k: a[k] for k in ("id", "kind", "name", "media_type", "size")} for a in artifacts],
        }
    )
