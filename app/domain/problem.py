"""RFC 9457 problems: how the platform reports every error."""

from __future__ import annotations

from typing import Any

from pydantic import StrictInt

from app.domain.base import Record, Str


class Problem(Record):
    type: Str = "about:blank"
    title: Str
    status: StrictInt
    detail: Str | None = None
    # Validation problems name the offending field in errors[].field (e.g. "filter.statuses.0").
    errors: tuple[dict[str, Any], ...] | None = None
