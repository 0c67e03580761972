"""Reading listings back from the cache: rows decoded by app.cache.codec's checked fast
path equal the records pydantic validates, row keys follow the listing's order, and a
cell damaged or edited by hand is reported as a damaged cache, not a crash."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cache import CacheCorrupt, CacheStore, queries
from app.domain import Conversation, Filter, Platform, Sort, SortColumn, Status
from tests.client.conftest import TenantCorpus

TENANT = "acme"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def fill(path: Path, corpus: TenantCorpus) -> CacheStore:
    store = CacheStore.open(path)
    store.upsert_summaries(TENANT, [d.summary_record() for d in corpus.details])
    for detail in corpus.details[:40]:
        store.write_detail(TENANT, detail)
    return store


@pytest.fixture
def filled(tmp_path: Path, acme_corpus: TenantCorpus) -> Iterator[CacheStore]:
    with fill(tmp_path / "cache.sqlite3", acme_corpus) as store:
        yield store


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, acme_corpus: TenantCorpus) -> Iterator[CacheStore]:
    """For tests that only read."""
    with fill(tmp_path_factory.mktemp("reading") / "cache.sqlite3", acme_corpus) as store:
        yield store


def test_rows_read_back_are_the_records_validation_gives(
    shared: CacheStore, acme_corpus: TenantCorpus
) -> None:
    originals = [d.summary_record() for d in acme_corpus.details]
    read = shared.rows(TENANT, [o.id for o in originals])
    assert read == originals
    for got, original in zip(read, originals, strict=True):
        validated = Conversation.model_validate(original.model_dump())
        assert got == validated
        assert got.model_dump() == validated.model_dump()
        assert got.model_dump_json() == validated.model_dump_json()
        assert hash(got) == hash(validated)
        assert got.model_fields_set == validated.model_fields_set
        with pytest.raises(ValueError):
            got.status = Status.FAILED  # type: ignore[misc]  # records stay frozen


LISTINGS = [
    Filter(),
    Filter(statuses=(Status.COMPLETED, Status.FAILED)),
    Filter(platforms=(Platform.VOICE,)),
    Filter(content="order"),
    Filter(flagged=True),
]


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda f: ",".join(sorted(f.model_dump(exclude_none=True))))
@pytest.mark.parametrize("column", list(SortColumn))
@pytest.mark.parametrize("descending", [True, False])
def test_row_keys_follow_the_listing_order(
    shared: CacheStore, listing: Filter, column: SortColumn, descending: bool
) -> None:
    sort = Sort(column=column, descending=descending)
    keys = shared.row_keys(TENANT, listing, sort, now=NOW)
    expected = shared.all_ids(TENANT, listing, sort, now=NOW)
    assert expected  # every listing here selects something
    rows = shared.rows_by_keys(TENANT, keys.tolist())
    assert [row.id for row in rows if row is not None] == expected
    assert len(keys) == len(expected)


@pytest.mark.parametrize("count", [1, 9_000, 250_000])
def test_a_long_key_list_is_parsed_whole_across_its_slices(count: int) -> None:
    """The joined keys are parsed a slice at a time: none lost or split at a slice's edge."""
    keys = [(n * 7_919) % 10**12 for n in range(count)]
    assert queries._parsed_keys(",".join(map(str, keys))).tolist() == keys


def test_row_keys_of_nothing(shared: CacheStore) -> None:
    keys = shared.row_keys(TENANT, Filter(content="zzzyyyxxx"), Sort(), now=NOW)
    assert len(keys) == 0
    assert shared.rows_by_keys(TENANT, keys.tolist()) == []


def test_rows_by_keys_leave_a_gap_where_a_row_has_gone(filled: CacheStore) -> None:
    keys = filled.row_keys(TENANT, Filter(), Sort(), now=NOW)[:5].tolist()
    before = filled.rows_by_keys(TENANT, keys)
    gone = before[2]
    assert gone is not None
    filled.delete(TENANT, [gone.id])
    after = filled.rows_by_keys(TENANT, keys)
    assert after == [*before[:2], None, *before[3:]]
    assert filled.rows_by_keys("globex", keys) == [None] * 5  # keys never cross tenants


DAMAGE = [
    ("status", "'escalated'"),  # not a status the client knows
    ("platform", "42"),  # stored as the text '42'
    ("flow_id", "x'01'"),
    ("contact", "x'00ff'"),  # a BLOB where text belongs
    ("duration_seconds", "-5"),
    ("duration_seconds", "'long'"),
    ("started_at", "'yesterday'"),
    ("started_at", "999999999999999999"),  # beyond year 9999
    ("flagged", "7"),
    ("tags", "'not json'"),
    ("tags", "'[[1, 2]]'"),
    ("tags", "'[[\"only a key\"]]'"),
    ("parameters", '\'{"k": "v"}\''),
    ("functions", "'[null]'"),
    ("live_state", "'dancing'"),
]


@pytest.mark.parametrize(("column", "value"), DAMAGE, ids=[f"{c}={v}" for c, v in DAMAGE])
def test_a_damaged_cell_is_reported_as_a_damaged_cache(
    tmp_path: Path, filled: CacheStore, column: str, value: str
) -> None:
    newest = filled.search(TENANT, Filter(), Sort(), now=NOW, limit=1).items[0]
    with sqlite3.connect(filled.path) as db:
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute(f"UPDATE conversations SET {column} = {value} WHERE id = ?", (newest.id,))
    with pytest.raises(CacheCorrupt) as raised:
        filled.search(TENANT, Filter(), Sort(), now=NOW, limit=100)
    assert "damaged" in raised.value.message
    assert "malformed" in raised.value.detail
    with pytest.raises(CacheCorrupt):
        filled.rows(TENANT, [newest.id])
    # Every other row still reads.
    others = [i for i in filled.all_ids(TENANT, Filter(), Sort(), now=NOW) if i != newest.id][:50]
    assert len(filled.search(TENANT, Filter(ids=tuple(others)), Sort(), now=NOW).items) == 50
