"""Keyset paging of `conversations/search` (tenant acme).

The cursor must be stable while live traffic inserts conversations between
pages: every conversation present at the start is listed exactly once, rows
inserted behind the cursor never show up, rows inserted ahead of it do, and
the listing stays strictly ordered by (sort value, id).
"""

from __future__ import annotations

import base64
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from server.db.engine import Database
from server.db.models import Conversation
from server.seed.records import ConversationRecord
from server.store import conversations as store
from tests.server.records import (
    Json,
    assert_problem,
    database,
    insert,
    new_record,
    parse_time,
    search_all,
    search_page,
)

TENANT = "acme"
PAGE = 37
BASE_START = datetime.fromisoformat("2026-11-19T09:30:00+00:00")


@dataclass
class Inserted:
    ahead: list[str]  # after the cursor's position: must be listed later
    behind: list[str]  # before it: must never be listed


@pytest.fixture(scope="module")
def db(db_url: str, platform: Any) -> Iterator[Database]:
    """The platform's database, for writing live traffic; removes what the tests inserted."""
    with database(db_url) as handle:
        before = _ids(handle)
        yield handle
        with handle.session() as session:
            for conversation in session.scalars(
                select(Conversation).where(Conversation.tenant_id == TENANT, Conversation.id.not_in(before))
            ).all():
                store.remove(session, conversation)


def _ids(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(Conversation.id).where(Conversation.tenant_id == TENANT)))


def sort_value(item: Json, column: str) -> Any:
    if column == "date":
        return parse_time(item["started_at"])
    if column == "duration":
        return item["duration_seconds"]
    if column == "contact":
        return item["contact"]
    raise AssertionError(column)


def _record(column: str, value: Any, conversation_id: str) -> ConversationRecord:
    if column == "date":
        return new_record(TENANT, started_at=value, conversation_id=conversation_id)
    if column == "duration":
        return new_record(
            TENANT, started_at=BASE_START, duration_seconds=value, conversation_id=conversation_id
        )
    return new_record(TENANT, started_at=BASE_START, contact_display=value, conversation_id=conversation_id)


def _neighbours(column: str, value: Any) -> tuple[Any, Any]:
    """A value just below and one just above `value`."""
    if column == "date":
        return value - timedelta(minutes=1), value + timedelta(minutes=1)
    if column == "duration":
        return value - 1, value + 1
    return value[:-1], value + "~"


def around(
    last: Json, column: str, descending: bool, serial: int
) -> tuple[list[ConversationRecord], Inserted]:
    """Conversations on both sides of the page's last row, including two with its very
    sort value (same started_at, duration or contact) whose ids fall on either side."""
    value = sort_value(last, column)
    below, above = _neighbours(column, value)
    tag = f"{serial:03d}{column[:3]}"
    lower_id = f"{last['id'][:-1]}-p{tag}"  # '-' sorts before every hex digit: just before the last id
    higher_id = f"{last['id']}-p{tag}"  # just after it
    smaller = [_record(column, value, lower_id)]
    bigger = [_record(column, value, higher_id)]
    if column != "duration" or below >= 0:
        smaller.append(_record(column, below, f"cnv_pb{tag}"))
    bigger.append(_record(column, above, f"cnv_pa{tag}"))
    ahead, behind = (smaller, bigger) if descending else (bigger, smaller)
    return [*smaller, *bigger], Inserted([r.id for r in ahead], [r.id for r in behind])


