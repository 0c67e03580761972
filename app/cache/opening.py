"""Opening the cache file: detect damage without writing, recover, migrate."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy import Engine

from app.cache.database import header_damage, inspect, make_engine, move_aside, translated
from app.cache.errors import CacheCorrupt, CacheSchemaTooNew
from app.cache.migrate import head, known_revisions, upgrade

Integrity = Literal["quick", "full"]


def open_engine(
    path: Path, *, hard_limit_bytes: int | None, integrity: Integrity
) -> tuple[Engine, CacheCorrupt | None]:
    """An engine on an up-to-date cache at `path`, and the notice to show when a damaged
    file had to be moved aside for a fresh one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    recovered = None
    damage = header_damage(path)
    if damage is not None:
        recovered = CacheCorrupt(path, moved_to=move_aside(path), detail=damage)
    try:
        return _connect(path, hard_limit_bytes, integrity), recovered
    except CacheCorrupt as exc:
        recovered = CacheCorrupt(path, moved_to=move_aside(path), detail=exc.detail)
        return _connect(path, hard_limit_bytes, integrity), recovered


def replace_damaged(path: Path, *, hard_limit_bytes: int | None, detail: str) -> tuple[Engine, CacheCorrupt]:
    """Move a file found damaged in use aside (its engine disposed first) and start afresh."""
    notice = CacheCorrupt(path, moved_to=move_aside(path), detail=detail)
    return _connect(path, hard_limit_bytes, "quick"), notice


def _connect(path: Path, hard_limit_bytes: int | None, integrity: Integrity) -> Engine:
    revision = inspect(path, full=integrity == "full")
    if revision is not None and revision not in known_revisions():
        raise CacheSchemaTooNew(path, revision)  # refused before anything could write to it
    engine = make_engine(path, hard_limit_bytes=hard_limit_bytes)
    if revision == head():
        return engine  # up to date: nothing to migrate (and Alembic stays unimported)
    try:
        with translated(path):
            upgrade(engine, path)
    except BaseException:
        engine.dispose()
        raise
    return engine
