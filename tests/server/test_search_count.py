"""The search's total: exact up to EXACT_COUNT_LIMIT, beyond it PostgreSQL's planner
estimate flagged as such (SQLite counts them all). The limit is lowered here so that
the seeded tenant is far above it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.db.models import Conversation
from server.schemas.conversations import SearchRequest
from server.search import service
from tests.server.records import database


def _tenant_size(db_url: str) -> int:
    with database(db_url) as db, db.engine.connect() as connection:
        query = select(func.count()).select_from(Conversation).where(Conversation.tenant_id == "acme")
        return int(connection.scalar(query) or 0)


def _search(db_url: str, body: dict[str, object]) -> service.Page:
    request = SearchRequest.model_validate({"sort": {"column": "date", "descending": True}, **body})
    with database(db_url) as db, db.engine.connect() as connection:
        return service.search(connection, "acme", request)


def test_totals_are_exact_up_to_the_limit_and_estimated_beyond(
    seeded_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = _tenant_size(seeded_db)
    assert size > 100
    monkeypatch.setattr(service, "EXACT_COUNT_LIMIT", 40)

    whole = _search(seeded_db, {"filter": {}, "limit": size})  # one page holds them all
    assert (whole.total, whole.total_is_estimate, whole.next_cursor) == (size, False, None)

    few = [item["id"] for item in whole.items[:30]]
    counted = _search(seeded_db, {"filter": {"ids": few}, "limit": 10})  # more than a page, under the limit
    assert (counted.total, counted.total_is_estimate) == (30, False)
    assert counted.next_cursor is not None

    beyond = _search(seeded_db, {"filter": {}, "limit": 10})
    if "postgresql" in seeded_db:
        assert beyond.total_is_estimate is True
        assert beyond.total > 40  # the planner's figure, never under the limit it exceeds
    else:
        assert (beyond.total, beyond.total_is_estimate) == (size, False)
    # Later pages repeat the first page's total instead of counting again.
    assert beyond.next_cursor is not None
    after = _search(seeded_db, {"filter": {}, "limit": 10, "cursor": beyond.next_cursor})
    assert (after.total, after.total_is_estimate) == (beyond.total, beyond.total_is_estimate)
