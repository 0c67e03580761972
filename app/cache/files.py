"""Recording and artifact files of cached conversations, kept beside the database.

File names are made here (random hex), never taken from the platform: an artifact
named `../../.bashrc` is data, not a path. A file is written under a temporary
name and renamed into place, so a crash never leaves half a file under a real name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from app.cache.errors import CacheError, CacheFull


class FileStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, relpath: str) -> Path:
        return self.directory / relpath

    def write(self, data: bytes) -> str:
        """Store `data` under a new name; returns that name (relative to the directory)."""
        name = secrets.token_hex(16)
        temporary = self.directory / f".{name}.part"
        try:
            with temporary.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.directory / name)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise CacheFull(str(exc)) from exc
            raise CacheError("A file could not be saved in the offline cache.", detail=str(exc)) from exc
        return name

    def remove(self, relpaths: Iterable[str]) -> None:
        for relpath in relpaths:
            with contextlib.suppress(FileNotFoundError):
                (self.directory / relpath).unlink()

    def sweep(self, known: set[str]) -> int:
        """Remove files no row refers to (left by a crash between a commit and an unlink,
        or a write whose transaction rolled back); returns how many."""
        removed = 0
        for entry in self.directory.iterdir():
            if entry.is_file() and entry.name not in known:
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()
                    removed += 1
        return removed
