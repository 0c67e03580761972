"""Word normalisation for content search (docs/filters.md, "Content").

Both engines index the same normalised words, so that SQLite and PostgreSQL
(and, later, the client's cache) agree on what matches: text is NFKD-decomposed,
combining marks are dropped, it is case-folded, and words are maximal runs of
letters and digits. Words longer than MAX_WORD characters are not indexed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WORD = 64
_WORD = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"')


def words(text: str) -> list[str]:
    if text.isascii():  # the common case: nothing to decompose, fold or strip
        found = _WORD.findall(text.lower())
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        found = _WORD.findall(stripped.casefold())
    return [w for w in found if len(w) <= MAX_WORD]


def search_text(texts: list[str]) -> str:
    """The indexed form of a transcript: its words, space-separated, with a
    space at each end so that a phrase is a plain substring (' a b ')."""
    tokens = words("\n".join(texts))  # one pass; the newline separates words anyway
    return f" {' '.join(tokens)} " if tokens else ""


@dataclass(frozen=True)
class ContentQuery:
    """A parsed content filter: every word must occur, every phrase must occur
    as consecutive words."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def all_words(self) -> tuple[str, ...]:
        seen = dict.fromkeys([*self.words, *(w for p in self.phrases for w in p)])
        return tuple(seen)

    @property
    def is_empty(self) -> bool:
        return not self.all_words


def parse_content(query: str) -> ContentQuery:
    phrases: list[tuple[str, ...]] = []
    for quoted in _QUOTED.findall(query):
        tokens = tuple(words(quoted))
        if len(tokens) > 1 or tokens:
            phrases.append(tokens)
    rest = _QUOTED.sub(" ", query).replace('"', " ")
    single = tuple(words(rest))
    multi = tuple(p for p in phrases if len(p) > 1)
    single += tuple(p[0] for p in phrases if len(p) == 1)
    return ContentQuery(words=tuple(dict.fromkeys(single)), phrases=tuple(dict.fromkeys(multi)))
