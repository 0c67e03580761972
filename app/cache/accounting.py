"""How much room the cache takes, and which conversations go first when it is too much."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, select, text

from app.cache.schema import conversations, files

c = conversations.c


@dataclass(frozen=True)
class CacheSize:
    database_bytes: int  # the database file and its write-ahead log, on disk
    used_bytes: int  # database pages in use (free pages are handed back by eviction)
    files_bytes: int  # recordings and artifacts
    conversations: int
    full_conversations: int  # with transcript, function calls and artifacts
    pinned: int

    @property
    def total_bytes(self) -> int:
        """What counts against the size cap."""
        return self.used_bytes + self.files_bytes


def measure(conn: Connection, path: Path) -> CacheSize:
    page_size = int(conn.execute(text("PRAGMA page_size")).scalar_one())
    pages = int(conn.execute(text("PRAGMA page_count")).scalar_one())
    free = int(conn.execute(text("PRAGMA freelist_count")).scalar_one())
    on_disk = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    totals = conn.execute(
        select(
            func.count(),
            func.count(c.full_seq),
            func.count(c.pk).filter(c.pinned.is_(True)),
        )
    ).one()
    files_bytes = int(conn.execute(select(func.coalesce(func.sum(files.c.size), 0))).scalar_one())
    return CacheSize(
        database_bytes=on_disk,
        used_bytes=(pages - free) * page_size,
        files_bytes=files_bytes,
        conversations=int(totals[0]),
        full_conversations=int(totals[1]),
        pinned=int(totals[2]),
    )


def least_recently_used(conn: Connection, limit: int) -> list[int]:
    """Unpinned conversations, least recently used first (ties: oldest rows first)."""
    query = select(c.pk).where(c.pinned.is_(False)).order_by(c.last_access, c.pk).limit(limit)
    return [int(pk) for pk in conn.execute(query).scalars()]
