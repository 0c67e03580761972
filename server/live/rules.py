"""The supervisor action state machine (DESIGN.md §5), free of I/O.

Actions apply only to an AI voice call in progress. A call has at most one
supervisor leg; listen/take over/hand back belong to whoever holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.domain import LiveState, Platform, Status, SupervisorMode


class Action(StrEnum):
    LISTEN = "listen"
    TAKEOVER = "takeover"
    HANDBACK = "handback"
    LEAVE = "leave"
    TRANSFER = "transfer"
    ENQUEUE = "enqueue"
    END = "end"
    COACH = "coach"


class Refused(Exception):
    """The action does not apply to the call as it is now (HTTP 409)."""


@dataclass(frozen=True)
class CallState:
    platform: str
    status: str
    live_state: str
    supervisor_user_id: str | None
    supervisor_mode: str


@dataclass(frozen=True)
class Outcome:
    live_state: LiveState
    supervisor_mode: SupervisorMode
    supervisor_user_id: str | None
    final_status: Status | None = None  # set when the action ends the AI's part of the call


def apply(action: Action, call: CallState, user_id: str) -> Outcome:
    _require_live_ai_call(call)
    mode = SupervisorMode(call.supervisor_mode)
    holder = call.supervisor_user_id
    mine = holder == user_id
    if action in (Action.LISTEN, Action.TAKEOVER, Action.HANDBACK, Action.LEAVE) and holder and not mine:
        raise Refused("another supervisor is already on this call")
    if action == Action.LISTEN:
        if mode == SupervisorMode.TAKEN_OVER:
            raise Refused("you have taken over this call; hand it back to listen again")
        return Outcome(LiveState.AI, SupervisorMode.LISTENING, user_id)
    if action == Action.TAKEOVER:
        return Outcome(LiveState.AI, SupervisorMode.TAKEN_OVER, user_id)
    if action == Action.HANDBACK:
        if mode != SupervisorMode.TAKEN_OVER:
            raise Refused("you have not taken over this call")
        return Outcome(LiveState.AI, SupervisorMode.LISTENING, user_id)
    if action == Action.LEAVE:
        if not mine:
            raise Refused("you are not on this call")
        return Outcome(LiveState.AI, SupervisorMode.NONE, None)
    if action == Action.TRANSFER:
        return Outcome(LiveState.HUMAN, SupervisorMode.NONE, None, final_status=Status.HUMAN_HANDOFF)
    if action == Action.ENQUEUE:
        return Outcome(LiveState.QUEUED, SupervisorMode.NONE, None)
    if action == Action.END:
        return Outcome(LiveState.ENDED, SupervisorMode.NONE, None, final_status=Status.COMPLETED)
    # Coaching changes nothing about who is on the call.
    return Outcome(LiveState(call.live_state), mode, holder)


def _require_live_ai_call(call: CallState) -> None:
    if call.platform != Platform.VOICE:
        raise Refused("live actions apply to voice calls only")
    if call.status != Status.IN_PROGRESS or call.live_state == LiveState.ENDED:
        raise Refused("the call is not in progress")
    if call.live_state == LiveState.QUEUED:
        raise Refused("the call is waiting in the human-agent queue")
    if call.live_state == LiveState.HUMAN:
        raise Refused("the call is with a human agent")
