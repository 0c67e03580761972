"""events: live-event latency from a writer's commit to 20 WebSocket subscribers.

A platform with two workers runs on its own database (bench_events, cloned from
a small seeded base). A writer process inserts 500 in-progress voice calls with
server.store.conversations.create, then, while 20 WebSocket subscribers listen
(Authorization: Bearer <tenant token>), updates them with append_message at
about 2 updates/s per call (1,000 events/s offered), committing what is due
together (one transaction per pass, usually a few updates: the log says how
many transactions). Right after each commit it records time.time(); a
subscriber records time.time() when the bytes completing a message are read
(bench.ws_receiver: the 20 subscribers share the bench process and the cores
with the platform, so they do as little per message as a client can). The
events table maps each event's seq to the (conversation, message index) the
writer committed, which pairs the two.

Figures:
  events.latency  p99 over all subscribers of receive time - commit time, for
                  the append_message writer (at whatever rate it reached);
  events.rate     events/s that writer committed (bound: the offered 1,000/s);
  events.fanout   the same latency with a lean writer that commits event rows
                  (the shape append_message writes) straight through psycopg at
                  the offered 1,000 events/s, batched per 10 ms tick: the relay
                  and WebSocket fan-out at full rate, whatever the writer costs.
The bound of both latencies is the p99 of a bare PostgreSQL NOTIFY -> LISTEN
delivery (psycopg, 1,000/s) measured in the same run: the floor of this design.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import heapq
import json
import multiprocessing
import os
import random
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.common import (
    BenchPlatform,
    Context,
    create_database,
    drop_database,
    emit,
    libpq_url,
    log,
    percentile,
    seeded_database,
    summary,
)
from bench.cpu import CpuMeter
from server.domain import EventType
from server.events.relay import CHANNEL

NAME = "bench_events"
BASE = "convodesk_bench_events_base"
BASE_CONVERSATIONS = 1000
TENANT = "acme"
CALLS = 500
SUBSCRIBERS = 20
UPDATES_PER_SECOND_PER_CALL = 2.0
OFFERED = CALLS * UPDATES_PER_SECOND_PER_CALL
GOAL_MS = 100.0
GOAL = "<= 100 ms p99"
TICK = 0.01  # the lean writer's batching period
UPDATES_PER_TRANSACTION = 25  # the append_message writer's largest transaction
DRAIN_SECONDS = 30.0  # the longest wait for subscribers to catch up after a phase
MESSAGE = EventType.MESSAGE.value


def run(ctx: Context) -> None:
    seeded_database(ctx, name=BASE, conversations=BASE_CONVERSATIONS)
    url = create_database(ctx, NAME, template=BASE)
    try:
        asyncio.run(_run(ctx, url))
    finally:
        if not ctx.keep:
            drop_database(ctx, NAME)


async def _run(ctx: Context, url: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    # The writer creates its live calls while the platform starts.
    writer = spawn.Process(target=append_writer, args=(url, CALLS, ctx.scale.events_seconds, theirs))
    writer.start()
    try:
        with BenchPlatform(url, ctx.run_dir, workers=2) as platform:
            token = platform.tenant_token("supervisor", TENANT)
            ready = await asyncio.to_thread(ours.recv)
            log(f"events: writer created {ready[1]} live calls in {ready[2]:.1f} s")
            subscribers = [Subscriber(i) for i in range(SUBSCRIBERS)]
            ws_url = platform.url.replace("http://", "ws://") + f"/api/v1/{TENANT}/events"
            tasks = [asyncio.create_task(s.run(ws_url, token)) for s in subscribers]
            try:
                await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in subscribers)), 60)
                failed = [s.closed for s in subscribers if s.closed]
                if failed:
                    raise RuntimeError(f"{len(failed)} subscriber(s) could not connect: {failed[0]}")
                log(f"events: {SUBSCRIBERS} subscribers connected")
                meter = CpuMeter({"platform": platform.pid, "writer": writer.pid or 0, "bench": os.getpid()})
                await _phases(ctx, url, ours, subscribers, meter)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(nudge, url)
                    await asyncio.sleep(0.5)
    finally:
        with contextlib.suppress(Exception):
            ours.send("stop")
        writer.join(10)
        if writer.is_alive():
            writer.terminate()
            writer.join()


async def _phases(
    ctx: Context, url: str, writer: Connection, subscribers: list[Subscriber], meter: CpuMeter
) -> None:
    n = ctx.scale.conversations
    seconds = ctx.scale.events_seconds
    notify_ms = await notify_probe(url, ctx.scale.notify_seconds)
    bound = percentile(notify_ms, 99)
    log(f"events: bare NOTIFY -> LISTEN at {OFFERED:,.0f}/s [{summary(notify_ms)}]")

    # 1. The append_message writer, on schedule as far as it can keep up.
    meter.start()
    writer.send("go")
    done = await asyncio.to_thread(writer.recv)
    commits: list[tuple[str, int, float]] = done[1]
    rate = len(commits) / seconds
    log(f"events: append_message writer committed {len(commits):,} updates in {seconds:.0f} s "
        f"({rate:,.0f}/s of {OFFERED:,.0f}/s offered) in {done[4]:,} transactions; "
        f"schedule lag p99 {done[2]:.0f} ms")
    by_seq = _commit_times_by_seq(url, done[3], commits)
    until = await _drain(subscribers, max(by_seq, default=0))
    log(f"events: append_message phase: {meter.report()}")
    latency = _latencies(subscribers, by_seq, until)
    _report_delivery("append_message", subscribers, by_seq, latency)
    p99 = percentile(latency, 99)
    emit("events.latency", p99, "ms", bound, GOAL, n, p99 <= GOAL_MS)
    goal = f">= {0.95 * OFFERED:,.0f} events/s ({OFFERED:,.0f} offered)"
    ratio = OFFERED / rate if rate else float("inf")
    emit("events.rate", rate, "events/s", OFFERED, goal, n, rate >= 0.95 * OFFERED, ratio=ratio)

    # 2. The lean writer, at the offered rate, in a process of its own (as a thread here it
    # would compete with the subscribers for this interpreter and delay their timestamps).
    meter.start()
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        fanout = await asyncio.get_running_loop().run_in_executor(pool, lean_writer, url, OFFERED, seconds)
    log(f"events: lean writer committed {len(fanout):,} events in {seconds:.0f} s "
        f"({len(fanout) / seconds:,.0f}/s)")
    until = await _drain(subscribers, max(fanout, default=0))
    log(f"events: lean phase (bench: the subscribers; the writer's exited process is only in "
        f"'machine busy'): {meter.report()}")
    latency = _latencies(subscribers, fanout, until)
    _report_delivery("lean", subscribers, fanout, latency)
    p99 = percentile(latency, 99)
    emit("events.fanout", p99, "ms", bound, f"{GOAL} at {OFFERED:,.0f} events/s", n, p99 <= GOAL_MS)


# --- subscribers -------------------------------------------------------------------------


@dataclass
class Subscriber:
    index: int
    received: list[tuple[int, float]] = field(default_factory=list)  # (seq, time.time())
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    closed: str | None = None

    @property
    def last_seq(self) -> int:
        return self.received[-1][0] if self.received else 0

    async def run(self, url: str, token: str) -> None:
        """Receive until cancelled or closed, recording (seq, time.time()) per event.

        bench.ws_receiver rather than a general WebSocket client: it splits frames and
        stamps them, nothing more, so that the subscribers, which share the machine with
        the platform, take as little of its CPU as they can. The seqs are read from the
        raw bytes (see _seqs_of); the time is when the bytes completing the message were
        read, as a client's would be."""
        from bench.ws_receiver import connect

        received = self.received

        def on_message(data: bytes, now: float) -> None:
            received.extend((seq, now) for seq in _seqs_of(data))

        receiver = None
        try:
            receiver = await connect(url, {"Authorization": f"Bearer {token}"}, on_message)
            self.connected.set()
            self.closed = await receiver.closed
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.closed = f"{type(exc).__name__}: {exc}"
            log(f"events: subscriber {self.index} lost: {self.closed}")
        finally:
            self.connected.set()
            if receiver is not None:
                receiver.close()


