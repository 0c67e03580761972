"""`serve --simulate-live 4`: simulated AI voice calls that start, talk and end,
seen through search, the conversation record and the events WebSocket, and
that respect supervisor actions.

The simulator writes to its own freshly seeded database (a SQLite file, or a new
PostgreSQL database when CONVODESK_TEST_PG is set), never to the session's.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.platform import Platform, api_client, seed
from tests.server import live

LIVE_PREFIX = "cnv_live_"
SIMULATED = 4
FINAL = {"completed", "abandoned", "failed", "human_handoff"}
TALK = {"agent", "customer"}


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pg = os.environ.get("CONVODESK_TEST_PG")
    if not pg:
        url = f"sqlite:///{tmp_path_factory.mktemp('simulator') / 'simulated.db'}"
        seed(url, 200, audio_clips=1)
        yield url
        return
    name = f"convodesk_sim_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(pg).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(pg).set(database=name).render_as_string(hide_password=False)
        seed(url, 200, audio_clips=1)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def simulated(sim_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with Platform(sim_db, simulate=SIMULATED).running(tmp_path_factory.mktemp("simulator-logs")) as running:
        yield running


@pytest.fixture(scope="module")
def sam(simulated: Platform) -> Iterator[httpx.Client]:
    with api_client(simulated.url, "supervisor") as client:
        yield client


@pytest.fixture(scope="module")
def ada(simulated: Platform) -> Iterator[list[httpx.Client]]:
    """The admin, in each tenant: the simulator spreads its calls over every tenant."""
    with (
        api_client(simulated.url, "admin") as acme,
        api_client(simulated.url, "admin", tenant="globex") as globex,
    ):
        yield [acme, globex]


@pytest.fixture(scope="module")
def stream(simulated: Platform) -> Iterator[live.EventStream]:
    """Every acme event since the database was created (cursor 0), kept for the whole module."""
    token = live.fresh_token(simulated.url, "supervisor")
    with live.events(simulated.url, token, cursor=0) as events:
        yield events


def live_calls(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.post(
        "conversations/search",
        json={"filter": {"statuses": ["in_progress"]}, "sort": {"column": "date", "descending": True}},
    )
    assert response.status_code == 200, response.text
    return [c for c in response.json()["items"] if c["id"].startswith(LIVE_PREFIX)]


def every_live_call(clients: list[httpx.Client]) -> list[dict[str, Any]]:
    return [call for client in clients for call in live_calls(client)]


def record(client: httpx.Client, conversation_id: str) -> dict[str, Any]:
    response = client.get(f"conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def seen(stream: live.EventStream, kind: str, conversation_id: str | None = None) -> list[dict[str, Any]]:
    return [
        e
        for e in stream.received
        if e["type"] == kind and (conversation_id is None or e["conversation_id"] == conversation_id)
    ]


def read_for(stream: live.EventStream, seconds: float) -> None:
    """Keep reading (and recording) events for a while."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            stream.next(timeout=remaining)
        except TimeoutError:
            return


def talk_after(stream: live.EventStream, conversation_id: str, seq: int) -> list[dict[str, Any]]:
    """Turns the AI or the customer spoke on this call after event `seq`."""
    return [
        e
        for e in seen(stream, "conversation.message", conversation_id)
        if e["seq"] > seq and e["data"]["message"]["role"] in TALK
    ]


