"""cache: the client's SQLite cache (app.cache.CacheStore) at the scale's size.

The cache file of the scale (bench/cache_build.py: 20,000 or 1,000,000 summaries of
tenant acme, 5,000 or 100,000 of them with full records) is built once and reused.
Every query is timed through CacheStore, as the app calls it, and its bound is the
same SQL statement the store executed (captured with a before_cursor_execute
listener) replayed through the sqlite3 module on the same file with fetchall: no
SQLAlchemy, no pydantic records. Store and raw samples are interleaved so both
see the same machine load. Queries are resolved against the instant the data was
laid out at, so relative filters (date_within P7D) do not drift as a cache ages.

Per case, stderr gets the matches, p50/p90/p99/max of both sides and the full
garbage collections that fell in the samples (each pauses for tens of ms: what the
slowest samples usually are); a case that misses its goal gets its EXPLAIN QUERY
PLAN logged. Besides each filter field alone, `contact.phone` looks up one contact
by phone number (a substring test that no index serves).
"""

from __future__ import annotations

import gc
import json
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from app.cache import CacheStore
from app.domain import ConversationDetail, Filter, Sort
from bench.cache_build import TENANT, BuiltCache, built_cache
from bench.common import ROOT, Context, emit, log, percentile, summary

LIMIT = 100
SORT = Sort()  # date, newest first
MIN_SAMPLES = 10  # a case stops early (case_seconds) only past this many samples
PAGE_GOAL_MS, CONTENT_GOAL_MS, IDS_GOAL_MS, RSS_GOAL_MB = 50.0, 150.0, 300.0, 400.0


@dataclass(frozen=True)
class CacheScale:
    conversations: int
    full: int  # of them with full records (transcripts: what content search reads)
    samples: int  # timed calls per first-page or content case, after the warm-up
    warmup: int
    case_seconds: float  # stop sampling a case after this long (with MIN_SAMPLES)
    ids_samples: int  # the same for row_keys
    ids_case_seconds: float


SCALES = {
    "quick": CacheScale(20_000, 5_000, samples=20, warmup=3, case_seconds=1.5, ids_samples=10,
                        ids_case_seconds=2.0),
    "full": CacheScale(1_000_000, 100_000, samples=100, warmup=5, case_seconds=20.0, ids_samples=50,
                       ids_case_seconds=40.0),
}


@dataclass(frozen=True)
class Case:
    figure: str
    filter: Filter
    goal_ms: float
    two_x: bool  # the goal includes "<= 2x bound"

    @property
    def goal(self) -> str:
        return f"<= {self.goal_ms:g} ms p99" + (" and <= 2x bound" if self.two_x else "")