@pytest.mark.parametrize(
    ("column", "descending"), [("date", True), ("duration", False), ("contact", True)], ids=str
)
def test_cursor_is_stable_under_concurrent_inserts(
    supervisor: httpx.Client, db: Database, column: str, descending: bool
) -> None:
    sort = {"column": column, "descending": descending}
    existing, _ = search_all(supervisor, {}, sort=sort)
    assert len(existing) > 5 * PAGE
    listed: list[Json] = []
    ahead: list[str] = []
    behind: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = search_page(supervisor, {}, sort=sort, limit=PAGE, cursor=cursor)
        pages += 1
        assert len(page["items"]) <= PAGE
        listed.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == PAGE
        records, inserted = around(page["items"][-1], column, descending, pages)
        insert(db, *records)
        ahead += inserted.ahead
        behind += inserted.behind
        assert pages < 100

    counts = Counter(item["id"] for item in listed)
    duplicates = [i for i, n in counts.items() if n > 1]
    assert not duplicates, f"listed twice: {duplicates[:10]}"
    assert {item["id"] for item in existing} <= set(counts), "a conversation present at the start was skipped"
    assert set(ahead) <= set(counts), "a row inserted ahead of the cursor was not listed"
    assert not set(behind) & set(counts), "a row inserted behind the cursor was listed"
    keys = [(sort_value(item, column), item["id"]) for item in listed]
    for a, b in itertools.pairwise(keys):
        assert (a > b) if descending else (a < b), f"out of order: {a} then {b}"
    # The inserted rows are real: a fresh listing has them all, in order.
    fresh, _ = search_all(supervisor, {}, sort=sort)
    assert {r for r in ahead + behind} <= {item["id"] for item in fresh}


def test_cursor_of_another_filter_or_sort_is_refused(supervisor: httpx.Client) -> None:
    voice = search_page(supervisor, {"platforms": ["voice"]}, limit=5)
    cursor = voice["next_cursor"]
    assert cursor
    for other in (
        {"filter": {"platforms": ["sms"]}},
        {"filter": {}},
        {"filter": {"platforms": ["voice"]}, "sort": {"column": "date", "descending": False}},
        {"filter": {"platforms": ["voice"]}, "sort": {"column": "id", "descending": True}},
    ):
        response = supervisor.post("conversations/search", json={**other, "limit": 5, "cursor": cursor})
        assert_problem(response, 422, mentions="cursor")
    # The same filter and sort with another page size is fine.
    same = supervisor.post(
        "conversations/search", json={"filter": {"platforms": ["voice"]}, "limit": 7, "cursor": cursor}
    )
    assert same.status_code == 200
    assert same.json()["items"][0]["id"] not in {i["id"] for i in voice["items"]}


def _b64(payload: Any) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!!",
        "%%%",
        "a",
        _b64(b"not json"),
        _b64(b"\xff\xfe\x00"),
        _b64([1, 2, 3]),
        _b64({}),
        _b64({"v": "2026-01-01T00:00:00+00:00", "i": "x", "n": "2026-01-01T00:00:00+00:00"}),
        _b64({"v": "2026-01-01T00:00:00+00:00", "i": "x", "n": "2026-01-01T00:00:00+00:00", "k": "0" * 16}),
        "x" * 2001,
    ],
)
def test_garbage_cursor_is_refused(supervisor: httpx.Client, cursor: str) -> None:
    response = supervisor.post("conversations/search", json={"filter": {}, "limit": 5, "cursor": cursor})
    assert_problem(response, 422, mentions="cursor")


def _tampered(cursor: str, **changes: Any) -> str:
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return _b64({**payload, **changes})


@pytest.mark.parametrize(
    ("sort", "changes"),
    [
        ({"column": "date", "descending": True}, {"v": "2026-11-01T00:00:00"}),  # no offset
        ({"column": "date", "descending": True}, {"v": "9999-12-31T23:59:59-12:00"}),
        ({"column": "date", "descending": True}, {"v": 5}),
        ({"column": "date", "descending": True}, {"n": "2026-11-01T00:00:00"}),
        ({"column": "date", "descending": True}, {"i": 5}),
        ({"column": "date", "descending": True}, {"i": "x\u0000y"}),
        ({"column": "duration", "descending": False}, {"v": 2**70}),
        ({"column": "duration", "descending": False}, {"v": "12"}),
        ({"column": "duration", "descending": False}, {"v": True}),
        ({"column": "contact", "descending": True}, {"v": "a\u0000b"}),
        ({"column": "contact", "descending": True}, {"v": None}),
        ({"column": "flagged", "descending": True}, {"v": 1}),
    ],
    ids=repr,
)
def test_tampered_cursor_is_refused_or_harmless(
    supervisor: httpx.Client, sort: Json, changes: dict[str, Any]
) -> None:
    """A client can decode and re-encode its cursor: whatever it puts in, no 500."""
    first = search_page(supervisor, {}, sort=sort, limit=3)
    cursor = _tampered(first["next_cursor"], **changes)
    response = supervisor.post("conversations/search", json={"sort": sort, "limit": 3, "cursor": cursor})
    if response.status_code != 200:
        assert_problem(response, 422, mentions="cursor")
    assert supervisor.get("flows").status_code == 200  # still answering


