"""Filter → SQL conditions on `conversations` (SQLite and PostgreSQL).

Each Filter field becomes one condition; the conditions are ANDed. The exact
meaning of every field is in docs/filters.md.

A filter on a side table (a tag, a parameter, a function, transcript words) is
joined rather than tested per conversation when one side row at most can match
each conversation: the side table's (tenant, ..., started_at) index then yields
the matches already in date order, and a first page reads about a page of side
rows instead of probing the side table for every conversation walked by date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, exists, literal, or_, select, text
from sqlalchemy.orm import aliased
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


DRIVER = "side"  # the joined side table's name in SQL


@dataclass(frozen=True)
class SearchSql:
    """What a search selects from and the conditions it applies."""

    source: FromClause  # `conversations`, or joined to the side table that drives the search
    where: list[ColumnElement[bool]]
    # The start time to order and bound by: the driving side row's copy when there is
    # one (its index holds it), else the conversation's own.
    started_at: ColumnElement[datetime]
    # The matches as driving side rows alone, when those decide them (the filter has no
    # other condition): counting them then reads one index, without the join.
    side_matches: Select[tuple[int]] | None = None


def search_sql(f: Filter, *, tenant_id: str, now: datetime, dialect: str) -> SearchSql:
    driver, side = _driver(f)
    c = Conversation
    source: FromClause = c.__table__  # type: ignore[assignment]
    where = conditions(f, tenant_id=tenant_id, now=now, dialect=dialect, skip=driver)
    if side is None:
        return SearchSql(source=source, where=where, started_at=c.started_at)
    side_where = [side.tenant_id == tenant_id, *_driver_tests(f, driver, side, dialect)]
    date_from, date_to = f.date_bounds(now)
    if date_from is not None:
        side_where.append(side.started_at >= date_from)
    if date_to is not None:
        side_where.append(side.started_at <= date_to)
    alone = select(side.conversation_pk).where(*side_where) if _side_alone(f, driver) else None
    return SearchSql(
        source=source.join(side, side.conversation_pk == c.pk),
        where=[*where, *side_where],
        started_at=side.started_at,
        side_matches=alone,
    )


def _driver(f: Filter) -> tuple[str | None, Any]:
    """The filter field whose side table drives the search, and that table's alias.

    Only a field that at most one side row per conversation can satisfy drives
    (a join must not repeat conversations): one tag, or the first of tags that
    must all match; the first parameter; a single function; content words."""
    if f.tags and (len(f.tags) == 1 or f.match_all_tags):
        return "tags", aliased(ConversationTag, name=DRIVER)
    if f.parameters:
        return "parameters", aliased(ConversationParameter, name=DRIVER)
    if f.functions is not None and len(f.functions) == 1:
        return "functions", aliased(ConversationFunction, name=DRIVER)
    if f.content is not None and not parse_content(f.content).is_empty:
        return "content", aliased(ConversationSearch, name=DRIVER)
    return None, None


# Fields that the driving side row answers too (it repeats the conversation's tenant and start).
_SIDE_ANSWERS = {"date_from", "date_to", "date_within", "match_all_tags"}


def _side_alone(f: Filter, driver: str | None) -> bool:
    """Whether the driving side rows alone decide which conversations match: every side
    row has its conversation, of the same tenant and start."""
    given = {name for name, value in f if value is not None} - _SIDE_ANSWERS
    if given != {driver}:
        return False
    if driver == "tags":
        return len(f.tags or ()) == 1
    if driver == "parameters":
        return len(f.parameters or ()) == 1
    return True


def _driver_tests(f: Filter, driver: str | None, side: Any, dialect: str) -> list[ColumnElement[bool]]:
    """The driving field's own tests, on the joined side row (the rest of the field,
    e.g. further tags that must all match, stays in `conditions`)."""
    if driver == "tags":
        assert f.tags
        return [side.key == f.tags[0].key, side.value == f.tags[0].value]
    if driver == "parameters":
        assert f.parameters
        return [side.key == f.parameters[0].key, side.value == f.parameters[0].value]
    if driver == "functions":
        assert f.functions
        return [side.name == f.functions[0]]
    if driver == "content":
        assert f.content is not None
        return _content_tests(parse_content(f.content), dialect, side, DRIVER)
    return []


def conditions(
    f: Filter, *, tenant_id: str, now: datetime, dialect: str, skip: str | None = None
) -> list[ColumnElement[bool]]:
    """The filter's conditions on `conversations`; `skip` names the field (or the
    part of it) that a joined side table tests instead."""
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
    if f.content is not None and skip != "content":
        where.append(_content(parse_content(f.content), dialect))
    if f.functions is not None and skip != "functions":
        where.append(
            exists().where(
                ConversationFunction.conversation_pk == c.pk,
                ConversationFunction.name.in_(f.functions),
            )
        )
    if f.tags is not None:
        if skip == "tags":  # the first tag is the join's; all must match
            where.extend(_has_pair(ConversationTag, t) for t in f.tags[1:])
        else:
            tag_tests = [_has_pair(ConversationTag, t) for t in f.tags]
            where.append(and_(*tag_tests) if f.match_all_tags else or_(*tag_tests))
    if f.parameters is not None:
        rest = f.parameters[1:] if skip == "parameters" else f.parameters
        where.extend(_has_pair(ConversationParameter, p) for p in rest)
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
    tests = _content_tests(query, dialect, d, d.__tablename__)
    return exists().where(d.conversation_pk == Conversation.pk, *tests)


def _content_tests(query: ContentQuery, dialect: str, table: Any, name: str) -> list[Any]:
    """Tests on a conversation_search row (`table`, named `name` in SQL)."""
    tests: list[ColumnElement[bool] | TextClause] = []
    if dialect == "postgresql":
        # Words are letters and digits only, so quoting them as lexemes is safe.
        tsquery = " & ".join(f"'{w}'" for w in query.all_words)
        tests.append(
            text(f"{name}.search_tsv @@ CAST(:tsq AS tsquery)").bindparams(bindparam("tsq", tsquery))
        )
    else:
        fts = " AND ".join(f'"{w}"' for w in query.all_words)
        tests.append(
            text(
                f"{name}.conversation_pk IN "
                "(SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH :fts)"
            ).bindparams(bindparam("fts", fts))
        )
    for phrase in query.phrases:
        tests.append(table.search_text.like(f"% {like_escape(' '.join(phrase))} %", escape="\\"))
    return tests
