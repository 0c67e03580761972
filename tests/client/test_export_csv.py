"""CSV export: cells Excel will not evaluate, RFC 4180 files that appear only when complete,
and exports of the offline cache and of the platform that hold exactly the listing's rows
in its order — against a real cache filled from the real platform (whose demo data carries
hostile text), and the `main.py export` command."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import csv
import errno
import io
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from app import labels
from app.api.auth.session import AuthSession
from app.api.client import ApiClient
from app.cache import CacheCorrupt, CacheStore
from app.cache.location import cache_path
from app.domain import Conversation, Filter, Sort, SortColumn, Status, TableColumn, UsedFor, View
from app.export import command
from app.export.csv_table import (
    CsvTableWriter,
    ExportCancelled,
    ExportError,
    cell_text,
    export_error,
    neutralise,
)
from app.export.sources import export_cache, export_server
from tests.client.conftest import FormBrowser, search_pages, settings_for
from tests.client.export_cases import ALL, NOW, TENANT, leftovers, record
from tests.platform import Platform

LEADS = ("=", "+", "-", "@", "\t", "\r")


# --- cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", LEADS)
def test_a_cell_a_spreadsheet_could_evaluate_gets_an_apostrophe(lead: str) -> None:
    assert neutralise(f"{lead}SUM(A1:A9)") == f"'{lead}SUM(A1:A9)"
    assert neutralise(lead) == f"'{lead}"


@pytest.mark.parametrize("safe", ["", "hello", "a=b", " =1", "'=1", "1-2", "ID", "\n=1", "＝1"])
def test_other_cells_are_unchanged(safe: str) -> None:
    assert neutralise(safe) == safe


def test_cell_texts_of_every_column() -> None:
    r = record()
    texts = {column: cell_text(r, column) for column in ALL}
    assert texts == {
        TableColumn.ID: "cnv_1",
        TableColumn.PLATFORM: "Voice",
        TableColumn.CONTACT: "+15125550100",  # neutralised when written, not here
        TableColumn.STATUS: "Answering Machine — Message Left",
        TableColumn.FLOW: "Billing",
        TableColumn.DURATION: "1:15",
        TableColumn.LAST_MESSAGE: "Bye, then.\nSee you",
        TableColumn.DATE: "2026-12-07T10:15:00Z",
        TableColumn.FLAGGED: "yes",
        TableColumn.FUNCTIONS: "lookup_order; refund",
        TableColumn.PARAMETERS: "region: us-west; tier: gold",
        TableColumn.TAGS: "Language: English",
    }
    assert cell_text(record(duration_seconds=3725), TableColumn.DURATION) == "1:02:05"
    assert cell_text(record(duration_seconds=0), TableColumn.DURATION) == "0:00"
    assert cell_text(record(flagged=False), TableColumn.FLAGGED) == "no"
    assert cell_text(record(functions=[], tags=[]), TableColumn.TAGS) == ""


# --- the file -------------------------------------------------------------------------------


def read_back(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_file_is_utf8_with_a_bom_crlf_and_rfc4180_quoting(tmp_path: Path) -> None:
    out = tmp_path / "table.csv"
    hostile = record(contact='=HYPERLINK("http://evil","x")', flow_name='say "hi", then', tags=[])
    with CsvTableWriter(out, ALL) as writer:
        writer.write_rows([record(), hostile])
        writer.commit()
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8 + b"ID,Platform,Contact,Status,Flow,Duration,Last Message,")
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == 3 and data.count(b"\n") == 5  # two in cells
    assert b'"Bye, then.\nSee you"' in data and b'"say ""hi"", then"' in data
    rows = read_back(out)
    assert rows[0] == [
        "ID",
        "Platform",
        "Contact",
        "Status",
        "Flow",
        "Duration",
        "Last Message",
        "Date",
        "Flagged",
        "Functions",
        "Parameters",
        "Tags",
    ]
    assert rows[1] == [neutralise(cell_text(record(), c)) for c in ALL]
    assert rows[2][2] == '\'=HYPERLINK("http://evil","x")' and rows[1][2] == "'+15125550100"
    assert leftovers(tmp_path) == []


def test_a_failure_half_way_leaves_the_existing_file_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "table.csv"
    out.write_text("the previous export")
    with pytest.raises(RuntimeError), CsvTableWriter(out, ALL) as writer:
        writer.write_rows([record()])
        assert writer.temp_path is not None and writer.temp_path.parent == tmp_path
        raise RuntimeError("boom")
    assert out.read_text() == "the previous export"
    assert leftovers(tmp_path) == []
    with CsvTableWriter(out, ALL) as writer:  # leaving without commit() is abandoning too
        writer.write_rows([record()])
    assert out.read_text() == "the previous export" and leftovers(tmp_path) == []


def test_a_missing_folder_is_a_clear_export_error(tmp_path: Path) -> None:
    out = tmp_path / "no such folder" / "table.csv"
    with pytest.raises(ExportError) as caught:
        CsvTableWriter(out, ALL).open()
    assert caught.value.message == f"The folder {out.parent} does not exist."
    with pytest.raises(ExportError, match="is a folder"):
        CsvTableWriter(tmp_path, ALL).open()


def test_an_unwritable_folder_is_a_clear_export_error() -> None:
    folder = Path("/sys")  # refuses new files even to root
    if not folder.is_dir() or (os.access(folder, os.W_OK) and os.geteuid() != 0):
        pytest.skip("needs Linux's /sys")
    with pytest.raises(ExportError) as caught:
        CsvTableWriter(folder / "table.csv", ALL).open()
    message = "You do not have permission to write /sys/table.csv. Choose another folder."
    assert caught.value.message == message
    assert not isinstance(caught.value, ExportCancelled)


def test_a_full_disk_is_said_in_words(tmp_path: Path) -> None:
    # A full disk cannot be made on demand here; the OS error is what the writer turns into words.
    error = export_error(OSError(errno.ENOSPC, "No space left on device"), tmp_path / "t.csv")
    assert error.message.startswith("The disk is full:") and "ENOSPC" not in error.message
    assert issubclass(ExportCancelled, ExportError)


# --- a cache filled from the platform -------------------------------------------------------


def expected_texts(
    store: CacheStore, f: Filter, sort: Sort, columns: Sequence[TableColumn]
) -> list[list[str]]:
    """What the file must hold: the records of the listing, in its order, as cell texts."""
    rows = store.rows_by_keys(TENANT, store.row_keys(TENANT, f, sort, now=NOW).tolist())
    return [[neutralise(cell_text(r, c)) for c in columns] for r in rows if r is not None]


def test_an_export_of_the_cache_is_its_listing_cell_for_cell(
    filled: CacheStore, listing: list[Conversation], tmp_path: Path
) -> None:
    out = tmp_path / "all.csv"
    seen: list[tuple[int, int]] = []
    written = export_cache(
        filled, TENANT, Filter(), Sort(), ALL, out, now=NOW, progress=lambda *a: seen.append(a), block=64
    )
    rows = read_back(out)
    assert written == len(listing) == len(rows) - 1
    assert rows[1:] == expected_texts(filled, Filter(), Sort(), ALL)
    assert [r[0] for r in rows[1:]] == [r.id for r in listing]  # the platform's order too
    assert seen[0] == (0, len(listing)) and seen[-1] == (len(listing), len(listing))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_hostile_text_is_kept_verbatim_and_never_evaluated(
    filled: CacheStore, listing: list[Conversation], tmp_path: Path
) -> None:
    out = tmp_path / "all.csv"
    export_cache(filled, TENANT, Filter(), Sort(), ALL, out, now=NOW)
    rows = read_back(out)
    assert not [cell for row in rows for cell in row if cell.startswith(LEADS)]
    by_id = {row[0]: dict(zip(ALL, row, strict=True)) for row in rows[1:]}
    # Phone numbers start with "+"; hostile names, tag and parameter values carry formulas.
    phones = [r for r in listing if r.contact.startswith("+")]
    formulas = ("=HYPERLINK(", "@SUM(1+1)", "-2+3", "+cmd|")

    def texts(r: Conversation) -> list[str]:
        return [r.contact, *(p.value for p in (*r.tags, *r.parameters))]

    hostile = [r for r in listing if any(f in text for f in formulas for text in texts(r))]
    assert phones and hostile, "the demo data carries phone numbers and spreadsheet formulas"
    for r in phones:
        assert by_id[r.id][TableColumn.CONTACT] == "'" + r.contact
    for r in hostile:
        for column in (TableColumn.CONTACT, TableColumn.TAGS, TableColumn.PARAMETERS):
            assert by_id[r.id][column] == neutralise(cell_text(r, column))
    longest = max(listing, key=lambda r: len(r.last_message))
    assert by_id[longest.id][TableColumn.LAST_MESSAGE] == neutralise(longest.last_message)


@pytest.mark.parametrize(
    ("f", "sort", "columns"),
    [
        (
            Filter(statuses=(Status.COMPLETED, Status.FAILED)),
            Sort(column=SortColumn.DURATION, descending=False),
            (TableColumn.TAGS, TableColumn.ID, TableColumn.DURATION),
        ),
        (
            Filter(used_for=UsedFor.TEST),
            Sort(column=SortColumn.CONTACT),
            (TableColumn.DATE, TableColumn.FLAGGED),
        ),
        (Filter(flagged=True, date_within="P30D"), Sort(column=SortColumn.FLOW), ALL[::-1]),
        (Filter(contact="no such contact"), Sort(), ALL),
    ],
)
def test_filters_sorts_and_column_choices(
    filled: CacheStore, tmp_path: Path, f: Filter, sort: Sort, columns: tuple[TableColumn, ...]
) -> None:
    out = tmp_path / "some.csv"
    written = export_cache(filled, TENANT, f, sort, columns, out, now=NOW, block=7)
    rows = read_back(out)
    assert rows[0] == [labels.COLUMN[c] for c in columns]
    assert rows[1:] == expected_texts(filled, f, sort, columns)
    assert written == filled.count(TENANT, f, now=NOW) == len(rows) - 1


def test_cancelling_half_way_leaves_neither_file_nor_trace(filled: CacheStore, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    blocks: list[int] = []
    with pytest.raises(ExportCancelled):
        export_cache(
            filled,
            TENANT,
            Filter(),
            Sort(),
            ALL,
            out,
            now=NOW,
            block=50,
            progress=lambda done, _: blocks.append(done),
            cancelled=lambda: len(blocks) > 3,
        )
    assert blocks[-1] == 150  # it was writing
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_damaged_cache_cell_is_reported_not_written(tmp_path: Path, listing: list[Conversation]) -> None:
    path = tmp_path / "cache.sqlite3"
    with CacheStore.open(path) as store:
        store.upsert_summaries(TENANT, listing[:30])
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE conversations SET status = 'exploded' WHERE id = ?", (listing[20].id,))
    out = tmp_path / "all.csv"
    with CacheStore.open(path) as store, pytest.raises(CacheCorrupt):
        export_cache(store, TENANT, Filter(), Sort(), ALL, out, now=NOW, block=8)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "UPDATE conversations SET status = 'completed', tags = '[[1, 2]]' WHERE id = ?", (listing[20].id,)
        )
    with CacheStore.open(path) as store, pytest.raises(CacheCorrupt):
        export_cache(store, TENANT, Filter(), Sort(), (TableColumn.ID, TableColumn.TAGS), out, now=NOW)
    assert not out.exists() and leftovers(tmp_path) == []


# --- the platform ---------------------------------------------------------------------------


@pytest.fixture
def signed_in(
    platform: Platform, secret_service: object, form_browser: Callable[..., FormBrowser], tmp_path: Path
) -> Iterator[Path]:
    """A settings file for a supervisor signed in to acme (the refresh token in the real
    keyring), as the window leaves it."""
    settings = settings_for(
        platform, last_username="supervisor", last_tenant=TENANT, cache_directory=str(tmp_path / "caches")
    )

    async def sign_in() -> None:
        session = AuthSession(settings, open_browser=form_browser("supervisor"))
        await session.sign_in()
        await session.aclose()

    asyncio.run(sign_in())
    path = tmp_path / "settings.json"
    path.write_text(settings.model_dump_json())
    yield path

    async def sign_out() -> None:
        session = AuthSession(settings)
        with contextlib.suppress(Exception):
            await session.restore("supervisor")
            await session.sign_out()
        await session.aclose()

    asyncio.run(sign_out())


@pytest.mark.asyncio
async def test_an_export_of_the_platform_is_its_search_in_order(
    platform: Platform,
    secret_service: object,
    form_browser: Callable[..., FormBrowser],
    acme_http: httpx.Client,
    tmp_path: Path,
) -> None:
    settings = settings_for(platform, last_tenant=TENANT)
    session = AuthSession(settings, open_browser=form_browser("supervisor"))
    await session.sign_in()
    f, sort = Filter(used_for=UsedFor.PRODUCTION), Sort(column=SortColumn.DURATION)
    expected = [item for page in search_pages(acme_http, f, sort) for item in page.items]
    try:
        async with ApiClient(session, settings) as api:
            seen: list[tuple[int, int]] = []
            out = tmp_path / "production.csv"
            written = await export_server(api, f, sort, ALL, out, progress=lambda *a: seen.append(a), page=97)
            rows = read_back(out)
            assert written == len(expected) == len(rows) - 1
            assert [r[0] for r in rows[1:]] == [r.id for r in expected]
            assert rows[1:] == [[neutralise(cell_text(r, c)) for c in ALL] for r in expected]
            assert seen[0] == (0, len(expected)) and seen[-1] == (len(expected), len(expected))

            pages: list[int] = []
            out.write_text("kept")
            with pytest.raises(ExportCancelled):
                await export_server(
                    api,
                    f,
                    sort,
                    ALL,
                    out,
                    page=50,
                    progress=lambda done, _: pages.append(done),
                    cancelled=lambda: len(pages) > 2,
                )
            assert out.read_text() == "kept" and leftovers(tmp_path) == []

            cut = tmp_path / "t.csv"
            task = asyncio.ensure_future(export_server(api, f, sort, ALL, cut, page=20))
            await asyncio.sleep(0.05)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            assert not (tmp_path / "t.csv").exists() and leftovers(tmp_path) == []
    finally:
        await session.sign_out()
        await session.aclose()


# --- the command ----------------------------------------------------------------------------


def offline_settings(tmp_path: Path, server: str, cache: CacheStore) -> Path:
    """Settings whose last user's cache is `cache` (moved into the place the app looks)."""
    folder = cache.path.parent
    assert cache.path == cache_path(folder, server, "supervisor")
    path = tmp_path / "settings.json"
    values = {
        "server_url": server,
        "last_username": "supervisor",
        "last_tenant": TENANT,
        "cache_directory": str(folder),
    }
    path.write_text(json.dumps(values))
    return path


