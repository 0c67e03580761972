"""Instants as the cache stores them: integer microseconds since the epoch, UTC.

Integers order and compare exactly as the platform's timestamps do (microsecond
precision; whatever offset an instant was given with, the same instant is the same
integer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def to_micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("an instant needs an offset")
    return (value - EPOCH) // MICROSECOND


def from_micros(value: int) -> datetime:
    return EPOCH + value * MICROSECOND
