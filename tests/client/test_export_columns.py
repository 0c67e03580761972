"""CSV export by column (app.cache.export_rows, app.export.csv_block): byte for byte what the
records path writes, on hostile texts of every kind; blocks the column read cannot vouch for
written from their checked records; damaged values reported."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import random
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from app.cache import CacheCorrupt, CacheStore
from app.cache.export_rows import SEPARATOR, ExportRows
from app.domain import Conversation, Filter, Sort, SortColumn, Status, TableColumn
from app.domain import Platform as Channel
from app.export import csv_block
from app.export.csv_table import (
    CsvTableWriter,
    neutralise,
)
from app.export.sources import export_cache
from tests.client.export_cases import ALL, NOW, TENANT, leftovers, record

# Texts that test every rule: formula leads, RFC 4180's delimiters, quotes and line breaks,
# NUL, backslashes (escaped in the JSON of lists), text beyond Latin-1 and beyond the BMP.
HOSTILE = [
    "",
    "plain",
    "=1+1",
    "+15125550100",
    "-2+3",
    "@SUM(1)",
    "\tTab",
    "\rCR first",
    'say "hi", then',
    "a,b",
    "line\nbreak",
    "crlf\r\nend",
    "nul\x00inside",
    "'=kept",
    " =space",
    "café",
    "日本語",
    "emoji 😀",
    "— dash",
    "back\\slash",
    '"',
    ",",
    "\n",
    '=HYPERLINK("http://evil","x")',
]
INSTANTS = [
    "2026-12-07T12:15:00.999999+02:00",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2000-02-29T23:59:59Z",
]
# What the column read leaves to the records: its own separator in a text, instants before 1970.
ODD = [
    (f"sep{SEPARATOR}inside", "2026-12-06T08:00:00Z"),
    ("plain", "1969-12-31T23:59:59.5Z"),
    ("plain", "0001-01-01T00:00:00Z"),
]


def hostile_records(texts: Sequence[str], instants: Sequence[str]) -> list[Conversation]:
    """Records with these texts in every column that holds text, every status, platform
    and flag, a range of durations, these instants."""
    statuses, channels = itertools.cycle(Status), itertools.cycle(Channel)
    durations = itertools.cycle([0, 59, 60, 3599, 3600, 86399, 10**7])
    starts = itertools.cycle(instants)
    return [
        record(
            id=f"cnv_{i}{text}",
            contact=text,
            flow_name=text[::-1],
            last_message=text + text,
            status=next(statuses),
            platform=next(channels),
            duration_seconds=next(durations),
            started_at=next(starts),
            flagged=i % 2 == 0,
            functions=[text, "refund"][: 1 + i % 2],
            parameters=[{"key": text, "value": f"{i}"}, {"key": "k", "value": text}][: i % 3],
            tags=[{"key": "Language", "value": text}],
        )
        for i, text in enumerate(texts)
    ]


def cache_of(folder: Path, records: list[Conversation]) -> Iterator[CacheStore]:
    with CacheStore.open(folder / "cache.sqlite3") as store:
        store.upsert_summaries(TENANT, records)
        yield store


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CacheStore]:
    yield from cache_of(tmp_path_factory.mktemp("hostile"), hostile_records(HOSTILE * 3, INSTANTS))


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CacheStore]:
    """The hostile rows, and a few that only the records can write."""
    odd = [
        r.model_copy(update={"id": f"odd_{i}"})
        for i, (text, at) in enumerate(ODD)
        for r in hostile_records([text], [at])
    ]
    yield from cache_of(tmp_path_factory.mktemp("odd"), hostile_records(HOSTILE * 3, INSTANTS) + odd)


def written_by_records(store: CacheStore, sort: Sort, columns: Sequence[TableColumn], out: Path) -> bytes:
    """The file the previous export wrote: CsvTableWriter.write_rows of the records."""
    rows = store.rows_by_keys(TENANT, store.row_keys(TENANT, Filter(), sort, now=NOW).tolist())
    with CsvTableWriter(out, columns) as writer:
        writer.write_rows([row for row in rows if row is not None])
        writer.commit()
    return out.read_bytes()


@pytest.fixture
def read_as_records(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every block the export read as records."""
    blocks: list[int] = []
    records_of = ExportRows.records_of

    def spied(self: ExportRows, keys: Sequence[int]) -> list[Conversation]:
        blocks.append(len(keys))
        return records_of(self, keys)

    monkeypatch.setattr(ExportRows, "records_of", spied)
    return blocks


