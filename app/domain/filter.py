"""The Filter and Sort of a search (docs/filters.md is the definition).

Validation mirrors what the platform accepts, so that a Filter the client builds
or saves is one the platform takes, and one the cache can apply with the same
meaning. Text values may not contain NUL: no stored value does, and the platform
refuses them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StrictInt, model_validator

from app.domain.base import Input, Instant, Str
from app.domain.enums import Direction, Platform, SortColumn, Status, UsedFor

_DURATION = re.compile(r"^P(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?)?$")
MAX_RELATIVE = timedelta(days=36600)  # a relative range of at most 100 years


def parse_duration(value: str) -> timedelta:
    """ISO 8601 durations in weeks, days, hours and minutes (P7D, P2W, PT12H, P1DT6H30M)."""
    match = _DURATION.match(value)
    if not match or not any(match.groups()):
        raise ValueError("expected an ISO 8601 duration such as P7D, P2W or PT12H")
    weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
    delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    if delta > MAX_RELATIVE:
        raise ValueError("duration longer than 100 years")
    return delta


def _duration(value: str) -> str:
    parse_duration(value)
    return value


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _in_range(value: datetime) -> datetime:
    try:  # 0001-01-01T00:00+01:00 has no UTC equivalent
        value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date-time out of range") from exc
    return value


Text = Annotated[Str, AfterValidator(_no_nul)]
Short = Annotated[Text, Field(min_length=1, max_length=200)]
FilterInstant = Annotated[Instant, AfterValidator(_in_range)]


class KeyValue(Input):
    """A tag or parameter to look for."""

    key: Short
    value: Annotated[Text, Field(max_length=1000)]


class RepeatRange(Input):
    """How many conversations a contact has in the tenant, inclusive; either end may be open."""

    min: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = None
    max: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RepeatRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class Filter(Input):
    """Selects conversations. Absent (None) fields are off; fields are ANDed."""

    ids: Annotated[tuple[Short, ...], Field(min_length=1, max_length=1000)] | None = None
    statuses: Annotated[tuple[Status, ...], Field(min_length=1)] | None = None
    date_from: FilterInstant | None = None
    date_to: FilterInstant | None = None
    date_within: Annotated[Str, Field(max_length=40), AfterValidator(_duration)] | None = None
    platforms: Annotated[tuple[Platform, ...], Field(min_length=1)] | None = None
    flow_ids: Annotated[tuple[Short, ...], Field(min_length=1, max_length=200)] | None = None
    direction: Direction | None = None
    used_for: UsedFor | None = None
    flagged: StrictBool | None = None
    repeat_contacts: RepeatRange | None = None
    contact: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    content: Annotated[Text, Field(min_length=1, max_length=500)] | None = None
    functions: Annotated[tuple[Short, ...], Field(min_length=1, max_length=100)] | None = None
    tags: Annotated[tuple[KeyValue, ...], Field(min_length=1, max_length=50)] | None = None
    match_all_tags: StrictBool = False
    parameters: Annotated[tuple[KeyValue, ...], Field(min_length=1, max_length=50)] | None = None

    @model_validator(mode="after")
    def _dates(self) -> Filter:
        if self.date_within is not None and (self.date_from is not None or self.date_to is not None):
            raise ValueError("date_within cannot be combined with date_from/date_to")
        if self.date_from is not None and self.date_to is not None and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self

    def date_bounds(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """Absolute, inclusive [from, to] bounds on the start time; `date_within` is
        resolved against `now` (an aware instant)."""
        if self.date_within is not None:
            return now - parse_duration(self.date_within), None
        return self.date_from, self.date_to


class Sort(Input):
    column: SortColumn = SortColumn.DATE
    descending: StrictBool = True
