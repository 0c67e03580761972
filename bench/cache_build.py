"""The cache bench's cache file: built once per scale and schema, reused while marked.

Summaries go in through CacheStore.upsert_summaries, pages of 5,000, as a first sync
writes them: with the secondary indexes set aside (CacheStore.suspend_indexes) and
built at the end (restore_indexes, which also runs ANALYZE) when there is more than
one page, as app.sync.changes does. Full records go in one of two ways, with the
same result:

* "api": CacheStore.write_detail per record, as opening a conversation does; it
  runs about fifteen statements a record (a few hundred records a second);
* "bulk": the same rows (app.cache.codec.detail_rows and the search text) through
  the same SQLAlchemy tables with executemany, all in one transaction. Every build
  first checks on a small sample that both ways leave identical tables.

The directory holds marker.json, written only once the build is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Pool, bindparam, event, select, update

from app.cache import CacheStore, codec
from app.cache.database import make_engine
from app.cache.schema import (
    artifacts,
    conversation_details,
    conversation_search,
    conversations,
    function_calls,
    messages,
)
from app.domain import FlowSummary
from app.filters import instants
from app.filters import text as words
from bench import cache_data
from bench.cache_data import Synthetic
from bench.common import ROOT, log

TENANT = "acme"
SEED = 1
BATCH = 5_000  # summaries per page written (the platform's pages are smaller; sync batches them)
DETAIL_BATCH = 1_000
API_LIMIT = 10_000  # above this many full records they go in "bulk"
MARKER_VERSION = 1
BUILD_VERSION = 2  # part of the fingerprint: 2 = summaries written the way a first sync writes them
BUILD_CACHE_KB = 1_500_000


@dataclass(frozen=True)
class BuiltCache:
    path: str
    now: str  # ISO instant the data is laid out against: the `now` of every query
    conversations: int
    full: int
    method: str  # how the full records went in: "api" | "bulk"
    empty_bytes: int  # pages in use by the empty schema
    summaries_bytes: int  # pages in use with the summaries only (after a checkpoint)
    full_bytes: int  # pages in use with the full records too
    summaries_seconds: float
    store_seconds: float  # of summaries_seconds, in CacheStore (upserts and building indexes)
    indexes_seconds: float  # of store_seconds, building the secondary indexes (0: kept row by row)
    details_seconds: float
    schema: str
    marker: int = MARKER_VERSION

    @property
    def instant(self) -> datetime:
        return datetime.fromisoformat(self.now)

    def synthetic(self) -> Synthetic:
        return Synthetic(self.conversations, self.full, seed=SEED, now=self.instant)


def fingerprint() -> str:
    """Changes with the schema, its migrations or the generator: a cache built under others is stale."""
    digest = hashlib.sha256(f"build {BUILD_VERSION}".encode())
    cache = ROOT / "app" / "cache"
    paths = [cache / "schema.py", *sorted((cache / "migrations" / "versions").glob("*.py"))]
    for path in [*paths, Path(cache_data.__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_root() -> Path:
    base = os.environ.get("CONVODESK_BENCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "convodesk-bench"
    )
    return Path(base)


def built_cache(scale_name: str, conversations: int, full: int, *, reseed: bool) -> BuiltCache:
    """The marked cache of this scale, built first if missing, stale or `reseed`."""
    directory = cache_root() / f"cache-{scale_name}-{fingerprint()}"
    marker_path = directory / "marker.json"
    if marker_path.exists() and not reseed:
        try:
            built = BuiltCache(**json.loads(marker_path.read_text()))
        except (TypeError, ValueError):
            built = None
        if built and (built.conversations, built.full) == (conversations, full) and Path(built.path).exists():
            log(f"reusing cache {built.path} ({conversations:,} summaries, {full:,} full; built "
                f"{built.now} by {built.method})")
            return built
    for stale in cache_root().glob(f"cache-{scale_name}-*"):  # other schemas' builds: a million rows is GBs
        shutil.rmtree(stale, ignore_errors=True)
    directory.mkdir(parents=True)
    method = "api" if full <= API_LIMIT else "bulk"
    check_equivalence()
    now = datetime.now(UTC).replace(microsecond=0)
    built = build(directory / "cache.sqlite3", Synthetic(conversations, full, seed=SEED, now=now), method)
    marker_path.write_text(json.dumps(asdict(built), indent=1))
    return built


def _large_page_cache(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Build only: a million rows with seventeen indexes on random ids stay in memory
    # instead of going back and forth to the OS (what is written is the same).
    dbapi_connection.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KB}")


def build(path: Path, synth: Synthetic, method: str) -> BuiltCache:
    log(f"building {path}: {synth.count:,} summaries and {len(synth.full):,} full records ({method}; "
        f"page cache {BUILD_CACHE_KB // 1024:,} MB)")
    event.listen(Pool, "connect", _large_page_cache)
    try:
        return _build(path, synth, method)
    finally:
        event.remove(Pool, "connect", _large_page_cache)


def _build(path: Path, synth: Synthetic, method: str) -> BuiltCache:
    with CacheStore.open(path) as store:
        flows = [FlowSummary(id=f, name=n, description=f"{n} flow", node_count=12)
                 for f, n, _ in cache_data.FLOWS]
        store.upsert_flows(TENANT, flows)
        empty = _used_bytes(path)
        started = time.perf_counter()
        # As a first sync of more than one page does (app.sync.changes).
        first_sync = synth.count > BATCH and hasattr(store, "suspend_indexes")
        writing = 0.0  # of which in the store (the rest is generating records)
        if first_sync:
            store.suspend_indexes()
        for start in range(0, synth.count, BATCH):
            stop = min(synth.count, start + BATCH)
            page = [synth.conversation(i) for i in range(start, stop)]
            writing -= time.perf_counter()
            store.upsert_summaries(TENANT, page)
            writing += time.perf_counter()
            _progress("summaries", stop, synth.count, started)
        indexing = time.perf_counter()
        built_indexes = store.restore_indexes() if first_sync else 0
        indexing = time.perf_counter() - indexing
        writing += indexing
        summaries_seconds = time.perf_counter() - started
        summaries = _used_bytes(path)
        how = "indexes kept"
        if first_sync:
            how = f"{built_indexes} indexes set aside, built in {indexing:.1f} s"
        log(f"summaries: {synth.count:,} in {summaries_seconds:.1f} s, {writing:.1f} s of it in "
            f"CacheStore ({synth.count / writing:,.0f}/s; {how})")
        started = time.perf_counter()
        if method == "api":
            for done, i in enumerate(synth.full, 1):
                store.write_detail(TENANT, synth.detail(i))
                if done % 5_000 == 0:
                    _progress("full records", done, len(synth.full), started)
        else:
            _bulk_details(path, synth, started)
        details_seconds = time.perf_counter() - started
        total = _used_bytes(path)
        log(f"full records: {len(synth.full):,} in {details_seconds:.1f} s "
            f"({len(synth.full) / max(details_seconds, 1e-9):,.0f}/s, {method})")
    return BuiltCache(
        path=str(path), now=synth.now.isoformat(), conversations=synth.count, full=len(synth.full),
        method=method, empty_bytes=empty, summaries_bytes=summaries, full_bytes=total,
        summaries_seconds=round(summaries_seconds, 1), store_seconds=round(writing, 1),
        indexes_seconds=round(indexing, 1),
        details_seconds=round(details_seconds, 1),
        schema=fingerprint(),
    )


def _progress(what: str, done: int, total: int, started: float) -> None:
    if done == total or done % (total // 10 or 1) < BATCH:
        elapsed = time.perf_counter() - started
        log(f"  {what}: {done:,}/{total:,} in {elapsed:.0f} s ({done / max(elapsed, 1e-9):,.0f}/s)")


def _used_bytes(path: Path) -> int:
    """Pages in use after folding the write-ahead log into the file (what a cap counts)."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        pages, free, size = (db.execute(f"PRAGMA {p}").fetchone()[0]
                             for p in ("page_count", "freelist_count", "page_size"))
    db.close()
    return int((pages - free) * size)


