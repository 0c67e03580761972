"""The local cache on real SQLite files, filled with real records from the platform:
migrations, idempotent writes, full records, flows and views, files on disk, pinning and
least-recently-used eviction (the change feed and live events: test_cache_changes.py)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from app.cache import CacheSchemaTooNew, CacheStore, FileKind, cache_path, indexes, migrate
from app.cache.migrate import head
from app.cache.schema import metadata
from app.domain import (
    Filter,
    Flow,
    FlowSummary,
    Sort,
    Status,
    View,
)
from tests.client.cache_cases import NOW, TENANT, summaries, table_counts
from tests.client.conftest import TenantCorpus
from tests.platform import ROOT

# --- opening and migrating ------------------------------------------------------------------


def test_open_creates_the_schema_and_reopens(tmp_path: Path, acme_corpus: TenantCorpus) -> None:
    path = tmp_path / "nested" / "cache.sqlite3"
    with CacheStore.open(path) as store:
        assert store.recovered is None
        assert store.upsert_summaries(TENANT, summaries(acme_corpus)[:20]) == 20
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (head(),)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA auto_vacuum").fetchone() == (2,)  # incremental
        fts = db.execute("SELECT sql FROM sqlite_master WHERE name = 'conversation_fts'").fetchone()[0]
        assert "unicode61 remove_diacritics 2" in fts
    with CacheStore.open(path) as again:
        assert len(again.all_ids(TENANT, Filter(), Sort(), now=NOW)) == 20
        # The connection enforces foreign keys (side rows cascade with their conversation).
        with again._reading() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 5000


def test_the_revisions_read_from_the_scripts_are_alembics() -> None:
    """The cache's migrations are known without importing Alembic: the same head and revisions."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(migrate.MIGRATIONS))
    assert migrate.head() == scripts.get_current_head()
    assert migrate.known_revisions() == {script.revision for script in scripts.walk_revisions()}