# An object whose first key is "seq": in JSON text these bytes cannot come from inside a
# string (its quotes would be escaped), and the server writes each event's seq first while
# no object in an event's data starts with a "seq" key. A pattern that starts with a
# literal lets the regex engine skip ahead to it: 20x cheaper than one starting with an
# alternation, which made this the subscribers' largest cost.
_EVENT_START = re.compile(rb'\{"seq":(\d+),')


def _seqs_of(raw: str | bytes) -> list[int]:
    """The seqs of a message's events, without decoding all of it."""
    data = raw.encode() if isinstance(raw, str) else raw
    return [int(m) for m in _EVENT_START.findall(data)] or [int(e["seq"]) for e in json.loads(data)]


async def _drain(subscribers: list[Subscriber], last_seq: int) -> float:
    """Wait until every subscriber has the last event (or gave up); returns time.time() at the end."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        if all(s.last_seq >= last_seq or s.closed for s in subscribers):
            return time.time()
        await asyncio.sleep(0.05)
    behind = sum(1 for s in subscribers if s.last_seq < last_seq and not s.closed)
    log(f"events: {behind} subscriber(s) still behind seq {last_seq} after waiting {DRAIN_SECONDS:.0f} s")
    return time.time()


def _latencies(subscribers: list[Subscriber], committed: dict[int, float], until: float) -> list[float]:
    """ms from commit to receipt, per subscriber and event. An event a subscriber never got
    counts with the time it had been waiting when we stopped (a lower bound of its latency)."""
    out = []
    for s in subscribers:
        got = {seq: t for seq, t in s.received if seq in committed}
        out += [((got.get(seq) or until) - t) * 1000 for seq, t in committed.items()]
    return out


def _report_delivery(
    phase: str, subscribers: list[Subscriber], committed: dict[int, float], latency: list[float]
) -> None:
    delivered = sum(1 for s in subscribers for seq, _ in s.received if seq in committed)
    log(f"events: {phase}: {delivered:,} of {len(latency):,} deliveries arrived; "
        f"latency ms [{summary(latency)}]")
    for s in subscribers:
        if s.closed:
            log(f"events: subscriber {s.index}: {s.closed}")


# --- the bound: bare NOTIFY -> LISTEN ---------------------------------------------------


async def notify_probe(url: str, seconds: float, rate: float = OFFERED) -> list[float]:
    """Latency (ms) of NOTIFYs sent at `rate` from one connection to a LISTENing one."""
    dsn = libpq_url(url)
    received: dict[int, float] = {}
    sent: dict[int, float] = {}
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener:
        await listener.execute("LISTEN bench_probe")

        async def listen() -> None:
            async for note in listener.notifies():
                received[int(note.payload)] = time.time()

        task = asyncio.create_task(listen())

        def send() -> None:
            with psycopg.connect(dsn, autocommit=True) as c:
                start = time.monotonic()
                for i in range(int(seconds * rate)):
                    delay = start + i / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    c.execute("SELECT pg_notify('bench_probe', %s)", (str(i),))
                    sent[i] = time.time()

        await asyncio.to_thread(send)
        await asyncio.sleep(0.5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    return [(received[i] - t) * 1000 for i, t in sent.items() if i in received]


# --- writer 1: server.store.conversations.append_message (own process) -----------------


def _call(i: int, run: str, now: datetime) -> Any:
    from server.seed.records import ConversationRecord

    return ConversationRecord(
        id=f"cnv_bench_{run}_{i:04d}",
        tenant_id=TENANT,
        platform="voice",
        direction="inbound" if i % 3 else "outbound",
        used_for="production",
        status="in_progress",
        contact_id=f"bench-{run}-{i:04d}",
        contact_display=f"+1555{i:07d}",
        point_of_contact="+18005550100",
        flow_id=None,
        flow_name="",
        voice=None,
        started_at=now,
        ended_at=None,
        flagged=False,
        parameters=[("region", "us-east")],
        tags=[("Language", "English")],
        reason="",
        summary="",
        analysis="",
        sentiment=[],
        messages=[],
        function_calls=[],
        flow_path=[],
    )


LINES = (
    ("customer", "Hi, I'm calling about the charge on my last bill."),
    ("agent", "Sure, I can help with that. Could you confirm the account holder's name?"),
    ("customer", "It's under my name, the account ending in 4821."),
    ("agent", "Thank you. I see a one-time fee from the 3rd; let me check what it was for."),
)


def append_writer(url: str, calls: int, seconds: float, pipe: Connection) -> None:
    """Create `calls` live calls, wait for "go", then append messages on schedule for `seconds`."""
    from sqlalchemy.orm import Session

    from server.db.engine import Database
    from server.seed.records import MessageRecord
    from server.store import conversations as store

    db = Database(url)
    session = Session(db.engine, expire_on_commit=False)
    try:
        started = time.perf_counter()
        run = secrets.token_hex(3)
        now = datetime.now(UTC)
        live = []
        for first in range(0, calls, 50):
            live += [store.create(session, _call(i, run, now)) for i in range(first, min(first + 50, calls))]
            session.commit()
        first_seq = int(session.connection().exec_driver_sql("SELECT max(seq) FROM events").scalar_one() or 0)
        session.commit()
        pipe.send(("ready", len(live), time.perf_counter() - started))
        if pipe.recv() != "go":
            return

        period = 1.0 / UPDATES_PER_SECOND_PER_CALL
        rng = random.Random(7)
        start = time.monotonic()
        end = start + seconds
        due = [(start + rng.uniform(0, period), i) for i in range(len(live))]
        heapq.heapify(due)
        commits: list[tuple[str, int, float]] = []
        lag: list[float] = []
        transactions = 0
        while True:
            at, i = due[0]
            now_m = time.monotonic()
            if at >= end or now_m >= end:
                break
            if at > now_m:
                time.sleep(at - now_m)
                continue
            # What is due by now goes in one transaction (up to a limit, as the platform's
            # simulator writes): a commit waits for the disk, so one commit per update
            # would cap the writer at the disk's flush rate, whatever append_message costs.
            written: list[tuple[str, int]] = []
            while due[0][0] <= now_m and due[0][0] < end and len(written) < UPDATES_PER_TRANSACTION:
                at, i = heapq.heapreplace(due, (due[0][0] + period, due[0][1]))
                conversation = live[i]
                role, text = LINES[conversation.message_count % len(LINES)]
                wall = datetime.now(UTC)
                message = MessageRecord(
                    role=role, text=text, at=wall,
                    offset_ms=int((wall - conversation.started_at).total_seconds() * 1000), duration_ms=2500,
                )
                item = store.append_message(session, conversation, message)
                written.append((conversation.id, int(item["index"])))
                lag.append(now_m - at)
            session.commit()
            committed_at = time.time()
            transactions += 1
            commits += [(cid, index, committed_at) for cid, index in written]
        lag_p99 = percentile(lag, 99) * 1000 if lag else 0.0
        pipe.send(("done", commits, lag_p99, first_seq, transactions))
        pipe.recv()  # "stop": keep the connection until the parent has read the events
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        session.close()
        db.dispose()


def _commit_times_by_seq(url: str, after_seq: int, commits: list[tuple[str, int, float]]) -> dict[int, float]:
    """seq of each message event -> the writer's commit time of that update."""
    times = {(cid, index): t for cid, index, t in commits}
    by_seq: dict[int, float] = {}
    with psycopg.connect(libpq_url(url)) as c:
        rows = c.execute(
            "SELECT seq, conversation_id, (data -> 'message' ->> 'index')::int FROM events "
            "WHERE seq > %s AND type = %s",
            (after_seq, MESSAGE),
        )
        for seq, cid, index in rows:
            t = times.get((cid, index))
            if t is not None:
                by_seq[seq] = t
    return by_seq