# --- the bulk path: what writes.write_detail writes, many rows a statement ---

_DETAIL_TABLES = {t.name: t for t in (conversation_details, messages, function_calls, artifacts)}


def _bulk_details(path: Path, synth: Synthetic, started: float) -> None:
    engine = make_engine(path)
    c = conversations.c
    mark_full = (
        update(conversations)
        .where(c.pk == bindparam("b_pk"))
        .values(full_seq=bindparam("b_seq"), last_access=bindparam("b_now"))
    )
    try:
        with engine.connect().execution_options(write=True) as conn, conn.begin():
            now_us = instants.to_micros(datetime.now(UTC))
            for start in range(0, len(synth.full), DETAIL_BATCH):
                part = synth.full[start : start + DETAIL_BATCH]
                rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _DETAIL_TABLES}
                search, marks = [], []
                details = [synth.detail(i) for i in part]
                query = select(c.id, c.pk).where(c.tenant == TENANT, c.id.in_([d.id for d in details]))
                pks = dict(conn.execute(query).tuples().all())
                for detail in details:
                    pk = pks[detail.id]
                    for name, table_rows in codec.detail_rows(pk, detail).items():
                        rows[name] += table_rows
                    text = words.transcript_search_text(detail.messages)
                    search.append({"conversation_pk": pk, "search_text": text})
                    marks.append({"b_pk": pk, "b_seq": detail.change_seq, "b_now": now_us})
                for name, table_rows in rows.items():
                    if table_rows:
                        conn.execute(_DETAIL_TABLES[name].insert(), table_rows)
                conn.execute(conversation_search.insert(), search)  # triggers fill the FTS index
                conn.execute(mark_full, marks)
                done = start + len(part)
                if done % 10_000 < DETAIL_BATCH or done == len(synth.full):
                    _progress("full records", done, len(synth.full), started)
    finally:
        engine.dispose()


