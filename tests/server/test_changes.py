"""The incremental change feed (`GET changes`) that the client's sync reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from server.db.engine import Database
from tests.platform import Platform, api_client
from tests.server.records import (
    Json,
    all_changes,
    assert_problem,
    database,
    insert,
    new_record,
    parse_time,
    search_all,
)


@pytest.fixture(scope="module")
def db(db_url: str, platform: Platform) -> Iterator[Database]:
    with database(db_url) as handle:
        yield handle


@pytest.fixture(scope="module")
def globex(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin", "globex") as client:
        yield client


def feed_pages(client: httpx.Client, limit: int) -> list[Json]:
    pages: list[Json] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get("changes", params=params)
        assert response.status_code == 200, response.text[:500]
        page = response.json()
        pages.append(page)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return pages
        assert len(pages) < 1000


def voice_with_audio(client: httpx.Client) -> Json:
    """The oldest completed voice call with a recording (least likely to matter to other tests)."""
    items, _ = search_all(
        client,
        {"platforms": ["voice"], "statuses": ["completed"]},
        sort={"column": "date", "descending": False},
    )
    return next(item for item in items if item["has_audio"])


def test_feed_from_the_start_lists_every_conversation_once(supervisor: httpx.Client) -> None:
    current, _ = search_all(supervisor, {})
    by_id = {item["id"]: item for item in current}
    pages = feed_pages(supervisor, limit=97)
    assert len(pages) >= len(current) // 97
    changes = [c for page in pages for c in page["changes"]]
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "seq must strictly increase"
    for page in pages:
        assert len(page["changes"]) <= 97
        if page["changes"]:
            assert page["next_cursor"] == f"s{page['changes'][-1]['seq']}"
    assert all(len(page["changes"]) == 97 for page in pages[:-1])

    upserts = [c for c in changes if c["kind"] == "upsert"]
    counts = Counter(c["conversation"]["id"] for c in upserts)
    assert [i for i, n in counts.items() if n > 1] == []
    assert set(counts) == set(by_id), "the feed and the search disagree on the tenant's conversations"
    for change in upserts:
        summary = change["conversation"]
        assert change["deleted"] is None and summary["change_seq"] == change["seq"]
        assert summary == by_id[summary["id"]]
    for change in changes:
        if change["kind"] == "delete":
            assert change["conversation"] is None and change["deleted"]["id"] not in by_id
        else:
            assert change["kind"] == "upsert"

    # Resuming from the end: nothing new, and the cursor stays where it is.
    end = pages[-1]["next_cursor"]
    again = supervisor.get("changes", params={"cursor": end}).json()
    assert again == {"changes": [], "next_cursor": end, "has_more": False}


def test_feed_after_a_create_and_a_delete(
    supervisor: httpx.Client, readonly: httpx.Client, db: Database
) -> None:
    _, cursor = all_changes(supervisor)
    victim = voice_with_audio(supervisor)
    assert supervisor.get(f"conversations/{victim['id']}/audio").status_code == 200

    record = new_record("acme", started_at=datetime.now(UTC) - timedelta(minutes=3))
    insert(db, record)
    assert_problem(readonly.delete(f"conversations/{victim['id']}"), 403)
    response = supervisor.delete(f"conversations/{victim['id']}")
    assert response.status_code == 204, response.text
    assert response.content == b""

    answer = supervisor.get("changes", params={"cursor": cursor})
    assert answer.status_code == 200
    page = answer.json()
    assert page["has_more"] is False
    kinds = [(c["kind"], (c["conversation"] or c["deleted"])["id"]) for c in page["changes"]]
    assert kinds == [("upsert", record.id), ("delete", victim["id"])]
    upsert, tombstone = page["changes"]
    assert upsert["seq"] < tombstone["seq"] and page["next_cursor"] == f"s{tombstone['seq']}"
    assert upsert["conversation"]["contact"] == record.contact_display
    assert abs(parse_time(tombstone["deleted"]["deleted_at"]) - datetime.now(UTC)) < timedelta(minutes=5)

    # Idempotent: the same cursor gives the same answer, as often as it is asked.
    assert supervisor.get("changes", params={"cursor": cursor}).json() == page
    assert supervisor.get("changes", params={"cursor": cursor}).json() == page
    # A smaller page resumes exactly where the previous one stopped.
    first = supervisor.get("changes", params={"cursor": cursor, "limit": 1}).json()
    assert first["changes"] == [upsert] and first["has_more"] is True
    second = supervisor.get("changes", params={"cursor": first["next_cursor"], "limit": 1}).json()
    assert second["changes"] == [tombstone] and second["has_more"] is False

    assert_problem(supervisor.get(f"conversations/{victim['id']}"), 404)
    assert_problem(supervisor.get(f"conversations/{victim['id']}/audio"), 404)
    assert_problem(supervisor.delete(f"conversations/{victim['id']}"), 404)
    assert supervisor.get(f"conversations/{record.id}").status_code == 200
    assert victim["id"] not in {i["id"] for i in search_all(supervisor, {})[0]}


@pytest.mark.parametrize(
    "cursor",
    ["x", "s", "s-1", "s1.5", "12", "S1", "s 1", "s1 ", "s²", "s١٢", "s0x10", "s" + "9" * 19, "s" + "9" * 40],
)
def test_invalid_cursor_is_refused(supervisor: httpx.Client, cursor: str) -> None:
    assert_problem(supervisor.get("changes", params={"cursor": cursor}), 422, mentions="cursor")
    assert supervisor.get("changes", params={"limit": 1}).status_code == 200


@pytest.mark.parametrize("limit", ["0", "5001", "-1", "x", "1.5"])
def test_invalid_limit_is_refused(supervisor: httpx.Client, limit: str) -> None:
    assert_problem(supervisor.get("changes", params={"limit": limit}), 422, mentions="limit")


def test_feeds_are_per_tenant(supervisor: httpx.Client, globex: httpx.Client) -> None:
    victim = voice_with_audio(supervisor)
    assert supervisor.delete(f"conversations/{victim['id']}").status_code == 204
    acme_changes, _ = all_changes(supervisor)
    acme_ids = {(c["conversation"] or c["deleted"])["id"] for c in acme_changes}
    assert victim["id"] in acme_ids

    globex_changes, _ = all_changes(globex, limit=50)
    globex_ids = {(c["conversation"] or c["deleted"])["id"] for c in globex_changes}
    assert globex_ids == {i["id"] for i in search_all(globex, {})[0]}
    assert not acme_ids & globex_ids
    assert all(c["kind"] == "upsert" for c in globex_changes), "nobody deletes globex conversations"
    # The acme feed's positions mean nothing to globex: its feed after them is simply shorter.
    middle = acme_changes[len(acme_changes) // 2]["seq"]
    after, _ = all_changes(globex, f"s{middle}")
    assert all(c["seq"] > middle for c in after)
    assert {c["conversation"]["id"] for c in after} <= globex_ids
