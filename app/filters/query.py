"""Filter → the JSON of the platform's API (POST conversations/search, saved views)."""

from __future__ import annotations

from typing import Any

from app.domain import Filter, Sort

MAX_PAGE = 500  # the platform's largest page (SearchRequest.limit)


def filter_json(f: Filter) -> dict[str, Any]:
    """The Filter as JSON, absent fields left out. Instants keep the offset they were
    given with (the platform compares instants, whatever the offset)."""
    body = f.model_dump(mode="json", exclude_none=True)
    if not f.match_all_tags:
        body.pop("match_all_tags", None)  # false is the default
    return body


def sort_json(sort: Sort) -> dict[str, Any]:
    return sort.model_dump(mode="json")


def search_body(f: Filter, sort: Sort, *, limit: int = 100, cursor: str | None = None) -> dict[str, Any]:
    """The body of POST /api/v1/{tenant}/conversations/search."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
    body: dict[str, Any] = {"filter": filter_json(f), "sort": sort_json(sort), "limit": limit}
    if cursor is not None:
        body["cursor"] = cursor
    return body
