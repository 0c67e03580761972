"""The Filter object: one meaning on the platform and the client's cache.

docs/filters.md spells out the semantics; this module only validates shape
and values. Every field is optional: absent means that filter is off.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from server.domain import SORTABLE_COLUMNS, Direction, Platform, Status, UsedFor

_DURATION = re.compile(r"^P(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?)?$")


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL, and SQLite's LIKE pattern ends at one (a
    contact filter of NUL alone would match everything): no stored value
    contains NUL, so no filter value may."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _in_range(value: datetime) -> datetime:
    """Instants are compared in UTC: 0001-01-01T00:00+01:00 has no UTC equivalent."""
    try:
        value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date-time out of range") from exc
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Short = Annotated[Text, Field(min_length=1, max_length=200)]
Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]


def parse_relative(value: str) -> timedelta:
    """ISO 8601 durations in weeks, days, hours and minutes (e.g. P7D, PT12H)."""
    match = _DURATION.match(value)
    if not match or not any(match.groups()):
        raise ValueError("expected an ISO 8601 duration such as P7D, P2W or PT12H")
    weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
    delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    if delta > timedelta(days=36600):
        raise ValueError("duration longer than 100 years")
    return delta


def _relative(value: str) -> str:
    parse_relative(value)
    return value


class Strict(BaseModel):
    """Unknown fields are errors; booleans and integers are not coerced (see the Strict* types)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyValue(Strict):
    key: Short
    value: Annotated[Text, Field(max_length=1000)]


class RepeatRange(Strict):
    min: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = None
    max: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RepeatRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class Filter(Strict):
    ids: Annotated[list[Short], Field(min_length=1, max_length=1000)] | None = None
    statuses: Annotated[list[Status], Field(min_length=1)] | None = None
    date_from: Instant | None = None
    date_to: Instant | None = None
    date_within: Annotated[str, AfterValidator(_relative), Field(max_length=40)] | None = None
    platforms: Annotated[list[Platform], Field(min_length=1)] | None = None
    flow_ids: Annotated[list[Short], Field(min_length=1, max_length=200)] | None = None
    direction: Direction | None = None
    used_for: UsedFor | None = None
    flagged: StrictBool | None = None
    repeat_contacts: RepeatRange | None = None
    contact: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    content: Annotated[Text, Field(min_length=1, max_length=500)] | None = None
    functions: Annotated[list[Short], Field(min_length=1, max_length=100)] | None = None
    tags: Annotated[list[KeyValue], Field(min_length=1, max_length=50)] | None = None
    match_all_tags: StrictBool = False
    parameters: Annotated[list[KeyValue], Field(min_length=1, max_length=50)] | None = None

    @model_validator(mode="after")
    def _dates(self) -> Filter:
        if self.date_within is not None and (self.date_from or self.date_to):
            raise ValueError("date_within cannot be combined with date_from/date_to")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self

    def date_bounds(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """Absolute [from, to] bounds; a relative range is resolved against `now`."""
        if self.date_within is not None:
            return now - parse_relative(self.date_within), None
        return self.date_from, self.date_to


SortColumn = Literal[SORTABLE_COLUMNS]  # type: ignore[valid-type]


class Sort(Strict):
    column: SortColumn = "date"
    descending: StrictBool = True
