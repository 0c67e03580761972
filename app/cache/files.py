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
import shutil
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
            raise _failure(exc) from exc
        return name

    def adopt(self, source: Path) -> str:
        """Move a finished file (a download) into the store under a new name; returns that
        name. A recording can be hundreds of megabytes: it is renamed, not read into memory,
        when `source` is on the same file system (see `incoming`), else copied in chunks."""
        name = secrets.token_hex(16)
        try:
            with source.open("rb+") as f:
                os.fsync(f.fileno())  # the rename must not outlive the data after a crash
            try:
                os.replace(source, self.directory / name)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                temporary = self.directory / f".{name}.part"
                try:
                    shutil.copyfile(source, temporary)
                    os.replace(temporary, self.directory / name)
                finally:
                    with contextlib.suppress(OSError):
                        temporary.unlink()
                source.unlink()
        except OSError as exc:
            raise _failure(exc) from exc
        return name

    @property
    def incoming(self) -> Path:
        """Where downloads meant for the store can land: on its file system, and not swept
        (a partial download there resumes)."""
        directory = self.directory / "incoming"
        directory.mkdir(exist_ok=True)
        return directory

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


def _failure(exc: OSError) -> CacheError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return CacheFull(str(exc))
    return CacheError("A file could not be saved in the offline cache.", detail=str(exc))
