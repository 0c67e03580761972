"""Opaque keyset cursors for `conversations/search`.

A cursor holds the sort key and id of the last row of a page, the instant that
relative dates were resolved against (so every page of one listing uses the same
bounds), and a fingerprint of the filter and sort it belongs to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from server.schemas.filter import Filter, Sort


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Position:
    value: Any  # the sort column's value in the last row
    id: str
    now: datetime
    # The count of the first page: later pages of the listing report it again
    # instead of counting anew (counting can cost more than the page itself).
    total: int
    total_is_estimate: bool


def fingerprint(f: Filter, sort: Sort) -> str:
    blob = json.dumps([f.model_dump(mode="json"), sort.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def encode(position: Position, f: Filter, sort: Sort) -> str:
    value = position.value.isoformat() if isinstance(position.value, datetime) else position.value
    payload = {
        "v": value,
        "i": position.id,
        "n": position.now.isoformat(),
        "t": position.total,
        "e": position.total_is_estimate,
        "k": fingerprint(f, sort),
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, f: Filter, sort: Sort, value_type: type) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if payload["k"] != fingerprint(f, sort):
            raise InvalidCursor("the cursor belongs to another filter or sort order")
        value = payload["v"]
        if value_type is datetime:
            value = _instant(value)
        elif not isinstance(value, value_type) or (value_type is int and isinstance(value, bool)):
            raise InvalidCursor("malformed cursor")
        ident, now = payload["i"], _instant(payload["n"])
        # A client can edit its cursor: keep what reaches the database within what
        # the columns hold (64-bit integers, text without NUL, in-range instants).
        if not isinstance(ident, str) or any(isinstance(v, str) and "\x00" in v for v in (value, ident)):
            raise InvalidCursor("malformed cursor")
        if value_type is int and not -(2**63) <= value < 2**63:
            raise InvalidCursor("malformed cursor")
        if not _EARLIEST_NOW <= now <= _LATEST_NOW:
            raise InvalidCursor("malformed cursor")
        total, estimated = payload["t"], payload["e"]
        if type(total) is not int or not 0 <= total < 2**63 or type(estimated) is not bool:
            raise InvalidCursor("malformed cursor")
        return Position(value=value, id=ident, now=now, total=total, total_is_estimate=estimated)
    except InvalidCursor:
        raise
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError) as exc:
        raise InvalidCursor("malformed cursor") from exc


# Relative date ranges (at most 100 years) are resolved against a cursor's `now`.
_EARLIEST_NOW = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST_NOW = datetime(9000, 1, 1, tzinfo=UTC)


def _instant(value: str) -> datetime:
    """An aware ISO 8601 instant, in UTC (raises ValueError/TypeError/OverflowError)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a cursor instant needs an offset")
    return parsed.astimezone(UTC)
