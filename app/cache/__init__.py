"""The local cache: SQLite through SQLAlchemy, migrated by Alembic at open, searched
with the Filter semantics of docs/filters.md (app.filters)."""

from app.cache.accounting import CacheSize
from app.cache.errors import CacheBusy, CacheCorrupt, CacheError, CacheFull, CacheSchemaTooNew
from app.cache.location import cache_path
from app.cache.queries import CachePage
from app.cache.store import AppliedChanges, CacheStore, Eviction, FileKind

__all__ = [
    "AppliedChanges",
    "CacheBusy",
    "CacheCorrupt",
    "CacheError",
    "CacheFull",
    "CachePage",
    "CacheSchemaTooNew",
    "CacheSize",
    "CacheStore",
    "Eviction",
    "FileKind",
    "cache_path",
]
