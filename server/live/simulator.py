"""Simulated live traffic: AI voice calls that start, talk, call functions, and end.

Each simulated call replays the script of a finished voice conversation of the
same tenant (its turns, function calls and flow path) in real time, as a new
conversation with its own id and start time. Supervisor actions taken through
the API are respected: a call that was taken over pauses, one that was
enqueued waits for a "human agent", one that was ended or transferred stops.

It runs in a process of its own, so that the traffic it writes does not take
CPU time from the API worker it would otherwise share an interpreter with.
"""

from __future__ import annotations

import copy
import logging
import math
import multiprocessing
import os
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server import logs
from server.db.engine import Database
from server.db.models import Conversation, ConversationDetail
from server.domain import LiveState, Platform, Status, SupervisorMode
from server.seed.records import ConversationRecord, FlowStepRecord, MessageRecord
from server.store import conversations as store

log = logging.getLogger(__name__)
TICK_SECONDS = 0.25
SCRIPTS_PER_TENANT = 60
RAMP_SECONDS = 10.0  # new calls start over about this long, staggered, not all at once
QUEUE_SECONDS = 8.0
CALLS_PER_TRANSACTION = 25  # how long a human agent takes to pick up, talk, and wrap up
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
    summary: str  # what post-call processing writes when a replay of this script ends
    messages: list[dict[str, Any]]
    function_calls: list[dict[str, Any]]
    flow_path: list[dict[str, Any]]


@dataclass
class LiveCall:
    conversation_id: str
    pk: int
    script: Script
    started: float  # monotonic
    next_message: int = 0
    queued_since: float | None = None
    paused_for: float = 0.0  # seconds spent taken over (the script resumes where it stopped)
    paused_at: float | None = None
    ending: Status = Status.COMPLETED
    done: bool = field(default=False)


class Simulator:
    """Starts and stops the simulator's process."""

    def __init__(self, db_url: str, *, target: int, seed: int | None = None) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._stop = spawn.Event()
        args = (db_url, target, seed, self._stop, os.getpid())
        self._process = spawn.Process(target=_run, args=args, name="live-simulator", daemon=True)

    def start(self) -> None:
        self._process.start()

    def stop(self) -> None:
        self._stop.set()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _run(db_url: str, target: int, seed: int | None, stop: Any, parent: int) -> None:
    logs.configure()
    traffic = Traffic(target=target, seed=seed)
    db = Database(db_url)
    try:
        traffic.load_scripts(db)
        next_tick = time.monotonic()
        while os.getppid() == parent:  # a platform that died without stopping us leaves no orphan
            next_tick += TICK_SECONDS
            if stop.wait(max(0.0, next_tick - time.monotonic())):
                return
            try:
                traffic.tick(db)
            except Exception:
                log.exception("simulator tick failed; retrying")
                time.sleep(1.0)
                next_tick = time.monotonic()
    except KeyboardInterrupt:
        pass
    finally:
        db.dispose()


