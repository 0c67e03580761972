"""The local cache on real SQLite files, filled with real records from the platform:
migrations, idempotent writes, full records, the change feed with its tombstones,
live events, files on disk, pinning and least-recently-used eviction."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
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
    ChangesPage,
    Conversation,
    Filter,
    Flow,
    FlowSummary,
    KeyValue,
    KeyValuePair,
    LiveEvent,
    Sort,
    Status,
    View,
)
from app.filters import text as words
from tests.client.conftest import TenantCorpus
from tests.platform import ROOT, Platform, api_client

TENANT = "acme"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CacheStore]:
    with CacheStore.open(tmp_path / "cache.sqlite3") as opened:
        yield opened


def summaries(corpus: TenantCorpus) -> list[Conversation]:
    return [d.summary_record() for d in corpus.details]


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [
            "conversations",
            "conversation_functions",
            "conversation_tags",
            "conversation_parameters",
            "contact_counts",
            "messages",
            "function_calls",
            "artifacts",
            "conversation_search",
            "files",
        ]
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


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
    # The FTS5 index and its shadow tables are made by the migration alone (schema.py has no
    # Table for them: queries reach the index through a lightweight table clause).
    fts = [d for d in differences if d[0] == "remove_table" and d[1].name.startswith("conversation_fts")]
    assert len(fts) >= 4
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


# --- the change feed, tombstones and files ------------------------------------------------------------


def sync(store: CacheStore, http: httpx.Client, tenant: str) -> tuple[int, int]:
    upserted = deleted = 0
    while True:
        cursor = store.changes_cursor(tenant)
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        response = http.get("changes", params=params)
        assert response.status_code == 200, response.text[:300]
        page = ChangesPage.model_validate_json(response.content)
        applied = store.apply_changes(tenant, page)
        upserted, deleted = upserted + applied.upserted, deleted + applied.deleted
        assert store.changes_cursor(tenant) == page.next_cursor
        if not page.has_more:
            return upserted, deleted


def test_changes_fill_the_cache_and_a_second_pass_changes_nothing(
    store: CacheStore, acme_http: httpx.Client, acme_corpus: TenantCorpus
) -> None:
    upserted, deleted = sync(store, acme_http, TENANT)
    assert upserted >= len(acme_corpus.details) and deleted == 0
    assert store.rows(TENANT, [d.id for d in acme_corpus.details]) == summaries(acme_corpus)
    counts = table_counts(store.path)
    cursor = store.changes_cursor(TENANT)
    # Replaying from the start (a crash before the cursor was read back) is harmless.
    store.reset_changes_cursor(TENANT)
    sync(store, acme_http, TENANT)
    assert table_counts(store.path) == counts and store.changes_cursor(TENANT) == cursor


def test_tombstones_remove_rows_and_files(scratch_platform: Platform, tmp_path: Path) -> None:
    """A conversation deleted on the platform leaves the cache with its recording and
    artifacts once the change feed is read."""
    with (
        api_client(scratch_platform.url, "supervisor") as http,
        CacheStore.open(tmp_path / "c.sqlite3") as store,
    ):
        sync(store, http, TENANT)
        ids = store.all_ids(TENANT, Filter(), Sort(), now=datetime.now(UTC))
        assert ids
        victim, keeper = None, None
        for conversation_id in ids:
            response = http.get(f"conversations/{conversation_id}")
            if response.status_code != 200:
                continue  # deleted meanwhile by another test
            record = response.json()
            if (record["has_audio"] or record["artifacts"]) and record["status"] != "in_progress":
                victim, keeper = (record, keeper) if victim is None else (victim, record)
            if victim and keeper:
                break
        assert victim and keeper, "no conversations with a recording or artifacts"
        files: list[Path] = []
        for record in (victim, keeper):
            if record["has_audio"]:
                audio = http.get(f"conversations/{record['id']}/audio").content
                files.append(store.store_file(TENANT, record["id"], FileKind.AUDIO, audio, "audio/wav"))
            for artifact in record["artifacts"]:
                data = http.get(f"conversations/{record['id']}/artifacts/{artifact['id']}").content
                path = store.store_file(
                    TENANT, record["id"], FileKind.ARTIFACT, data, artifact["media_type"], artifact["id"]
                )
                assert path.parent == store.files.directory and path.read_bytes() == data
                files.append(path)
        victim_files = [p for p in files if p == store.file_path(TENANT, victim["id"], FileKind.AUDIO)]
        assert len(victim_files) == int(victim["has_audio"])
        victim_files += [
            p
            for a in victim["artifacts"]
            if (p := store.file_path(TENANT, victim["id"], FileKind.ARTIFACT, a["id"])) is not None
        ]
        assert len(victim_files) == victim["has_audio"] + len(victim["artifacts"]) >= 1
        assert all(p.exists() for p in victim_files)
        assert http.delete(f"conversations/{victim['id']}").status_code == 204

        _, deleted = sync(store, http, TENANT)
        assert deleted >= 1
        assert store.rows(TENANT, [victim["id"]]) == []
        assert not any(p.exists() for p in victim_files)
        kept = [p for p in files if p not in victim_files]
        assert kept and all(p.exists() for p in kept)
        with sqlite3.connect(store.path) as db:
            assert db.execute("SELECT count(*) FROM files").fetchone()[0] == len(files) - len(victim_files)


def test_live_events_update_rows_transcripts_and_cursor(store: CacheStore, acme_corpus: TenantCorpus) -> None:
    detail = acme_corpus.details[0]
    store.write_detail(TENANT, detail)
    summary = detail.summary_record()
    later = summary.model_copy(
        update={"change_seq": summary.change_seq + 1, "last_message": "zebrafinch sighted"}
    )
    message = {
        "index": len(detail.messages),
        "role": "customer",
        "text": "A zebrafinch, in my kitchen!",
        "at": "2026-11-20T12:00:00+00:00",
        "offset_ms": 1,
        "duration_ms": 0,
    }
    event = LiveEvent.model_validate(
        {
            "seq": 41,
            "cursor": "41",
            "type": "conversation.message",
            "conversation_id": detail.id,
            "at": "2026-11-20T12:00:00+00:00",
            "data": {"conversation": later.model_dump(mode="json"), "message": message},
        }
    )
    store.apply_events(TENANT, [event])
    assert store.events_cursor(TENANT) == "41"
    assert store.rows(TENANT, [detail.id]) == [later]
    assert store.all_ids(TENANT, Filter(content="ZEBRAFINCH kitchen"), Sort(), now=NOW) == [detail.id]
    cached = store.detail(TENANT, detail.id)
    assert cached is not None and cached.messages[-1].text == "A zebrafinch, in my kitchen!"
    assert store.stale_details(TENANT) == [detail.id]  # calls etc. may have changed: refetch when opened
    store.apply_events(TENANT, [event])  # replayed after a reconnect: nothing doubles
    assert len(store.detail(TENANT, detail.id).messages) == len(detail.messages) + 1  # type: ignore[union-attr]
    gone = LiveEvent.model_validate(
        {
            **event.model_dump(mode="json"),
            "type": "conversation.deleted",
            "cursor": "42",
            "data": {"id": detail.id},
        }
    )
    store.apply_events(TENANT, [gone])
    assert store.rows(TENANT, [detail.id]) == [] and store.events_cursor(TENANT) == "42"
    store.reset_events_cursor(TENANT)
    assert store.events_cursor(TENANT) is None and store.changes_cursor(TENANT) is None


def test_a_burst_of_live_events_is_applied_as_one_at_a_time(
    tmp_path: Path, acme_corpus: TenantCorpus
) -> None:
    """One transaction for a whole burst, summaries upserted together: the same cache as
    applying each event alone, and the same search text as indexing the whole transcript."""
    details = acme_corpus.details[:3]
    texts = [
        "Ça coûte 12€, d'accord?",
        "<b>HTML</b> stays text",
        "",
        "عربي עברית 😀",
        "x" * 80 + " tail",
        "Thank you",
        "you! Thank",
    ]
    events: list[LiveEvent] = []
    seq = 1000
    for round_ in range(len(texts)):
        for n, detail in enumerate(details):
            seq += 1
            index = len(detail.messages) + round_
            role = "coaching" if (round_ + n) % 4 == 3 else ("agent" if round_ % 2 else "customer")
            summary = detail.summary_record().model_copy(update={"change_seq": detail.change_seq + seq})
            message = {
                "index": index,
                "role": role,
                "text": texts[(round_ + n) % len(texts)],
                "at": "2026-11-20T12:00:00+00:00",
                "offset_ms": index,
                "duration_ms": 0,
            }
            data = {"conversation": summary.model_dump(mode="json"), "message": message}
            events.append(_event(seq, "conversation.message", detail.id, data))
    deleted = _event(seq + 1, "conversation.deleted", details[2].id, {"id": details[2].id})
    burst = [*events[:7], deleted, *events[7:]]  # the deleted one comes back as a summary

    def applied(path: Path, batches: list[list[LiveEvent]]) -> tuple[object, ...]:
        with CacheStore.open(path) as store:
            for detail in details:
                store.write_detail(TENANT, detail)
            for batch in batches:
                store.apply_events(TENANT, batch)
            with sqlite3.connect(path) as db:
                search = dict(db.execute("SELECT conversation_pk, search_text FROM conversation_search"))
            kept = [store.detail(TENANT, d.id) for d in details]
            for full in kept:
                if full is not None:
                    assert search[_pk(path, full.id)] == words.transcript_search_text(full.messages)
            assert _content_index_as_rebuilt(path)
            rows = store.rows(TENANT, [d.id for d in details])
            return rows, kept, sorted(search.values()), store.events_cursor(TENANT)

    together = applied(tmp_path / "together.sqlite3", [burst])
    one_by_one = applied(tmp_path / "alone.sqlite3", [[event] for event in burst])
    assert together == one_by_one
    rows, kept, _search, cursor = together
    assert len(rows) == 3 and kept[2] is None and cursor == burst[-1].cursor  # type: ignore[arg-type]
    assert len(kept[0].messages) == len(details[0].messages) + len(texts)  # type: ignore[index,union-attr]


def _content_index_as_rebuilt(path: Path) -> bool:
    """Whether the content index finds every word where an index built again from the
    search texts does."""
    with sqlite3.connect(path) as db:
        texts = [text for (text,) in db.execute("SELECT search_text FROM conversation_search")]
        query = "SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH ? ORDER BY rowid"
        vocabulary = sorted({f'"{word}"' for text in texts for word in text.split()})

        def found() -> list[list[tuple[int]]]:
            return [db.execute(query, (word,)).fetchall() for word in vocabulary]

        kept = found()
        db.execute("INSERT INTO conversation_fts(conversation_fts) VALUES ('rebuild')")
        rebuilt = found()
        db.rollback()
    db.close()
    return bool(vocabulary) and kept == rebuilt


def test_newer_summaries_leave_the_rows_a_fresh_write_of_the_last_leaves(
    tmp_path: Path, acme_corpus: TenantCorpus
) -> None:
    """Updates write only the columns and side rows that changed: the same tables as writing
    the last version alone, whichever columns changed on the way."""
    first, other = acme_corpus.details[0].summary_record(), acme_corpus.details[1].summary_record()
    changes: list[dict[str, object]] = [
        {"last_message": "Still here", "duration_seconds": first.duration_seconds + 5},
        {"tags": (*first.tags, KeyValuePair(key="Issue", value="Zebrafinch"))},
        {"functions": (*first.functions, "lookup_zebrafinch"), "contact_id": other.contact_id},
        {"parameters": (), "tags": (), "contact": "Ada Lovelace", "flagged": not first.flagged},
        {"last_message": "Bye"},
    ]
    versions = [first]
    for n, change in enumerate(changes, 1):
        versions.append(versions[-1].model_copy(update={**change, "change_seq": first.change_seq + n}))

    def tables(path: Path, writes: list[list[Conversation]]) -> dict[str, object]:
        with CacheStore.open(path) as store:
            for batch in writes:
                store.upsert_summaries(TENANT, batch, touch=False)
        with sqlite3.connect(path) as db:
            side = (
                "conversation_functions",
                "conversation_tags",
                "conversation_parameters",
                "contact_counts",
            )
            dumped: dict[str, object] = {
                table: sorted(db.execute(f"SELECT * FROM {table}")) for table in side
            }
            row = db.execute("SELECT * FROM conversations WHERE id = ?", (first.id,))
            names = [column[0] for column in row.description]
            dumped["row"] = {n: v for n, v in zip(names, row.fetchone(), strict=True) if n != "last_access"}
        db.close()
        return dumped

    step_by_step = tables(tmp_path / "steps.sqlite3", [[other], *([v] for v in versions)])
    assert step_by_step == tables(tmp_path / "last.sqlite3", [[other, versions[-1]]])
    with CacheStore.open(tmp_path / "steps.sqlite3") as store:
        assert store.rows(TENANT, [first.id]) == [versions[-1]]
        gone = Filter(tags=[KeyValue(key="Issue", value="Zebrafinch")])  # added, then all tags removed
        assert store.count(TENANT, gone, now=NOW) == 0
        assert store.count(TENANT, Filter(functions=["lookup_zebrafinch"]), now=NOW) == 1


def _event(seq: int, kind: str, conversation_id: str, data: dict[str, object]) -> LiveEvent:
    return LiveEvent.model_validate(
        {
            "seq": seq,
            "cursor": str(seq),
            "type": kind,
            "conversation_id": conversation_id,
            "at": "2026-11-20T12:00:00+00:00",
            "data": data,
        }
    )


def _pk(path: Path, conversation_id: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT pk FROM conversations WHERE id = ?", (conversation_id,)).fetchone()[0])


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
