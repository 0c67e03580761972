"""The conversations table as CSV: one text per cell, cells Excel will not evaluate, and
a file that appears only once it is complete.

Texts are stable and locale-independent (ISO 8601 dates in UTC, `m:ss` durations, the
same labels as the window: app.labels), so that two exports of the same rows are the
same bytes wherever they ran. The file is UTF-8 with a BOM (Excel reads it as UTF-8
then) and RFC 4180: CRLF line ends, quotes only where needed, doubled inside.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import io
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from app import labels
from app.domain import Conversation, KeyValuePair, TableColumn

if TYPE_CHECKING:
    from _csv import Writer

COLUMN_TITLES: dict[TableColumn, str] = labels.COLUMN
PLATFORM_LABELS = labels.PLATFORM
STATUS_LABELS = labels.STATUS

# OWASP's CSV injection advice: a cell starting with one of these may be read as a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The text with a `'` in front if a spreadsheet could take it for a formula."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text


# --- cell texts -----------------------------------------------------------------------------


def instant_text(at: datetime) -> str:
    """ISO 8601 in UTC to the second: `2026-12-06T14:03:00Z`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flag_text(flagged: bool) -> str:
    return "yes" if flagged else "no"


def names_text(names: Iterable[str]) -> str:
    return "; ".join(names)


def pairs_text(pairs: Iterable[KeyValuePair]) -> str:
    return "; ".join(f"{p.key}: {p.value}" for p in pairs)


# One converter per column, chosen once per export (calibre's habit).
CELL_TEXT: dict[TableColumn, Callable[[Conversation], str]] = {
    TableColumn.ID: lambda r: r.id,
    TableColumn.PLATFORM: lambda r: PLATFORM_LABELS[r.platform],
    TableColumn.CONTACT: lambda r: r.contact,
    TableColumn.STATUS: lambda r: STATUS_LABELS[r.status],
    TableColumn.FLOW: lambda r: r.flow_name,
    TableColumn.DURATION: lambda r: labels.duration(r.duration_seconds),
    TableColumn.LAST_MESSAGE: lambda r: r.last_message,  # verbatim: newlines are quoted, not lost
    TableColumn.DATE: lambda r: instant_text(r.started_at),
    TableColumn.FLAGGED: lambda r: flag_text(r.flagged),
    TableColumn.FUNCTIONS: lambda r: names_text(r.functions),
    TableColumn.PARAMETERS: lambda r: pairs_text(r.parameters),
    TableColumn.TAGS: lambda r: pairs_text(r.tags),
}


def cell_text(row: Conversation, column: TableColumn) -> str:
    """What the export writes for `row` in `column` (before neutralise)."""
    return CELL_TEXT[column](row)


def row_texts(columns: Sequence[TableColumn]) -> Callable[[Conversation], list[str]]:
    """The texts of a row in these columns, as one call per row."""
    converters = [CELL_TEXT[column] for column in columns]
    return lambda row: [convert(row) for convert in converters]


# --- errors ---------------------------------------------------------------------------------


class ExportError(Exception):
    """The file could not be written; `message` says why in plain words, `path` is the file."""

    def __init__(self, message: str, path: Path | None = None, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.detail = detail  # for logs: the OS error's name and text


class ExportCancelled(ExportError):
    """The user cancelled; nothing was written (an existing file is as it was)."""

    def __init__(self, message: str = "Export cancelled.", path: Path | None = None) -> None:
        super().__init__(message, path)


def export_error(exc: OSError, dest: Path) -> ExportError:
    """The OS error as a sentence about the file the user chose."""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):  # no EDQUOT on Windows
        message = f"The disk is full: {dest} could not be written. Free some space and export again."
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        message = f"You do not have permission to write {dest}. Choose another folder."
    elif code == errno.ENOENT:
        message = f"The folder {dest.parent} does not exist."
    elif code == errno.EISDIR:
        message = f"{dest} is a folder; choose a file name."
    else:
        message = f"{dest} could not be written: {exc.strerror or type(exc).__name__}."
    return ExportError(message, dest, detail=f"{type(exc).__name__}: {exc}")


# --- the writer -----------------------------------------------------------------------------


