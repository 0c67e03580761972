"""Live supervisor actions against the real platform process.

Every test works on AI voice calls it inserts itself (tenant acme) and deletes
them afterwards; the only seeded rows touched are read, never changed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from server.domain import Platform as Channel
from server.domain import Status
from tests.platform import Platform, api_client
from tests.server import live

ACTIONS = ("listen", "takeover", "handback", "leave", "enqueue", "end", "transfer", "coach")
BODIES: dict[str, dict[str, str]] = {
    "transfer": {"destination": "+15550100999"},
    "coach": {"text": "be brief"},
}
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def new_call(platform: Platform, db_url: str) -> Iterator[Callable[..., str]]:
    """Insert a fresh in-progress AI voice call (or another kind); all are deleted at the end."""
    created: list[str] = []

    def make(**kwargs: Any) -> str:
        conversation_id = live.create_call(db_url, **kwargs)
        created.append(conversation_id)
        return conversation_id

    yield make
    live.remove_calls(db_url, created)


def act(
    client: httpx.Client, conversation_id: str, action: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    payload = body if body is not None else BODIES.get(action)
    return client.post(f"conversations/{conversation_id}/actions/{action}", json=payload)


def ok(response: httpx.Response, action: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["action"] == action
    return dict(body["conversation"])


def refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 409
    assert problem["title"] == "Conflict"
    assert reason in problem["detail"], problem


def detail(client: httpx.Client, conversation_id: str) -> dict[str, Any]:
    response = client.get(f"conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def audit(db_url: str, conversation_id: str) -> list[tuple[str, str, str]]:
    return [(e.user_id, e.action, e.outcome) for e in live.audit_entries(db_url, conversation_id)]


def test_listen_takeover_handback_leave(
    supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    cid = new_call()
    before = detail(supervisor, cid)
    assert (before["live_state"], before["supervisor_mode"]) == ("ai", "none")

    state = ok(act(supervisor, cid, "listen"), "listen")
    assert (state["live_state"], state["supervisor_mode"], state["status"]) == (
        "ai",
        "listening",
        "in_progress",
    )
    assert state["change_seq"] > before["change_seq"]

    state = ok(act(supervisor, cid, "takeover"), "takeover")
    assert (state["live_state"], state["supervisor_mode"]) == ("ai", "taken_over")
    after_takeover = detail(supervisor, cid)
    assert after_takeover["messages"][-1]["role"] == "system"
    assert after_takeover["messages"][-1]["text"] == "supervisor took over the call"
    assert after_takeover["last_message"] == "supervisor took over the call"

    refused(act(supervisor, cid, "listen"), "hand it back")

    state = ok(act(supervisor, cid, "handback"), "handback")
    assert (state["live_state"], state["supervisor_mode"]) == ("ai", "listening")
    messages = detail(supervisor, cid)["messages"]
    assert messages[-1]["role"] == "system"
    assert messages[-1]["text"].startswith("supervisor handed the call back")
    assert [m["index"] for m in messages] == list(range(len(messages)))

    state = ok(act(supervisor, cid, "leave"), "leave")
    assert (state["live_state"], state["supervisor_mode"], state["status"]) == ("ai", "none", "in_progress")
    refused(act(supervisor, cid, "leave"), "not on this call")

    # Listen and leave change who is on the call, not the transcript.
    final = detail(supervisor, cid)
    assert len(final["messages"]) == len(before["messages"]) + 2
    assert final["status"] == "in_progress" and final["ended_at"] is None
    assert audit(db_url, cid) == [
        ("u-supervisor", "listen", "ok"),
        ("u-supervisor", "takeover", "ok"),
        ("u-supervisor", "listen", "refused"),
        ("u-supervisor", "handback", "ok"),
        ("u-supervisor", "leave", "ok"),
        ("u-supervisor", "leave", "refused"),
    ]


def test_takeover_straight_from_ai_and_leave_while_taken_over(
    supervisor: httpx.Client, new_call: Callable[..., str]
) -> None:
    cid = new_call()
    assert ok(act(supervisor, cid, "takeover"), "takeover")["supervisor_mode"] == "taken_over"
    state = ok(act(supervisor, cid, "leave"), "leave")
    assert (state["live_state"], state["supervisor_mode"]) == ("ai", "none")
    # Nobody holds the leg any more, so another supervisor may join.
    assert ok(act(supervisor, cid, "listen"), "listen")["supervisor_mode"] == "listening"


def test_coach_adds_a_private_note_and_the_audit_log_omits_its_text(
    supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    cid = new_call()
    live.append_message(db_url, cid, "my zebrafish invoice is wrong")
    secret = "Offer the kangaroo loyalty discount"
    state = ok(act(supervisor, cid, "coach", {"text": secret}), "coach")
    assert (state["live_state"], state["supervisor_mode"]) == ("ai", "none")  # coaching needs no leg

    record = detail(supervisor, cid)
    notes = [n for n in record["coaching"] if n["text"] == secret]
    assert len(notes) == 1
    assert notes[0]["author"] == "supervisor" and notes[0]["id"]
    assert record["messages"][-1]["role"] == "coaching"
    assert record["messages"][-1]["text"] == secret

    entries = live.audit_entries(db_url, cid)
    assert [(e.action, e.outcome, e.user_id, e.tenant_id) for e in entries] == [
        ("coach", "ok", "u-supervisor", "acme")
    ]
    assert "kangaroo" not in json.dumps(entries[0].detail)
    assert "text" not in entries[0].detail

    # The customer never heard the coaching: content search does not find it, but finds what was said.
    def found(word: str) -> int:
        response = supervisor.post("conversations/search", json={"filter": {"ids": [cid], "content": word}})
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    assert found("zebrafish") == 1
    assert found("kangaroo") == 0


@pytest.mark.parametrize("text", ["", "x" * 2001])
def test_coach_text_is_validated(supervisor: httpx.Client, new_call: Callable[..., str], text: str) -> None:
    cid = new_call()
    response = act(supervisor, cid, "coach", {"text": text})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert detail(supervisor, cid)["coaching"] == []


def test_enqueue_then_every_action_is_refused(
    supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    cid = new_call()
    ok(act(supervisor, cid, "listen"), "listen")
    state = ok(act(supervisor, cid, "enqueue"), "enqueue")
    assert (state["live_state"], state["supervisor_mode"], state["status"]) == (
        "queued",
        "none",
        "in_progress",
    )
    assert detail(supervisor, cid)["messages"][-1]["text"] == "Moved to the human-agent queue by supervisor"
    before = detail(supervisor, cid)
    for action in ACTIONS:
        refused(act(supervisor, cid, action), "waiting in the human-agent queue")
    after = detail(supervisor, cid)
    assert after["change_seq"] == before["change_seq"] and after["messages"] == before["messages"]
    refusals = [(a, o) for _, a, o in audit(db_url, cid) if o == "refused"]
    assert refusals == [(action, "refused") for action in ACTIONS]
    reasons = {e.detail["reason"] for e in live.audit_entries(db_url, cid) if e.outcome == "refused"}
    assert reasons == {"the call is waiting in the human-agent queue"}


def test_transfer_hands_the_call_off(
    supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    cid = new_call()
    ok(act(supervisor, cid, "takeover"), "takeover")
    state = ok(act(supervisor, cid, "transfer", {"destination": "+15550100999"}), "transfer")
    assert state["status"] == "human_handoff"
    assert state["ended_at"] is not None
    assert state["supervisor_mode"] == "none"
    assert state["live_state"] != "ai"

    record = detail(supervisor, cid)
    assert record["status"] == "human_handoff" and record["ended_at"] is not None
    assert "Call transferred to +15550100999" in [
        m["text"] for m in record["messages"] if m["role"] == "system"
    ]
    assert record["summary"]
    entry = live.audit_entries(db_url, cid)[-1]
    assert (entry.action, entry.outcome, entry.detail) == ("transfer", "ok", {"destination": "+15550100999"})

    for action in ACTIONS:
        refused(act(supervisor, cid, action), "not in progress")


def test_transfer_to_a_sip_uri(supervisor: httpx.Client, new_call: Callable[..., str]) -> None:
    cid = new_call()
    state = ok(
        act(supervisor, cid, "transfer", {"destination": "sip:billing@pbx.example.com:5060"}), "transfer"
    )
    assert state["status"] == "human_handoff"


@pytest.mark.parametrize(
    "body",
    [
        {"destination": "5550100999"},  # no +
        {"destination": "+05550100999"},  # E.164 never starts with 0
        {"destination": "+1555"},  # too short
        {"destination": "+1555010099912345"},  # too long
        {"destination": "tel:+15550100999"},
        {"destination": "sip:billing"},  # no host
        {"destination": "+15550100999\n"},
        {"destination": ""},
        {"destination": "+15550100999", "priority": "high"},  # unknown field
        {},
    ],
)
def test_invalid_transfer_destination_is_rejected(
    supervisor: httpx.Client, new_call: Callable[..., str], body: dict[str, str]
) -> None:
    cid = new_call()
    before = detail(supervisor, cid)
    response = act(supervisor, cid, "transfer", body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    after = detail(supervisor, cid)
    assert (after["status"], after["change_seq"]) == ("in_progress", before["change_seq"])


def test_end_completes_the_call_then_actions_are_refused(
    supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    cid = new_call()
    ok(act(supervisor, cid, "listen"), "listen")
    state = ok(act(supervisor, cid, "end"), "end")
    assert (state["status"], state["live_state"], state["supervisor_mode"]) == ("completed", "ended", "none")
    assert state["ended_at"] is not None

    record = detail(supervisor, cid)
    assert record["summary"]
    assert record["messages"][-1]["text"] == "Call ended by supervisor"
    for action in ACTIONS:
        refused(act(supervisor, cid, action), "not in progress")
    assert [a for _, a, o in audit(db_url, cid) if o == "ok"] == ["listen", "end"]


def test_actions_on_finished_and_non_voice_conversations_are_refused(
    supervisor: httpx.Client, new_call: Callable[..., str]
) -> None:
    finished = new_call(status=Status.COMPLETED)
    for action in ACTIONS:
        refused(act(supervisor, finished, action), "not in progress")
    for channel in (Channel.SMS, Channel.WEB):
        chat = new_call(platform=channel)
        for action in ACTIONS:
            refused(act(supervisor, chat, action), "voice calls only")
        assert detail(supervisor, chat)["status"] == "in_progress"


def test_actions_on_a_seeded_completed_voice_call_change_nothing(supervisor: httpx.Client) -> None:
    page = supervisor.post(
        "conversations/search",
        json={"filter": {"statuses": ["completed"], "platforms": ["voice"]}, "limit": 1},
    )
    assert page.status_code == 200, page.text
    (seeded,) = page.json()["items"]
    before = detail(supervisor, seeded["id"])
    refused(act(supervisor, seeded["id"], "end"), "not in progress")
    refused(act(supervisor, seeded["id"], "coach"), "not in progress")
    assert detail(supervisor, seeded["id"]) == before


def test_a_second_supervisor_cannot_take_the_leg(
    supervisor: httpx.Client, admin: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    cid = new_call()
    ok(act(supervisor, cid, "listen"), "listen")
    for action in ("listen", "takeover", "handback", "leave"):
        refused(act(admin, cid, action), "another supervisor is already on this call")
    assert detail(admin, cid)["supervisor_mode"] == "listening"
    ok(act(supervisor, cid, "takeover"), "takeover")
    refused(act(admin, cid, "listen"), "another supervisor")
    ok(act(supervisor, cid, "handback"), "handback")
    ok(act(supervisor, cid, "leave"), "leave")
    # Once the leg is free, the admin may take it.
    assert ok(act(admin, cid, "listen"), "listen")["supervisor_mode"] == "listening"
    refused(act(supervisor, cid, "listen"), "another supervisor")
    refusals = [(user, action) for user, action, outcome in audit(db_url, cid) if outcome == "refused"]
    assert refusals == [
        ("u-admin", "listen"),
        ("u-admin", "takeover"),
        ("u-admin", "handback"),
        ("u-admin", "leave"),
        ("u-admin", "listen"),
        ("u-supervisor", "listen"),
    ]


def test_two_supervisors_racing_for_the_leg_one_wins(
    supervisor: httpx.Client, admin: httpx.Client, new_call: Callable[..., str]
) -> None:
    """The state check and the write are one atomic step: never two legs on one call."""

    def takeover_at(gate: threading.Barrier, client: httpx.Client, call_id: str) -> int:
        gate.wait()
        return act(client, call_id, "takeover").status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(15):
            cid = new_call()
            barrier = threading.Barrier(2, timeout=10)
            futures = [pool.submit(takeover_at, barrier, client, cid) for client in (supervisor, admin)]
            codes = sorted(future.result(timeout=30) for future in futures)
            assert codes == [200, 409], codes
            messages = detail(supervisor, cid)["messages"]
            assert sum(m["text"].endswith("took over the call") for m in messages) == 1


def test_handback_without_takeover_is_refused(supervisor: httpx.Client, new_call: Callable[..., str]) -> None:
    cid = new_call()
    refused(act(supervisor, cid, "handback"), "you have not taken over this call")
    ok(act(supervisor, cid, "listen"), "listen")
    refused(act(supervisor, cid, "handback"), "you have not taken over this call")
    assert detail(supervisor, cid)["supervisor_mode"] == "listening"


def test_readonly_users_cannot_act_or_delete(
    readonly: httpx.Client, supervisor: httpx.Client, new_call: Callable[..., str], db_url: str
) -> None:
    cid = new_call()
    before = detail(readonly, cid)  # reading is allowed
    for action in ACTIONS:
        response = act(readonly, cid, action)
        assert response.status_code == 403, (action, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert "read-only" in response.json()["detail"]
    response = readonly.delete(f"conversations/{cid}")
    assert response.status_code == 403, response.text
    assert detail(supervisor, cid) == before
    assert audit(db_url, cid) == []  # nothing was attempted on the call


def test_unknown_and_other_tenant_conversations_are_not_found(
    supervisor: httpx.Client, admin: httpx.Client, new_call: Callable[..., str], platform: Platform
) -> None:
    response = act(supervisor, "cnv_does_not_exist", "listen")
    assert response.status_code == 404, response.text
    # A globex conversation, addressed through acme by a user who belongs to both.
    with api_client(platform.url, "admin", tenant="globex") as globex:
        page = globex.post("conversations/search", json={"limit": 1})
        assert page.status_code == 200, page.text
        (other,) = page.json()["items"]
        before = globex.get(f"conversations/{other['id']}").json()
        for action in ACTIONS:
            assert act(admin, other["id"], action).status_code == 404
        assert admin.delete(f"conversations/{other['id']}").status_code == 404
        assert globex.get(f"conversations/{other['id']}").json() == before


def test_delete_a_live_call(supervisor: httpx.Client, new_call: Callable[..., str]) -> None:
    cid = new_call()
    assert supervisor.delete(f"conversations/{cid}").status_code == 204
    assert supervisor.get(f"conversations/{cid}").status_code == 404
    assert act(supervisor, cid, "listen").status_code == 404
