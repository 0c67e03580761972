"""One meaning, three spellings: the Filter of docs/filters.md as the platform's JSON
(query), as SQL on the cache (sql, order) and as the words content search reads (text)."""

from app.filters.instants import from_micros, to_micros
from app.filters.order import SORT_COLUMNS, Position, after, order_by, sort_column
from app.filters.query import MAX_PAGE, filter_json, search_body, sort_json
from app.filters.sql import conditions, fts_query
from app.filters.text import (
    MAX_WORD,
    SEARCHABLE_ROLES,
    ContentQuery,
    parse_content,
    search_text,
    transcript_search_text,
    words,
)

__all__ = [
    "MAX_PAGE",
    "MAX_WORD",
    "SEARCHABLE_ROLES",
    "SORT_COLUMNS",
    "ContentQuery",
    "Position",
    "after",
    "conditions",
    "filter_json",
    "from_micros",
    "fts_query",
    "order_by",
    "parse_content",
    "search_body",
    "search_text",
    "sort_column",
    "sort_json",
    "to_micros",
    "transcript_search_text",
    "words",
]
