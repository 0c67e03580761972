"""The platform's tables (SQLAlchemy 2.x declarative).

Conversations are split in two: `conversations` holds what the table shows and
what filters and sorts read (narrow, heavily indexed), `conversation_details`
holds the documents shown only when one conversation is opened. Tags, parameters,
called functions and transcript words have side tables so that filters on them use
indexes on both SQLite and PostgreSQL; each side row repeats its conversation's
tenant and start time, so that a filter on it can walk the side table's index in
the listing's date order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Text that is sorted or compared by the API uses byte order ("C") on PostgreSQL,
# which is what SQLite's BINARY collation does: one order on both engines.
SortableText = String().with_variant(String(collation="C"), "postgresql")
Json = JSON().with_variant(postgresql.JSONB(), "postgresql")
# Documents only ever read whole (transcripts, function calls): plain JSON text on
# PostgreSQL too, which loads faster than JSONB and is never queried into.
Document = JSON()
# SQLite only gives autoincrement semantics to INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: Json, list[Any]: Json}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both engines (SQLite stores naive UTC text, whose
    fixed-width format sorts in time order)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- tenants, users, auth -------------------------------------------------


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    default_view_id: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))


class Membership(Base):
    __tablename__ = "memberships"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))


class SigningKey(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(100))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    code_challenge: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(500))
    nonce: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The refresh-token family this code produced, revoked if the code is replayed.
    family_id: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# --- flows, contacts, conversations ---------------------------------------


class Flow(Base):
    __tablename__ = "flows"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(SortableText)
    description: Mapped[str] = mapped_column(Text)
    entry_node: Mapped[str] = mapped_column(String(100))
    graph: Mapped[dict[str, Any]] = mapped_column()


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # How many conversations this contact has in the tenant (the Repeat filter).
    conversation_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index(None, "tenant_id", "conversation_count"),)


class Conversation(Base):
    __tablename__ = "conversations"
    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(SortableText, unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    used_for: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    contact_display: Mapped[str] = mapped_column(SortableText)
    # Case-folded contact_display: what the Contact filter matches substrings in.
    contact_search: Mapped[str] = mapped_column(Text)
    point_of_contact: Mapped[str] = mapped_column(String(200))
    flow_id: Mapped[str | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    flow_name: Mapped[str] = mapped_column(SortableText, default="")
    voice: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    last_message: Mapped[str] = mapped_column(Text, default="")
    last_message_at: Mapped[datetime] = mapped_column(UtcDateTime())
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shown in the table; the side tables below are what filters read.
    functions: Mapped[list[Any]] = mapped_column(default=list)
    parameters: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # Live call state (DESIGN.md §5).
    live_state: Mapped[str] = mapped_column(String(10))
    supervisor_user_id: Mapped[str | None] = mapped_column(String(64))
    supervisor_mode: Mapped[str] = mapped_column(String(12), default="none")
    current_node: Mapped[str | None] = mapped_column(String(100))
    audio_blob: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    audio_duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    # Position in the tenant's change feed: bumped on every write.
    change_seq: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        # Keyset paging: one (tenant, sort column, id) index per sortable column.
        Index(None, "tenant_id", "started_at", "id"),
        Index(None, "tenant_id", "last_message_at", "id"),
        Index(None, "tenant_id", "duration_seconds", "id"),
        Index(None, "tenant_id", "contact_display", "id"),
        Index(None, "tenant_id", "flow_name", "id"),
        Index(None, "tenant_id", "status", "started_at", "id"),
        Index(None, "tenant_id", "platform", "started_at", "id"),
        Index(None, "tenant_id", "flagged", "started_at", "id"),
        Index(None, "tenant_id", "flow_id", "started_at", "id"),
        Index(None, "tenant_id", "used_for", "started_at", "id"),
        Index(None, "tenant_id", "direction", "started_at", "id"),
        Index(None, "tenant_id", "contact_id", "started_at"),
        Index(None, "tenant_id", "change_seq"),
    )


class ConversationTag(Base):
    __tablename__ = "conversation_tags"
    conversation_pk: Mapped[int] = mapped_column(
        ForeignKey("conversations.pk", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    # Copies of the conversation's (never changing) tenant and start: a tag filter
    # reads this index in date order instead of probing it for every conversation.
    tenant_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index(None, "tenant_id", "key", "value", "started_at", "conversation_pk"),)


class ConversationParameter(Base):
    __tablename__ = "conversation_parameters"
    conversation_pk: Mapped[int] = mapped_column(
        ForeignKey("conversations.pk", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))  # as on ConversationTag
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index(None, "tenant_id", "key", "value", "started_at", "conversation_pk"),)


class ConversationFunction(Base):
    __tablename__ = "conversation_functions"
    conversation_pk: Mapped[int] = mapped_column(
        ForeignKey("conversations.pk", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))  # as on ConversationTag
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index(None, "tenant_id", "name", "started_at", "conversation_pk"),)


class ConversationDetail(Base):
    __tablename__ = "conversation_details"
    conversation_pk: Mapped[int] = mapped_column(
        ForeignKey("conversations.pk", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    analysis: Mapped[str] = mapped_column(Text, default="")
    sentiment: Mapped[list[Any]] = mapped_column(Document, default=list)
    messages: Mapped[list[Any]] = mapped_column(Document, default=list)
    function_calls: Mapped[list[Any]] = mapped_column(Document, default=list)
    flow_path: Mapped[list[Any]] = mapped_column(Document, default=list)
    coaching: Mapped[list[Any]] = mapped_column(Document, default=list)


class ConversationSearch(Base):
    """Transcript words, normalised by server.search.text: what content search reads.

    A narrow table of its own, so that probing it while walking conversations in
    sort order touches small rows. PostgreSQL adds a generated tsvector column
    with a GIN index; SQLite an FTS5 index over it (see the migration)."""

    __tablename__ = "conversation_search"
    conversation_pk: Mapped[int] = mapped_column(
        ForeignKey("conversations.pk", ondelete="CASCADE"), primary_key=True
    )
    search_text: Mapped[str] = mapped_column(Text, default="")
    # As on ConversationTag: a content search can walk this table in date order.
    tenant_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index(None, "tenant_id", "started_at", "conversation_pk"),)


class Blob(Base):
    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Artifact(Base):
    __tablename__ = "artifacts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_pk: Mapped[int] = mapped_column(
        ForeignKey("conversations.pk", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))


# --- change feed, events, views, audit ------------------------------------


class Counter(Base):
    """Monotonic counters; the row lock serialises writers so that sequence
    numbers commit in order (a reader never skips a late commit)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Tombstone(Base):
    __tablename__ = "tombstones"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    tenant_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index(None, "tenant_id", "seq"),)


class Event(Base):
    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    tenant_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict[str, Any]] = mapped_column()

    __table_args__ = (Index(None, "tenant_id", "seq"),)


class View(Base):
    __tablename__ = "views"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(10))  # builtin | org | personal
    owner_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    filter: Mapped[dict[str, Any]] = mapped_column()
    sort: Mapped[dict[str, Any]] = mapped_column()
    columns: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))  # ok | refused
    detail: Mapped[dict[str, Any]] = mapped_column()
    at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index(None, "tenant_id", "at"),)
