"""A block of cached rows (app.cache.export_rows.ColumnTexts) as CSV lines, a column at a
time: each column's values are split out of one text and turned into cells by C loops
(str methods over the whole text, map over dict lookups), then joined into lines.

Free texts are neutralised and their quotes doubled in the column's text at once; only
the values holding a delimiter, a quote or a line break are looked at one by one. Lists,
labels, durations and hours repeat across rows: each distinct stored text is formatted
once per export and looked up after that. The cells are csv_table's (cell_text, then
neutralise) quoted as csv.writer quotes them: tests hold the bytes equal to
CsvTableWriter.write_rows of the records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from operator import add

import msgspec

from app import labels
from app.cache.export_rows import SEPARATOR, ColumnTexts
from app.domain import TableColumn
from app.export.csv_table import FORMULA_LEADS, flag_text, neutralise

# csv.writer's QUOTE_MINIMAL with this dialect quotes a field holding one of these.
_QUOTED_IF = ',"\r\n'
_LEAD_INSIDE = re.compile(SEPARATOR + "[" + re.escape("".join(FORMULA_LEADS)) + "]")
_KEPT = 20_000  # distinct texts remembered per column; more clears the memory (RSS stays flat)


class Unformatted(ValueError):
    """A stored value outside what this formatter reads (a damaged cell, or a text holding
    the separator): the block is written from its records instead."""


def field(text: str) -> str:
    """A cell as CsvTableWriter writes it: neutralised, then quoted (RFC 4180) if needed."""
    text = neutralise(text)
    # `in` four times costs a fifth of a regular expression's search.
    if "," in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def text_fields(text: str, rows: int) -> list[str]:
    """The fields of a column of free texts (joined by SEPARATOR), as field() makes them:
    neutralised and quotes doubled in the whole text, then the values to quote found by
    one `in` each."""
    if _LEAD_INSIDE.search(text):
        for lead in FORMULA_LEADS:
            text = text.replace(SEPARATOR + lead, SEPARATOR + "'" + lead)
    if text.startswith(FORMULA_LEADS):
        text = "'" + text
    present = [char for char in _QUOTED_IF if char in text]
    if not present:
        return _split(text, rows)
    doubled = text.replace('"', '""')
    values = _split(doubled, rows)
    probe, *others = present
    for char in others:  # a copy of the text in which each of them reads as `probe`
        doubled = doubled.replace(char, probe)
    probes = _split(doubled, rows) if others else values
    return [
        '"' + value + '"' if probe in marks else value for value, marks in zip(values, probes, strict=True)
    ]


class _Cells(dict[str, str]):
    """Field texts by stored text, each formatted once by `cell`."""

    def __init__(self, cell: Callable[[str], str]) -> None:
        super().__init__()
        self._cell = cell

    def __missing__(self, stored: str) -> str:
        if len(self) >= _KEPT:
            self.clear()
        text = self[stored] = self._cell(stored)
        return text


# --- the cells of stored texts (csv_table.CELL_TEXT, then field) ----------------------------

# Lists decode twice as fast as variable-length tuples (msgspec 0.18 to 0.23).
_decode_names = msgspec.json.Decoder(list[str]).decode
_decode_pairs = msgspec.json.Decoder(list[tuple[str, str]]).decode


def _names_cell(stored: str) -> str:  # csv_table.names_text
    return field("; ".join(_decode_names(stored)))


def _pairs_cell(stored: str) -> str:  # csv_table.pairs_text
    return field("; ".join(map(": ".join, _decode_pairs(stored))))


def _whole(stored: str) -> int:
    """A non-negative integer as SQLite writes it."""
    if not (stored.isascii() and stored.isdigit()):
        raise Unformatted(f"not a whole number: {stored[:40]!r}")
    return int(stored)


def _duration_cell(stored: str) -> str:
    return labels.duration(_whole(stored))


def _hour_cell(stored: str) -> str:  # the hour of csv_table.instant_text
    return datetime.fromtimestamp(_whole(stored) * 3600, UTC).strftime("%Y-%m-%dT%H")


# The rest of csv_table.instant_text, by second within the hour: ":MM:SSZ".
_MINUTES_SECONDS = {str(s): f":{s // 60:02d}:{s % 60:02d}Z" for s in range(3600)}
_LABELS = {
    TableColumn.PLATFORM: {platform.value: text for platform, text in labels.PLATFORM.items()},
    TableColumn.STATUS: {status.value: text for status, text in labels.STATUS.items()},
    TableColumn.FLAGGED: {"1": flag_text(True), "0": flag_text(False)},
}
_CELLS: dict[TableColumn, Callable[[str], str]] = {
    TableColumn.DURATION: _duration_cell,
    TableColumn.FUNCTIONS: _names_cell,
    TableColumn.PARAMETERS: _pairs_cell,
    TableColumn.TAGS: _pairs_cell,
}
TEXTS = (TableColumn.ID, TableColumn.CONTACT, TableColumn.FLOW, TableColumn.LAST_MESSAGE)
_LONE = {"": '""'}  # csv.writer quotes a row's only field when it is empty


class BlockFormatter:
    """Formats blocks of these columns (in this order) as CSV lines; remembers the cells of
    distinct stored texts from block to block, so one formatter serves one export."""

    def __init__(self, columns: Sequence[TableColumn]) -> None:
        self.columns = tuple(columns)
        self._cells = {column: _Cells(cell) for column, cell in _CELLS.items() if column in self.columns}
        self._hours = _Cells(_hour_cell)

    def lines(self, block: ColumnTexts) -> str:
        """The block's rows as CSV lines, each ended by CRLF. Raises Unformatted."""
        if not block.rows:
            return ""
        try:
            # A list per column, then the lines: a third faster than zipping lazy maps.
            cells = [list(self._fields(column, block.texts[column], block.rows)) for column in self.columns]
            if len(cells) == 1:
                cells[0] = list(map(_LONE.get, cells[0], cells[0]))
            return "\r\n".join(map(",".join, zip(*cells, strict=True))) + "\r\n"
        except (KeyError, ValueError, TypeError) as exc:  # msgspec's errors are ValueErrors
            raise Unformatted(f"{type(exc).__name__}: {exc}"[:200]) from exc

    def _fields(self, column: TableColumn, texts: tuple[str, ...], rows: int) -> Iterable[str]:
        if column in TEXTS:
            return text_fields(texts[0], rows)
        if column == TableColumn.DATE:
            hours, seconds = (_split(text, rows) for text in texts)
            return map(add, map(self._hours.__getitem__, hours), map(_MINUTES_SECONDS.__getitem__, seconds))
        values = _split(texts[0], rows)
        if column in _LABELS:
            return map(_LABELS[column].__getitem__, values)
        return map(self._cells[column].__getitem__, values)


def _split(text: str, rows: int) -> list[str]:
    values = text.split(SEPARATOR)
    if len(values) != rows:
        raise Unformatted("a stored text holds the separator")
    return values
