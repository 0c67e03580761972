"""window.live.*: the window under 500 live calls updating twice a second each (1,000 events/s).

The events are delivered the way the workspace delivers them: the app's own LiveEvents
(app/sync/live.py) takes each WebSocket message as text and parses it off the GUI
thread, applies it to the window's cache in one transaction off the GUI thread, and
publishes it; Workspace.events forwards it, and the window's bridge hands it to the
listing on the GUI thread (app.workspace wires LiveEvents.events to Workspace.events
the same way). Only the socket is left out: messages are taken from a queue instead
of a WebSocket, 20 a second with 50 events each, as a platform batching a busy second
sends them. The 500 calls are the listing's newest 500 conversations (the window is at
the top: about 30 of them on screen, the rest below it), each updated every half
second, alternately a new transcript line (conversation.message) and a summary change
(conversation.updated); every event carries the conversation's new summary, as the
contract says. The messages are built before the measurement (no GUI-thread work).

Measured over the phase: the GUI thread's CPU time (time.thread_time on it) over the
wall time, and the longest gap between two ticks of a 16 ms precise QTimer. Bound: the
same over the same time with no events (the idle window).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain import Conversation
from app.sync.live import LiveEvents
from bench.window_frames import Heartbeat, TimedApplication

CALLS = 500
UPDATES_PER_CALL_S = 2.0
EVENTS_PER_MESSAGE = 50
MESSAGES_PER_S = CALLS * UPDATES_PER_CALL_S / EVENTS_PER_MESSAGE  # 20
CHANGE_SEQ_BASE = 10**12  # above any summary in the cache: every update is newer


@dataclass(frozen=True)
class LiveRun:
    seconds: float
    cpu_share: float  # GUI thread CPU time / wall time
    busy_share: float  # GUI thread busy periods / wall time (CPU and waits for the GIL)
    gaps_ms: list[float]  # heartbeat gaps
    longest_frame_ms: float  # the longest frame (window_frames)
    longest: list[str]  # what the longest frames were made of
    offered: int  # events put in the queue
    delivered: int  # events published to the window within the phase
    backlog: int  # messages still queued when the phase ended


class _NoTokens:
    """The socket is not used: nothing asks for a token."""

    async def access_token(self) -> str:
        raise RuntimeError("no socket in the window bench")

    async def renew(self, rejected: str) -> str:
        raise RuntimeError("no socket in the window bench")


def build_messages(window: Any, seconds: float) -> tuple[list[str], int]:
    """The WebSocket messages of `seconds` of live traffic; returns them and how many of the
    calls are on screen."""
    store, tenant = window.workspace.store, window.workspace.tenant
    keys = [int(k) for k in window.model.keys[:CALLS]]
    records: list[Conversation] = [r for r in store.rows_by_keys(tenant, keys) if r is not None]
    transcripts = {}
    for record in records:
        detail = store.detail(tenant, record.id)
        if detail is not None:
            transcripts[record.id] = len(detail.messages)
    on_screen = max(0, window.table.rowAt(window.table.viewport().height() - 1) + 1)
    updates = [0] * len(records)
    start = datetime.now(UTC)
    messages, seq = [], 0
    for m in range(int(seconds * MESSAGES_PER_S)):
        at = start + timedelta(seconds=m / MESSAGES_PER_S)
        events = []
        for j in range(EVENTS_PER_MESSAGE):
            call = (m * EVENTS_PER_MESSAGE + j) % len(records)
            record, n = records[call], updates[call]
            updates[call] += 1
            seq += 1
            text = f"Live line {n + 1}: thank you for holding, I am checking that for you now."
            summary = record.model_copy(
                update={
                    "last_message": text,
                    "last_message_at": at,
                    "duration_seconds": record.duration_seconds + n // 2,
                    "change_seq": CHANGE_SEQ_BASE + seq,
                }
            )
            data: dict[str, Any] = {"conversation": summary.model_dump(mode="json")}
            kind = "conversation.updated"
            if n % 2 == 0:
                kind = "conversation.message"
                index = transcripts.get(record.id, 0) + n // 2
                data["message"] = {
                    "index": index,
                    "role": "customer" if index % 2 else "agent",
                    "text": text,
                    "at": at.isoformat(),
                    "offset_ms": 1000 * index,
                    "duration_ms": 2500,
                }
            events.append(
                {
                    "seq": seq,
                    "cursor": f"bench-{seq}",
                    "type": kind,
                    "conversation_id": record.id,
                    "at": at.isoformat(),
                    "data": data,
                }
            )
        messages.append(json.dumps(events))
    return messages, min(on_screen, len(records))


async def measure(qt: TimedApplication, window: Any, seconds: float, messages: list[str] | None) -> LiveRun:
    """`seconds` of the window with these messages delivered at their rate (None: idle)."""
    workspace = window.workspace

    async def no_resync() -> None:
        return None

    live = LiveEvents(
        events_url="ws://127.0.0.1:9/unused",
        tokens=_NoTokens(),
        store=workspace.store,
        tenant=workspace.tenant,
        connectivity=workspace.connectivity,
        resync=no_resync,
    )
    live.events.subscribe(workspace.events.publish)  # as Workspace._start_background wires it
    delivered = 0

    def count(batch: Any) -> None:
        nonlocal delivered
        delivered += len(batch)

    live.events.subscribe(count)
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    heartbeat = Heartbeat(window)
    heartbeat.start()
    qt.take()
    qt.recording = True
    cpu, wall = time.thread_time(), time.perf_counter()
    offered = 0

    async def consume() -> None:
        while (message := await queue.get()) is not None:
            await live._apply(message)  # what LiveEvents does with each message of the socket

    consumer = asyncio.ensure_future(consume())
    if messages is None:
        await asyncio.sleep(seconds)
    else:
        for i, message in enumerate(messages):
            await asyncio.sleep(max(0.0, wall + i / MESSAGES_PER_S - time.perf_counter()))
            queue.put_nowait(message)
            offered += message.count('"seq":')
        await asyncio.sleep(max(0.0, wall + seconds - time.perf_counter()))
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    qt.recording = False
    recording = qt.take()
    gaps = heartbeat.stop()
    backlog, in_time = queue.qsize(), delivered
    queue.put_nowait(None)
    await consumer  # the rest is applied outside the measurement
    busy = sum(e - s for s, e in recording.periods)
    longest = max((ms for _, ms in recording.frames()), default=0.0)
    return LiveRun(
        wall, cpu / wall, busy / wall, gaps, longest, recording.longest(), offered, in_time, backlog
    )