def test_opening_an_up_to_date_cache_does_not_import_alembic(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    CacheStore.open(path).close()  # created and migrated
    opened = (
        "import sys; from pathlib import Path; from app.cache.store import CacheStore; "
        f"CacheStore.open(Path({str(path)!r})).close(); print('alembic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", opened], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", result.stderr


def test_tables_match_the_migrations(store: CacheStore) -> None:
    """schema.py (what queries use) and the migrations (what files hold) are one schema."""
    engine = create_engine(f"sqlite:///{store.path}")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    # The FTS5 indexes and their shadow tables are made by the migrations alone (schema.py has
    # no Table for them: queries reach an index through a lightweight table clause).
    fts = [
        d
        for d in differences
        if d[0] == "remove_table" and d[1].name.startswith(("conversation_fts", "contact_spellings_fts"))
    ]
    assert len(fts) >= 8
    assert [d for d in differences if d not in fts] == []


def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    CacheStore.open(path).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    db.close()
    before = path.read_bytes()
    with pytest.raises(CacheSchemaTooNew) as refused:
        CacheStore.open(path)
    assert (
        "newer version of Convodesk" in refused.value.message
        and refused.value.revision == "0099_from_the_future"
    )
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_one_cache_per_server_and_user(tmp_path: Path) -> None:
    a = cache_path(tmp_path, "https://cc.example.com/", "sam")
    assert a == cache_path(tmp_path, "HTTPS://CC.example.com", "sam")
    others = {
        cache_path(tmp_path, "https://cc.example.com", "alex"),
        cache_path(tmp_path, "https://cc.example.com:8443", "sam"),
        cache_path(tmp_path, "https://other.example.com", "sam"),
        cache_path(tmp_path, "https://cc.example.com", "../../sam"),
    }
    assert a not in others and len(others) == 4
    assert all(p.parent == tmp_path and "/" not in p.name for p in [a, *others])


@pytest.mark.parametrize("first", ["app.filters", "app.filters.sql", "app.filters.order", "app.cache"])
def test_packages_import_in_any_order(first: str) -> None:
    code = f"import {first}; import app.cache, app.filters; app.cache.CacheStore; app.filters.conditions"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --- writing ------------------------------------------------------------------------------------


def test_upserts_are_idempotent_and_never_go_backwards(store: CacheStore, acme_corpus: TenantCorpus) -> None:
    rows = summaries(acme_corpus)
    assert store.upsert_summaries(TENANT, rows) == len(rows)
    counts = table_counts(store.path)
    assert store.upsert_summaries(TENANT, rows) == len(rows)
    assert store.upsert_summaries(TENANT, rows[::-1]) == len(rows)
    assert table_counts(store.path) == counts
    assert counts["conversation_tags"] == sum(len({(t.key, t.value) for t in r.tags}) for r in rows)
    per_contact = Counter(r.contact_id for r in rows)
    with sqlite3.connect(store.path) as db:
        assert dict(db.execute("SELECT contact_id, conversations FROM contact_counts")) == per_contact
    assert store.rows(TENANT, [r.id for r in rows]) == rows

    first = rows[0]
    newer = first.model_copy(
        update={"change_seq": first.change_seq + 10, "status": Status.REPORTED, "tags": ()}
    )
    older = first.model_copy(update={"change_seq": first.change_seq + 5, "status": Status.FAILED})
    assert store.upsert_summaries(TENANT, [newer]) == 1
    assert store.upsert_summaries(TENANT, [older]) == 0  # a stale page does not undo a newer change
    assert store.rows(TENANT, [first.id]) == [newer]
    assert store.all_ids(TENANT, Filter(statuses=(Status.REPORTED,)), Sort(), now=NOW)[:1] == [first.id]
    if first.tags:  # the newer row has no tags: its old ones no longer match
        tagged = Filter.model_validate({"tags": [first.tags[0].model_dump()]})
        assert first.id not in store.all_ids(TENANT, tagged, Sort(), now=NOW)


def test_a_search_page_written_through_gives_its_row_keys_in_its_order(
    store: CacheStore, acme_corpus: TenantCorpus
) -> None:
    rows = summaries(acme_corpus)
    page = rows[10:30][::-1]
    keys = store.write_through(TENANT, page)
    assert store.rows_by_keys(TENANT, keys.tolist()) == page
    # A page fetched before a newer change lists the row, but does not undo the change.
    newer = page[0].model_copy(update={"change_seq": page[0].change_seq + 3, "status": Status.REPORTED})
    store.upsert_summaries(TENANT, [newer])
    again = store.write_through(TENANT, page)
    assert again.tolist() == keys.tolist()
    assert store.rows_by_keys(TENANT, again[:1].tolist()) == [newer]
    assert store.write_through(TENANT, []).tolist() == []


def test_tenants_are_kept_apart(store: CacheStore, acme_corpus: TenantCorpus) -> None:
    rows = summaries(acme_corpus)[:30]
    store.upsert_summaries(TENANT, rows)
    store.upsert_summaries("globex", rows[:10])
    assert len(store.all_ids(TENANT, Filter(), Sort(), now=NOW)) == 30
    assert len(store.all_ids("globex", Filter(), Sort(), now=NOW)) == 10
    assert store.delete("globex", [r.id for r in rows]) == 10
    assert len(store.all_ids(TENANT, Filter(), Sort(), now=NOW)) == 30


def test_full_records_round_trip(store: CacheStore, acme_corpus: TenantCorpus) -> None:
    for detail in acme_corpus.details:
        store.write_detail(TENANT, detail)
    for detail in acme_corpus.details[:: max(1, len(acme_corpus.details) // 40)]:
        assert store.detail(TENANT, detail.id) == detail  # every field, every message, in order
    hostile = [d for d in acme_corpus.details if any("\u202e" in m.text for m in d.messages)]
    assert hostile and store.detail(TENANT, hostile[0].id) == hostile[0]
    counts = table_counts(store.path)
    for detail in acme_corpus.details[:50]:
        store.write_detail(TENANT, detail)  # again: replaced, not doubled
    assert table_counts(store.path) == counts
    assert counts["messages"] == sum(len(d.messages) for d in acme_corpus.details)
    assert store.stale_details(TENANT) == []


def test_content_search_needs_the_full_record(store: CacheStore, acme_corpus: TenantCorpus) -> None:
    """Offline, only conversations whose transcript is cached can match a content filter."""
    detail = next(d for d in acme_corpus.details if any(m.role == "customer" for m in d.messages))
    word = next(m.text.split()[0] for m in detail.messages if m.role == "customer" and m.text.split())
    store.upsert_summaries(TENANT, [detail.summary_record()])
    content = Filter(content=f'"{word}"')
    assert store.all_ids(TENANT, content, Sort(), now=NOW) == []
    store.write_detail(TENANT, detail)
    assert detail.id in store.all_ids(TENANT, content, Sort(), now=NOW)


def test_keyset_pages_survive_inserts(store: CacheStore, acme_corpus: TenantCorpus) -> None:
    rows = summaries(acme_corpus)
    store.upsert_summaries(TENANT, rows[::2])
    sort = Sort()
    seen: list[str] = []
    page = store.search(TENANT, Filter(), sort, now=NOW, limit=25)
    seen += page.ids
    store.upsert_summaries(TENANT, rows[1::2])  # rows arrive while the user pages
    while page.next is not None:
        page = store.search(TENANT, Filter(), sort, now=NOW, limit=25, after=page.next)
        seen += page.ids
    assert len(seen) == len(set(seen))
    everything = store.all_ids(TENANT, Filter(), sort, now=NOW)
    assert set(rows[::2]) <= {r for r in rows if r.id in seen}
    assert seen == [i for i in everything if i in set(seen)]


# --- flows and views --------------------------------------------------------------------------------


def test_flows_and_views_from_the_platform(store: CacheStore, acme_http: httpx.Client) -> None:
    flows = [FlowSummary.model_validate(f) for f in acme_http.get("flows").json()]
    store.upsert_flows(TENANT, flows)
    assert {f.id for f in store.flows(TENANT)} == {f.id for f in flows}
    assert store.flow(TENANT, flows[0].id) is None  # only its summary so far
    graph = Flow.model_validate_json(acme_http.get(f"flows/{flows[0].id}").content)
    store.write_flow(TENANT, graph)
    assert store.flow(TENANT, graph.id) == graph
    store.upsert_flows(TENANT, flows)
    assert store.flow(TENANT, graph.id) == graph  # the list does not drop a cached graph

    views = [View.model_validate(v) for v in acme_http.get("views").json()]
    store.replace_views(TENANT, views)
    assert store.views(TENANT) == views
    assert store.pin_view(TENANT, views[1].id) and not store.pin_view(TENANT, "no-such-view")
    store.replace_views(TENANT, views[1:])
    assert store.views(TENANT) == views[1:] and store.pinned_views(TENANT) == [views[1].id]


# --- size, pinning and eviction ------------------------------------------------------------------------


def test_eviction_removes_least_recently_used_and_keeps_pinned(
    tmp_path: Path, acme_corpus: TenantCorpus
) -> None:
    clock = [datetime(2026, 11, 1, tzinfo=UTC)]

    def tick() -> datetime:
        clock[0] += timedelta(seconds=1)
        return clock[0]

    with CacheStore.open(tmp_path / "cache.sqlite3", clock=tick) as store:
        details = list(acme_corpus.details)
        for detail in details:  # written in order: the first ones are the least recently used
            store.write_detail(TENANT, detail)
        pinned = [d.id for d in details[:15]]
        assert store.pin(TENANT, pinned) == 15
        touched = [d.id for d in details[15:25]]
        store.touch(TENANT, touched)  # used again just now
        for detail in details[:40]:
            store.store_file(TENANT, detail.id, FileKind.AUDIO, b"RIFF" + bytes(20_000), "audio/wav")
        on_disk = {d.id: store.file_path(TENANT, d.id, FileKind.AUDIO) for d in details[:40]}
        before = store.size()
        assert before.files_bytes == 40 * 20_004 and before.pinned == 15

        cap = before.total_bytes // 3
        result = store.evict(cap)
        after = result.size
        assert 0 < result.evicted < len(details)
        assert after.total_bytes <= cap and after.conversations == len(details) - result.evicted
        left = set(store.all_ids(TENANT, Filter(), Sort(), now=NOW))
        assert set(pinned) <= left and set(touched) <= left
        evicted = [d.id for d in details if d.id not in left]
        # Least recently used first: every evicted one was used before every unpinned survivor.
        order = {d.id: i for i, d in enumerate(details)}
        survivors = [i for i in left if i not in pinned and i not in touched]
        assert not survivors or max(order[i] for i in evicted) < min(order[i] for i in survivors)
        for conversation_id, path in on_disk.items():
            assert path is not None and path.exists() == (conversation_id in left)
        with sqlite3.connect(store.path) as db:
            counted = dict(db.execute("SELECT contact_id, conversations FROM contact_counts"))
            actual = Counter(r[0] for r in db.execute("SELECT contact_id FROM conversations"))
            assert counted == actual
            assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == sum(
                len(d.messages) for d in details if d.id in left
            )
        assert store.path.stat().st_size < before.database_bytes  # free pages went back to the disk

        # Only pinned conversations left above the cap: they stay.
        everything_evictable = store.evict(1)
        assert set(store.all_ids(TENANT, Filter(), Sort(), now=NOW)) == set(pinned)
        assert everything_evictable.size.pinned == 15


def test_the_content_index_keeps_no_statistics_of_a_first_sync(
    tmp_path: Path, acme_corpus: TenantCorpus
) -> None:
    """ANALYZE at the end of a first sync finds the content index's tables nearly empty;
    once transcripts are cached those counts made FTS5's delete of each merged segment (a
    range of rowids) a scan of the whole index. Caches analyzed so before lose them at open."""
    path = tmp_path / "cache.sqlite3"

    def analyzed() -> tuple[set[str], str]:
        with sqlite3.connect(path) as db:
            tables = {table for (table,) in db.execute("SELECT tbl FROM sqlite_stat1")}
            plan = db.execute(
                "EXPLAIN QUERY PLAN DELETE FROM conversation_fts_data WHERE id >= ? AND id <= ?", (1, 2)
            ).fetchone()[3]
        db.close()
        return {t for t in tables if t.startswith("conversation")}, plan

    with CacheStore.open(path) as store:
        store.suspend_indexes()
        store.upsert_summaries(TENANT, summaries(acme_corpus))
        store.restore_indexes()  # ANALYZE
        for detail in acme_corpus.details[:20]:
            store.write_detail(TENANT, detail)
    tables, plan = analyzed()
    assert tables == {
        "conversations",
        "conversation_functions",
        "conversation_tags",
        "conversation_parameters",
    }
    assert "INTEGER PRIMARY KEY" in plan
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO sqlite_stat1 VALUES ('conversation_fts_data', NULL, '2')")
    db.close()
    assert "SCAN" in analyzed()[1]
    CacheStore.open(path).close()
    assert analyzed() == (tables, plan)


def test_the_log_is_folded_into_the_file_without_waiting_for_a_writer(
    tmp_path: Path, acme_corpus: TenantCorpus
) -> None:
    """The checkpoint runs on the store's own thread soon after a write, not in the commit
    that takes the log past SQLite's threshold (the slowest live-event writes)."""
    path = tmp_path / "cache.sqlite3"
    CacheStore.open(path).close()  # the last connection to close folds the log in
    with CacheStore.open(path) as store:
        empty = path.stat().st_size
        store.upsert_summaries(TENANT, summaries(acme_corpus))  # far fewer pages than the threshold
        deadline = time.monotonic() + 10
        while path.stat().st_size == empty and time.monotonic() < deadline:
            time.sleep(0.01)
        assert path.stat().st_size > empty
        assert store.all_ids(TENANT, Filter(), Sort(), now=NOW)  # readers meanwhile as ever


def test_indexes_set_aside_for_a_first_sync_come_back_at_the_next_open(
    tmp_path: Path, acme_corpus: TenantCorpus
) -> None:
    path = tmp_path / "cache.db"
    with CacheStore.open(path) as store:
        store.suspend_indexes()
        store.upsert_summaries("acme", [d.summary_record() for d in acme_corpus.details])
        # The sync was cut short here (a crash): the indexes are still missing.
    with sqlite3.connect(path) as db:
        missing = {str(index.name) for index in indexes.secondary()} - {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
    assert missing == {str(index.name) for index in indexes.secondary()}
    with CacheStore.open(path) as store:
        assert store.restore_indexes() == 0  # opening built them all
        everything = store.all_ids("acme", Filter(), Sort(), now=datetime.now(UTC))
        assert len(everything) == len(acme_corpus.details)
