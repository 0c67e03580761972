"""Saving a file the user asked for (a recording, an artifact) where they confirmed.

What can go wrong — the platform refuses, the cache is damaged, the folder chosen is not
writable, the disk is full — is reported through `failed` (to the window's banner) and the
result is None; nothing is raised into the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

from PySide6.QtCore import SignalInstance

from app.api.errors import ApiError
from app.cache.errors import CacheError
from app.saving import SaveFailed


async def saved(dest: Path, saving: Awaitable[Path], failed: SignalInstance) -> Path | None:
    """The file `saving` wrote at `dest`, or None when it could not (`failed` says why)."""
    try:
        return await saving
    except (ApiError, CacheError, SaveFailed) as exc:
        failed.emit(exc)
    except OSError as exc:
        failed.emit(SaveFailed(dest, exc.strerror or type(exc).__name__))
    return None
