"""The cache's tables (SQLAlchemy Core). Migrations in migrations/versions create them.

Instants are integers: microseconds since the epoch, UTC — they sort and compare like
the platform's timestamps, to the microsecond. Every index starts with the tenant,
because every query is within one tenant. `conversations.pk` is the rowid that the
side tables and the FTS index refer to; `(tenant, id)` is the platform's key.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    column,
    table,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def _owner() -> Column[int]:
    """The conversation a side row belongs to: it goes when the conversation goes."""
    owner = ForeignKey("conversations.pk", ondelete="CASCADE")
    return Column("conversation_pk", Integer, owner, nullable=False)


conversations = Table(
    "conversations",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("tenant", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("contact_id", Text, nullable=False),
    Column("contact", Text, nullable=False),
    Column("contact_folded", Text, nullable=False),  # contact.casefold(): what the Contact filter reads
    Column("point_of_contact", Text, nullable=False),
    Column("direction", Text, nullable=False),
    Column("used_for", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("flow_id", Text),
    Column("flow_name", Text, nullable=False),
    Column("duration_seconds", Integer, nullable=False),
    Column("last_message", Text, nullable=False),
    Column("last_message_at", Integer, nullable=False),
    Column("started_at", Integer, nullable=False),
    Column("ended_at", Integer),
    Column("flagged", Boolean, nullable=False),
    # What the table shows; the side tables below are what filters read.
    Column("functions", JSON, nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("live_state", Text, nullable=False),
    Column("supervisor_mode", Text, nullable=False),
    Column("current_node", Text),
    Column("has_audio", Boolean, nullable=False),
    Column("change_seq", Integer, nullable=False),
    # Cache bookkeeping.
    Column("pinned", Boolean, nullable=False, server_default="0"),
    Column("last_access", Integer, nullable=False),  # microseconds; least recently used goes first
    # change_seq of the full record (transcript, calls, artifacts) cached; NULL: summary only.
    Column("full_seq", Integer),
    UniqueConstraint("tenant", "id"),
    # Keyset paging on every sortable column: (tenant, column, id).
    Index(None, "tenant", "started_at", "id"),
    Index(None, "tenant", "last_message_at", "id"),
    Index(None, "tenant", "duration_seconds", "id"),
    Index(None, "tenant", "contact", "id"),
    Index(None, "tenant", "flow_name", "id"),
    Index(None, "tenant", "status", "id"),
    Index(None, "tenant", "platform", "id"),
    Index(None, "tenant", "flagged", "id"),
    # Filters, in the default order (newest first).
    Index(None, "tenant", "status", "started_at", "id"),
    Index(None, "tenant", "platform", "started_at", "id"),
    Index(None, "tenant", "flagged", "started_at", "id"),
    Index(None, "tenant", "flow_id", "started_at", "id"),
    Index(None, "tenant", "used_for", "started_at", "id"),
    Index(None, "tenant", "direction", "started_at", "id"),
    Index(None, "tenant", "contact_id", "started_at"),
    Index(None, "pinned", "last_access"),
)

conversation_functions = Table(
    "conversation_functions",
    metadata,
    _owner(),
    Column("name", Text, nullable=False),
    PrimaryKeyConstraint("conversation_pk", "name"),
    Index(None, "name", "conversation_pk"),
)

conversation_tags = Table(
    "conversation_tags",
    metadata,
    _owner(),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("conversation_pk", "key", "value"),
    Index(None, "key", "value", "conversation_pk"),
)

conversation_parameters = Table(
    "conversation_parameters",
    metadata,
    _owner(),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("conversation_pk", "key", "value"),
    Index(None, "key", "value", "conversation_pk"),
)

# How many cached conversations each contact has (the Repeat contacts filter);
# kept by app.cache.writes (inserts) and triggers on `conversations` (see the migration).
contact_counts = Table(
    "contact_counts",
    metadata,
    Column("tenant", Text, nullable=False),
    Column("contact_id", Text, nullable=False),
    Column("conversations", Integer, nullable=False),
    PrimaryKeyConstraint("tenant", "contact_id"),
    Index(None, "tenant", "conversations", "contact_id"),
)

# Each distinct way a contact is shown (casefolded) with its contact id, per tenant, and a
# trigram FTS5 index `contact_spellings_fts` over it kept by triggers (see migration 0002):
# the Contact filter looks a rare substring up here first. Written with the summaries; a
# spelling whose conversations have gone stays until the next rebuild (harmless: the
# filter tests the conversations themselves too).
contact_spellings = Table(
    "contact_spellings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant", Text, nullable=False),
    Column("contact_folded", Text, nullable=False),
    Column("contact_id", Text, nullable=False),
    UniqueConstraint("tenant", "contact_folded", "contact_id"),
)
contact_spellings_fts = table(
    "contact_spellings_fts", column("rowid", Integer), column("contact_spellings_fts", Text)
)

# --- the full record of an opened (or pinned) conversation -----------------------------

conversation_details = Table(
    "conversation_details",
    metadata,
    Column("conversation_pk", Integer, ForeignKey("conversations.pk", ondelete="CASCADE"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("analysis", Text, nullable=False),
    Column("sentiment", JSON, nullable=False),
    Column("voice", Text),
    Column("flow_path", JSON, nullable=False),
    Column("coaching", JSON, nullable=False),
    Column("audio", JSON),
)

messages = Table(
    "messages",
    metadata,
    _owner(),
    Column("idx", Integer, nullable=False),
    Column("role", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("at", Integer, nullable=False),
    Column("offset_ms", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    PrimaryKeyConstraint("conversation_pk", "idx"),
)

function_calls = Table(
    "function_calls",
    metadata,
    _owner(),
    Column("idx", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("input", JSON, nullable=False),
    Column("output", JSON, nullable=False),
    Column("at", Integer, nullable=False),
    Column("offset_ms", Integer, nullable=False),
    Column("message_index", Integer, nullable=False),
    PrimaryKeyConstraint("conversation_pk", "idx"),
)

artifacts = Table(
    "artifacts",
    metadata,
    _owner(),
    Column("id", Text, nullable=False),
    Column("position", Integer, nullable=False),  # the platform's order
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("media_type", Text, nullable=False),
    Column("size", Integer, nullable=False),
    PrimaryKeyConstraint("conversation_pk", "id"),
)

# Normalised transcript words (app.filters.text.search_text), with an FTS5 index
# `conversation_fts` over it kept by triggers (see the migration).
conversation_search = Table(
    "conversation_search",
    metadata,
    Column("conversation_pk", Integer, ForeignKey("conversations.pk", ondelete="CASCADE"), primary_key=True),
    Column("search_text", Text, nullable=False),
)

# Recordings and artifact files kept on disk beside the database.
files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True),
    _owner(),
    Column("kind", Text, nullable=False),  # "audio" | "artifact"
    Column("artifact_id", Text),
    Column("relpath", Text, nullable=False, unique=True),  # a name the cache made, never the server's
    Column("media_type", Text, nullable=False),
    Column("size", Integer, nullable=False),
    UniqueConstraint("conversation_pk", "kind", "artifact_id"),
)

# --- flows, views, sync ------------------------------------------------------------------

flows = Table(
    "flows",
    metadata,
    Column("tenant", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("node_count", Integer, nullable=False),
    Column("graph", JSON),  # the whole Flow once fetched; NULL while only its summary is known
    PrimaryKeyConstraint("tenant", "id"),
)

views = Table(
    "views",
    metadata,
    Column("tenant", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("record", JSON, nullable=False),  # the View as the platform sent it
    Column("position", Integer, nullable=False),  # the platform's order
    Column("pinned", Boolean, nullable=False, server_default="0"),  # "keep offline"
    PrimaryKeyConstraint("tenant", "id"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("tenant", Text, primary_key=True),
    Column("changes_cursor", Text),
    Column("events_cursor", Text),
    Column("synced_at", Integer),
)

# The FTS5 index over conversation_search (created by the migration, not by metadata):
# rowid is conversation_search.conversation_pk; the hidden column named like the table
# is what MATCH applies to.
conversation_fts = table(
    "conversation_fts",
    column("rowid", Integer),
    column("conversation_fts", Text),
)
