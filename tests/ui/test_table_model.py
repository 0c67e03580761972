"""The lazy conversations model over a real cache filled from the platform."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QSignalSpy

from app.cache.store import CacheStore
from app.domain import Conversation, Filter, Sort
from tests.client.conftest import search_pages
from tests.platform import Platform, api_client
from tests.ui.conftest import until
from ui.table import model as table_model
from ui.table.model import RECORD_ROLE, STATE_ROLE, ConversationsModel, RowState
from ui.table.view import ConversationsTable


@pytest.fixture(scope="module")
def rows(ui_platform: Platform) -> list[Conversation]:
    with api_client(ui_platform.url, "supervisor") as http:
        return [item for page in search_pages(http, Filter(), Sort()) for item in page.items]


@pytest.fixture
def store(tmp_path: Path, rows: list[Conversation]) -> Iterator[CacheStore]:
    with CacheStore.open(tmp_path / "cache.sqlite3") as opened:
        opened.upsert_summaries("acme", rows)
        yield opened


def _fetcher(store: CacheStore, calls: list[int] | None = None) -> table_model.RowsFetcher:
    async def fetch(keys: Sequence[int]) -> list[Conversation | None]:
        if calls is not None:
            calls.append(len(keys))
        return await asyncio.to_thread(store.rows_by_keys, "acme", keys)

    return fetch


def _keys(store: CacheStore, f: Filter | None = None) -> np.ndarray:
    return store.row_keys("acme", f or Filter(), Sort(), now=datetime.now(UTC))


def test_rows_are_read_in_blocks_only_when_asked_for(
    store: CacheStore, rows: list[Conversation], run: Callable[..., Any]
) -> None:
    model = ConversationsModel()
    calls: list[int] = []
    keys = _keys(store)
    model.set_listing(keys, _fetcher(store, calls))
    assert model.rowCount() == len(rows) and model.columnCount() == 12
    assert calls == []  # nothing is read before a cell is asked for
    far = len(rows) - 1
    assert model.index(far, 0).data(STATE_ROLE) == RowState.LOADING
    assert model.index(far, 0).data() is None
    changed = QSignalSpy(model.dataChanged)

    async def scenario() -> None:
        await until(lambda: model.record(far) is not None, 10, "the last block")

    run(scenario())
    assert calls == [len(rows) - (far // table_model.BLOCK_ROWS) * table_model.BLOCK_ROWS]  # the last block
    assert changed.count() == 1
    expected = store.rows_by_keys("acme", [int(keys[far])])[0]
    assert model.record(far) == expected
    assert model.index(far, 0).data() == expected.id  # type: ignore[union-attr]
    assert model.index(far, 0).data(STATE_ROLE) == RowState.READY


def test_painting_the_table_reads_the_rows_on_screen(
    store: CacheStore, rows: list[Conversation], run: Callable[..., Any], qtbot: Any
) -> None:
    """The view alone (its delegate asks only for each row's state) fills the screen: no one
    else asks for the records."""
    model = ConversationsModel()
    calls: list[int] = []
    model.set_listing(_keys(store), _fetcher(store, calls))
    table = ConversationsTable(model)
    qtbot.addWidget(table)
    table.resize(900, 400)
    table.show()

    async def painted() -> None:
        await until(lambda: model.record(0) is not None, 10, "the rows on screen")

    run(painted())
    assert calls and calls[0] == min(len(rows), table_model.BLOCK_ROWS)
    table.grab()  # a repaint with the rows shown reads nothing more
    assert len(calls) == 1


def test_a_newer_listing_drops_blocks_of_an_older_one(store: CacheStore, run: Callable[..., Any]) -> None:
    model = ConversationsModel()
    everything = _keys(store)
    model.set_listing(everything, _fetcher(store))
    model.index(0, 0).data()  # asks for block 0 of the first listing
    reversed_keys = everything[::-1].copy()
    model.set_listing(reversed_keys, _fetcher(store))  # before that block arrives

    async def scenario() -> None:
        model.index(0, 0).data()
        await until(lambda: model.record(0) is not None, 10, "block 0")
        await asyncio.sleep(0.2)  # the stale block has arrived by now too

    run(scenario())
    first = model.record(0)
    assert first is not None
    assert first == store.rows_by_keys("acme", [int(reversed_keys[0])])[0]


def test_refreshing_keeps_the_selection_on_its_conversation(
    store: CacheStore, run: Callable[..., Any]
) -> None:
    model = ConversationsModel()
    keys = _keys(store)
    model.set_listing(keys, _fetcher(store))
    selection = QItemSelectionModel(model)
    chosen = 10
    selection.setCurrentIndex(
        model.index(chosen, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    # Three rows arrive above it, one below goes.
    newer = np.concatenate([np.array([10**9, 10**9 + 1, 10**9 + 2]), np.delete(keys, 20)])
    model.refresh_listing(newer, _fetcher(store))
    assert selection.currentIndex().row() == chosen + 3
    assert int(model.keys[selection.currentIndex().row()]) == int(keys[chosen])
    assert model.rowCount() == len(keys) + 2


def test_rows_that_did_not_move_stay_loaded_through_a_refresh(
    store: CacheStore, run: Callable[..., Any]
) -> None:
    model = ConversationsModel()
    keys = _keys(store)
    calls: list[int] = []
    model.set_listing(keys[:200], _fetcher(store, calls))  # the first screenful, as a new query shows it

    async def scenario() -> None:
        model.index(0, 0).data()
        await until(lambda: model.record(0) is not None, 10, "block 0")

    run(scenario())
    model.refresh_listing(keys, _fetcher(store, calls))  # then the whole listing
    assert model.index(0, 0).data(STATE_ROLE) == RowState.READY
    assert calls == [table_model.BLOCK_ROWS]


def test_a_read_under_way_survives_a_refresh_that_does_not_move_its_rows(
    store: CacheStore, run: Callable[..., Any]
) -> None:
    """A new query shows its first keys, then its whole listing arrives while the first block
    is still being read: that read is kept, not redone behind another screen of placeholders."""
    model = ConversationsModel()
    keys = _keys(store)
    calls: list[int] = []
    release = asyncio.Event()
    read = _fetcher(store, calls)

    async def slow(wanted: Sequence[int]) -> list[Conversation | None]:
        await release.wait()
        return await read(wanted)

    model.set_listing(keys[:200], slow)

    async def scenario() -> None:
        assert model.index(0, 0).data(STATE_ROLE) == RowState.LOADING  # its read starts
        await asyncio.sleep(0)
        model.refresh_listing(keys, slow)
        assert model.index(0, 0).data(STATE_ROLE) == RowState.LOADING  # no second read
        release.set()
        await until(lambda: model.record(0) is not None, 10, "block 0")

    run(scenario())
    assert calls == [table_model.BLOCK_ROWS]


def test_rows_moved_down_by_new_ones_show_at_once_without_being_read_again(
    store: CacheStore, run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_model, "BLOCK_ROWS", 32)  # two blocks of the small demo tenant
    model = ConversationsModel()
    keys = _keys(store)
    assert len(keys) > 2 * 32 + 3
    calls: list[int] = []
    model.set_listing(keys[3:], _fetcher(store, calls))
    last = 2 * table_model.BLOCK_ROWS - 1

    async def shown() -> None:
        model.index(0, 0).data()
        model.index(last, 0).data()
        await until(lambda: model.record(0) is not None and model.record(last) is not None, 10, "rows")

    run(shown())
    before = [model.record(r) for r in range(last + 1)]
    calls.clear()
    model.refresh_listing(keys, _fetcher(store, calls))  # three conversations came in at the top
    # The second block holds only rows that were shown already: no placeholder, no read.
    second = range(table_model.BLOCK_ROWS, last + 1)
    assert all(model.index(r, 0).data(STATE_ROLE) == RowState.READY for r in second)
    assert [model.record(r) for r in second] == before[table_model.BLOCK_ROWS - 3 : last - 2]
    # The first holds the three new ones: it is read.
    assert model.index(0, 0).data(STATE_ROLE) == RowState.LOADING
    model.index(0, 0).data()  # painting it asks for it
    run(until(lambda: model.record(0) is not None, 10, "the new rows"))
    assert calls == [table_model.BLOCK_ROWS]
    assert [model.record(r) for r in range(3, 10)] == before[:7]


def test_live_updates_repaint_held_rows_and_ignore_older_versions(
    store: CacheStore, run: Callable[..., Any]
) -> None:
    model = ConversationsModel()
    model.set_listing(_keys(store), _fetcher(store))

    async def scenario() -> None:
        model.index(0, 0).data()
        await until(lambda: model.record(0) is not None, 10, "block 0")

    run(scenario())
    current = model.record(0)
    assert current is not None
    spy = QSignalSpy(model.dataChanged)
    newer = current.model_copy(update={"last_message": "Just said", "change_seq": current.change_seq + 1})
    assert model.update_records([newer]) == 1
    last_message = next(i for i, c in enumerate(model.columns) if c.key.value == "last_message")
    assert model.index(0, last_message).data() == "Just said"
    assert spy.count() == 1
    older = current.model_copy(update={"last_message": "Stale", "change_seq": current.change_seq - 1})
    model.update_records([older])
    assert model.index(0, last_message).data() == "Just said"
    elsewhere = current.model_copy(update={"id": "not-on-the-table"})
    assert model.update_records([elsewhere]) == 0


def test_a_block_that_fails_says_so_and_is_tried_again(store: CacheStore, run: Callable[..., Any]) -> None:
    model = ConversationsModel()
    attempts: list[int] = []

    async def flaky(keys: Sequence[int]) -> list[Conversation | None]:
        attempts.append(len(keys))
        if len(attempts) == 1:
            raise OSError("disk went away")
        return await asyncio.to_thread(store.rows_by_keys, "acme", keys)

    failures = QSignalSpy(model.load_failed)
    model.set_listing(_keys(store), flaky)

    async def scenario() -> None:
        model.index(0, 0).data()
        await until(lambda: model.index(0, 0).data(STATE_ROLE) == RowState.FAILED, 10, "the failure")
        model.index(0, 0).data()  # asked again: read again
        await until(lambda: model.record(0) is not None, 10, "the retry")

    run(scenario())
    assert failures.count() == 1
    assert len(attempts) == 2


def test_the_block_cache_is_bounded(
    store: CacheStore, run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_model, "BLOCK_ROWS", 4)
    monkeypatch.setattr(table_model, "MAX_BLOCKS", 3)
    model = ConversationsModel()
    model.set_listing(_keys(store), _fetcher(store))

    async def scenario() -> None:
        for row in range(0, 40, 4):
            model.index(row, 0).data()
            await until(lambda r=row: model.record(r) is not None, 10, f"row {row}")

    run(scenario())
    held = [row for row in range(0, 40, 4) if model.record(row) is not None]
    assert held == [28, 32, 36]


def test_cells_are_plain_text_and_tooltips_cannot_render_html(
    store: CacheStore, run: Callable[..., Any]
) -> None:
    model = ConversationsModel()
    keys = _keys(store)
    model.set_listing(keys, _fetcher(store))
    record = store.rows_by_keys("acme", [int(keys[0])])[0]
    assert record is not None
    hostile = record.model_copy(
        update={"contact": "<img src=x onerror=alert(1)><b>Boss</b>", "change_seq": 10**12}
    )

    async def scenario() -> None:
        model.index(0, 0).data()
        await until(lambda: model.record(0) is not None, 10, "block 0")

    run(scenario())
    model.update_records([hostile])
    contact = next(i for i, c in enumerate(model.columns) if c.key.value == "contact")
    assert model.index(0, contact).data() == "<img src=x onerror=alert(1)><b>Boss</b>"
    tip = model.index(0, contact).data(Qt.ItemDataRole.ToolTipRole)
    assert "<b>" not in tip and "&lt;b&gt;Boss&lt;/b&gt;" in tip
    assert model.index(0, contact).data(RECORD_ROLE) == hostile
