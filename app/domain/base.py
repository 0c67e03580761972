"""What every record received from the platform shares.

Records are immutable. Fields the client does not know are ignored (the platform may
add some); a missing field, a wrong type or a value out of range is a pydantic
ValidationError. Scalars are strict — `"5"` is not an integer and `1` is not a
boolean — and text is kept verbatim: hostile text is data, shown as plain text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, StrictStr


class Record(BaseModel):
    """A record received from the platform."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=False)


class Input(BaseModel):
    """A record the client sends (filters, views): unknown fields are errors, as on the platform."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


def _instant_text(value: Any) -> Any:
    # Lax datetimes would take a number as a Unix time: the contract says ISO 8601 text.
    if isinstance(value, str | datetime):
        return value
    raise ValueError("expected an ISO 8601 date-time string")


# An instant with an offset, given as ISO 8601 text (or a datetime built in Python).
Instant = Annotated[AwareDatetime, BeforeValidator(_instant_text)]


def _unicode_text(value: str) -> str:
    # A lone surrogate (possible through a lax JSON decoder) is not text: it cannot be
    # stored, shown or exported, so the record is refused like any other malformed value.
    if not value.isascii():
        value.encode("utf-8")  # raises UnicodeEncodeError, a ValueError
    return value


# Text as sent, verbatim, but valid Unicode.
Str = Annotated[StrictStr, AfterValidator(_unicode_text)]
