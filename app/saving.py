"""Saving a file the user asked for: a name made from data that is safe on every system, and
the file written whole or not at all.

What the platform or a contact supplies never decides where a file goes or what it is: path
separators and characters Windows forbids become spaces, control characters go, a leading
dot (a hidden file) and trailing dots or spaces (which Windows drops) are stripped, Windows'
reserved device names (CON, NUL, COM1, …, with or without an extension) get an underscore,
and the suffix is the one the caller chose (no "invoice.pdf.exe").
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

MAX_STEM = 120  # characters: room for a folder path on systems with a 255-byte name limit
_FORBIDDEN = re.compile(r'[\\/:*?"<>|]+')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


def safe_file_name(stem: str, suffix: str, *, fallback: str = "Conversation") -> str:
    """`stem` made safe, then `suffix` (e.g. ".pdf"); `fallback` when nothing usable is left."""
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in stem)
    text = " ".join(_FORBIDDEN.sub(" ", text).split())
    text = text.lstrip(". ").rstrip(". ")[:MAX_STEM].rstrip(". ") or fallback
    if _RESERVED.match(text):
        text = f"_{text}"
    return f"{text}{suffix}"


class SaveFailed(Exception):
    """A file the user asked for could not be written; `message` says why in plain words."""

    def __init__(self, path: Path, reason: str) -> None:
        self.message = f"{path.name} could not be saved: {reason}"
        self.detail = str(path)
        super().__init__(self.message)


@contextlib.contextmanager
def saving(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` to write to, renamed to `path` when the block ends well: a
    failure (a full disk, a folder that went) leaves no half-written file and any file already
    at `path` untouched. OS errors become SaveFailed."""
    try:
        descriptor, name = tempfile.mkstemp(prefix=".convodesk-", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise SaveFailed(path, exc.strerror or type(exc).__name__) from None
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        raise SaveFailed(path, exc.strerror or type(exc).__name__) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    with saving(path) as temporary:
        temporary.write_bytes(data)


def copy_atomically(source: Path, path: Path) -> None:
    with saving(path) as temporary:
        shutil.copyfile(source, temporary)
