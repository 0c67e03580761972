"""Contact spellings: each distinct (contact as shown, casefolded; contact id) of a tenant,
with a trigram index over the spelling, so that the Contact filter finds a phone number (or
any rare substring) without reading every conversation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.cache import database

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "contact_spellings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.Text(), nullable=False),
        sa.Column("contact_folded", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_spellings")),
        sa.UniqueConstraint(
            "tenant",
            "contact_folded",
            "contact_id",
            name=op.f("uq_contact_spellings_tenant_contact_folded_contact_id"),
        ),
    )
    op.execute(
        "INSERT OR IGNORE INTO contact_spellings (tenant, contact_folded, contact_id) "
        "SELECT DISTINCT tenant, contact_folded, contact_id FROM conversations"
    )
    # The trigram tokenizer answers substring queries of 3 characters or more. Without it
    # (an SQLite older than 3.34) the index is left out and the Contact filter tests every
    # row, as it did before this revision (app.cache.queries).
    if not database.has_trigram_tokenizer():
        return
    op.execute(
        "CREATE VIRTUAL TABLE contact_spellings_fts USING fts5(contact_folded, "
        "content='contact_spellings', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER contact_spellings_fts_insert AFTER INSERT ON contact_spellings BEGIN "
        "INSERT INTO contact_spellings_fts(rowid, contact_folded) VALUES (new.id, new.contact_folded); END"
    )
    op.execute(
        "CREATE TRIGGER contact_spellings_fts_delete AFTER DELETE ON contact_spellings BEGIN "
        "INSERT INTO contact_spellings_fts(contact_spellings_fts, rowid, contact_folded) "
        "VALUES ('delete', old.id, old.contact_folded); END"
    )
    op.execute("INSERT INTO contact_spellings_fts(contact_spellings_fts) VALUES ('rebuild')")


def downgrade() -> None:
    for trigger in ("insert", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS contact_spellings_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS contact_spellings_fts")
    op.drop_table("contact_spellings")
