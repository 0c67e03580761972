"""Live supervisor actions on AI voice calls: authorised, applied, audited."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from server.api.conversations import load
from server.api.deps import DbSession
from server.api.problems import conflict
from server.auth.dependencies import TenantPrincipal, require_actor
from server.auth.principal import Principal
from server.db.models import AuditEntry, ConversationDetail
from server.domain import EventType, MessageRole
from server.live.rules import Action, CallState, Refused, apply
from server.schemas.conversations import ConversationSummary
from server.schemas.filter import Text
from server.search.summaries import summary_of
from server.seed.records import MessageRecord
from server.store import conversations as store

router = APIRouter(tags=["live actions"])

ConversationId = Annotated[str, Path(min_length=1, max_length=64)]
PHONE_OR_SIP = r"^(\+[1-9][0-9]{6,14}|sips?:[A-Za-z0-9._~+-]{1,64}@[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?)$"


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    destination: Annotated[str, Field(pattern=PHONE_OR_SIP, description="E.164 number or SIP URI")]


class CoachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[Text, Field(min_length=1, max_length=2000)]  # no NUL: PostgreSQL text cannot hold one


class ActionResult(BaseModel):
    action: Action
    conversation: ConversationSummary


NOTES = {
    Action.TAKEOVER: "{name} took over the call",
    Action.HANDBACK: "{name} handed the call back to the AI agent",
    Action.TRANSFER: "Call transferred to {destination}",
    Action.ENQUEUE: "Moved to the human-agent queue by {name}",
    Action.END: "Call ended by {name}",
}


def _perform(
    session: Session, principal: Principal, conversation_id: str, action: Action, **detail: Any
) -> ActionResult:
    require_actor(principal)
    conversation = load(session, principal.tenant_id, conversation_id, lock=True)
    call = CallState(
        platform=conversation.platform,
        status=conversation.status,
        live_state=conversation.live_state,
        supervisor_user_id=conversation.supervisor_user_id,
        supervisor_mode=conversation.supervisor_mode,
    )
    try:
        outcome = apply(action, call, principal.user_id)
    except Refused as exc:
        _audit(session, principal, action, conversation_id, "refused", {"reason": str(exc), **detail})
        raise conflict(str(exc)) from exc

    now = datetime.now(UTC)
    conversation.live_state = outcome.live_state.value
    conversation.supervisor_mode = outcome.supervisor_mode.value
    conversation.supervisor_user_id = outcome.supervisor_user_id
    note = NOTES.get(action)
    if note:
        text = note.format(name=principal.username, **detail)
        store.append_message(
            session, conversation, _message(conversation.started_at, now, MessageRole.SYSTEM, text)
        )
    if action == Action.COACH:
        _coach(session, conversation.pk, principal.username, detail["text"], now)
        store.append_message(
            session,
            conversation,
            _message(conversation.started_at, now, MessageRole.COACHING, detail["text"]),
        )
    if outcome.final_status is not None:
        # Post-call processing: the platform writes the summary as the call ends.
        store.finish(
            session, conversation, outcome.final_status.value, summary=f"Call ended: {note_text(action)}."
        )
    elif not note and action != Action.COACH:
        store.touch(session, conversation, EventType.UPDATED)
    _audit(session, principal, action, conversation_id, "ok", detail)
    return ActionResult(action=action, conversation=summary_of(conversation))


def note_text(action: Action) -> str:
    return {Action.TRANSFER: "transferred by a supervisor", Action.END: "ended by a supervisor"}.get(
        action, action.value
    )


def _message(started: datetime, now: datetime, role: MessageRole, text: str) -> MessageRecord:
    offset = int((now - started).total_seconds() * 1000)
    return MessageRecord(role=role.value, text=text, at=now, offset_ms=offset)


def _coach(session: Session, pk: int, author: str, text: str, at: datetime) -> None:
    detail = session.get_one(ConversationDetail, pk, with_for_update=True)
    note = {"id": f"coach_{secrets.token_hex(6)}", "author": author, "text": text, "at": at.isoformat()}
    detail.coaching = [*detail.coaching, note]


def _audit(
    session: Session,
    principal: Principal,
    action: Action,
    conversation_id: str,
    outcome: str,
    detail: dict[str, Any],
) -> None:
    # Coaching text is transcript content: the audit log records that it was sent, not what it said.
    safe = {k: v for k, v in detail.items() if k != "text"}
    entry = AuditEntry(
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        action=action.value,
        conversation_id=conversation_id,
        outcome=outcome,
        detail=safe,
        at=datetime.now(UTC),
    )
    if outcome == "refused":
        # The request's transaction is rolled back with the 409; the refusal is still recorded.
        session.info.setdefault("after_rollback", []).append(entry)
    else:
        session.add(entry)


def _simple(action: Action, summary: str) -> None:
    def endpoint(
        conversation_id: ConversationId, principal: TenantPrincipal, session: DbSession
    ) -> ActionResult:
        return _perform(session, principal, conversation_id, action)

    endpoint.__name__ = f"action_{action.value}"
    router.post(
        f"/conversations/{{conversation_id}}/actions/{action.value}",
        summary=summary,
        responses={409: {"description": "The call is not in a state that allows this action."}},
    )(endpoint)


_simple(Action.LISTEN, "Listen in silently (the supervisor's microphone is not connected)")
_simple(Action.TAKEOVER, "Take over: the supervisor speaks with the customer; the AI pauses")
_simple(Action.HANDBACK, "Hand the call back to the AI agent")
_simple(Action.LEAVE, "Drop the supervisor's leg")
_simple(Action.ENQUEUE, "Stop the AI and put the caller in the human-agent queue")
_simple(Action.END, "Hang up every leg; post-call processing runs")


@router.post(
    "/conversations/{conversation_id}/actions/transfer",
    summary="Transfer the caller to an external number; the AI and supervisor legs drop",
    responses={409: {"description": "The call is not in a state that allows this action."}},
)
def transfer(
    conversation_id: ConversationId, body: TransferIn, principal: TenantPrincipal, session: DbSession
) -> ActionResult:
    return _perform(session, principal, conversation_id, Action.TRANSFER, destination=body.destination)


@router.post(
    "/conversations/{conversation_id}/actions/coach",
    summary="Send coaching to the AI agent (never shown to the customer)",
    responses={409: {"description": "The call is not in a state that allows this action."}},
)
def coach(
    conversation_id: ConversationId, body: CoachIn, principal: TenantPrincipal, session: DbSession
) -> ActionResult:
    return _perform(session, principal, conversation_id, Action.COACH, text=body.text)
