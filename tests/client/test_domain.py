"""app/domain against what the real platform sends, and against what it must refuse.

Real responses (search pages, full records, flows, views, the change feed, /me and
live events) validate into typed records that keep every value verbatim; altered
copies of those same responses — a wrong type, a missing field, a value out of
range, an unknown enum value — are refused with a pydantic ValidationError, and
fields the client does not know are ignored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from websockets.sync.client import connect

from app.domain import (
    ChangeKind,
    ChangesPage,
    Conversation,
    ConversationDetail,
    EventType,
    Filter,
    Flow,
    FlowSummary,
    LiveEvent,
    Me,
    Problem,
    RepeatRange,
    SearchPage,
    Sort,
    SortColumn,
    Status,
    View,
    ViewIn,
    parse_events,
)
from app.filters import filter_json, search_body
from tests.client.conftest import TenantCorpus
from tests.client.payloads import Json, altered
from tests.platform import Platform, api_client


@pytest.fixture(scope="module")
def first_page(acme_http: httpx.Client) -> Json:
    response = acme_http.post("conversations/search", json={"limit": 50})
    assert response.status_code == 200
    return dict(response.json())


@pytest.fixture(scope="module")
def detail_json(acme_http: httpx.Client, acme_corpus: TenantCorpus) -> Json:
    """The full record with the most of everything (messages, calls, artifacts, audio)."""
    richest = max(
        acme_corpus.details,
        key=lambda d: (d.audio is not None, len(d.artifacts), len(d.function_calls), len(d.messages)),
    )
    response = acme_http.get(f"conversations/{richest.id}")
    assert response.status_code == 200
    return dict(response.json())


# --- real responses ---------------------------------------------------------------------------


def test_search_pages_validate_and_keep_every_value(first_page: Json) -> None:
    page = SearchPage.model_validate(first_page)
    assert len(page.items) == 50 and page.next_cursor and page.total >= 50
    for raw, item in zip(first_page["items"], page.items, strict=True):
        assert item.model_dump(mode="json") == raw  # nothing lost, nothing altered
    assert SearchPage.model_validate_json(json.dumps(first_page)) == page


def test_full_records_validate(detail_json: Json, acme_corpus: TenantCorpus) -> None:
    detail = ConversationDetail.model_validate(detail_json)
    assert detail.messages and detail.function_calls and detail.artifacts and detail.audio is not None
    assert detail.model_dump(mode="json") == detail_json
    assert detail.summary_record().model_dump(mode="json") == {
        k: v for k, v in detail_json.items() if k in Conversation.model_fields
    }
    assert all(d.started_at.tzinfo is not None for d in acme_corpus.details)


def test_hostile_text_is_kept_verbatim(acme_http: httpx.Client, acme_corpus: TenantCorpus) -> None:
    """The seeded data carries HTML, formulas, SQL, control and bidi characters: they are
    data, kept exactly as sent."""
    hostile = [
        d for d in acme_corpus.details if any("<script>" in m.text or "\u202e" in m.text for m in d.messages)
    ]
    assert hostile, "no hostile sample in the seeded data"
    for detail in hostile[:5]:
        raw = acme_http.get(f"conversations/{detail.id}").json()
        assert [m.text for m in detail.messages] == [m["text"] for m in raw["messages"]]
    names = {a.name for d in acme_corpus.details for a in d.artifacts}
    assert "../../etc/passwd" in names


def test_flows(acme_http: httpx.Client) -> None:
    listing = acme_http.get("flows").json()
    flows = [FlowSummary.model_validate(item) for item in listing]
    assert len(flows) >= 2
    for summary in flows:
        flow = Flow.model_validate_json(acme_http.get(f"flows/{summary.id}").content)
        assert flow.id == summary.id and len(flow.nodes) == summary.node_count
        assert flow.node(flow.entry_node) is not None
        assert {e.source for e in flow.edges} <= {n.id for n in flow.nodes}


def test_views(acme_http: httpx.Client) -> None:
    views = [View.model_validate(v) for v in acme_http.get("views").json()]
    names = {v.name for v in views}
    assert {"All Conversations", "Production Calls", "Test Calls"} <= names
    assert sum(v.is_default for v in views) == 1
    production = next(v for v in views if v.name == "Production Calls")
    assert production.filter.used_for == "production"
    assert filter_json(production.filter) == {"used_for": "production"}
    assert [c.value for c in production.known_columns] == list(production.columns)


def test_changes_and_me(acme_http: httpx.Client, platform: Platform) -> None:
    page = ChangesPage.model_validate_json(acme_http.get("changes", params={"limit": 25}).content)
    assert len(page.changes) == 25 and page.has_more and page.next_cursor
    assert all(c.kind is ChangeKind.UPSERT and c.conversation is not None for c in page.changes)
    assert [c.seq for c in page.changes] == sorted(c.seq for c in page.changes)
    me = Me.model_validate_json(
        httpx.get(f"{platform.url}/api/v1/me", headers=acme_http.headers, timeout=10).content
    )
    assert me.username == "supervisor" and me.tenants[0].id == "acme"
    assert me.tenants[0].known_role == "supervisor"


def test_problems(acme_http: httpx.Client) -> None:
    response = acme_http.post("conversations/search", json={"filter": {"flagged": 1}})
    assert response.status_code == 422
    problem = Problem.model_validate_json(response.content)
    assert problem.status == 422 and problem.errors
    assert any(str(e.get("field", "")).startswith("filter.flagged") for e in problem.errors)


def test_live_events_from_the_platform(scratch_platform: Platform) -> None:
    """Live calls on a platform that simulates them: every WebSocket message is a batch
    of events that validates; the conversation in each is a full summary."""
    with api_client(scratch_platform.url, "supervisor") as http:
        bearer = http.headers["Authorization"]
    url = scratch_platform.url.replace("http://", "ws://") + "/api/v1/acme/events"
    events: list[LiveEvent] = []
    with connect(url, additional_headers={"Authorization": bearer}, open_timeout=10) as ws:
        while len(events) < 5:
            events += parse_events(ws.recv(timeout=30))
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    for event in events:
        assert event.type in EventType
        if event.type is not EventType.DELETED:
            assert event.data.conversation is not None and event.data.conversation.id == event.conversation_id
        if event.type is EventType.MESSAGE:
            assert event.data.message is not None


# --- malformed and hostile payloads -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("id", ...),  # missing
        ("id", 17),
        ("status", "teleported"),  # not a status
        ("platform", "VOICE"),  # enum values are exact
        ("flagged", 1),  # no coercion of booleans
        ("flagged", "true"),
        ("duration_seconds", "12"),  # nor of integers
        ("duration_seconds", 1.5),
        ("duration_seconds", -1),  # out of range
        ("started_at", 1779725539),  # a number is not an ISO 8601 instant
        ("started_at", "2026-11-20T12:00:00"),  # an instant needs an offset
        ("started_at", "yesterday"),
        ("tags", [{"key": "a"}]),
        ("tags", "Language=English"),
        ("functions", [1, 2]),
        ("flow_id", ...),  # nullable but required
        ("change_seq", None),
        ("contact", "lone \ud800 surrogate"),  # not text: cannot be stored, shown or exported
    ],
)
def test_malformed_summaries_are_refused(first_page: Json, path: str, value: Any) -> None:
    item = first_page["items"][0]
    with pytest.raises(ValidationError):
        Conversation.model_validate(altered(item, path, value))
    with pytest.raises(ValidationError):
        SearchPage.model_validate(altered(first_page, f"items.0.{path}", value))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("messages.0.role", "narrator"),
        ("messages.0.text", None),
        ("messages.0.at", 0),
        ("messages.0.text", "\udfff"),
        ("sentiment.0.score", 1.5),
        ("sentiment.0.score", float("nan")),
        ("sentiment.0.score", "0.5"),
        ("function_calls.0.input", ["not", "an", "object"]),
        ("artifacts.0.kind", "exe"),
        ("artifacts.0.size", -5),
        ("audio.channels", "customer"),
        ("coaching", None),
    ],
)
def test_malformed_details_are_refused(detail_json: Json, path: str, value: Any) -> None:
    if path.startswith("sentiment") and not detail_json["sentiment"]:
        pytest.skip("no sentiment in this record")
    with pytest.raises(ValidationError):
        ConversationDetail.model_validate(altered(detail_json, path, value))


def test_unknown_fields_are_ignored_and_records_are_immutable(first_page: Json) -> None:
    item = {**first_page["items"][0], "priority": "urgent", "nested": {"x": [1, 2]}}
    record = Conversation.model_validate(item)
    assert "priority" not in record.model_dump()
    with pytest.raises(ValidationError):
        record.id = "other"  # type: ignore[misc]
    assert hash(record.tags) is not None  # tuples all the way down


def test_malformed_json_and_event_batches_are_refused(first_page: Json) -> None:
    with pytest.raises(ValidationError):
        SearchPage.model_validate_json(b'{"items": [')
    with pytest.raises(ValidationError):
        SearchPage.model_validate_json(b"\xff\xfe garbage")
    summary = first_page["items"][0]
    event = {
        "seq": 9,
        "cursor": "9",
        "type": "conversation.updated",
        "conversation_id": summary["id"],
        "at": "2026-11-20T12:00:00+00:00",
        "data": {"conversation": summary},
    }
    assert parse_events(json.dumps([event]))[0].data.conversation == Conversation.model_validate(summary)
    for bad in (
        [],  # a message holds at least one event
        event,  # not in an array
        [altered(event, "type", "conversation.exploded")],
        [altered(event, "data.conversation", ...)],  # an update carries the conversation
        [altered(event, "conversation_id", "someone-else")],
        [altered(event, "type", "conversation.message")],  # without its message
        [altered(event, "seq", "9")],
    ):
        with pytest.raises(ValidationError):
            parse_events(json.dumps(bad))
    deleted = {**event, "type": "conversation.deleted", "data": {"id": summary["id"]}}
    assert parse_events(json.dumps([deleted]))[0].data.id == summary["id"]


def test_change_entries_carry_their_payload(first_page: Json) -> None:
    summary = first_page["items"][0]
    with pytest.raises(ValidationError):
        ChangesPage.model_validate(
            {"changes": [{"seq": 1, "kind": "upsert"}], "next_cursor": "s1", "has_more": False}
        )
    with pytest.raises(ValidationError):
        ChangesPage.model_validate(
            {"changes": [{"seq": 1, "kind": "delete"}], "next_cursor": "s1", "has_more": False}
        )
    with pytest.raises(ValidationError):
        ChangesPage.model_validate(
            {
                "changes": [{"seq": 1, "kind": "merge", "conversation": summary}],
                "next_cursor": "s1",
                "has_more": False,
            }
        )


# --- the client's own Filter, Sort and ViewIn ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"flagged": 1},
        {"statuses": []},
        {"statuses": ["teleported"]},
        {"ids": [""]},
        {"ids": ["x"] * 1001},
        {"contact": ""},
        {"contact": "a\x00b"},
        {"content": "x" * 501},
        {"date_within": "P7"},
        {"date_within": "7 days"},
        {"date_within": "P36601D"},
        {"date_within": "P7D", "date_from": "2026-01-01T00:00:00+00:00"},
        {"date_from": "2026-01-02T00:00:00+00:00", "date_to": "2026-01-01T00:00:00+00:00"},
        {"date_from": "2026-01-01T00:00:00"},
        {"repeat_contacts": {"min": 0}},
        {"repeat_contacts": {"min": 3, "max": 2}},
        {"repeat_contacts": {"min": "2"}},
        {"tags": [{"key": "", "value": "x"}]},
        {"tags": [{"key": "a", "value": "b", "extra": 1}]},
        {"match_all_tags": "yes"},
        {"sentiment": "angry"},  # unknown fields are errors in a Filter, as on the platform
    ],
)
def test_invalid_filters_are_refused_like_the_platform_does(acme_http: httpx.Client, body: Json) -> None:
    with pytest.raises(ValidationError):
        Filter.model_validate(body)
    assert acme_http.post("conversations/search", json={"filter": body}).status_code == 422


def test_valid_filters_spell_the_same_json_back(acme_http: httpx.Client) -> None:
    f = Filter.model_validate(
        {
            "statuses": ["completed", "failed"],
            "date_from": "2026-01-01T00:00:00-05:00",
            "repeat_contacts": {"min": 2},
            "contact": "%_\\'",
            "content": '"thank you" refund',
            "tags": [{"key": "Language", "value": "English"}],
            "match_all_tags": True,
        }
    )
    assert f.statuses == (Status.COMPLETED, Status.FAILED)
    assert f.repeat_contacts == RepeatRange(min=2)
    body = search_body(f, Sort(column=SortColumn.CONTACT, descending=False), limit=10)
    assert body["filter"]["date_from"] == "2026-01-01T00:00:00-05:00"
    assert body["filter"]["match_all_tags"] is True and "ids" not in body["filter"]
    assert body["sort"] == {"column": "contact", "descending": False}
    assert acme_http.post("conversations/search", json=body).status_code == 200
    assert f.date_bounds(datetime(2026, 1, 1, tzinfo=UTC)) == (f.date_from, None)
    within = Filter(date_within="P1DT2H")
    assert within.date_bounds(datetime(2026, 1, 2, 2, tzinfo=UTC)) == (datetime(2026, 1, 1, tzinfo=UTC), None)
    with pytest.raises(ValueError):
        search_body(f, Sort(), limit=501)


def test_view_in_defaults() -> None:
    view = ViewIn(name="Flagged voice calls")
    assert view.filter == Filter() and view.sort == Sort() and len(view.columns) == 12
    with pytest.raises(ValidationError):
        ViewIn(name="")
    with pytest.raises(ValidationError):
        ViewIn.model_validate({"name": "x", "columns": ["id", "sentiment"]})
