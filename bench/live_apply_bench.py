"""live_apply: CacheStore.apply_events on a copy of the cache bench's file.

    python -m bench live_apply [--scale quick|full]
    python -m bench.live_apply_bench [--scale quick|full] [--cache FILE] [--messages N]

The traffic is the window bench's live phase (bench/window_live.py) without the
window: the 500 newest cached conversations are live calls, each updated in turn,
alternately a new transcript line (conversation.message) and a summary change
(conversation.updated), 50 events a WebSocket message, 20 messages a second (1,000
events/s), every event carrying the conversation's new summary. About 10 % of the
calls have a full record cached (the cache bench's share), whose transcripts and
content index grow. The messages are built and validated before the measurement:
only apply_events is timed, on a copy of the built file (or of `--cache FILE`,
opened as the app opens it: migrated if older, its time logged).

Figures:
  live_apply.message  p99 ms of CacheStore.apply_events for one message of 50 events;
                      bound: the same rows written through the sqlite3 module on a
                      second copy (the summary columns the events changed, the new
                      transcript lines and the cursor, one transaction a message; no
                      content index, no checkpoint), interleaved message by message.
                      Goal <= 50 ms.
  live_apply.rate     events/s apply_events keeps up with (events over the summed
                      apply times); bound: the 1,000/s the window bench offers.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.cache import CacheStore
from app.cache.database import BUSY_TIMEOUT_MS
from app.domain import Conversation, Filter, LiveEvent, Sort, parse_events
from app.filters import instants
from bench.cache_bench import SCALES as CACHE_SCALES
from bench.cache_build import TENANT, built_cache
from bench.common import ROOT, SCALES, Context, emit, log, percentile, summary

CALLS = 500
EVENTS_PER_MESSAGE = 50
MESSAGES = {"quick": 100, "full": 300}
OFFERED = 1000.0  # events/s: the window bench's 500 calls x 2 updates/s
GOAL_MS = 50.0
CHANGE_SEQ_BASE = 10**12  # above any summary in the cache: every update is newer


@dataclass(frozen=True)
class Traffic:
    texts: list[str]  # the WebSocket messages, as received
    batches: list[tuple[LiveEvent, ...]]  # the same, validated
    pks: dict[str, int]  # conversation id -> row key
    full: int  # calls with a full record cached


def build_traffic(store: CacheStore, now: datetime, messages: int) -> Traffic:
    """`messages` WebSocket messages for the CALLS newest conversations of the cache."""
    keys = [int(k) for k in store.row_keys(TENANT, Filter(), Sort(), now=now, limit=CALLS)]
    records: list[Conversation] = [r for r in store.rows_by_keys(TENANT, keys) if r is not None]
    pks = {record.id: key for record, key in zip(records, keys, strict=True)}
    transcripts = {}
    for record in records:
        detail = store.detail(TENANT, record.id)
        if detail is not None:
            transcripts[record.id] = len(detail.messages)
    updates = [0] * len(records)
    texts, seq = [], 0
    for m in range(messages):
        at = now + timedelta(seconds=m * EVENTS_PER_MESSAGE / OFFERED)
        events = []
        for j in range(EVENTS_PER_MESSAGE):
            call = (m * EVENTS_PER_MESSAGE + j) % len(records)
            record, n = records[call], updates[call]
            updates[call] += 1
            seq += 1
            events.append(_event(record, n, seq, at, transcripts.get(record.id, 0)))
        texts.append(json.dumps(events))
    batches = [parse_events(text) for text in texts]
    return Traffic(texts, batches, pks, len(transcripts))


def _event(record: Conversation, n: int, seq: int, at: datetime, cached_lines: int) -> dict[str, Any]:
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
        index = cached_lines + n // 2
        data["message"] = {
            "index": index,
            "role": "customer" if index % 2 else "agent",
            "text": text,
            "at": at.isoformat(),
            "offset_ms": 1000 * index,
            "duration_ms": 2500,
        }
    return {
        "seq": seq,
        "cursor": f"bench-{seq}",
        "type": kind,
        "conversation_id": record.id,
        "at": at.isoformat(),
        "data": data,
    }


class RawWriter:
    """The bound: the rows the events change, through the sqlite3 module, one transaction
    a message, on its own copy of the file."""

    def __init__(self, path: Path, full: set[int]) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        # No checkpoint: the floor is the writes themselves (its log grows a few MB a run).
        pragmas = (
            "journal_mode = WAL",
            "synchronous = NORMAL",
            "foreign_keys = ON",
            "wal_autocheckpoint = 0",
        )
        for pragma in pragmas:
            self._db.execute(f"PRAGMA {pragma}")
        self._full = full

    def apply(self, batch: tuple[LiveEvent, ...], pks: dict[str, int]) -> None:
        rows, lines = [], []
        for e in batch:
            c = e.data.conversation
            assert c is not None
            pk = pks[e.conversation_id]
            us = instants.to_micros
            rows.append((c.last_message, us(c.last_message_at), c.duration_seconds, c.change_seq, pk))
            m = e.data.message
            if m is not None and pk in self._full:
                lines.append((pk, m.index, m.role.value, m.text, us(m.at), m.offset_ms, m.duration_ms))
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "UPDATE conversations SET last_message = ?, last_message_at = ?, duration_seconds = ?, "
            "change_seq = ? WHERE pk = ?",
            rows,
        )
        db.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)", lines)
        db.execute("UPDATE sync_state SET events_cursor = ? WHERE tenant = ?", (batch[-1].cursor, TENANT))
        db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


def _copy(source: Path, target: Path) -> None:
    """A copy with whatever the source's write-ahead log holds (the backup API reads what a
    reader sees)."""
    wal = source.with_name(source.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        src, dst = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    else:
        shutil.copyfile(source, target)


def _full_pks(path: Path, pks: dict[str, int]) -> set[int]:
    with sqlite3.connect(path) as db:
        listed = json.dumps(list(pks.values()))
        query = (
            "SELECT pk FROM conversations "
            "WHERE full_seq IS NOT NULL AND pk IN (SELECT value FROM json_each(?))"
        )
        found = {row[0] for row in db.execute(query, (listed,))}
    db.close()
    return found


def measure(source: Path, now: datetime, messages: int, scale: int) -> None:
    with tempfile.TemporaryDirectory(prefix="convodesk-live-apply-", dir=source.parent) as scratch:
        store_copy, raw_copy = Path(scratch) / "store.sqlite3", Path(scratch) / "raw.sqlite3"
        started = time.perf_counter()
        _copy(source, store_copy)
        _copy(source, raw_copy)
        log(f"live_apply: two copies of {source} in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        store = CacheStore.open(store_copy)
        log(f"live_apply: opened (and migrated, if older) in {time.perf_counter() - started:.1f} s")
        raw: RawWriter | None = None
        try:
            traffic = build_traffic(store, now, messages)
            raw = RawWriter(raw_copy, _full_pks(raw_copy, traffic.pks))
            log(
                f"live_apply: {messages} messages of {EVENTS_PER_MESSAGE} events for {len(traffic.pks)} "
                f"calls, {traffic.full} with a full record cached"
            )
            applied, bound = _run(store, raw, traffic)
        finally:
            store.close()
            if raw is not None:
                raw.close()
    log(f"live_apply: apply_events [{summary(applied)}] ms; raw sqlite3 [{summary(bound)}] ms")
    p99 = percentile(applied, 99)
    emit(
        "live_apply.message",
        p99,
        "ms",
        percentile(bound, 99),
        f"<= {GOAL_MS:g} ms p99",
        scale,
        p99 <= GOAL_MS,
    )
    rate = EVENTS_PER_MESSAGE * len(applied) / (sum(applied) / 1000)
    emit(
        "live_apply.rate",
        rate,
        "events/s",
        OFFERED,
        f">= {OFFERED:,.0f}/s",
        scale,
        rate >= OFFERED,
        ratio=OFFERED / rate,
    )


def _run(store: CacheStore, raw: RawWriter, traffic: Traffic) -> tuple[list[float], list[float]]:
    """Each message applied by the store, then by the raw writer (both see the same load), at
    the rate the platform sends them."""
    applied, bound = [], []
    gc.collect()
    gc.freeze()  # as the app does at start-up: full collections of the startup objects are noise
    try:
        first = time.perf_counter()
        for n, batch in enumerate(traffic.batches):
            time.sleep(max(0.0, first + n * EVENTS_PER_MESSAGE / OFFERED - time.perf_counter()))
            started = time.perf_counter()
            store.apply_events(TENANT, batch)
            applied.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            raw.apply(batch, traffic.pks)
            bound.append((time.perf_counter() - started) * 1000)
    finally:
        gc.unfreeze()
    return applied, bound


def run(ctx: Context, *, cache: Path | None = None, messages: int | None = None) -> None:
    scale = CACHE_SCALES[ctx.scale.name]
    count = messages or MESSAGES[ctx.scale.name]
    if cache is None:
        built = built_cache(ctx.scale.name, scale.conversations, scale.full, reseed=ctx.reseed)
        measure(Path(built.path), built.instant, count, scale.conversations)
    else:  # the listing read is unfiltered: any instant will do
        measure(cache, datetime.now(UTC), count, scale.conversations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live_apply_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--cache", type=Path, help="copy this cache file instead of the built one")
    parser.add_argument("--messages", type=int, help="messages of 50 events to apply")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    run(Context(pg="", scale=SCALES[args.scale]), cache=args.cache, messages=args.messages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
