"""Initial schema of the cache: conversations and their side tables, full records,
content search (FTS5), files, flows, views and sync state.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_CONVERSATION_INDEXES = (
    ("tenant", "started_at", "id"),
    ("tenant", "last_message_at", "id"),
    ("tenant", "duration_seconds", "id"),
    ("tenant", "contact", "id"),
    ("tenant", "flow_name", "id"),
    ("tenant", "status", "id"),
    ("tenant", "platform", "id"),
    ("tenant", "flagged", "id"),
    ("tenant", "status", "started_at", "id"),
    ("tenant", "platform", "started_at", "id"),
    ("tenant", "flagged", "started_at", "id"),
    ("tenant", "flow_id", "started_at", "id"),
    ("tenant", "used_for", "started_at", "id"),
    ("tenant", "direction", "started_at", "id"),
    ("tenant", "contact_id", "started_at"),
    ("pinned", "last_access"),
)


def _owner() -> sa.Column[int]:
    return sa.Column(
        "conversation_pk",
        sa.Integer(),
        sa.ForeignKey("conversations.pk", ondelete="CASCADE", name=None),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("contact_folded", sa.Text(), nullable=False),
        sa.Column("point_of_contact", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("used_for", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("flow_id", sa.Text(), nullable=True),
        sa.Column("flow_name", sa.Text(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("last_message", sa.Text(), nullable=False),
        sa.Column("last_message_at", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.Integer(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("functions", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("live_state", sa.Text(), nullable=False),
        sa.Column("supervisor_mode", sa.Text(), nullable=False),
        sa.Column("current_node", sa.Text(), nullable=True),
        sa.Column("has_audio", sa.Boolean(), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("last_access", sa.Integer(), nullable=False),
        sa.Column("full_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_conversations")),
        sa.UniqueConstraint("tenant", "id", name=op.f("uq_conversations_tenant_id")),
    )
    for columns in _CONVERSATION_INDEXES:
        op.create_index(op.f(f"ix_conversations_{'_'.join(columns)}"), "conversations", list(columns))

    op.create_table(
        "conversation_functions",
        _owner(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_pk", "name", name=op.f("pk_conversation_functions")),
    )
    op.create_index(
        op.f("ix_conversation_functions_name_conversation_pk"),
        "conversation_functions",
        ["name", "conversation_pk"],
    )
    for table in ("conversation_tags", "conversation_parameters"):
        op.create_table(
            table,
            _owner(),
            sa.Column("key", sa.Text(), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("conversation_pk", "key", "value", name=op.f(f"pk_{table}")),
        )
        op.create_index(
            op.f(f"ix_{table}_key_value_conversation_pk"), table, ["key", "value", "conversation_pk"]
        )

    op.create_table(
        "contact_counts",
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "contact_id", name=op.f("pk_contact_counts")),
    )
    op.create_index(
        op.f("ix_contact_counts_tenant_conversations_contact_id"),
        "contact_counts",
        ["tenant", "conversations", "contact_id"],
    )

    op.create_table(
        "conversation_details",
        _owner(),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("analysis", sa.Text(), nullable=False),
        sa.Column("sentiment", sa.JSON(), nullable=False),
        sa.Column("voice", sa.Text(), nullable=True),
        sa.Column("flow_path", sa.JSON(), nullable=False),
        sa.Column("coaching", sa.JSON(), nullable=False),
        sa.Column("audio", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("conversation_pk", name=op.f("pk_conversation_details")),
    )
    op.create_table(
        "messages",
        _owner(),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.Integer(), nullable=False),
        sa.Column("offset_ms", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_pk", "idx", name=op.f("pk_messages")),
    )
    op.create_table(
        "function_calls",
        _owner(),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=False),
        sa.Column("at", sa.Integer(), nullable=False),
        sa.Column("offset_ms", sa.Integer(), nullable=False),
        sa.Column("message_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_pk", "idx", name=op.f("pk_function_calls")),
    )
    op.create_table(
        "artifacts",
        _owner(),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_pk", "id", name=op.f("pk_artifacts")),
    )
    op.create_table(
        "conversation_search",
        _owner(),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_pk", name=op.f("pk_conversation_search")),
    )
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), nullable=False),
        _owner(),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("artifact_id", sa.Text(), nullable=True),
        sa.Column("relpath", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
        sa.UniqueConstraint("relpath", name=op.f("uq_files_relpath")),
        sa.UniqueConstraint(
            "conversation_pk", "kind", "artifact_id", name=op.f("uq_files_conversation_pk_kind_artifact_id")
        ),
    )
    op.create_table(
        "flows",
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("graph", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_flows")),
    )
    op.create_table(
        "views",
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_views")),
    )
    op.create_table(
        "sync_state",
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("changes_cursor", sa.Text(), nullable=True),
        sa.Column("events_cursor", sa.Text(), nullable=True),
        sa.Column("synced_at", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("tenant", name=op.f("pk_sync_state")),
    )
    _content_index()
    _contact_counts()


def _content_index() -> None:
    """FTS5 over the normalised words (docs/filters.md, "Content search"): the words are
    already folded; unicode61 with diacritics removed tokenises them as the platform's
    SQLite index does, so both engines split and match words alike."""
    op.execute(
        "CREATE VIRTUAL TABLE conversation_fts USING fts5(search_text, "
        "content='conversation_search', content_rowid='conversation_pk', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
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


def _contact_counts() -> None:
    """Conversations per contact, kept in step with `conversations`: by the database itself
    for deletes (incl. evictions); new rows and a changed contact are counted by the
    writer, a batch at a time (app.cache.writes), because a trigger on INSERT or UPDATE
    made every upsert three times slower, fired or not."""
    minus = (
        "UPDATE contact_counts SET conversations = conversations - 1 "
        "WHERE tenant = old.tenant AND contact_id = old.contact_id; "
        "DELETE FROM contact_counts WHERE tenant = old.tenant AND contact_id = old.contact_id "
        "AND conversations <= 0;"
    )
    op.execute(f"CREATE TRIGGER contact_counts_delete AFTER DELETE ON conversations BEGIN {minus} END")


def downgrade() -> None:
    for trigger in ("contact_counts_insert", "contact_counts_delete", "contact_counts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS conversation_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS conversation_fts")
    for table in (
        "sync_state",
        "views",
        "flows",
        "files",
        "conversation_search",
        "artifacts",
        "function_calls",
        "messages",
        "conversation_details",
        "contact_counts",
        "conversation_parameters",
        "conversation_tags",
        "conversation_functions",
        "conversations",
    ):
        op.drop_table(table)
