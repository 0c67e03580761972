"""The Contact filter on the cache through the contacts' spellings (a trigram index): the
rows it lists are exactly those whose contact, as shown, holds the text — whichever plan the
store picks, after a contact changes, and after a first sync that left the spellings to the end."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cache import CacheStore, database, migrate, queries
from app.domain import Conversation, Filter, Sort
from tests.client.cache_cases import NOW, TENANT, summaries
from tests.client.conftest import TenantCorpus


@pytest.fixture
def store(tmp_path: Path, acme_corpus: TenantCorpus) -> Iterator[CacheStore]:
    with CacheStore.open(tmp_path / "cache.sqlite3") as opened:
        opened.upsert_summaries(TENANT, summaries(acme_corpus))
        yield opened


def _listed(store: CacheStore, text: str) -> list[str]:
    page = store.search(TENANT, Filter(contact=text), Sort(), now=NOW, limit=10_000)
    return page.ids


def _expected(rows: list[Conversation], text: str) -> list[str]:
    """The definition: the contact as shown holds the text, casefolded; newest first."""
    held = [r for r in rows if text.casefold() in r.contact.casefold()]
    return [r.id for r in sorted(held, key=lambda r: (r.started_at, r.id), reverse=True)]


def _looked_up(store: CacheStore, text: str) -> bool:
    """Whether the store answers `text` from the spellings (not by testing every row)."""
    with store._reading() as conn:
        return queries._contacts(conn, TENANT, Filter(contact=text)) is not None


def _texts(rows: list[Conversation]) -> list[str]:
    phone = next(r.contact for r in rows if r.contact.startswith("+"))
    name = next(r.contact for r in rows if " " in r.contact)
    return [
        phone,  # a whole phone number
        phone[-7:-2],  # digits from its middle
        name.upper(),  # any case
        name.split()[-1][1:4].lower(),  # three letters inside a word
        '"x" OR *',  # FTS5 syntax is text here
        "no one is called this",
    ]


def _renamed(row: Conversation) -> Conversation:
    """The row as the platform sends it once its contact is renamed."""
    return row.model_copy(update={"contact": "Zoë Quistgaard", "change_seq": row.change_seq + 1})


def test_every_plan_lists_exactly_the_contacts_holding_the_text(
    store: CacheStore, acme_corpus: TenantCorpus
) -> None:
    rows = summaries(acme_corpus)
    for text in _texts(rows):
        expected = _expected(rows, text)
        assert _listed(store, text) == expected, text
        assert store.count(TENANT, Filter(contact=text), now=NOW) == len(expected), text
        keys = store.row_keys(TENANT, Filter(contact=text), Sort(), now=NOW)
        assert [r.id for r in store.rows_by_keys(TENANT, keys.tolist()) if r] == expected, text
    assert _looked_up(store, _texts(rows)[0])  # a phone number: from the spellings
    assert not _looked_up(store, "+1")  # two characters: too short for the trigram index


def test_a_contact_that_changes_is_found_by_its_new_spelling_only(
    store: CacheStore, acme_corpus: TenantCorpus
) -> None:
    rows = summaries(acme_corpus)
    renamed = _renamed(rows[3])
    store.upsert_summaries(TENANT, [renamed])
    assert _looked_up(store, "quistgaard")
    assert _listed(store, "QUISTGAARD") == [renamed.id]
    assert renamed.id not in _listed(store, rows[3].contact)  # the old spelling lingers, unlisted
    store.delete(TENANT, [renamed.id])
    assert _listed(store, "quistgaard") == []


def test_a_first_sync_that_sets_the_indexes_aside_respells_at_the_end(
    tmp_path: Path, acme_corpus: TenantCorpus
) -> None:
    rows = summaries(acme_corpus)
    text = _texts(rows)[0]
    with CacheStore.open(tmp_path / "cache.sqlite3") as store:
        store.suspend_indexes()
        store.upsert_summaries(TENANT, rows)
        assert not _looked_up(store, text)  # spellings not kept meanwhile: every row is tested
        assert _listed(store, text) == _expected(rows, text)
        store.restore_indexes()
        assert _looked_up(store, text)
        assert _listed(store, text) == _expected(rows, text)
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:
        spelled = set(db.execute("SELECT contact_folded, contact_id FROM contact_spellings"))
    assert spelled == {(r.contact.casefold(), r.contact_id) for r in rows}


def test_a_cache_of_the_schema_before_spellings_gets_them_when_opened(
    tmp_path: Path, acme_corpus: TenantCorpus
) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    rows = summaries(acme_corpus)
    path = tmp_path / "cache.sqlite3"
    with CacheStore.open(path) as store:
        store.upsert_summaries(TENANT, rows)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # back to the first schema, the conversations kept
        config = migrate._config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    engine.dispose()
    with CacheStore.open(path) as store:
        text = _texts(rows)[0]
        assert _looked_up(store, text)
        assert _listed(store, text) == _expected(rows, text)


def test_an_sqlite_without_the_trigram_tokenizer_tests_every_row(
    tmp_path: Path, acme_corpus: TenantCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mocked: every SQLite we can install here has the tokenizer (3.34 and later).
    monkeypatch.setattr(database, "has_trigram_tokenizer", lambda: False)
    rows = summaries(acme_corpus)
    path = tmp_path / "cache.sqlite3"
    with CacheStore.open(path) as store:
        store.upsert_summaries(TENANT, rows)
        renamed = _renamed(rows[3])
        store.upsert_summaries(TENANT, [renamed])
        for text in [*_texts(rows), "quistgaard"]:
            assert not _looked_up(store, text)
            expected = _expected([renamed if r.id == renamed.id else r for r in rows], text)
            assert _listed(store, text) == expected, text
    with sqlite3.connect(path) as db:
        names = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "contact_spellings" in names
    assert not {n for n in names if n.startswith("contact_spellings_fts")}