def act_on_a_talking_call(sam: httpx.Client, action: str) -> str:
    """Apply `action` to the newest simulated call the AI is still talking on (older ones may
    end meanwhile, which the platform refuses with 409)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for call in live_calls(sam):
            if call["live_state"] != "ai" or call["supervisor_mode"] != "none":
                continue
            response = sam.post(f"conversations/{call['id']}/actions/{action}")
            if response.status_code == 200:
                return str(call["id"])
            assert response.status_code == 409, response.text
        time.sleep(0.5)
    raise TimeoutError(f"no simulated call accepted {action}")


def note_event(stream: live.EventStream, conversation_id: str, text: str) -> dict[str, Any]:
    """The event of the system note an action wrote (everything before it was committed earlier)."""
    return stream.until(
        lambda e: (
            e["conversation_id"] == conversation_id
            and e["type"] == "conversation.message"
            and e["data"]["message"]["text"] == text
        ),
        timeout=10,
    )[-1]


def test_simulated_calls_are_live(ada: list[httpx.Client], sam: httpx.Client) -> None:
    calls = live.wait_until(
        lambda: (found := every_live_call(ada)) and len(found) >= SIMULATED and found,
        timeout=20,
        what=f"{SIMULATED} simulated calls",
    )
    assert len({c["id"] for c in calls}) == len(calls)
    live.wait_until(lambda: live_calls(sam), timeout=20, what="a simulated acme call")
    for call in calls:
        assert (call["platform"], call["status"]) == ("voice", "in_progress")
        assert call["ended_at"] is None
        assert call["live_state"] in ("ai", "queued")


def test_websocket_delivers_started_and_message_events(stream: live.EventStream) -> None:
    stream.until(
        lambda e: e["type"] == "conversation.started" and e["conversation_id"].startswith(LIVE_PREFIX), 20
    )
    stream.until(
        lambda e: e["type"] == "conversation.message" and e["conversation_id"].startswith(LIVE_PREFIX), 20
    )
    started = seen(stream, "conversation.started")
    assert all(e["data"]["conversation"]["status"] == "in_progress" for e in started)
    for event in seen(stream, "conversation.message"):
        message = event["data"]["message"]
        assert message["text"] and message["role"] in TALK | {"system"}
        assert event["data"]["conversation"]["last_message_at"]
    seqs = [e["seq"] for e in stream.received]
    assert seqs == sorted(set(seqs))


def test_messages_accumulate_in_the_record(sam: httpx.Client) -> None:
    call = live.wait_until(lambda: live_calls(sam), timeout=20, what="a simulated acme call")[0]
    first = record(sam, call["id"])

    def grown() -> dict[str, Any] | None:
        now = record(sam, call["id"])
        return now if len(now["messages"]) > len(first["messages"]) else None

    later: dict[str, Any] = live.wait_until(grown, timeout=20, interval=0.5, what="a new message")
    messages = later["messages"]
    assert messages[: len(first["messages"])] == first["messages"]
    assert [m["index"] for m in messages] == list(range(len(messages)))
    offsets = [m["offset_ms"] for m in messages]
    assert offsets == sorted(offsets)
    assert later["last_message_at"] >= first["last_message_at"]


def test_takeover_pauses_the_ai_and_handback_resumes_it(sam: httpx.Client, stream: live.EventStream) -> None:
    cid = act_on_a_talking_call(sam, "takeover")
    mark = note_event(stream, cid, "supervisor took over the call")["seq"]
    count = len(record(sam, cid)["messages"])
    read_for(stream, 3.5)
    assert talk_after(stream, cid, mark) == [], "the AI kept talking while taken over"
    paused = record(sam, cid)
    assert (len(paused["messages"]), paused["status"], paused["supervisor_mode"]) == (
        count,
        "in_progress",
        "taken_over",
    )

    response = sam.post(f"conversations/{cid}/actions/handback")
    assert response.status_code == 200, response.text
    # The script picks up where it stopped (or, if it had nothing left to say, the call ends).
    stream.until(
        lambda e: (
            e["conversation_id"] == cid
            and (
                e["type"] == "conversation.ended" or e.get("data", {}).get("message", {}).get("role") in TALK
            )
        ),
        timeout=20,
    )


def test_end_stops_a_simulated_call(
    sam: httpx.Client, ada: list[httpx.Client], stream: live.EventStream
) -> None:
    cid = act_on_a_talking_call(sam, "end")
    note_event(stream, cid, "Call ended by supervisor")
    (ended_event,) = stream.until(lambda e: e["conversation_id"] == cid, timeout=10)
    assert ended_event["type"] == "conversation.ended"
    assert ended_event["data"]["conversation"]["status"] == "completed"
    ended = record(sam, cid)
    read_for(stream, 3.0)
    assert [e for e in stream.received if e["seq"] > ended_event["seq"] and e["conversation_id"] == cid] == []
    after = record(sam, cid)
    assert (after["status"], after["messages"], after["change_seq"]) == (
        "completed",
        ended["messages"],
        ended["change_seq"],
    )
    # The simulator keeps about SIMULATED calls going: a new one replaces it.
    live.wait_until(lambda: len(every_live_call(ada)) >= SIMULATED, timeout=20, what="a replacement call")


def test_a_simulated_call_ends_by_itself(sam: httpx.Client, stream: live.EventStream) -> None:
    ended_by_us = {
        e["conversation_id"]
        for e in seen(stream, "conversation.message")
        if e["data"]["message"]["text"].startswith("Call ended by")
    }

    def natural_end(event: dict[str, Any]) -> bool:
        return (
            event["type"] == "conversation.ended"
            and event["conversation_id"].startswith(LIVE_PREFIX)
            and event["conversation_id"] not in ended_by_us
        )

    found = [e for e in stream.received if natural_end(e)]
    if not found:
        found = stream.until(natural_end, timeout=90)[-1:]
    event = found[0]
    conversation = event["data"]["conversation"]
    assert conversation["status"] in FINAL
    assert conversation["ended_at"] is not None and conversation["live_state"] == "ended"
    final = record(sam, event["conversation_id"])
    assert final["status"] == conversation["status"]
    assert final["summary"]
    assert len(final["messages"]) >= 2