@pytest.mark.parametrize(
    "now", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:00:00+00:00", "2026-11-20T12:00:00"]
)
def test_tampered_instant_of_a_relative_listing(supervisor: httpx.Client, now: str) -> None:
    f = {"date_within": "P3650D"}
    first = search_page(supervisor, f, limit=3)
    response = supervisor.post(
        "conversations/search",
        json={"filter": f, "limit": 3, "cursor": _tampered(first["next_cursor"], n=now)},
    )
    assert_problem(response, 422, mentions="cursor")


def test_relative_range_is_resolved_once_per_listing(supervisor: httpx.Client) -> None:
    """Every page of one listing uses the instant of its first page (kept in the cursor)."""
    pinned = datetime.fromisoformat("2026-11-20T12:00:00+00:00")  # the seed's "now"
    days = (datetime.now(UTC) - pinned).days + 2  # reaches back to a day or two before it
    f = {"date_within": f"P{days}D"}
    first = search_page(supervisor, f, limit=2)
    assert first["next_cursor"], "too little recent data to page"
    honest = search_page(supervisor, f, limit=500, cursor=first["next_cursor"])
    bound = datetime.now(UTC) - timedelta(days=days)
    assert honest["items"] and all(
        parse_time(i["started_at"]) >= bound - timedelta(minutes=5) for i in honest["items"]
    )
    # The same cursor claiming its listing began two days from now: the range moves past all the data.
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    moved = search_page(supervisor, f, limit=500, cursor=_tampered(first["next_cursor"], n=later))
    # (The total is the first page's count, carried by the cursor.)
    assert moved["items"] == [] and moved["total"] == first["total"]


def test_last_page_ends_the_listing(supervisor: httpx.Client) -> None:
    items, pages = search_all(supervisor, {}, sort={"column": "id", "descending": False}, limit=PAGE)
    total = pages[0]["total"]
    assert len(items) == total and len(pages) == -(-total // PAGE)
    assert pages[-1]["next_cursor"] is None and 0 < len(pages[-1]["items"]) <= PAGE
    assert all(p["next_cursor"] for p in pages[:-1])
    ids = [i["id"] for i in items]
    assert ids == sorted(ids)


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_page_size_equal_to_the_count_has_no_trailing_page(supervisor: httpx.Client, channel: str) -> None:
    f = {"platforms": [channel]}
    count = search_page(supervisor, f, limit=1)["total"]
    assert count >= 4
    whole = search_page(supervisor, f, limit=count)
    assert len(whole["items"]) == count and whole["next_cursor"] is None
    split = search_page(supervisor, f, limit=count - 1)
    assert split["next_cursor"] is not None
    rest = search_page(supervisor, f, limit=count, cursor=split["next_cursor"])
    assert [i["id"] for i in split["items"] + rest["items"]] == [i["id"] for i in whole["items"]]
    assert rest["next_cursor"] is None and len(rest["items"]) == 1
    if count % 2 == 0:
        half = search_page(supervisor, f, limit=count // 2)
        second = search_page(supervisor, f, limit=count // 2, cursor=half["next_cursor"])
        assert second["next_cursor"] is None and len(second["items"]) == count // 2
