"""Side rows (tags, parameters, functions, transcript words) repeat their conversation's
tenant and start time: the migration that added them fills them in, every write keeps
them equal, and searches that walk a side table page like any other."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import insert, select, text

from server.db.engine import Database
from server.db.migrate import _config, upgrade
from server.db.models import Base, Conversation
from server.schemas.conversations import SearchRequest
from server.search import service
from server.store import conversations as store
from server.store.rows import rows_for
from tests.server.conftest import scratch_database
from tests.server.records import Json, database, new_record, search_all

SIDE_TABLES = (
    "conversation_tags",
    "conversation_parameters",
    "conversation_functions",
    "conversation_search",
)
TENANT = "acme"


def _mismatched(session: Any) -> dict[str, int]:
    """Side rows whose tenant or start differs from their conversation's, per table."""
    found = {}
    for table in SIDE_TABLES:
        found[table] = session.execute(
            text(
                f"SELECT count(*) FROM {table} s JOIN conversations c ON c.pk = s.conversation_pk "
                "WHERE s.tenant_id <> c.tenant_id OR s.started_at <> c.started_at "
                "OR s.tenant_id IS NULL OR s.started_at IS NULL"
            )
        ).scalar_one()
    return found


# --- the migration ---------------------------------------------------------------------


@pytest.fixture
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    with scratch_database(tmp_path / "upgrade.db") as url:
        yield url


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    config = _config(db.engine)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _write_initial_schema_rows(db: Database, count: int) -> list[tuple[int, str, datetime]]:
    """Conversations with side rows as the initial schema held them (no tenant, no start)."""
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    written = []
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')")
        )
        for i in range(count):
            tenant = ("acme", "globex")[i % 2]
            record = new_record(
                tenant, started_at=start + timedelta(minutes=7 * i), text=f"refund number {i}"
            )
            record = replace(record, parameters=[("region", "us-east")], tags=[("Language", "Spanish")])
            rows = rows_for(record, pk=i + 1, change_seq=i + 1)
            connection.execute(
                text("INSERT INTO contacts (id, tenant_id, conversation_count) VALUES (:id, :t, 1)"),
                {"id": record.contact_id, "t": tenant},
            )
            connection.execute(insert(Base.metadata.tables["conversations"]), rows.conversation)
            pk = i + 1
            connection.execute(
                text("INSERT INTO conversation_search (conversation_pk, search_text) VALUES (:pk, :s)"),
                {"pk": pk, "s": rows.search["search_text"]},
            )
            for table in ("conversation_tags", "conversation_parameters"):
                connection.execute(
                    text(f"INSERT INTO {table} (conversation_pk, key, value) VALUES (:pk, :k, :v)"),
                    [{"pk": pk, "k": r["key"], "v": r["value"]} for r in getattr(rows, table.split("_")[1])],
                )
            connection.execute(
                text("INSERT INTO conversation_functions (conversation_pk, name) VALUES (:pk, 'send_sms')"),
                {"pk": pk},
            )
            written.append((pk, tenant, record.started_at))
    return written


def _search_ids(db: Database, tenant: str, f: Json, limit: int = 100) -> list[str]:
    with db.engine.connect() as connection:
        page = service.search(connection, tenant, SearchRequest.model_validate({"filter": f, "limit": limit}))
    return [item["id"] for item in page.items]


def test_upgrade_fills_side_rows_of_an_existing_database(empty_db_url: str) -> None:
    with database(empty_db_url) as db:
        _migrate(db, "0001")
        written = _write_initial_schema_rows(db, 12)
        upgrade(db.engine)  # what `serve` and `seed` do on start-up
        with db.session() as session:
            assert _mismatched(session) == dict.fromkeys(SIDE_TABLES, 0)
            for table in SIDE_TABLES:
                rows = session.execute(text(f"SELECT conversation_pk, tenant_id FROM {table}")).all()
                assert {(pk, t) for pk, t in rows} == {(pk, t) for pk, t, _ in written}, table
        acme = [
            c.id for c in sorted(_conversations(db, "acme"), key=lambda c: (c.started_at, c.id), reverse=True)
        ]
        for f in (
            {"tags": [{"key": "Language", "value": "Spanish"}]},
            {"parameters": [{"key": "region", "value": "us-east"}]},
            {"functions": ["send_sms"]},
            {"content": "refund"},
        ):
            assert _search_ids(db, "acme", f) == acme, f
        # Content search still finds words written after the upgrade (SQLite's FTS
        # triggers survive the rebuilt table).
        with db.session() as session:
            conversation = session.scalars(
                select(Conversation).where(Conversation.tenant_id == "acme")
            ).first()
            assert conversation is not None
            session.execute(
                text(
                    "UPDATE conversation_search SET search_text = ' chargeback ' WHERE conversation_pk = :pk"
                ),
                {"pk": conversation.pk},
            )
        assert _search_ids(db, "acme", {"content": "chargeback"}) == [conversation.id]
        assert conversation.id not in _search_ids(db, "acme", {"content": "refund"})