class CsvTableWriter:
    """Streams rows to `<folder>/.<name>.<random>.part` and renames it over `dest` at commit().

    Leaving the `with` block by an exception, or without commit(), deletes the partial
    file: an aborted export leaves nothing and never clobbers an existing file. Every
    failure of the disk is an ExportError."""

    def __init__(self, dest: Path, columns: Sequence[TableColumn]) -> None:
        if not columns:
            raise ValueError("an export needs at least one column")
        self.dest = Path(dest)
        self.columns = tuple(columns)
        self.rows_written = 0
        self._texts = row_texts(self.columns)
        self._temp: Path | None = None
        self._file: BinaryIO | None = None
        # Rows are formatted into text a batch at a time and written as UTF-8 bytes: the
        # csv module writing through a text file costs about twice as much.
        self._text = io.StringIO(newline="")
        self._writer: Writer = csv.writer(self._text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self._committed = False

    def __enter__(self) -> CsvTableWriter:
        self.open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._committed:
            self.abort()

    @property
    def temp_path(self) -> Path | None:
        """Where the rows go until commit() (None before open and after commit or abort)."""
        return self._temp

    def open(self) -> None:
        """Create the partial file and write the BOM and the header row."""
        if self._temp is not None or self._committed:
            raise RuntimeError("the writer is already open or done")
        dest = self.dest
        if dest.is_dir():
            raise export_error(IsADirectoryError(errno.EISDIR, "Is a directory", str(dest)), dest)
        temp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
        # O_EXCL: never write through a file (or link) that someone else put there.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(temp, flags, _mode_for(dest))
        except OSError as exc:
            raise export_error(exc, dest) from None
        self._temp = temp
        try:
            self._file = os.fdopen(fd, "wb", buffering=1 << 20)  # closed at commit/abort
        except BaseException:
            os.close(fd)
            self.abort()
            raise
        self._guarded(self._write_header)

    def _write_header(self) -> None:
        assert self._file is not None
        self._file.write(codecs.BOM_UTF8)
        self._write_cells([[neutralise(COLUMN_TITLES[c]) for c in self.columns]])

    def write_rows(self, rows: Iterable[Conversation]) -> int:
        """Write these rows; returns how many."""
        texts, leads = self._texts, FORMULA_LEADS
        # neutralise(), inlined: a dozen calls a row add up over a million rows.
        cells = [["'" + t if t.startswith(leads) else t for t in texts(row)] for row in rows]
        self._guarded(lambda: self._write_cells(cells))
        self.rows_written += len(cells)
        return len(cells)

    def write_lines(self, lines: str, rows: int) -> int:
        """Write `rows` rows given as their CSV lines, each ended by CRLF (csv_block);
        returns `rows`."""
        self._guarded(lambda: self._write(lines))
        self.rows_written += rows
        return rows

    def _guarded(self, write: Callable[[], None]) -> None:
        """Run `write`; any failure aborts the file, a failure of the disk as an ExportError."""
        if self._file is None:
            raise RuntimeError("the writer is not open (or was committed or aborted)")
        try:
            write()
        except OSError as exc:
            self.abort()
            raise export_error(exc, self.dest) from None
        except BaseException:
            self.abort()
            raise

    def _write_cells(self, rows: Sequence[Sequence[str]]) -> None:
        self._writer.writerows(rows)
        self._write(self._text.getvalue())
        self._text.seek(0)
        self._text.truncate()

    def _write(self, text: str) -> None:
        assert self._file is not None
        # Strict UTF-8 cannot fail: records refuse lone surrogates, SQLite text is valid.
        self._file.write(text.encode("utf-8"))

    def commit(self) -> Path:
        """Make the file durable and put it in place of `dest`; returns `dest`."""
        if self._file is None or self._temp is None:
            raise RuntimeError("the writer is not open (or was committed or aborted)")
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._temp, self.dest)
        except OSError as exc:
            self.abort()
            raise export_error(exc, self.dest) from None
        self._file = self._temp = None
        self._committed = True
        _sync_folder(self.dest.parent)
        return self.dest

    def abort(self) -> None:
        """Delete the partial file (nothing happens to `dest`). Never raises."""
        file, temp = self._file, self._temp
        self._file = self._temp = None
        if file is not None:
            with contextlib.suppress(OSError):  # a full disk fails the final flush too
                file.close()
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()


def _mode_for(dest: Path) -> int:
    """An existing file's permissions are kept; a new one gets the usual 0666 less the umask."""
    try:
        return dest.stat().st_mode & 0o777
    except OSError:
        return 0o666


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a folder that cannot be opened (Windows) is left."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
