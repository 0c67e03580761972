"""Simulated live traffic: AI voice calls that start, talk, call functions, and end.

Each simulated call replays the script of a finished voice conversation of the
same tenant (its turns, function calls and flow path) in real time, as a new
conversation with its own id and start time. Supervisor actions taken through
the API are respected: a call that was taken over pauses, one that was
enqueued waits for a "human agent", one that was ended or transferred stops.
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.engine import Database
from server.db.models import Conversation, ConversationDetail
from server.domain import LiveState, Platform, Status, SupervisorMode
from server.seed.records import ConversationRecord, FlowStepRecord, MessageRecord
from server.store import conversations as store

log = logging.getLogger(__name__)
TICK_SECONDS = 0.25
SCRIPTS_PER_TENANT = 60
ENDINGS = (
    (Status.COMPLETED, 0.8),
    (Status.ABANDONED, 0.08),
    (Status.FAILED, 0.04),
    (Status.HUMAN_HANDOFF, 0.08),
)


@dataclass
class Script:
    tenant_id: str
    template: Conversation
    messages: list[dict[str, Any]]
    function_calls: list[dict[str, Any]]
    flow_path: list[dict[str, Any]]


@dataclass
class LiveCall:
    conversation_id: str
    script: Script
    started: float  # monotonic
    next_message: int = 0
    queued_since: float | None = None
    paused_for: float = 0.0  # seconds spent taken over (the script resumes where it stopped)
    paused_at: float | None = None
    ending: Status = Status.COMPLETED
    done: bool = field(default=False)


class Simulator:
    def __init__(self, db_url: str, *, target: int, seed: int | None = None) -> None:
        self.db_url = db_url
        self.target = target
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-simulator", daemon=True)
        self._scripts: dict[str, list[Script]] = {}
        self._calls: dict[str, LiveCall] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    # -- loop ---------------------------------------------------------------

    def _run(self) -> None:
        db = Database(self.db_url)
        try:
            self._load_scripts(db)
            while not self._stop.wait(TICK_SECONDS):
                try:
                    self._tick(db)
                except Exception:
                    log.exception("simulator tick failed; retrying")
                    time.sleep(1.0)
        finally:
            db.dispose()

    def _load_scripts(self, db: Database) -> None:
        with db.session() as session:
            for tenant_id in session.scalars(select(Conversation.tenant_id).distinct()):
                rows = session.execute(
                    select(Conversation, ConversationDetail)
                    .join(ConversationDetail, ConversationDetail.conversation_pk == Conversation.pk)
                    .where(
                        Conversation.tenant_id == tenant_id,
                        Conversation.platform == Platform.VOICE,
                        Conversation.status != Status.IN_PROGRESS,
                        Conversation.message_count >= 4,
                        Conversation.flow_id.is_not(None),
                    )
                    # Completed calls make the best scripts, but a tenant may have none (with
                    # one recording whose script hands off, every call that talked did):
                    # any finished call that talked will do, as the simulator picks the ending.
                    .order_by((Conversation.status == Status.COMPLETED).desc(), func.random())
                    .limit(SCRIPTS_PER_TENANT)
                ).all()
                self._scripts[tenant_id] = [
                    Script(tenant_id, c, list(d.messages), list(d.function_calls), list(d.flow_path))
                    for c, d in rows
                ]
        log.info("simulator ready", extra={"scripts": {t: len(s) for t, s in self._scripts.items()}})

    def _tick(self, db: Database) -> None:
        now = time.monotonic()
        with db.session() as session:
            self._start_calls(session, now)
        for call in list(self._calls.values()):
            # One transaction per call, taking its locks in the API's order (the call's
            # row, its details, then the sequence counter). A tick-wide transaction held
            # the counter while it waited for the next call's row, and deadlocked with a
            # supervisor action on that call (PostgreSQL then aborted one of the two).
            with db.session() as session:
                conversation = session.scalar(
                    select(Conversation).where(Conversation.id == call.conversation_id).with_for_update()
                )
                if conversation is None or conversation.live_state in (LiveState.ENDED, LiveState.HUMAN):
                    self._calls.pop(call.conversation_id)  # deleted, ended or transferred by a supervisor
                    continue
                self._advance(session, conversation, call, now)
                if call.done:
                    self._calls.pop(call.conversation_id)

    def _start_calls(self, session: Session, now: float) -> None:
        tenants = [t for t, scripts in self._scripts.items() if scripts]
        if not tenants:
            return
        # Start at most a few per tick so that calls are staggered, not synchronised.
        for _ in range(min(3, self.target - len(self._calls))):
            tenant_id = "acme" if "acme" in tenants and self.rng.random() < 0.85 else self.rng.choice(tenants)
            script = self.rng.choice(self._scripts[tenant_id])
            conversation = store.create(session, self._record(script))
            call = LiveCall(conversation.id, script, started=now, ending=self._ending())
            self._calls[call.conversation_id] = call

    def _ending(self) -> Status:
        roll, total = self.rng.random(), 0.0
        for status, share in ENDINGS:
            total += share
            if roll < total:
                return status
        return Status.COMPLETED

    def _record(self, script: Script) -> ConversationRecord:
        t = script.template
        now = datetime.now(UTC)
        entry = script.flow_path[0]["node_id"] if script.flow_path else None
        return ConversationRecord(
            id=f"cnv_live_{secrets.token_hex(6)}",
            tenant_id=script.tenant_id,
            platform=Platform.VOICE.value,
            direction=t.direction,
            used_for=t.used_for,
            status=Status.IN_PROGRESS.value,
            contact_id=t.contact_id,
            contact_display=t.contact_display,
            point_of_contact=t.point_of_contact,
            flow_id=t.flow_id,
            flow_name=t.flow_name,
            voice=t.voice,
            started_at=now,
            ended_at=None,
            flagged=False,
            parameters=[(k, v) for k, v in t.parameters],
            tags=[(k, v) for k, v in t.tags],
            reason="",
            summary="",
            analysis="",
            sentiment=[],
            messages=[],
            function_calls=[],
            flow_path=[FlowStepRecord(entry, now, 0)] if entry else [],
        )

    def _advance(self, session: Session, conversation: Conversation, call: LiveCall, now: float) -> None:
        if conversation.live_state == LiveState.QUEUED:
            call.queued_since = call.queued_since or now
            if now - call.queued_since > 8:  # a human agent picks up, talks, and wraps up
                store.finish(
                    session, conversation, Status.HUMAN_HANDOFF.value, summary="Handled by a human agent."
                )
                call.done = True
            return
        if conversation.supervisor_mode == SupervisorMode.TAKEN_OVER:
            call.paused_at = call.paused_at or now
            return  # the AI is paused while a supervisor speaks
        if call.paused_at is not None:
            call.paused_for += now - call.paused_at
            call.paused_at = None
        elapsed_ms = (now - call.started - call.paused_for) * 1000
        script = call.script
        while (
            call.next_message < len(script.messages)
            and script.messages[call.next_message]["offset_ms"] <= elapsed_ms
        ):
            index = call.next_message
            spoken = script.messages[index]
            store.append_message(
                session,
                conversation,
                MessageRecord(
                    role=spoken["role"],
                    text=spoken["text"],
                    at=datetime.now(UTC),
                    offset_ms=int(elapsed_ms),
                    duration_ms=spoken.get("duration_ms", 0),
                ),
            )
            for fc in script.function_calls:
                if fc["message_index"] == index:
                    store.add_function_call(session, conversation, fc["name"], fc["input"], fc["output"])
            for step in script.flow_path[1:]:
                if step["message_index"] == index:
                    store.move_to_node(session, conversation, step["node_id"])
            call.next_message += 1
        if call.next_message >= len(script.messages):
            self._end(session, conversation, call)

    def _end(self, session: Session, conversation: Conversation, call: LiveCall) -> None:
        if call.ending == Status.HUMAN_HANDOFF:
            conversation.live_state = LiveState.QUEUED.value
            conversation.supervisor_mode = SupervisorMode.NONE.value
            conversation.supervisor_user_id = None
            store.touch(session, conversation)
            return
        template = session.get(ConversationDetail, call.script.template.pk)
        summary = template.summary if template else "The AI agent completed the call."
        store.finish(session, conversation, call.ending.value, summary=summary)
        call.done = True