def test_the_command_exports_a_view_from_the_offline_cache(
    filled: CacheStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = offline_settings(tmp_path, "http://placeholder", filled)
    out = tmp_path / "all.csv"
    code = command.main(
        ["export", "--view", "All Conversations", "--offline", "--out", str(out), "--settings", str(settings)]
    )
    captured = capsys.readouterr()
    count = filled.count(TENANT, Filter(), now=NOW)
    assert code == 0, captured.err
    assert captured.out == f"Exported {count:,} conversations to {out}\n"
    rows = read_back(out)
    assert len(rows) - 1 == count
    assert rows[1:] == expected_texts(filled, Filter(), Sort(), ALL)

    test_calls = tmp_path / "test.csv"
    assert (
        command.main(
            ["--view", "test calls", "--offline", "--out", str(test_calls), "--settings", str(settings)]
        )
        == 0
    )
    assert len(read_back(test_calls)) - 1 == filled.count(TENANT, Filter(used_for=UsedFor.TEST), now=NOW)


def test_the_command_names_the_views_it_has_when_asked_for_another(
    filled: CacheStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = offline_settings(tmp_path, "http://placeholder", filled)
    out = tmp_path / "x.csv"
    code = command.main(["--view", "Nope", "--offline", "--out", str(out), "--settings", str(settings)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.count("\n") == 1 and "no view named 'Nope'" in err
    assert "All Conversations, Production Calls, Test Calls" in err
    assert command.main(["--offline", "--out", str(out)]) == 2  # --view is required
    assert (
        command.main(
            [
                "--view",
                "All Conversations",
                "--offline",
                "--out",
                str(out),
                "--settings",
                str(settings),
                "--server",
                "ftp://x",
            ]
        )
        == 2
    )


def test_ctrl_c_stops_the_command_with_130_and_leaves_nothing(
    filled: CacheStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = offline_settings(tmp_path, "http://placeholder", filled)
    exports = tmp_path / "exports"
    exports.mkdir()
    out = exports / "all.csv"
    calls: list[int] = []

    def interrupted(self: command.ProgressBar, written: int, expected: int) -> None:
        calls.append(written)
        if written > 0:  # after the first block: the partial file exists
            assert leftovers(exports)
            raise KeyboardInterrupt

    monkeypatch.setattr(command.ProgressBar, "__call__", interrupted)
    code = command.main(
        ["--view", "All Conversations", "--offline", "--out", str(out), "--settings", str(settings)]
    )
    assert code == 130 and calls[-1] > 0
    assert list(exports.iterdir()) == []
    assert "interrupted" in capsys.readouterr().err


def test_the_command_fails_in_one_line(
    filled: CacheStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = offline_settings(tmp_path, "http://placeholder", filled)
    out = tmp_path / "missing" / "all.csv"
    code = command.main(
        ["--view", "All Conversations", "--offline", "--out", str(out), "--settings", str(settings)]
    )
    err = capsys.readouterr().err
    assert code == 1 and err == f"convodesk export: The folder {out.parent} does not exist.\n"
    code = command.main(
        [
            "--view",
            "All Conversations",
            "--offline",
            "--out",
            str(tmp_path / "a.csv"),
            "--settings",
            str(settings),
            "--server",
            "http://elsewhere",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("convodesk export: there is no offline cache")


def test_the_command_exports_a_view_from_the_platform(
    signed_in: Path,
    acme_http: httpx.Client,
    platform_views: list[View],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "production.csv"
    argv = ["export", "--view", "Production Calls", "--out", str(out), "--settings", str(signed_in)]
    code = command.main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    view = next(v for v in platform_views if v.name == "Production Calls")
    expected = [item for page in search_pages(acme_http, view.filter, view.sort) for item in page.items]
    rows = read_back(out)
    assert [r[0] for r in rows[1:]] == [r.id for r in expected]
    assert captured.out == f"Exported {len(expected):,} conversations to {out}\n"


def test_progress_is_drawn_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen, log = Terminal(), io.StringIO()
    for stream in (screen, log):
        bar = command.ProgressBar(stream, interval=0)
        bar(0, 200)
        bar(50, 200)
        bar(200, 200)
        bar.done()
    assert log.getvalue() == ""
    assert screen.getvalue().endswith(f"\r[{'#' * 30}] 200/200 100%\n")
    assert f"\r[{'#' * 8}{'.' * 22}] 50/200  25%" in screen.getvalue()