# --- both paths agree --------------------------------------------------------------------------

_SKIP_COLUMNS = {"conversations": {"last_access"}}  # the time of the write
_FTS_WORDS = ("order", "chargeback", "thank", "refund", "a12345678", "router")


def check_equivalence(count: int = 1_500, full: int = 300) -> None:
    """Build a small cache both ways and require identical tables (bar write times) and
    identical content-search answers; raises AssertionError otherwise."""
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="convodesk-cache-check-") as tmp:
        paths = {}
        for method in ("api", "bulk"):
            paths[method] = Path(tmp) / f"{method}.sqlite3"
            synth = Synthetic(count, full, seed=SEED + 1, now=now)
            build(paths[method], synth, method)
        dumps = {m: _dump(p) for m, p in paths.items()}
    differing = [t for t in dumps["api"] if dumps["api"][t] != dumps["bulk"].get(t)]
    if differing or set(dumps["api"]) != set(dumps["bulk"]):
        raise AssertionError(f"bulk build differs from CacheStore's in: {differing or 'the table list'}")
    log(f"bulk build checked against CacheStore on {count:,} summaries / {full:,} full records: identical")


def _dump(path: Path) -> dict[str, Any]:
    db = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {}
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'conversation_fts%' "
            "AND name NOT LIKE 'sqlite_%'"
        )]
        for table in tables:
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")
                       if r[1] not in _SKIP_COLUMNS.get(table, set())]
            listed = ", ".join(f'"{c}"' for c in columns)
            out[table] = db.execute(f"SELECT {listed} FROM {table} ORDER BY {listed}").fetchall()
        db.execute("INSERT INTO conversation_fts(conversation_fts) VALUES ('integrity-check')")
        for word in _FTS_WORDS:
            query = "SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH ? ORDER BY rowid"
            out[f"fts:{word}"] = db.execute(query, (f'"{word}"',)).fetchall()
        return out
    finally:
        db.close()
