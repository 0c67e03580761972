"""Shared helpers for the filter, paging, change-feed, seed and hostile-input tests.

Everything here talks to the platform the way a client does (HTTP), except
`new_record`/`insert`, which write live traffic straight into the test database
through the server's own store (as the simulator does).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from server.db.engine import Database
from server.seed.records import ConversationRecord, MessageRecord
from server.store import conversations as store

PROBLEM_JSON = "application/problem+json"
Json = dict[str, Any]


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, value
    return parsed.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def assert_problem(response: httpx.Response, status: int, *, mentions: str | None = None) -> Json:
    """An RFC 9457 problem with the given status; `mentions` must occur in its detail."""
    assert response.status_code == status, (response.status_code, response.text[:1000])
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM_JSON, response.headers
    body: Json = response.json()
    assert isinstance(body.get("type"), str) and body["type"], body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert body.get("status") == status, body
    if mentions is not None:
        assert mentions in (body.get("detail") or ""), body
    return body


def search_page(
    client: httpx.Client,
    filter: Json | None = None,
    *,
    sort: Json | None = None,
    limit: int = 500,
    cursor: str | None = None,
) -> Json:
    body: Json = {"filter": filter or {}, "limit": limit}
    if sort is not None:
        body["sort"] = sort
    if cursor is not None:
        body["cursor"] = cursor
    response = client.post("conversations/search", json=body)
    assert response.status_code == 200, response.text[:2000]
    page: Json = response.json()
    return page


def search_all(
    client: httpx.Client, filter: Json | None = None, *, sort: Json | None = None, limit: int = 500
) -> tuple[list[Json], list[Json]]:
    """Every item of a listing, following cursors; also returns the pages."""
    pages: list[Json] = []
    cursor: str | None = None
    while True:
        page = search_page(client, filter, sort=sort, limit=limit, cursor=cursor)
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return [item for p in pages for item in p["items"]], pages
        assert len(pages) < 10_000, "the cursor never reaches the end"


def search_ids(client: httpx.Client, filter: Json | None = None, *, sort: Json | None = None) -> list[str]:
    items, pages = search_all(client, filter, sort=sort)
    ids = [item["id"] for item in items]
    for page in pages:
        assert page["total"] == len(ids), (page["total"], len(ids), filter)
        assert page["total_is_estimate"] is False
    return ids


def all_changes(
    client: httpx.Client, cursor: str | None = None, *, limit: int = 1000
) -> tuple[list[Json], str]:
    """Every change after `cursor`; returns them and the cursor to resume from."""
    changes: list[Json] = []
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get("changes", params=params)
        assert response.status_code == 200, response.text[:1000]
        page = response.json()
        changes.extend(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            assert cursor is not None
            return changes, cursor


# --- writing live traffic -------------------------------------------------------------


def new_record(
    tenant_id: str,
    *,
    started_at: datetime,
    duration_seconds: int = 60,
    contact_display: str | None = None,
    conversation_id: str | None = None,
    text: str = "Hello, I have a question about my order.",
) -> ConversationRecord:
    """A finished web chat with one customer message, as live traffic would create it."""
    ident = conversation_id or f"cnv_t{uuid.uuid4().hex[:15]}"
    ended_at = started_at + timedelta(seconds=duration_seconds)
    return ConversationRecord(
        id=ident,
        tenant_id=tenant_id,
        platform="web",
        direction="inbound",
        used_for="test",
        status="completed",
        contact_id=f"ct_test_{ident}",
        contact_display=contact_display if contact_display is not None else f"Test Contact {ident}",
        point_of_contact="Test Web Assistant",
        flow_id=None,
        flow_name="",
        voice=None,
        started_at=started_at,
        ended_at=ended_at,
        flagged=False,
        parameters=[],
        tags=[("Call Reason", "Test")],
        reason="test",
        summary="inserted by a test",
        analysis="",
        sentiment=[("neutral", 0.5)],
        messages=[MessageRecord("customer", text, started_at, 0)],
        function_calls=[],
        flow_path=[],
    )


@contextmanager
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    try:
        yield db
    finally:
        db.dispose()


def insert(db: Database, *records: ConversationRecord) -> None:
    """Create conversations the way live traffic does (change feed + events), one transaction."""
    with db.session() as session:
        for record in records:
            store.create(session, record)
