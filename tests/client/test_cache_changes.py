"""The cache and the platform's change feed and live events: incremental, idempotent, resumable
sync; tombstones and files; live events applied in batches, the content index kept exact."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx

from app.cache import CacheStore, FileKind
from app.domain import (
    ChangesPage,
    Conversation,
    Filter,
    KeyValue,
    KeyValuePair,
    LiveEvent,
    Sort,
)
from app.filters import text as words
from tests.client.cache_cases import NOW, TENANT, summaries, table_counts
from tests.client.conftest import TenantCorpus
from tests.platform import Platform, api_client

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