@pytest.mark.parametrize("columns", [ALL, ALL[::-1], *((column,) for column in ALL)], ids=str)
def test_every_column_is_written_byte_for_byte_as_the_records_path_writes_it(
    hostile: CacheStore, tmp_path: Path, columns: tuple[TableColumn, ...], read_as_records: list[int]
) -> None:
    for sort, block in ((Sort(), 5000), (Sort(column=SortColumn.CONTACT), 4)):
        expected = written_by_records(hostile, sort, columns, tmp_path / "expected.csv")
        export_cache(hostile, TENANT, Filter(), sort, columns, tmp_path / "out.csv", now=NOW, block=block)
        assert (tmp_path / "out.csv").read_bytes() == expected
    assert read_as_records == []  # all of it through the column read


def test_blocks_the_column_read_cannot_vouch_for_are_written_from_their_records(
    odd: CacheStore, filled: CacheStore, tmp_path: Path, read_as_records: list[int]
) -> None:
    expected = written_by_records(odd, Sort(), ALL, tmp_path / "expected.csv")
    export_cache(odd, TENANT, Filter(), Sort(), ALL, tmp_path / "odd.csv", now=NOW, block=5)
    assert (tmp_path / "odd.csv").read_bytes() == expected
    ids = [
        r.id
        for r in odd.rows_by_keys(TENANT, odd.row_keys(TENANT, Filter(), Sort(), now=NOW).tolist())
        if r is not None
    ]
    odd_blocks = sorted({i // 5 for i, id_ in enumerate(ids) if id_.startswith("odd_")})
    assert len(odd_blocks) == 2 and read_as_records == [5, 5]  # those blocks, and only those
    read_as_records.clear()
    # The demo data's formulas, quotes and escaped JSON are all the column read's.
    export_cache(filled, TENANT, Filter(), Sort(), ALL, tmp_path / "demo.csv", now=NOW, block=50)
    assert read_as_records == []


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("contact", "X'41'"),
        ("tags", """'{"a": 1}'"""),
        ("started_at", "'soon'"),
        ("duration_seconds", "'long'"),
        ("duration_seconds", "-1"),
        ("flagged", "2"),
        ("platform", "'fax'"),
        ("functions", "'[\"a\",1]'"),
    ],
)
def test_a_value_no_record_can_hold_is_reported_whatever_the_column(
    tmp_path: Path, listing: list[Conversation], column: str, value: str
) -> None:
    path = tmp_path / "cache.sqlite3"
    with CacheStore.open(path) as store:
        store.upsert_summaries(TENANT, listing[:30])
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(f"UPDATE conversations SET {column} = {value} WHERE id = ?", (listing[7].id,))
    out = tmp_path / "all.csv"
    with CacheStore.open(path) as store, pytest.raises(CacheCorrupt):
        export_cache(store, TENANT, Filter(), Sort(), ALL, out, now=NOW, block=10)
    assert not out.exists() and leftovers(tmp_path) == []


def test_fields_are_csv_writers_fields() -> None:
    rng = random.Random(5)
    alphabet = ["a", "é", "😀", ",", '"', "\r", "\n", "\t", "=", "+", "-", "@", "'", " ", "\x00"]
    texts = ["".join(rng.choices(alphabet, k=rng.randrange(6))) for _ in range(3000)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")

    def written(text: str) -> str:  # the first of two fields, as csv.writer writes it
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(text), "end"])
        return buffer.getvalue().removesuffix(",end\r\n")

    expected = [written(t) for t in texts]
    assert [csv_block.field(t) for t in texts] == expected
    for start in range(0, len(texts), 100):  # a column of them at once
        column = texts[start : start + 100]
        assert csv_block.text_fields(SEPARATOR.join(column), len(column)) == expected[start : start + 100]