def test_downgrade_and_upgrade_again(empty_db_url: str) -> None:
    with database(empty_db_url) as db:
        _migrate(db, "0001")
        _write_initial_schema_rows(db, 4)
        upgrade(db.engine)
        _migrate(db, "0001", down=True)
        with db.engine.connect() as connection:
            columns = connection.execute(text("SELECT * FROM conversation_tags")).keys()
            assert "tenant_id" not in columns
        upgrade(db.engine)
        with db.session() as session:
            assert _mismatched(session) == dict.fromkeys(SIDE_TABLES, 0)


def _conversations(db: Database, tenant: str) -> list[Conversation]:
    with db.session() as session:
        return list(session.scalars(select(Conversation).where(Conversation.tenant_id == tenant)))


# --- writes keep them equal ------------------------------------------------------------------


def test_seeded_side_rows_match_their_conversations(seeded_db: str) -> None:
    with database(seeded_db) as db, db.session() as session:
        assert _mismatched(session) == dict.fromkeys(SIDE_TABLES, 0)
        for table in SIDE_TABLES:
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() > 0, table


def test_live_writes_fill_side_rows(seeded_db: str) -> None:
    started = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    record = new_record(TENANT, started_at=started, conversation_id=f"cnv_side{uuid.uuid4().hex[:8]}")
    with database(seeded_db) as db:
        try:
            with db.session() as session:
                conversation = store.create(session, record)
                store.add_function_call(session, conversation, "lookup_order", {"order": 1}, {"ok": True})
                store.add_function_call(session, conversation, "lookup_order", {"order": 2}, {"ok": True})
                pk = conversation.pk
            with db.session() as session:
                assert _mismatched(session) == dict.fromkeys(SIDE_TABLES, 0)
                functions = session.execute(
                    text(
                        "SELECT name, tenant_id, started_at FROM conversation_functions "
                        "WHERE conversation_pk = :pk"
                    ),
                    {"pk": pk},
                ).all()
                assert [(n, t) for n, t, _ in functions] == [("lookup_order", TENANT)]
            assert record.id in _search_ids(
                db,
                TENANT,
                {
                    "functions": ["lookup_order"],
                    "date_from": "2026-11-18T10:00:00Z",
                    "date_to": "2026-11-18T10:00:00Z",
                },
            )
        finally:
            with db.session() as session:
                store.remove(
                    session, session.scalars(select(Conversation).where(Conversation.id == record.id)).one()
                )


# --- paging through a side table ---------------------------------------------------------------

DRIVEN = [
    {"tags": [{"key": "Language", "value": "Spanish"}]},
    {
        "tags": [
            {"key": "Language", "value": "English"},
            {"key": "Call Reason", "value": "Billing Question"},
        ],
        "match_all_tags": True,
    },
    {"parameters": [{"key": "region", "value": "us-east"}]},
    {"functions": ["send_sms"]},
    {"content": "order"},
    {"content": '"thank you"', "date_within": "P3650D"},
]


@pytest.mark.parametrize("f", DRIVEN, ids=lambda f: ",".join(k for k in f if k != "match_all_tags"))
@pytest.mark.parametrize("descending", [True, False], ids=["desc", "asc"])
def test_small_pages_of_a_side_table_filter_list_each_match_once(
    supervisor: httpx.Client, f: Json, descending: bool
) -> None:
    sort = {"column": "date", "descending": descending}
    whole, _ = search_all(supervisor, f, sort=sort, limit=500)
    paged, pages = search_all(supervisor, f, sort=sort, limit=7)
    assert [i["id"] for i in paged] == [i["id"] for i in whole]
    keys = [(i["started_at"], i["id"]) for i in paged]
    assert keys == sorted(keys, reverse=descending)
    assert {p["total"] for p in pages} == {len(whole)}