# --- writer 2: lean event rows at the offered rate (a thread here) ---------------------


def lean_writer(url: str, rate: float, seconds: float) -> dict[int, float]:
    """Commit message-event rows like append_message's at `rate`, one transaction per tick.

    Each transaction takes its seqs from the platform's counter, inserts the rows
    and NOTIFYs, as server.store.events.record does for each event. Returns
    seq -> time.time() right after the commit.
    """
    committed: dict[int, float] = {}
    with psycopg.connect(libpq_url(url)) as c:
        templates = _templates(c)
        start = time.monotonic()
        written = ticks = 0
        while (elapsed := time.monotonic() - start) < seconds:
            due = int(elapsed * rate) - written
            if due > 0:
                first, last = _write_events(c, templates, due, written)
                t = time.time()
                for seq in range(first, last + 1):
                    committed[seq] = t
                written += due
            ticks += 1
            time.sleep(max(0.0, start + ticks * TICK - time.monotonic()))
    return committed


def nudge(url: str) -> None:
    """Commit one more event. The platform's events handler only notices that a
    subscriber has gone when it next sends to it; without this, the handlers of
    our closed subscribers wait for uvicorn's graceful-shutdown timeout (5 s)."""
    with psycopg.connect(libpq_url(url)) as c:
        _write_events(c, _templates(c)[:1], 1, 0)


