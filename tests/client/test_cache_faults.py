"""Real faults of the cache file: truncated, garbage, damaged inside, a foreign database,
and a full disk (a real SQLITE_FULL, made with PRAGMA max_page_count)."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cache import CacheCorrupt, CacheError, CacheFull, CacheStore, FileKind
from app.domain import Change, ChangesPage, Conversation, Filter, Sort
from tests.client.conftest import TenantCorpus

TENANT = "acme"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def filled(path: Path, corpus: TenantCorpus, count: int = 60) -> list[str]:
    """A cache with `count` full conversations and one file; returns their ids."""
    with CacheStore.open(path) as store:
        for detail in corpus.details[:count]:
            store.write_detail(TENANT, detail)
        store.store_file(TENANT, corpus.details[0].id, FileKind.AUDIO, b"RIFF-recording", "audio/wav")
    return [d.id for d in corpus.details[:count]]


def assert_rebuilt(store: CacheStore, path: Path, damaged: bytes, *, header_may_change: bool = False) -> None:
    """A fresh, empty, working cache; the damaged file kept aside, byte for byte — but
    for SQLite's own header when the damage was found in use (closing the connections
    checkpoints the log, which rewrites the header)."""
    notice = store.recovered
    assert isinstance(notice, CacheCorrupt) and notice.moved_to is not None
    assert notice.moved_to.name.startswith(f"{path.name}.corrupt-")
    kept = notice.moved_to.read_bytes()
    assert kept[100:] == damaged[100:] if header_may_change else kept == damaged
    assert "damaged and has been rebuilt" in notice.message and notice.moved_to.name in notice.message
    assert store.all_ids(TENANT, Filter(), Sort(), now=NOW) == []
    assert list(store.files.directory.iterdir()) == []  # files of the old cache are gone too
    assert store.upsert_summaries(TENANT, []) == 0


def test_a_truncated_file_is_moved_aside_and_rebuilt(tmp_path: Path, acme_corpus: TenantCorpus) -> None:
    path = tmp_path / "cache.sqlite3"
    filled(path, acme_corpus)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    damaged = path.read_bytes()
    with CacheStore.open(path) as store:
        assert_rebuilt(store, path, damaged)
        assert store.recovered is not None and "truncated" in store.recovered.detail
        store.write_detail(TENANT, acme_corpus.details[0])
    with CacheStore.open(path) as again:  # the rebuilt cache is a good one
        assert again.recovered is None
        assert again.all_ids(TENANT, Filter(), Sort(), now=NOW) == [acme_corpus.details[0].id]


@pytest.mark.parametrize("size", [10, 5000, 200_000])
def test_a_garbage_file_is_moved_aside_and_rebuilt(tmp_path: Path, size: int) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(os.urandom(size))
    Path(f"{path}-wal").write_bytes(os.urandom(999))  # a stray log must not be replayed into the new file
    damaged = path.read_bytes()
    with CacheStore.open(path) as store:
        assert_rebuilt(store, path, damaged)
        assert store.recovered is not None
        assert Path(f"{store.recovered.moved_to}-wal").exists()


def test_damage_inside_the_file_is_found(tmp_path: Path, acme_corpus: TenantCorpus) -> None:
    """The header is fine but pages further in are garbage: a full check at open finds it,
    and so does a read in use (CacheCorrupt), after which the cache is rebuilt."""
    path = tmp_path / "cache.sqlite3"
    filled(path, acme_corpus, count=200)
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 3)
        f.write(os.urandom(size // 3))
    damaged = path.read_bytes()
    backup = tmp_path / "damaged-copy"
    backup.write_bytes(damaged)

    with CacheStore.open(path, integrity="full") as store:
        assert_rebuilt(store, path, damaged)

    os.replace(backup, path)
    with CacheStore.open(path) as store:
        found_in_use = store.recovered is None
        if found_in_use:  # the quick check at open read no damaged page: use finds it
            with pytest.raises(CacheCorrupt) as found:
                store.check_integrity()
            assert "damaged" in found.value.message
            notice = store.rebuild()
            assert notice is store.recovered
        assert_rebuilt(store, path, damaged, header_may_change=found_in_use)


def test_a_database_that_is_not_a_cache_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("INSERT INTO invoices VALUES (1, 9.5)")
    damaged = path.read_bytes()
    with CacheStore.open(path) as store:
        assert_rebuilt(store, path, damaged)


def test_a_full_disk_rolls_back_and_loses_nothing(tmp_path: Path, acme_corpus: TenantCorpus) -> None:
    path = tmp_path / "cache.sqlite3"
    first = acme_corpus.details[:40]
    with CacheStore.open(path) as store:
        for detail in first:
            store.write_detail(TENANT, detail)
    limit = path.stat().st_size + 48 * 1024  # room for a little more, not for the rest
    with CacheStore.open(path, hard_limit_bytes=limit) as store:
        assert store.all_ids(TENANT, Filter(), Sort(), now=NOW)
        stored = set(store.all_ids(TENANT, Filter(), Sort(), now=NOW))
        with pytest.raises(CacheFull) as full:
            for detail in acme_corpus.details[40:]:
                store.write_detail(TENANT, detail)
                stored.add(detail.id)  # each write that returned is committed
        assert "nothing already cached was lost" in full.value.message
        assert set(store.all_ids(TENANT, Filter(), Sort(), now=NOW)) == stored
        for detail in first:
            assert store.detail(TENANT, detail.id) == detail

        # A changes page that does not fit: neither its rows nor its cursor are kept.
        cursor = store.changes_cursor(TENANT)
        rest = [d.summary_record() for d in acme_corpus.details if d.id not in stored]
        page = ChangesPage(
            changes=tuple(Change(seq=1000 + i, kind="upsert", conversation=c) for i, c in enumerate(rest)),
            next_cursor="s99999",
            has_more=False,
        )
        with pytest.raises(CacheFull):
            store.apply_changes(TENANT, page)
        assert store.changes_cursor(TENANT) == cursor
        assert set(store.all_ids(TENANT, Filter(), Sort(), now=NOW)) == stored
        assert store.pin(TENANT, [first[0].id]) == 1  # small writes still fit: the cache works on

    with CacheStore.open(path) as roomy:  # with room again, the same page applies whole
        roomy.apply_changes(TENANT, page)
        assert roomy.changes_cursor(TENANT) == "s99999"
        assert len(roomy.all_ids(TENANT, Filter(), Sort(), now=NOW)) == len(acme_corpus.details)
        roomy.check_integrity()


def test_a_file_whose_row_cannot_be_written_is_not_kept(tmp_path: Path, acme_corpus: TenantCorpus) -> None:
    with CacheStore.open(tmp_path / "cache.sqlite3") as store:
        with pytest.raises(CacheError) as refused:
            store.store_file(TENANT, "cnv_not_cached", FileKind.AUDIO, b"RIFF", "audio/wav")
        assert "not in the offline cache" in refused.value.message
        assert list(store.files.directory.iterdir()) == []
        # A file left behind by a crash (written, never recorded) goes at the next open.
        (store.files.directory / "0123abcd").write_bytes(b"orphan")
    with CacheStore.open(tmp_path / "cache.sqlite3") as store:
        assert list(store.files.directory.iterdir()) == []


def test_summaries_keep_only_what_they_carry(tmp_path: Path, acme_corpus: TenantCorpus) -> None:
    """Hostile text in rows survives the cache byte for byte (it is data)."""
    rows = [d.summary_record() for d in acme_corpus.details]
    hostile = [r for r in rows if not r.contact.isascii() or any("<" in t.value for t in r.tags)]
    assert hostile
    with CacheStore.open(tmp_path / "cache.sqlite3") as store:
        store.upsert_summaries(TENANT, rows)
        assert store.rows(TENANT, [r.id for r in hostile]) == hostile
        odd = rows[0].model_copy(update={"contact": "nul\x00inside 'quoted' \\ %_ \ud7ff"})
        store.upsert_summaries(TENANT, [odd.model_copy(update={"change_seq": odd.change_seq + 1})])
        assert store.rows(TENANT, [odd.id])[0].contact == odd.contact
        assert isinstance(store.rows(TENANT, [odd.id])[0], Conversation)
