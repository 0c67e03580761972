"""Transcript words and content queries (docs/filters.md, "Content search").

The cache indexes what this module produces and parses queries with it, so that
offline content search means what the platform's does: NFKD decomposition,
combining marks dropped, case folding, words = maximal runs of letters and digits,
words longer than MAX_WORD characters neither indexed nor searched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from app.domain import Message, MessageRole

MAX_WORD = 64
# Letters and digits: word characters without the underscore.
_WORD = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"')
# Coaching notes are not searched: the customer never saw them.
SEARCHABLE_ROLES = frozenset(
    {MessageRole.CUSTOMER, MessageRole.AGENT, MessageRole.SYSTEM, MessageRole.SUPERVISOR}
)


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order."""
    if text.isascii():  # nothing to decompose, and ASCII case folding is lower()
        found = _WORD.findall(text.lower())
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        found = _WORD.findall(stripped.casefold())
    return [w for w in found if len(w) <= MAX_WORD]


def search_text(texts: Iterable[str]) -> str:
    """The indexed form of a transcript: its words joined by single spaces, with a space
    at each end, so that a phrase is a plain substring (' thank you ')."""
    tokens = words("\n".join(texts))
    return f" {' '.join(tokens)} " if tokens else ""


def transcript_search_text(messages: Iterable[Message]) -> str:
    """What content search reads of a conversation: every message but coaching, in order
    (a phrase may span the boundary of two consecutive messages)."""
    return search_text(m.text for m in messages if m.role in SEARCHABLE_ROLES)


@dataclass(frozen=True)
class ContentQuery:
    """Every word must occur; every phrase must occur as consecutive words."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def all_words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.words, *(w for p in self.phrases for w in p)]))

    @property
    def is_empty(self) -> bool:
        """No word at all (only punctuation): the query matches nothing."""
        return not self.all_words


def parse_content(query: str) -> ContentQuery:
    """Words and quoted phrases; an unpaired quote is ignored, and a quoted single word
    is just a word."""
    quoted = [tuple(words(q)) for q in _QUOTED.findall(query)]
    rest = _QUOTED.sub(" ", query).replace('"', " ")
    single = [*words(rest), *(p[0] for p in quoted if len(p) == 1)]
    phrases = [p for p in quoted if len(p) > 1]
    return ContentQuery(words=tuple(dict.fromkeys(single)), phrases=tuple(dict.fromkeys(phrases)))