class Traffic:
    """The simulated calls, advanced tick by tick: what each says, calls and ends."""

    def __init__(self, *, target: int, seed: int | None = None) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self._scripts: dict[str, list[Script]] = {}
        self._calls: dict[str, LiveCall] = {}
        self._last_tick: float | None = None

    # -- loop ---------------------------------------------------------------

    def load_scripts(self, db: Database) -> None:
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
                    Script(
                        tenant_id,
                        c,
                        d.summary or "The AI agent completed the call.",
                        list(d.messages),
                        list(d.function_calls),
                        list(d.flow_path),
                    )
                    for c, d in rows
                ]
        log.info("simulator ready", extra={"scripts": {t: len(s) for t, s in self._scripts.items()}})

    def tick(self, db: Database) -> None:
        now = time.monotonic()
        # Start calls at a pace that fills the target in about RAMP_SECONDS and replaces
        # calls as they end, however long the last tick took.
        elapsed = TICK_SECONDS if self._last_tick is None else now - self._last_tick
        self._last_tick = now
        starts = max(3, math.ceil(self.target * elapsed / RAMP_SECONDS))
        with db.session() as session:
            self._start_calls(session, now, starts)
        due = self._due(db, now)
        for first in range(0, len(due), CALLS_PER_TRANSACTION):
            self._write(db, due[first : first + CALLS_PER_TRANSACTION], now)

    def _write(self, db: Database, pks: list[int], now: float) -> None:
        """Write what is due on these calls, in one transaction.

        A commit per write would cap the traffic at the disk's flush rate; one per few
        dozen calls keeps each transaction (and the delay before its events are seen)
        short. It locks every call it will write first, in one statement that skips
        calls a supervisor action holds right now (they wait for the next tick); after
        that it never waits for a row, so holding the sequence counter from its first
        write to its commit cannot deadlock with the API, whose actions lock one call's
        row, then its details, then the counter."""
        saved = {cid: copy.copy(call) for cid, call in self._calls.items()}
        try:
            with db.session() as session:
                locked = session.scalars(
                    select(Conversation)
                    .where(Conversation.pk.in_(pks))
                    .order_by(Conversation.pk)
                    .with_for_update(skip_locked=True)
                ).all()
                for conversation in locked:
                    call = self._calls[conversation.id]
                    if conversation.live_state in (LiveState.ENDED, LiveState.HUMAN):
                        self._calls.pop(call.conversation_id)  # ended or transferred meanwhile
                        continue
                    self._advance(session, conversation, call, now)
                    if call.done:
                        self._calls.pop(call.conversation_id)
        except Exception:
            self._calls = saved  # nothing of this transaction was written: replay it next time
            raise

    def _due(self, db: Database, now: float) -> list[int]:
        """The calls with something to write now, seeing what supervisors did to each
        (one read of their state, without locking anything)."""
        with db.session() as session:
            states = {
                pk: (live_state, mode)
                for pk, live_state, mode in session.execute(
                    select(Conversation.pk, Conversation.live_state, Conversation.supervisor_mode).where(
                        Conversation.pk.in_([call.pk for call in self._calls.values()])
                    )
                )
            }
        due = []
        for call in list(self._calls.values()):
            state = states.get(call.pk)
            if state is None or state[0] in (LiveState.ENDED, LiveState.HUMAN):
                self._calls.pop(call.conversation_id)  # deleted, ended or transferred by a supervisor
            elif self._observe(call, *state, now):
                due.append(call.pk)
        return due

    def _observe(self, call: LiveCall, live_state: str, mode: str, now: float) -> bool:
        """Keep the call's clock in step with what supervisors did; whether it has a write due."""
        if live_state == LiveState.QUEUED:
            call.queued_since = call.queued_since or now
            return now - call.queued_since > QUEUE_SECONDS
        if mode == SupervisorMode.TAKEN_OVER:
            call.paused_at = call.paused_at or now
            return False  # the AI is paused while a supervisor speaks
        if call.paused_at is not None:
            call.paused_for += now - call.paused_at
            call.paused_at = None
        if call.next_message >= len(call.script.messages):
            return True  # the script is over: the call ends
        return bool(call.script.messages[call.next_message]["offset_ms"] <= self._elapsed_ms(call, now))

    @staticmethod
    def _elapsed_ms(call: LiveCall, now: float) -> float:
        return (now - call.started - call.paused_for) * 1000

    def _start_calls(self, session: Session, now: float, most: int) -> None:
        tenants = [t for t, scripts in self._scripts.items() if scripts]
        if not tenants:
            return
        # At most a few per tick, so that calls are staggered, not synchronised.
        for _ in range(min(most, self.target - len(self._calls))):
            tenant_id = "acme" if "acme" in tenants and self.rng.random() < 0.85 else self.rng.choice(tenants)
            script = self.rng.choice(self._scripts[tenant_id])
            conversation = store.create(session, self._record(script))
            call = LiveCall(conversation.id, conversation.pk, script, started=now, ending=self._ending())
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
        """Write what is due on a call whose row this transaction has locked."""
        if conversation.live_state == LiveState.QUEUED:
            if call.queued_since is not None and now - call.queued_since > QUEUE_SECONDS:
                store.finish(
                    session, conversation, Status.HUMAN_HANDOFF.value, summary="Handled by a human agent."
                )
                call.done = True
            return
        if conversation.supervisor_mode == SupervisorMode.TAKEN_OVER:
            return  # taken over since the state was read: the next tick pauses the clock
        elapsed_ms = self._elapsed_ms(call, now)
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
        store.finish(session, conversation, call.ending.value, summary=call.script.summary)
        call.done = True