def cases(built: BuiltCache) -> tuple[list[Case], list[Case]]:
    """(page cases, row-key list cases)."""
    synth = built.synthetic()
    step = max(1, built.conversations // 10)
    ids = tuple(synth.conversation_id(i) for i in range(step // 2, built.conversations, step))
    # A contact looked up by phone number: one of the many with a handful of conversations.
    phone = synth.contact(synth.contacts // 2)[2]
    fields: dict[str, dict[str, Any]] = {
        "view.all": {},
        "view.production": {"used_for": "production"},
        "view.test": {"used_for": "test"},
        "ids": {"ids": ids},
        "status": {"statuses": ["reported"]},
        "date_within": {"date_within": "P7D"},
        "platform": {"platforms": ["slack"]},
        "flow": {"flow_ids": ["flow_acme_tech"]},
        "direction": {"direction": "outbound"},
        "used_for": {"used_for": "test"},
        "flagged": {"flagged": True},
        "repeat_contacts": {"repeat_contacts": {"min": 5}},
        "contact": {"contact": "garcia"},
        "contact.phone": {"contact": phone},
        "function": {"functions": ["send_sms"]},
        "tag": {"tags": [{"key": "Language", "value": "Spanish"}]},
        "parameter": {"parameters": [{"key": "region", "value": "us-east"}]},
    }
    pages = [Case(f"cache.first_page.{n}", Filter.model_validate(f), PAGE_GOAL_MS, True)
             for n, f in fields.items()]
    # Words in about half of the transcripts, in 0.3% of them, and a phrase in three quarters.
    content = {"common": "help", "rare": "chargeback", "phrase": '"thank you"'}
    pages += [Case(f"cache.content.{n}", Filter(content=q), CONTENT_GOAL_MS, False)
              for n, q in content.items()]
    listed = {"all": {}, "status": {"statuses": ["completed"]}, "platform": {"platforms": ["voice"]},
              "content": {"content": "help"}}
    row_keys = [Case(f"cache.row_keys.{n}", Filter.model_validate(f), IDS_GOAL_MS, False)
                for n, f in listed.items()]
    return pages, row_keys


def run(ctx: Context) -> None:
    scale = SCALES[ctx.scale.name]
    built = built_cache(ctx.scale.name, scale.conversations, scale.full, reseed=ctx.reseed)
    log(f"cache build: summaries {built.summaries_seconds:.1f} s ({built.store_seconds:.1f} s of it in "
        f"CacheStore, {built.conversations / max(built.store_seconds, 1e-9):,.0f}/s, of which building "
        f"indexes {built.indexes_seconds:.1f} s), "
        f"full records ({built.method}) "
        f"{built.details_seconds:.1f} s ({built.full / max(built.details_seconds, 1e-9):,.0f}/s); "
        f"file {built.full_bytes / 2**20:,.0f} MB in use")
    pages, row_keys = cases(built)
    now = built.instant
    with CacheStore.open(Path(built.path)) as store:
        raw = sqlite3.connect(built.path, isolation_level=None)
        try:
            for case in pages:
                call = _page_call(store, case.filter, now)
                _measure(store, raw, case, call, scale.samples, scale.case_seconds, scale.warmup, now,
                         built.conversations)
            for case in row_keys:
                call = _keys_call(store, case.filter, now)
                warmup = min(2, scale.warmup)  # long calls
                _measure(store, raw, case, call, scale.ids_samples, scale.ids_case_seconds, warmup, now,
                         built.conversations)
        finally:
            raw.close()
    _sizes(built)
    _rss(built, pages + row_keys)


# --- timing ---------------------------------------------------------------------------------


def _page_call(store: CacheStore, f: Filter, now: datetime) -> Callable[[], object]:
    return lambda: store.search(TENANT, f, SORT, now=now, limit=LIMIT)


def _keys_call(store: CacheStore, f: Filter, now: datetime) -> Callable[[], object]:
    return lambda: store.row_keys(TENANT, f, SORT, now=now)


def _measure(
    store: CacheStore,
    raw: sqlite3.Connection,
    case: Case,
    call: Callable[[], object],
    samples: int,
    seconds: float,
    warmup: int,
    now: datetime,
    cached: int,  # conversations in the cache: the figure's scale
) -> None:
    statements = capture(call)
    replay = _replayer(raw, statements)
    for _ in range(warmup):
        call()
        replay()
    store_ms, raw_ms = [], []
    deadline = time.monotonic() + seconds
    with FullCollections() as collections:
        for i in range(samples):
            if i >= MIN_SAMPLES and time.monotonic() > deadline:
                break
            store_ms.append(_timed(call))
            raw_ms.append(_timed(replay))
    value, bound = percentile(store_ms, 99), percentile(raw_ms, 99)
    ok = value <= case.goal_ms and (not case.two_x or value <= 2 * bound)
    matches = store.count(TENANT, case.filter, now=now)
    log(f"{case.figure}: matches={matches:,} store[{summary(store_ms)}] raw[{summary(raw_ms)}] "
        f"{collections}")
    emit(case.figure, value, "ms", bound, case.goal, cached, ok)
    if not ok:
        _explain(raw, case, statements)


class FullCollections:
    """Python's full (generation 2) garbage collections while sampling: each pauses whatever
    runs, and is what the slowest samples are usually made of."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._started) * 1000)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)

    def __str__(self) -> str:
        longest = f", longest {max(self.pauses):.0f} ms" if self.pauses else ""
        return f"full gc: {len(self.pauses)}{longest}"


def capture(call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SELECT statements (and bound parameters) the store executes for `call`."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    if not statements:
        raise RuntimeError("the store ran no SELECT to capture")
    return statements


def _replayer(raw: sqlite3.Connection, statements: list[tuple[str, Any]]) -> Callable[[], None]:
    def replay() -> None:
        for statement, parameters in statements:
            raw.execute(statement, parameters or ()).fetchall()

    return replay


def _timed(call: Callable[[], object]) -> float:
    """Milliseconds."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _explain(raw: sqlite3.Connection, case: Case, statements: list[tuple[str, Any]]) -> None:
    for statement, parameters in statements:
        plan = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ()).fetchall()
        lines = "\n".join(f"    {'  ' * _depth(plan, row[1])}{row[3]}" for row in plan)
        log(f"{case.figure} missed {case.goal!r}; its plan:\n    {' '.join(statement.split())}\n"
            f"    {parameters}\n{lines}")


def _depth(plan: list[Any], parent: int) -> int:
    parents = {row[0]: row[1] for row in plan}
    depth = 0
    while parent:
        parent, depth = parents.get(parent, 0), depth + 1
    return depth


# --- size -----------------------------------------------------------------------------------


def _sizes(built: BuiltCache) -> None:
    """KB per 1,000 summaries and per full record (pages in use after a checkpoint, measured
    when the file was built); bound: the JSON of the same records as the platform sends them,
    from a sample re-generated now."""
    synth = built.synthetic()
    step = max(1, built.conversations // 2_000)
    sample = range(0, built.conversations, step)
    summary_json = sum(len(synth.conversation(i).model_dump_json()) for i in sample) / len(sample)
    full_sample = synth.full[:: max(1, len(synth.full) // 500)]
    details = [synth.detail(i) for i in full_sample]
    detail_json = sum(len(d.model_dump_json()) for d in details) / len(details)
    per_summary = (built.summaries_bytes - built.empty_bytes) / built.conversations
    per_full = (built.full_bytes - built.summaries_bytes) / max(1, built.full)
    log(f"cache size: {built.summaries_bytes / 2**20:,.1f} MB with {built.conversations:,} summaries, "
        f"{built.full_bytes / 2**20:,.1f} MB with {built.full:,} full records too (pages in use). Bounds: "
        f"the platform's JSON of the same records ({summary_json:,.0f} B a summary, {detail_json:,.0f} B "
        f"a full record with its summary fields, {_messages(details):.1f} messages on average)")
    emit("cache.size.per_1000_summaries", per_summary * 1000 / 1024, "KB", summary_json * 1000 / 1024,
         "report (bound: the JSON of the same summaries)", built.conversations, True)
    emit("cache.size.per_full_conversation", per_full / 1024, "KB", detail_json / 1024,
         "report (bound: the JSON of the same full records)", built.conversations, True)


def _messages(details: list[ConversationDetail]) -> float:
    return sum(len(d.messages) for d in details) / max(1, len(details))


# --- memory ---------------------------------------------------------------------------------


def _rss(built: BuiltCache, measured: list[Case]) -> None:
    """Peak RSS of a fresh process that opens the cache and runs every case once; bound: a
    process that imports the same modules and parses the same filters, without the cache."""
    work = [{"keys": "row_keys" in c.figure, "filter": c.filter.model_dump(mode="json", exclude_none=True)}
            for c in measured]
    peaks = {mode: _child_rss(mode, built, work) for mode in ("open", "bare")}
    value, bound = peaks["open"] / 1024, peaks["bare"] / 1024
    log(f"cache.rss: peak {value:.0f} MB opening {built.conversations:,} cached conversations and running "
        f"{len(work)} queries once (first pages and full row-key lists); bare process {bound:.0f} MB")
    emit("cache.rss", value, "MB", bound, f"<= {RSS_GOAL_MB:g} MB", built.conversations, value <= RSS_GOAL_MB)


def _child_rss(mode: str, built: BuiltCache, work: list[dict[str, Any]]) -> int:
    command = [sys.executable, "-m", "bench.cache_bench", "--rss", mode, built.path, built.now]
    result = subprocess.run(command, cwd=ROOT, input=json.dumps(work), capture_output=True, text=True,
                            check=True)
    return int(json.loads(result.stdout)["maxrss_kb"])


def _rss_child(mode: str, path: str, now: str) -> None:
    """The child of _child_rss: prints {"maxrss_kb": ...}."""
    work = json.loads(sys.stdin.read())
    filters = [(w["keys"], Filter.model_validate(w["filter"])) for w in work]
    if mode == "open":
        instant = datetime.fromisoformat(now)
        with CacheStore.open(Path(path)) as store:
            for keys, f in filters:
                if keys:
                    store.row_keys(TENANT, f, SORT, now=instant)
                else:
                    store.search(TENANT, f, SORT, now=instant, limit=LIMIT)
    print(json.dumps({"maxrss_kb": _peak_rss_kb()}))


def _peak_rss_kb() -> int:
    """This process's peak RSS. ru_maxrss will not do in a child: Linux carries the parent's
    peak over the exec (a vforked child starts out "as large as" the bench), so the
    high-water mark of the process's own memory map is read instead where there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--rss":
        _rss_child(*sys.argv[2:])
    else:
        raise SystemExit("usage: python -m bench cache  (this module's own entry is the RSS probe)")
