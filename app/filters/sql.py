"""Filter → SQL conditions on the cache's tables (docs/filters.md is the definition).

Each field becomes one condition and the conditions are ANDed, exactly as on the
platform. Two answers depend on what the cache holds, not on the Filter:

* `repeat_contacts` counts the contact's conversations *in the cache* (the contract
  gives no per-contact count): equal to the platform's count when all of that
  contact's conversations are cached, lower otherwise.
* `content` reads transcripts, which only fully cached conversations have; a
  conversation known by its summary alone never matches a content filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, Table, and_, exists, false, func, or_, select

from app.cache.schema import (
    contact_counts,
    contact_spellings,
    contact_spellings_fts,
    conversation_fts,
    conversation_functions,
    conversation_parameters,
    conversation_search,
    conversation_tags,
    conversations,
)
from app.domain import Filter, KeyValue
from app.filters.instants import to_micros
from app.filters.text import ContentQuery, parse_content

c = conversations.c


def conditions(
    f: Filter,
    *,
    tenant: str,
    now: datetime,
    content_by_order: bool = False,
    contact_ids: Sequence[str] | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE clause of `f` within `tenant`; a relative date range is resolved against
    `now` (use one `now` for every page of a listing).

    `content_by_order`: test each row met in the listing's order against the content
    matches instead of starting from the matches (see content_matches); the same rows
    either way, a different plan.

    `contact_ids`: every contact whose spelling holds the Contact filter's text, when the
    caller looked them up (spellings_holding): the rows are then fetched through the
    contacts' index instead of testing every row. The same rows either way."""
    where: list[ColumnElement[bool]] = [c.tenant == tenant]
    if f.ids is not None:
        where.append(c.id.in_(f.ids))
    if f.statuses is not None:
        where.append(c.status.in_([s.value for s in f.statuses]))
    date_from, date_to = f.date_bounds(now)
    if date_from is not None:
        where.append(c.started_at >= to_micros(date_from))
    if date_to is not None:
        where.append(c.started_at <= to_micros(date_to))
    if f.platforms is not None:
        where.append(c.platform.in_([p.value for p in f.platforms]))
    if f.flow_ids is not None:
        where.append(c.flow_id.in_(f.flow_ids))
    if f.direction is not None:
        where.append(c.direction == f.direction.value)
    if f.used_for is not None:
        where.append(c.used_for == f.used_for.value)
    if f.flagged is not None:
        where.append(c.flagged == f.flagged)
    if f.repeat_contacts is not None:
        where.append(_repeat(tenant, f.repeat_contacts.min, f.repeat_contacts.max))
    if f.contact is not None:
        # A plain substring test: %, _ and \ mean nothing special.
        where.append(func.instr(c.contact_folded, f.contact.casefold()) > 0)
        if contact_ids is not None:
            # Through a subquery, so that the planner starts from these contacts' rows.
            of = conversations.alias("of_contacts").c
            where.append(c.pk.in_(select(of.pk).where(of.tenant == tenant, of.contact_id.in_(contact_ids))))
    if f.content is not None:
        where.append(_content(parse_content(f.content), by_order=content_by_order))
    if f.functions is not None:
        fn = conversation_functions.c
        where.append(exists().where(fn.conversation_pk == c.pk, fn.name.in_(f.functions)))
    if f.tags is not None:
        tag_tests = [_has_pair(conversation_tags, t) for t in f.tags]
        where.append(and_(*tag_tests) if f.match_all_tags else or_(*tag_tests))
    if f.parameters is not None:
        where.extend(_has_pair(conversation_parameters, p) for p in f.parameters)
    return where


def _repeat(tenant: str, minimum: int | None, maximum: int | None) -> ColumnElement[bool]:
    # A correlated test per row, answered from the contact_counts key: the planner keeps
    # walking the page's sort index. (An IN list of qualifying contacts made it fetch and
    # sort every match instead: seconds at a million rows.)
    counted = contact_counts.c
    test = exists().where(counted.tenant == tenant, counted.contact_id == c.contact_id)
    if minimum is not None:
        test = test.where(counted.conversations >= minimum)
    if maximum is not None:
        test = test.where(counted.conversations <= maximum)
    return test


def _has_pair(table: Table, pair: KeyValue) -> ColumnElement[bool]:
    pairs = table.c
    return exists().where(pairs.conversation_pk == c.pk, pairs.key == pair.key, pairs.value == pair.value)


SPELLING_TRIGRAM = 3  # the trigram index answers substrings of this many characters or more


def spellings_holding(contact: str, limit: int) -> Select[str, str] | None:
    """(tenant, contact id) of the contact spellings that hold `contact` (casefolded), from
    the trigram index: at most `limit` + 1 of them, of any tenant (more means a text too
    common for the look-up to pay); None when the text is too short for the index."""
    needle = contact.casefold()
    if len(needle) < SPELLING_TRIGRAM:
        return None
    phrase = '"' + needle.replace('"', '""') + '"'  # one FTS5 string: no operators in it
    fts = contact_spellings_fts.c
    hits = select(fts.rowid).where(fts.contact_spellings_fts.match(phrase)).limit(limit + 1)
    s = contact_spellings.c
    return select(s.tenant, s.contact_id).where(s.id.in_(hits))


def fts_query(query: ContentQuery) -> str:
    """Every word, each as a quoted FTS5 string (words are letters and digits only)."""
    return " AND ".join(f'"{w}"' for w in query.all_words)


def content_matches(content: str) -> Select[int]:
    """How many conversations the words of a content filter match (the FTS index alone:
    a millisecond or two, whatever the cache's size)."""
    query = parse_content(content)
    fts = conversation_fts.c
    matching = fts.conversation_fts.match(fts_query(query))
    return select(func.count()).select_from(conversation_fts).where(matching)


def _content(query: ContentQuery, *, by_order: bool) -> ColumnElement[bool]:
    if query.is_empty:
        return false()
    s = conversation_search.c
    fts = conversation_fts.c
    # `pk + 0` is not indexable: SQLite then walks the listing's order and looks each row
    # up in the (materialised) matches, instead of fetching every match and sorting them.
    key = c.pk + 0 if by_order else c.pk
    in_index = key.in_(select(fts.rowid).where(fts.conversation_fts.match(fts_query(query))))
    if not query.phrases:
        return in_index
    # Phrases: consecutive words of the space-delimited search text.
    phrase_tests = [func.instr(s.search_text, f" {' '.join(p)} ") > 0 for p in query.phrases]
    return and_(in_index, exists().where(s.conversation_pk == c.pk, *phrase_tests))