def _templates(c: psycopg.Connection[Any]) -> list[tuple[str, Any]]:
    """(conversation id, data) of recent message events (else of any events of the tenant):
    the shape of the lean writer's rows."""
    rows = c.execute(
        "SELECT conversation_id, data FROM events WHERE type = %s AND tenant_id = %s "
        "ORDER BY seq DESC LIMIT %s",
        (MESSAGE, TENANT, CALLS),
    ).fetchall() or c.execute(
        "SELECT conversation_id, data FROM events WHERE tenant_id = %s ORDER BY seq DESC LIMIT %s",
        (TENANT, CALLS),
    ).fetchall()
    c.commit()
    if not rows:
        raise RuntimeError("no events to model the lean writer's rows on")
    return [(cid, data) for cid, data in rows]


def _write_events(
    c: psycopg.Connection[Any], templates: list[tuple[str, Any]], count: int, offset: int
) -> tuple[int, int]:
    """Commit `count` event rows in one transaction; returns their first and last seq."""
    with c.cursor() as cur:
        row = cur.execute(
            "UPDATE counters SET value = value + %s WHERE name = 'seq' RETURNING value", (count,)
        ).fetchone()
        assert row is not None
        last = int(row[0])
        first = last - count + 1
        at = datetime.now(UTC)
        rows = []
        for k in range(count):
            cid, data = templates[(offset + k) % len(templates)]
            rows.append((first + k, TENANT, MESSAGE, cid, at, Jsonb(data)))
        cur.executemany(
            "INSERT INTO events (seq, tenant_id, type, conversation_id, at, data) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
        cur.execute("SELECT pg_notify(%s, '')", (CHANNEL,))
    c.commit()
    return first, last
