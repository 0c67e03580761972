"""Filter → SQL conditions on `conversations` (SQLite and PostgreSQL).

Each Filter field becomes one condition; the conditions are ANDed. The exact
meaning of every field is in docs/filters.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, literal, or_, select, text
from sqlalchemy.sql.expression import TextClause, bindparam

from server.db.models import (
    Contact,
    Conversation,
    ConversationFunction,
    ConversationParameter,
    ConversationSearch,
    ConversationTag,
)
from server.schemas.filter import Filter, KeyValue
from server.search.text import ContentQuery, parse_content


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(f: Filter, *, tenant_id: str, now: datetime, dialect: str) -> list[ColumnElement[bool]]:
    c = Conversation
    where: list[ColumnElement[bool]] = [c.tenant_id == tenant_id]
    if f.ids is not None:
        where.append(c.id.in_(f.ids))
    if f.statuses is not None:
        where.append(c.status.in_([s.value for s in f.statuses]))
    date_from, date_to = f.date_bounds(now)
    if date_from is not None:
        where.append(c.started_at >= date_from)
    if date_to is not None:
        where.append(c.started_at <= date_to)
    if f.platforms is not None:
        where.append(c.platform.in_([p.value for p in f.platforms]))
    if f.flow_ids is not None:
        where.append(c.flow_id.in_(f.flow_ids))
    if f.direction is not None:
        where.append(c.direction == f.direction.value)
    if f.used_for is not None:
        where.append(c.used_for == f.used_for.value)
    if f.flagged is not None:
        where.append(c.flagged.is_(f.flagged))
    if f.repeat_contacts is not None:
        where.append(_repeat(f.repeat_contacts.min, f.repeat_contacts.max))
    if f.contact is not None:
        needle = f"%{like_escape(f.contact.casefold())}%"
        where.append(c.contact_search.like(needle, escape="\\"))
    if f.content is not None:
        where.append(_content(parse_content(f.content), dialect))
    if f.functions is not None:
        where.append(
            exists().where(
                ConversationFunction.conversation_pk == c.pk,
                ConversationFunction.name.in_(f.functions),
            )
        )
    if f.tags is not None:
        tag_tests = [_has_pair(ConversationTag, t) for t in f.tags]
        where.append(and_(*tag_tests) if f.match_all_tags else or_(*tag_tests))
    if f.parameters is not None:
        where.extend(_has_pair(ConversationParameter, p) for p in f.parameters)
    return where


def _repeat(minimum: int | None, maximum: int | None) -> ColumnElement[bool]:
    counts = select(Contact.id).where(Contact.id == Conversation.contact_id)
    if minimum is not None:
        counts = counts.where(Contact.conversation_count >= minimum)
    if maximum is not None:
        counts = counts.where(Contact.conversation_count <= maximum)
    return exists(counts)


def _has_pair(
    table: type[ConversationTag] | type[ConversationParameter], pair: KeyValue
) -> ColumnElement[bool]:
    return exists().where(
        table.conversation_pk == Conversation.pk, table.key == pair.key, table.value == pair.value
    )


def _content(query: ContentQuery, dialect: str) -> ColumnElement[bool]:
    if query.is_empty:
        # Nothing searchable (only punctuation): matches nothing, as documented.
        return literal(False)
    d = ConversationSearch
    tests: list[ColumnElement[bool] | TextClause] = []
    if dialect == "postgresql":
        # Words are letters and digits only, so quoting them as lexemes is safe.
        tsquery = " & ".join(f"'{w}'" for w in query.all_words)
        tests.append(
            text("conversation_search.search_tsv @@ CAST(:tsq AS tsquery)").bindparams(
                bindparam("tsq", tsquery)
            )
        )
    else:
        fts = " AND ".join(f'"{w}"' for w in query.all_words)
        tests.append(
            text(
                "conversation_search.conversation_pk IN "
                "(SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH :fts)"
            ).bindparams(bindparam("fts", fts))
        )
    for phrase in query.phrases:
        tests.append(d.search_text.like(f"% {like_escape(' '.join(phrase))} %", escape="\\"))
    return exists().where(d.conversation_pk == Conversation.pk, *tests)
