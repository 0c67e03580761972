"""The change feed's own decoding (app.domain.feed, msgspec): what the real platform sends
decodes to the same values as the pydantic records; an altered page — a wrong type, a
missing field, an unknown enum value, text that is not Unicode, an integer no SQLite
column holds — is refused whole, with a message that says where and never repeats the
value; a sync that meets such a page keeps every page before it and nothing of it.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from app.api.client import ApiClient
from app.api.errors import BadResponse
from app.cache import summary_rows
from app.cache.store import CacheStore
from app.domain import ChangeKind, ChangesPage, Filter, Sort
from app.domain.feed import FeedPage, FeedRefused, decode_page
from app.filters import instants
from app.sync.changes import ChangeSync
from tests.client import payloads
from tests.client.payloads import Json
from tests.client.test_api_faults import FaultServer, Reply, Seen, StaticTokens, settings

TENANT = "acme"


@pytest.fixture(scope="module")
def feed_bytes(acme_http: httpx.Client) -> bytes:
    response = acme_http.get("changes", params={"limit": 300})
    assert response.status_code == 200, response.text[:300]
    return response.content


@pytest.fixture(scope="module")
def feed_json(feed_bytes: bytes) -> Json:
    return dict(json.loads(feed_bytes))


def altered(page: Json, path: str, value: Any) -> bytes:
    """The page as JSON bytes with the field at a dotted path set (or removed with ...)."""
    return json.dumps(payloads.altered(page, path, value)).encode()


def test_a_real_page_decodes_to_the_same_values_as_the_domain_records(feed_bytes: bytes) -> None:
    fast = decode_page(feed_bytes)
    slow = ChangesPage.model_validate_json(feed_bytes)
    assert (fast.next_cursor, fast.has_more, len(fast.changes)) == (
        slow.next_cursor,
        slow.has_more,
        len(slow.changes),
    )
    for mine, theirs in zip(fast.changes, slow.changes, strict=True):
        assert (mine.seq, mine.kind) == (theirs.seq, theirs.kind)
        if mine.kind is ChangeKind.UPSERT:
            assert mine.conversation is not None and mine.conversation.record() == theirs.conversation
        else:
            assert mine.deleted is not None and theirs.deleted is not None
            assert (mine.deleted.id, mine.deleted.deleted_at) == (
                theirs.deleted.id,
                theirs.deleted.deleted_at,
            )
    hostile = [
        c.conversation for c in fast.changes if c.conversation and not c.conversation.contact.isascii()
    ]
    assert hostile, "no non-ASCII sample in the seeded data"


def first_upsert(page: Json) -> int:
    return next(i for i, change in enumerate(page["changes"]) if change["kind"] == "upsert")


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("id", ..., "changes.{i}.conversation: Object missing required field `id`"),
        ("id", 17, "changes.{i}.conversation.id: Expected `str`, got `int`"),
        ("status", "teleported", "changes.{i}.conversation.status: not one of the known values"),
        ("platform", "VOICE", "changes.{i}.conversation.platform: not one of the known values"),
        ("flagged", 1, "changes.{i}.conversation.flagged: Expected `bool`, got `int`"),
        ("flagged", "true", "changes.{i}.conversation.flagged"),
        ("duration_seconds", "12", "changes.{i}.conversation.duration_seconds: Expected `int`, got `str`"),
        ("duration_seconds", 1.5, "changes.{i}.conversation.duration_seconds"),
        ("duration_seconds", -1, "changes.{i}.conversation.duration_seconds: Expected `int` >= 0"),
        ("change_seq", 2**63, "changes.{i}.conversation.change_seq"),  # no SQLite integer holds it
        ("change_seq", None, "changes.{i}.conversation.change_seq"),
        ("started_at", 1779725539, "changes.{i}.conversation.started_at"),  # not ISO 8601 text
        ("started_at", "2026-11-20T12:00:00", "changes.{i}.conversation.started_at"),  # no offset
        ("started_at", "yesterday", "changes.{i}.conversation.started_at"),
        ("ended_at", ..., "changes.{i}.conversation: Object missing required field `ended_at`"),
        ("tags", [{"key": "a"}], "changes.{i}.conversation.tags.0"),
        ("tags", "Language=English", "changes.{i}.conversation.tags"),
        ("parameters", [{"key": "a", "value": 5}], "changes.{i}.conversation.parameters.0.value"),
        ("functions", [1, 2], "changes.{i}.conversation.functions.0"),
        ("flow_id", ..., "changes.{i}.conversation: Object missing required field `flow_id`"),
    ],
)
def test_a_malformed_summary_refuses_the_page(feed_json: Json, path: str, value: Any, where: str) -> None:
    i = first_upsert(feed_json)
    with pytest.raises(FeedRefused) as refused:
        decode_page(altered(feed_json, f"changes.{i}.conversation.{path}", value))
    assert str(refused.value).startswith(where.format(i=i))
    if isinstance(value, str):
        assert value not in str(refused.value)  # the server's text is never repeated


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("changes.0.kind", "merge", "changes.0.kind: not one of the known values"),
        ("changes.0.kind", ..., "changes.0: Object missing required field `kind`"),
        ("changes.0.seq", "1", "changes.0.seq: Expected `int`, got `str`"),
        ("changes.0.conversation", None, "changes.0.conversation: Expected `object`, got `null`"),
        ("changes.0.conversation", ..., "changes.0: Object missing required field `conversation`"),
        ("changes", {"0": {}}, "changes: Expected `array`, got `object`"),
        ("next_cursor", ..., "body: Object missing required field `next_cursor`"),
        ("next_cursor", None, "next_cursor: Expected `str`, got `null`"),
        ("has_more", "false", "has_more: Expected `bool`, got `str`"),
    ],
)
def test_a_malformed_entry_or_page_is_refused(feed_json: Json, path: str, value: Any, where: str) -> None:
    page = copy.deepcopy(feed_json)
    page["changes"][0] = {
        "seq": 1,
        "kind": "upsert",
        "conversation": page["changes"][first_upsert(page)]["conversation"],
    }
    with pytest.raises(FeedRefused) as refused:
        decode_page(altered(page, path, value))
    assert str(refused.value) == where


def test_a_delete_carries_its_tombstone(feed_json: Json) -> None:
    summary = feed_json["changes"][first_upsert(feed_json)]["conversation"]
    tombstone = {"id": summary["id"], "deleted_at": "2026-11-20T12:00:00+00:00"}
    page = {
        "changes": [{"seq": 7, "kind": "delete", "deleted": tombstone}],
        "next_cursor": "s7",
        "has_more": False,
    }
    decoded = decode_page(json.dumps(page).encode())
    assert decoded.changes[0].kind is ChangeKind.DELETE and decoded.changes[0].deleted is not None
    assert decoded.changes[0].deleted.deleted_at == datetime(2026, 11, 20, 12, tzinfo=UTC)
    for bad, where in (
        ({"seq": 7, "kind": "delete"}, "changes.0: Object missing required field `deleted`"),
        ({"seq": 7, "kind": "delete", "deleted": {"id": summary["id"]}}, "changes.0.deleted"),
        (
            {**page["changes"][0], "deleted": {**tombstone, "deleted_at": "2026-11-20"}},
            "changes.0.deleted.deleted_at",
        ),
    ):
        with pytest.raises(FeedRefused) as refused:
            decode_page(json.dumps({**page, "changes": [bad]}).encode())
        assert str(refused.value).startswith(where)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b'{"changes": [',  # cut short
        b"\xff\xfe garbage",  # not UTF-8
        b"[]",
        b"null",
        # A lone surrogate: not text, cannot be stored, shown or exported.
        b'{"changes": [], "next_cursor": "\\ud800", "has_more": false}',
        b'{"changes": [], "next_cursor": "a\\udfffb", "has_more": false}',
    ],
)
def test_what_is_not_a_json_page_is_refused(body: bytes) -> None:
    with pytest.raises(FeedRefused):
        decode_page(body)


def test_unknown_fields_are_ignored_and_records_are_immutable(feed_json: Json) -> None:
    i = first_upsert(feed_json)
    page = copy.deepcopy(feed_json)
    page["changes"][i]["conversation"]["priority"] = {"nested": [1, 2, {"x": None}]}
    page["changes"][i]["shard"] = 4
    page["extra"] = "ignored"
    decoded = decode_page(json.dumps(page).encode())
    summary = decoded.changes[i].conversation
    assert (
        summary is not None and summary == decode_page(json.dumps(feed_json).encode()).changes[i].conversation
    )
    with pytest.raises(AttributeError):
        summary.id = "other"  # type: ignore[misc]
    assert hash(summary.tags) is not None  # tuples all the way down


def test_oversized_text_and_lists_are_kept_verbatim(feed_json: Json, tmp_path: Path) -> None:
    """The contract sets no length on text or lists: a huge value is data like any other,
    decoded, cached and read back unchanged (SQLite holds strings up to 1 GB)."""
    i = first_upsert(feed_json)
    page = copy.deepcopy(feed_json)
    page["changes"] = [page["changes"][i]]
    summary = page["changes"][0]["conversation"]
    summary["last_message"] = "😡 <b>x</b>\u202e\x00" * 200_000  # 2 MB of hostile text
    summary["tags"] = [{"key": f"k{n % 50}", "value": "v" * (n % 7)} for n in range(5000)]
    summary["functions"] = ["f" * 10_000] * 3
    decoded = decode_page(json.dumps(page, ensure_ascii=False).encode())
    with CacheStore.open(tmp_path / "cache.db") as store:
        store.apply_changes(TENANT, decoded)
        (cached,) = store.rows(TENANT, [summary["id"]])
    assert decoded.changes[0].conversation is not None
    assert cached == decoded.changes[0].conversation.record()
    assert cached.last_message == summary["last_message"] and len(cached.tags) == 5000
    with sqlite3.connect(tmp_path / "cache.db") as db:
        distinct_tags = db.execute("SELECT count(*) FROM conversation_tags").fetchone()[0]
        functions = db.execute("SELECT count(*) FROM conversation_functions").fetchone()[0]
    assert distinct_tags == len({(t["key"], t["value"]) for t in summary["tags"]}) and functions == 1


# --- through the API client and a sync ---------------------------------------------------------


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Callable[[Callable[[Seen], Reply]], Awaitable[ApiClient]]]:
    opened: list[tuple[FaultServer, ApiClient]] = []

    async def start(script: Callable[[Seen], Reply]) -> ApiClient:
        server = await FaultServer(script).__aenter__()
        api = ApiClient(StaticTokens(), settings(server.url))
        opened.append((server, api))
        return api

    yield start
    for server, api in opened:
        await api.aclose()
        await server.__aexit__()


def pages_of(feed_json: Json, size: int) -> list[bytes]:
    """The real page cut into pages of `size` entries, each with its own cursor."""
    changes = feed_json["changes"]
    parts = [changes[start : start + size] for start in range(0, len(changes), size)]
    return [
        json.dumps({"changes": part, "next_cursor": f"p{n + 1}", "has_more": n + 1 < len(parts)}).encode()
        for n, part in enumerate(parts)
    ]


@pytest.mark.asyncio
async def test_the_client_turns_a_refused_page_into_a_bad_response(serve: Any, feed_json: Json) -> None:
    i = first_upsert(feed_json)
    bodies = iter(
        [altered(feed_json, f"changes.{i}.conversation.status", "<script>"), b"\xff\xfe", b"[1, 2]"]
    )
    api = await serve(lambda seen: Reply(200, next(bodies)))
    with pytest.raises(BadResponse) as refused:
        await api.changes()
    assert refused.value.message == "The server sent an answer this app does not understand."
    assert (
        refused.value.detail
        == f"the change feed: changes.{i}.conversation.status: not one of the known values"
    )
    assert "<script>" not in str(refused.value)
    for _ in range(2):
        with pytest.raises(BadResponse):
            await api.changes()


@pytest.mark.asyncio
async def test_a_sync_that_meets_a_hostile_page_keeps_the_pages_before_it_and_nothing_of_it(
    serve: Any, feed_json: Json, tmp_path: Path
) -> None:
    pages = pages_of(feed_json, 50)
    assert len(pages) >= 4
    hostile_at = 2
    hostile = json.loads(pages[hostile_at])
    hostile["changes"][-1]["seq"] = "not a number"  # the last entry: every other one is fine
    served = {None: pages[0], **{f"p{n}": body for n, body in enumerate(pages) if n}}
    broken = True

    def answer(seen: Seen) -> Reply:
        cursor = httpx.URL(seen.path).params.get("cursor")
        if broken and cursor == f"p{hostile_at}":
            return Reply(200, json.dumps(hostile))
        return Reply(200, served[cursor])

    api = await serve(answer)
    with CacheStore.open(tmp_path / "cache.db") as store:
        sync = ChangeSync(api, store, TENANT, page_size=50)
        with pytest.raises(BadResponse):
            await sync.run()
        before = [decode_page(body) for body in pages[:hostile_at]]
        assert store.changes_cursor(TENANT) == f"p{hostile_at}"
        assert set(ids(store)) == expected_ids(before)  # whole pages, nothing of the refused one
        assert store.restore_indexes() == 0  # the first sync's indexes were built when it failed

        broken = False  # the platform sends a valid page again: the sync resumes where it stopped
        done = await sync.run()
        assert done.done and store.changes_cursor(TENANT) == f"p{len(pages)}"
        assert set(ids(store)) == expected_ids([decode_page(body) for body in pages])
        assert_contact_counts(tmp_path / "cache.db")


def ids(store: CacheStore) -> list[str]:
    return store.all_ids(TENANT, Filter(), Sort(), now=datetime.now(UTC))


def expected_ids(pages: list[FeedPage]) -> set[str]:
    present: set[str] = set()
    for page in pages:
        for change in page.changes:
            if change.conversation is not None:
                present.add(change.conversation.id)
            elif change.deleted is not None:
                present.discard(change.deleted.id)
    return present


def assert_contact_counts(path: Path) -> None:
    with sqlite3.connect(path) as db:
        counted = dict(db.execute("SELECT contact_id, conversations FROM contact_counts"))
        actual = Counter(row[0] for row in db.execute("SELECT contact_id FROM conversations"))
    assert counted == actual


def test_a_summary_row_puts_each_value_in_its_column(feed_bytes: bytes) -> None:
    """summary_rows builds rows by position: each value must sit under its column's name."""
    summary = next(c.conversation for c in decode_page(feed_bytes).changes if c.conversation is not None)
    row = dict(zip(summary_rows.INSERT_COLUMNS, summary_rows.insert_row(7, TENANT, summary, 99), strict=True))
    record = summary.record()
    micros = {name: instants.to_micros(getattr(record, name)) for name in ("last_message_at", "started_at")}
    ended = None if record.ended_at is None else instants.to_micros(record.ended_at)
    assert row == {
        "pk": 7,
        "tenant": TENANT,
        **{name: getattr(record, name) for name in ("id", "contact_id", "contact", "point_of_contact")},
        "contact_folded": record.contact.casefold(),
        **{name: getattr(record, name).value for name in ("platform", "direction", "used_for", "status")},
        **{
            name: getattr(record, name)
            for name in ("flow_id", "flow_name", "duration_seconds", "last_message")
        },
        **micros,
        "ended_at": ended,
        "flagged": record.flagged,
        "functions": json.dumps(list(record.functions), ensure_ascii=False, separators=(",", ":")),
        "parameters": json.dumps(
            [[p.key, p.value] for p in record.parameters], ensure_ascii=False, separators=(",", ":")
        ),
        "tags": json.dumps(
            [[t.key, t.value] for t in record.tags], ensure_ascii=False, separators=(",", ":")
        ),
        "live_state": record.live_state.value,
        "supervisor_mode": record.supervisor_mode.value,
        **{name: getattr(record, name) for name in ("current_node", "has_audio", "change_seq")},
        "last_access": 99,
    }
    update = summary_rows.update_row(7, summary_rows.insert_row(7, TENANT, summary, 99), touch=False)
    assert dict(zip((*summary_rows.UPDATE_COLUMNS, "pk"), update, strict=True)) == {
        **{name: row[name] for name in summary_rows.UPDATE_COLUMNS},
        "pk": 7,
    }
