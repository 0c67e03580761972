"""side rows carry their conversation's tenant and start time

Tags, parameters, functions and transcript words repeat the conversation's
tenant_id and started_at (neither ever changes), so that a filter on them can
walk the side table's index in the listing's date order instead of probing the
side table once for every conversation walked. Existing rows are filled in from
their conversations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table → (the columns of its old secondary index, those of the new one)
SIDE_TABLES: dict[str, tuple[list[str] | None, list[str]]] = {
    "conversation_tags": (
        ["key", "value", "conversation_pk"],
        ["tenant_id", "key", "value", "started_at", "conversation_pk"],
    ),
    "conversation_parameters": (
        ["key", "value", "conversation_pk"],
        ["tenant_id", "key", "value", "started_at", "conversation_pk"],
    ),
    "conversation_functions": (
        ["name", "conversation_pk"],
        ["tenant_id", "name", "started_at", "conversation_pk"],
    ),
    "conversation_search": (None, ["tenant_id", "started_at", "conversation_pk"]),
}


def _index_name(table: str, columns: list[str]) -> str:
    """The models' naming convention (PostgreSQL shortens names past 63 characters with a hash)."""
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, (old_columns, columns) in SIDE_TABLES.items():
        op.add_column(table, sa.Column("tenant_id", sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        if sqlite:
            op.execute(
                f"UPDATE {table} SET (tenant_id, started_at) = "
                f"(SELECT c.tenant_id, c.started_at FROM conversations c WHERE c.pk = {table}.conversation_pk)"
            )
        else:
            op.execute(
                f"UPDATE {table} SET tenant_id = c.tenant_id, started_at = c.started_at "
                f"FROM conversations c WHERE c.pk = {table}.conversation_pk"
            )
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("tenant_id", existing_type=sa.String(length=64), nullable=False)
            batch_op.alter_column("started_at", existing_type=sa.DateTime(timezone=True), nullable=False)
            if old_columns:
                batch_op.drop_index(op.f(_index_name(table, old_columns)))
            batch_op.create_index(op.f(_index_name(table, columns)), columns, unique=False)
    if sqlite:
        # Rebuilding conversation_search (SQLite's ALTER) dropped the triggers that keep
        # its FTS index current; the index itself is keyed by conversation_pk and still valid.
        _fts_triggers()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, (old_columns, columns) in SIDE_TABLES.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(op.f(_index_name(table, columns)))
            batch_op.drop_column("started_at")
            batch_op.drop_column("tenant_id")
            if old_columns:
                batch_op.create_index(op.f(_index_name(table, old_columns)), old_columns, unique=False)
    if sqlite:
        _fts_triggers()


def _fts_triggers() -> None:
    """The same triggers as the initial schema's."""
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS conversation_fts_{trigger}")
    op.execute(
        "CREATE TRIGGER conversation_fts_insert AFTER INSERT ON conversation_search BEGIN "
        "INSERT INTO conversation_fts(rowid, search_text) VALUES (new.conversation_pk, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER conversation_fts_delete AFTER DELETE ON conversation_search BEGIN "
        "INSERT INTO conversation_fts(conversation_fts, rowid, search_text) "
        "VALUES ('delete', old.conversation_pk, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER conversation_fts_update AFTER UPDATE OF search_text ON conversation_search BEGIN "
        "INSERT INTO conversation_fts(conversation_fts, rowid, search_text) "
        "VALUES ('delete', old.conversation_pk, old.search_text); "
        "INSERT INTO conversation_fts(rowid, search_text) VALUES (new.conversation_pk, new.search_text); END"
    )
