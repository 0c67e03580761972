"""The events WebSocket against the real platform: authentication close codes,
live delivery in order, resume by cursor, and a subscriber that drops and
reconnects while a hundred live calls keep changing."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import pytest

from server.domain import MessageRole, Status
from tests.platform import Platform
from tests.server import live


@pytest.fixture(scope="module")
def token(platform: Platform) -> str:
    return live.fresh_token(platform.url, "supervisor")


@pytest.fixture(scope="module")
def created(db_url: str) -> Iterator[list[str]]:
    """Ids of the calls this module inserted; deleted at the end."""
    ids: list[str] = []
    yield ids
    live.remove_calls(db_url, ids)


@pytest.fixture()
def new_call(db_url: str, created: list[str]) -> Callable[..., str]:
    def make(**kwargs: Any) -> str:
        conversation_id = live.create_call(db_url, **kwargs)
        created.append(conversation_id)
        return conversation_id

    return make


def act(client: httpx.Client, conversation_id: str, action: str, body: dict[str, Any] | None = None) -> None:
    response = client.post(f"conversations/{conversation_id}/actions/{action}", json=body)
    assert response.status_code == 200, response.text


def assert_well_formed(events: list[dict[str, Any]]) -> None:
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs)), f"not strictly increasing: {seqs}"
    for event in events:
        assert event["cursor"] == str(event["seq"])
        assert set(event) == {"seq", "cursor", "type", "conversation_id", "at", "data"}
        if event["type"] == "conversation.deleted":
            assert event["data"] == {"id": event["conversation_id"]}
        else:
            assert event["data"]["conversation"]["id"] == event["conversation_id"]
        if event["type"] == "conversation.message":
            assert {"index", "role", "text", "at"} <= set(event["data"]["message"])


def db_seqs(db_url: str, after: int) -> list[int]:
    return [e.seq for e in live.events_after(db_url, "acme", after)]


# --- authentication -------------------------------------------------------------


def test_no_token_is_closed_4401(platform: Platform) -> None:
    assert live.close_code(platform.url, None) == 4401


def test_garbage_token_is_closed_4401(platform: Platform) -> None:
    assert live.close_code(platform.url, "not-a-jwt") == 4401


def test_other_tenant_token_is_closed_4403(platform: Platform) -> None:
    globex = live.fresh_token(platform.url, "admin", tenant="globex")
    assert live.close_code(platform.url, globex, tenant="acme") == 4403


def test_user_token_is_closed_4403(platform: Platform) -> None:
    # A valid token that is not scoped to any tenant: authenticated, not authorised.
    assert live.close_code(platform.url, live.user_token(platform.url, "supervisor")) == 4403


def test_tenant_without_membership_is_closed_4403(platform: Platform) -> None:
    acme = live.fresh_token(platform.url, "supervisor")
    assert live.close_code(platform.url, acme, tenant="globex") == 4403


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "%20"])
def test_invalid_cursor_is_closed_4422(platform: Platform, token: str, cursor: str) -> None:
    assert live.close_code(platform.url, token, cursor=cursor) == 4422


def test_readonly_users_may_subscribe(platform: Platform, new_call: Callable[..., str]) -> None:
    with live.events(platform.url, live.fresh_token(platform.url, "readonly")) as stream:
        cid = new_call()
        (started,) = stream.until(lambda e: e["conversation_id"] == cid)
        assert started["type"] == "conversation.started"


# --- live delivery --------------------------------------------------------------


def test_live_events_arrive_in_order(
    platform: Platform, token: str, supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    head = live.head_seq(db_url)
    with live.events(platform.url, token) as stream:
        cid = new_call()
        act(supervisor, cid, "listen")
        act(supervisor, cid, "takeover")
        live.append_message(db_url, cid, "are you a real person?")
        act(supervisor, cid, "coach", {"text": "confirm the address"})
        act(supervisor, cid, "end")
        read = stream.until(lambda e: e["type"] == "conversation.ended" and e["conversation_id"] == cid)

    assert_well_formed(read)
    assert [e["seq"] for e in read] == db_seqs(db_url, head)  # every acme event, none other
    assert {e["conversation_id"] for e in read} == {cid}
    assert [e["type"] for e in read] == [
        "conversation.started",
        "conversation.updated",  # listen
        "conversation.message",  # "... took over the call"
        "conversation.message",  # the customer
        "conversation.message",  # coaching
        "conversation.message",  # "Call ended by ..."
        "conversation.ended",
    ]
    messages = [e["data"]["message"] for e in read if e["type"] == "conversation.message"]
    assert [(m["role"], m["text"]) for m in messages] == [
        ("system", "supervisor took over the call"),
        ("customer", "are you a real person?"),
        ("coaching", "confirm the address"),
        ("system", "Call ended by supervisor"),
    ]
    assert [m["index"] for m in messages] == list(range(messages[0]["index"], messages[0]["index"] + 4))
    summaries = [e["data"]["conversation"] for e in read]
    assert summaries[1]["supervisor_mode"] == "listening"
    assert summaries[2]["supervisor_mode"] == "taken_over"
    assert summaries[-1]["status"] == "completed" and summaries[-1]["ended_at"] is not None
    assert [s["change_seq"] for s in summaries] == sorted(s["change_seq"] for s in summaries)


def test_events_are_scoped_to_the_tenant(
    platform: Platform, token: str, new_call: Callable[..., str], db_url: str
) -> None:
    globex_token = live.fresh_token(platform.url, "admin", tenant="globex")
    with (
        live.events(platform.url, globex_token, tenant="globex") as globex,
        live.events(platform.url, token) as acme,
    ):
        cid = new_call()
        live.append_message(db_url, cid, "hello")
        acme.until(lambda e: e["type"] == "conversation.message" and e["conversation_id"] == cid)
        assert globex.drain(quiet=1.0) == []


def test_delete_yields_conversation_deleted(
    platform: Platform, token: str, supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    with live.events(platform.url, token) as stream:
        cid = new_call()
        stream.until(lambda e: e["conversation_id"] == cid)
        assert supervisor.delete(f"conversations/{cid}").status_code == 204
        (deleted,) = stream.until(lambda e: e["conversation_id"] == cid)
    assert deleted["type"] == "conversation.deleted"
    assert deleted["data"] == {"id": cid}
    assert deleted["seq"] == db_seqs(db_url, deleted["seq"] - 1)[0]


def test_resume_replays_exactly_what_was_missed(
    platform: Platform, token: str, supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    with live.events(platform.url, token) as stream:
        cid = new_call()
        stream.until(lambda e: e["conversation_id"] == cid)
        live.append_message(db_url, cid, "first")
        stream.until(lambda e: e["type"] == "conversation.message")
        cursor = stream.last_cursor
    assert cursor is not None

    # Five changes while disconnected.
    live.append_message(db_url, cid, "missed 1")
    act(supervisor, cid, "listen")
    live.append_message(db_url, cid, "missed 2", MessageRole.AGENT)
    act(supervisor, cid, "leave")
    live.touch(db_url, cid)
    missed = db_seqs(db_url, int(cursor))
    assert len(missed) == 5

    with live.events(platform.url, token, cursor=cursor) as stream:
        replayed = stream.take(5)
        assert [e["seq"] for e in replayed] == missed
        assert [e["type"] for e in replayed] == [
            "conversation.message",
            "conversation.updated",
            "conversation.message",
            "conversation.updated",
            "conversation.updated",
        ]
        assert [e["data"]["message"]["text"] for e in replayed if "message" in e["data"]] == [
            "missed 1",
            "missed 2",
        ]
        # Then live events follow, with nothing repeated.
        live.finish(db_url, cid)
        (ended,) = stream.take(1)
        assert ended["type"] == "conversation.ended" and ended["seq"] > missed[-1]
        assert stream.drain(quiet=0.5) == []
        assert_well_formed(stream.received)

    # Resuming from the newest cursor replays nothing.
    with live.events(platform.url, token, cursor=ended["cursor"]) as stream:
        assert stream.drain(quiet=0.5) == []


def test_resume_from_an_older_cursor_replays_from_there(
    platform: Platform, token: str, new_call: Callable[..., str], db_url: str
) -> None:
    cursor = live.head_seq(db_url)
    cid = new_call()
    for i in range(3):
        live.append_message(db_url, cid, f"line {i}")
    expected = db_seqs(db_url, cursor)
    assert len(expected) == 4
    for _ in range(2):  # the same cursor twice gives the same events
        with live.events(platform.url, token, cursor=cursor) as stream:
            assert [e["seq"] for e in stream.take(4)] == expected
            assert stream.drain(quiet=0.3) == []


# --- a subscriber that drops while 100 live calls change -------------------------


class Writer(threading.Thread):
    """Makes `total` changes to the given calls, as live traffic and supervisors would."""

    def __init__(self, db_url: str, supervisor: httpx.Client, calls: list[str], total: int) -> None:
        super().__init__(name="live-writer", daemon=True)
        self.db_url, self.supervisor, self.total = db_url, supervisor, total
        self.active = list(calls)
        self.done = 0
        self.error: BaseException | None = None
        self.rng = random.Random(4242)

    def run(self) -> None:
        try:
            while self.done < self.total:
                self._one()
                self.done += 1
                time.sleep(0.003)
        except BaseException as exc:
            self.error = exc

    def _one(self) -> None:
        cid = self.rng.choice(self.active)
        roll = self.rng.random()
        if roll < 0.7:
            role = self.rng.choice([MessageRole.CUSTOMER, MessageRole.AGENT])
            live.append_message(self.db_url, cid, f"turn {self.done}", role)
        elif roll < 0.85:
            live.touch(self.db_url, cid)
        elif roll < 0.95 or len(self.active) < 50:
            response = self.supervisor.post(
                f"conversations/{cid}/actions/coach", json={"text": f"tip {self.done}"}
            )
            assert response.status_code == 200, response.text
        else:
            live.finish(self.db_url, cid, Status.ABANDONED)
            self.active.remove(cid)


def test_dropped_socket_while_100_live_calls_change(
    platform: Platform, token: str, supervisor: httpx.Client, created: list[str], db_url: str
) -> None:
    calls = live.create_calls(db_url, 100)
    created.extend(calls)
    initial = live.head_seq(db_url)
    writer = Writer(db_url, supervisor, calls, total=300)
    received: list[dict[str, Any]] = []

    def read_until(stream: live.EventStream, condition: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"stuck with {len(stream.received)} events"
            with contextlib.suppress(TimeoutError):
                stream.next(timeout=0.2)

    def progressed(stream: live.EventStream, mark: int) -> bool:
        return len(stream.received) >= 30 and writer.done >= mark + 40

    def moved_on(mark: int) -> bool:
        return writer.done >= min(writer.total, mark + 40) or writer.error is not None

    stream = live.open_events(platform.url, token, cursor=initial)
    writer.start()
    try:
        for _ in range(2):
            # Read a while, drop the socket mid-stream, let changes pile up, resume.
            read_until(stream, partial(progressed, stream, writer.done))
            stream.close()
            received.extend(stream.received)
            live.wait_until(partial(moved_on, writer.done), timeout=60, what="the writer to move on")
            stream = live.open_events(platform.url, token, cursor=received[-1]["cursor"])
        writer.join(timeout=120)
        assert not writer.is_alive(), "writer did not finish"
        assert writer.error is None, repr(writer.error)
        last = db_seqs(db_url, initial)[-1]
        read_until(stream, lambda: bool(stream.received) and stream.received[-1]["seq"] >= last)
        received.extend(stream.received)
        assert stream.drain(quiet=0.5) == []
    finally:
        stream.close()

    seqs = [e["seq"] for e in received]
    assert len(seqs) == len(set(seqs)), "duplicates across reconnects"
    assert seqs == db_seqs(db_url, initial), "received events differ from the events table"
    assert_well_formed(received)
    assert len(received) >= 300
    assert {e["conversation_id"] for e in received} <= set(calls)
