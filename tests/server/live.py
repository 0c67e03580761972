"""Shared helpers for the live-call tests: calls written straight into the
platform's database (as the telephony side would), direct reads of the events
and audit tables, and a small blocking WebSocket client for `/events`.

Everything here talks to the real database and the real server process; the
only thing it shares with the server is its storage layer (`server.store`),
which is how live traffic enters the platform.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.db.engine import Database
from server.db.models import AuditEntry, Contact, Conversation, Event
from server.domain import Direction, MessageRole, Platform, Status, UsedFor
from server.seed.records import ConversationRecord, MessageRecord
from server.store import conversations as store
from tests.platform import sign_in, tenant_token

TEST_PREFIX = "cnv_test_"
CONTACT_PREFIX = "ct_test_"
WAIT = 15.0  # default ceiling, seconds, for anything the server does asynchronously

_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def database(db_url: str) -> Database:
    """One engine per URL for the whole test session (engines are thread-safe)."""
    with _databases_lock:
        if db_url not in _databases:
            _databases[db_url] = Database(db_url)
        return _databases[db_url]


def dispose_databases() -> None:
    with _databases_lock:
        for db in _databases.values():
            db.dispose()
        _databases.clear()


# --- live calls in the database -------------------------------------------------


def call_record(
    tenant_id: str = "acme",
    *,
    platform: Platform = Platform.VOICE,
    status: Status = Status.IN_PROGRESS,
    messages: int = 2,
    prefix: str = TEST_PREFIX,
) -> ConversationRecord:
    """A fresh AI call that started a minute ago, with a few opening turns."""
    now = datetime.now(UTC)
    started = now - timedelta(seconds=60)
    turns = [
        MessageRecord(
            role=(MessageRole.AGENT if i % 2 == 0 else MessageRole.CUSTOMER).value,
            text=f"opening turn {i}",
            at=started + timedelta(seconds=5 * (i + 1)),
            offset_ms=5000 * (i + 1),
        )
        for i in range(messages)
    ]
    token = secrets.token_hex(6)
    ended = now if status != Status.IN_PROGRESS else None
    return ConversationRecord(
        id=f"{prefix}{token}",
        tenant_id=tenant_id,
        platform=platform.value,
        direction=Direction.INBOUND.value,
        used_for=UsedFor.TEST.value,
        status=status.value,
        contact_id=f"{CONTACT_PREFIX}{token}",
        contact_display=f"+1555000{int(token[:4], 16) % 10000:04d}",
        point_of_contact="+15550100000",
        flow_id=None,
        flow_name="",
        voice="test-voice" if platform == Platform.VOICE else None,
        started_at=started,
        ended_at=ended,
        flagged=False,
        parameters=[("source", "live-test")],
        tags=[("suite", "live")],
        reason="",
        summary="",
        analysis="",
        sentiment=[],
        messages=turns,
        function_calls=[],
        flow_path=[],
    )


def create_calls(db_url: str, count: int = 1, **kwargs: Any) -> list[str]:
    """Insert `count` new calls (one transaction); returns their ids."""
    with database(db_url).session() as session:
        return [store.create(session, call_record(**kwargs)).id for _ in range(count)]


def create_call(db_url: str, **kwargs: Any) -> str:
    return create_calls(db_url, 1, **kwargs)[0]


def _locked(session: Session, conversation_id: str) -> Conversation:
    conversation = session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    )
    assert conversation is not None, f"conversation {conversation_id} is gone"
    return conversation


def append_message(
    db_url: str, conversation_id: str, text: str, role: MessageRole = MessageRole.CUSTOMER
) -> None:
    """What the telephony side does when someone speaks on a live call."""
    with database(db_url).session() as session:
        conversation = _locked(session, conversation_id)
        now = datetime.now(UTC)
        offset = int((now - conversation.started_at).total_seconds() * 1000)
        store.append_message(
            session, conversation, MessageRecord(role=role.value, text=text, at=now, offset_ms=offset)
        )


def touch(db_url: str, conversation_id: str) -> None:
    with database(db_url).session() as session:
        store.touch(session, _locked(session, conversation_id))


def finish(db_url: str, conversation_id: str, status: Status = Status.COMPLETED) -> None:
    with database(db_url).session() as session:
        store.finish(session, _locked(session, conversation_id), status.value, summary="finished by the test")


def remove_calls(db_url: str, conversation_ids: Iterable[str]) -> None:
    """Delete calls a test created (with their test contacts), whatever state they are in."""
    ids = list(conversation_ids)
    if not ids:
        return
    with database(db_url).session() as session:
        for conversation in list(session.scalars(select(Conversation).where(Conversation.id.in_(ids)))):
            store.remove(session, conversation)
        session.flush()
        session.execute(
            delete(Contact).where(
                Contact.id.startswith(CONTACT_PREFIX, autoescape=True), Contact.conversation_count <= 0
            )
        )


# --- events and audit tables ----------------------------------------------------


def head_seq(db_url: str) -> int:
    """The newest event number, any tenant (what a cursor-less subscriber starts from)."""
    with database(db_url).session() as session:
        return int(session.scalar(select(func.max(Event.seq))) or 0)


def events_after(db_url: str, tenant_id: str, seq: int) -> list[Event]:
    with database(db_url).session() as session:
        return list(
            session.scalars(
                select(Event).where(Event.tenant_id == tenant_id, Event.seq > seq).order_by(Event.seq)
            )
        )


def audit_entries(db_url: str, conversation_id: str) -> list[AuditEntry]:
    with database(db_url).session() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.conversation_id == conversation_id)
                .order_by(AuditEntry.id)
            )
        )


# --- tokens ---------------------------------------------------------------------


def fresh_token(base_url: str, username: str, tenant: str = "acme") -> str:
    return tenant_token(base_url, sign_in(base_url, username)["access_token"], tenant)


def user_token(base_url: str, username: str) -> str:
    return sign_in(base_url, username)["access_token"]


# --- the events WebSocket -------------------------------------------------------


def events_url(base_url: str, tenant: str = "acme", cursor: int | str | None = None) -> str:
    url = base_url.replace("http://", "ws://", 1) + f"/api/v1/{tenant}/events"
    return url if cursor is None else f"{url}?cursor={cursor}"


class EventStream:
    """A blocking client of `/api/v1/{tenant}/events` that keeps what it received."""

    def __init__(self, connection: ClientConnection, stack: ExitStack) -> None:
        self.connection = connection
        self._stack = stack
        self.received: list[dict[str, Any]] = []
        self._unread: list[dict[str, Any]] = []  # events of a message not handed out yet

    @property
    def last_cursor(self) -> str | None:
        return self.received[-1]["cursor"] if self.received else None

    def next(self, timeout: float = WAIT) -> dict[str, Any]:
        if not self._unread:
            raw = self.connection.recv(timeout=timeout)
            events = json.loads(raw)  # a message is an array of one or more events
            assert isinstance(events, list) and events and all(isinstance(e, dict) for e in events), raw
            self._unread = events
        event = self._unread.pop(0)
        self.received.append(event)
        return event

    def take(self, count: int, timeout: float = WAIT) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        return [self.next(max(0.01, deadline - time.monotonic())) for _ in range(count)]

    def until(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = WAIT
    ) -> list[dict[str, Any]]:
        """Read until an event matches; returns everything read, the match last."""
        deadline = time.monotonic() + timeout
        read: list[dict[str, Any]] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"no matching event within {timeout} s; read {[(e['seq'], e['type']) for e in read]}"
                )
            try:
                event = self.next(remaining)
            except TimeoutError:
                continue
            read.append(event)
            if predicate(event):
                return read

    def drain(self, quiet: float = 0.5) -> list[dict[str, Any]]:
        """Read until nothing arrives for `quiet` seconds."""
        read: list[dict[str, Any]] = []
        while True:
            try:
                read.append(self.next(quiet))
            except TimeoutError:
                return read

    def close(self) -> None:
        self._stack.close()


def open_events(
    base_url: str,
    token: str | None,
    tenant: str = "acme",
    cursor: int | str | None = None,
    timeout: float = 10.0,
) -> EventStream:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    stack = ExitStack()
    connection = stack.enter_context(
        connect(
            events_url(base_url, tenant, cursor),
            additional_headers=headers,
            open_timeout=timeout,
            close_timeout=5,
            proxy=None,
            max_queue=None,
        )
    )
    return EventStream(connection, stack)


@contextmanager
def events(
    base_url: str, token: str | None, tenant: str = "acme", cursor: int | str | None = None
) -> Iterator[EventStream]:
    stream = open_events(base_url, token, tenant, cursor)
    try:
        yield stream
    finally:
        stream.close()


def close_code(
    base_url: str, token: str | None, tenant: str = "acme", cursor: str | None = None
) -> int | None:
    """Connect and wait for the server to close; the close code it sent (None: it never closed)."""
    try:
        with events(base_url, token, tenant, cursor) as stream:
            stream.next(timeout=5)
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None
    except TimeoutError:
        return None
    return None


def wait_until(
    condition: Callable[[], Any], timeout: float = WAIT, interval: float = 0.1, what: str = ""
) -> Any:
    """Poll until `condition()` is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)
