"""Live rows in the real window: In Progress rows repaint in place from the platform's events,
new calls appear at the top or behind the "N new" chip, calls that end keep their row.

The window is signed in against a platform process of its own whose simulator keeps a few AI
voice calls live (each replays a recorded call: a line about every 4 s, about 36 s in all).
Everything the window shows comes from the platform's real events. Two things are done through
the platform's API as a supervisor would: ending a call (its End action), and so starting a new
one on demand, since the simulator fills the freed line on its next tick. Each test first ends
every live call, so that the simulator's calls are all fresh: for the next half minute no call
starts or ends by itself, and the only new calls are the ones the test starts.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QLocale, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView

from app.domain import (
    Conversation,
    EventType,
    Filter,
    LiveEvent,
    Platform,
    Sort,
    SortColumn,
    Status,
    TableColumn,
)
from app.links import filter_link
from tests.client.conftest import search_pages
from tests.platform import Platform as PlatformProcess
from tests.platform import api_client, seed
from tests.ui.apps import signing_in_app
from tests.ui.conftest import until
from tests.ui.test_main_window import _synced_window
from ui.application import Application
from ui.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("secret_service")

LIVE_CALLS = 6  # the simulator's target, over both tenants
SIMULATED = "cnv_live_"  # how the simulator names its conversations (server/live/simulator.py)
VOICE = Filter(platforms=(Platform.VOICE,))
NEWEST_FIRST = Sort()
BY_CONTACT = Sort(column=SortColumn.CONTACT, descending=False)
CHIP_COUNT = re.compile(r"\b(\d+) new\b")
WATCHED = (TableColumn.LAST_MESSAGE, TableColumn.DURATION, TableColumn.STATUS)


# --- the platform ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcess]:
    """A platform of its own (these tests end calls), with simulated live calls. Each filter the
    tests use lists fewer rows than the window's first page (200): the whole listing is in the
    table at once, where the tests compare it with the platform's."""
    db = f"sqlite:///{tmp_path_factory.mktemp('live-rows-platform') / 'platform.db'}"
    seed(db, 300, seed_value=5, audio_clips=1)
    logs = tmp_path_factory.mktemp("live-rows-logs")
    with PlatformProcess(db, simulate=LIVE_CALLS).running(logs) as running:
        yield running


@pytest.fixture(scope="module")
def acme_api(live_platform: PlatformProcess) -> Iterator[httpx.Client]:
    """The platform's API as acme's supervisor (the window's user and tenant)."""
    with api_client(live_platform.url, "supervisor") as http:
        yield http


@pytest.fixture(scope="module")
def globex_api(live_platform: PlatformProcess) -> Iterator[httpx.Client]:
    """The other tenant, as its admin: the simulator puts about one call in seven there."""
    with api_client(live_platform.url, "admin", "globex") as http:
        yield http


def _search(http: httpx.Client, f: Filter, sort: Sort) -> list[Conversation]:
    return [item for page in search_pages(http, f, sort) for item in page.items]


async def _on_platform(http: httpx.Client, f: Filter, sort: Sort = NEWEST_FIRST) -> list[Conversation]:
    """The platform's listing, read off the GUI thread (the window keeps working meanwhile)."""
    return await asyncio.to_thread(_search, http, f, sort)


async def _platform_record(http: httpx.Client, conversation_id: str) -> Conversation:
    found = await _on_platform(http, Filter(ids=(conversation_id,)))
    assert len(found) == 1, f"{conversation_id} is not on the platform"
    return found[0]


async def _end_call(http: httpx.Client, conversation_id: str) -> bool:
    """The supervisor's End action; False when the call cannot be ended (ended meanwhile, or
    waiting for a human agent: 409)."""
    response = await asyncio.to_thread(http.post, f"conversations/{conversation_id}/actions/end")
    assert response.status_code in (200, 409), response.text[:500]
    return response.status_code == 200


async def _live_calls(http: httpx.Client) -> list[Conversation]:
    """The simulator's calls in progress in the client's tenant, newest first."""
    in_progress = await _on_platform(
        http, Filter(statuses=(Status.IN_PROGRESS,), platforms=(Platform.VOICE,))
    )
    return [c for c in in_progress if c.id.startswith(SIMULATED)]


async def _fresh_calls(acme: httpx.Client, globex: httpx.Client) -> None:
    """End every live call of both tenants and wait for the simulator to replace them all."""
    old = set()
    for http in (acme, globex):
        for call in await _live_calls(http):
            old.add(call.id)
            await _end_call(http, call.id)  # one waiting for a human agent ends by itself in 8 s
    deadline = time.monotonic() + 20
    while True:
        live = [*await _live_calls(acme), *await _live_calls(globex)]
        if not {c.id for c in live} & old and len(live) == LIVE_CALLS:
            return
        if time.monotonic() > deadline:
            states = [(c.id, c.live_state.value, c.duration_seconds, c.id in old) for c in live]
            raise AssertionError(f"the simulator did not replace its calls: {states}")
        await asyncio.sleep(0.2)


async def _start_a_call(acme: httpx.Client, globex: httpx.Client) -> tuple[str, str]:
    """Make the simulator start a new call in acme now: end acme's oldest live call, which frees
    a line the simulator fills on its next tick (in acme mostly; when it is globex, again).
    Returns (the new call, the call ended for it)."""
    for _ in range(5):
        before = await _live_calls(acme)
        known = {c.id for c in before} | {c.id for c in await _live_calls(globex)}
        ended = None
        for call in reversed(before):  # the oldest that can be ended
            if await _end_call(acme, call.id):
                ended = call.id
                break
        assert ended is not None, "no live call to end in acme"
        deadline = time.monotonic() + 10
        while True:
            new = [c.id for c in await _live_calls(acme) if c.id not in known]
            if new:
                return new[0], ended
            if any(c.id not in known for c in await _live_calls(globex)):
                break  # that line went to globex: free another
            assert time.monotonic() < deadline, "the simulator started no new call"
            await asyncio.sleep(0.1)
    raise AssertionError("the simulator started no new call in acme")


# --- the window --------------------------------------------------------------------------------


@pytest.fixture
def app(
    live_platform: PlatformProcess,
    acme_api: httpx.Client,
    globex_api: httpx.Client,
    tmp_path: Path,
    qapp: Any,
    run: Callable[..., Any],
) -> Iterator[Application]:
    """The application, once every live call is fresh (see the module's docstring)."""
    run(_fresh_calls(acme_api, globex_api), 40)
    application = signing_in_app(live_platform, tmp_path, qapp)
    yield application

    async def close() -> None:
        await application.workspace.close()
        if application.window is not None:
            application.window.close()

    run(close(), 30)


class _Shows(QObject):
    """Counts the times a widget is shown (the chip: shown is announced, however briefly)."""

    def __init__(self, widget: QObject) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() == QEvent.Type.Show:
            self.count += 1
        return False


@dataclass
class Table:
    """What the user sees of the conversations table, and of the "N new" chip above it."""

    window: MainWindow
    chip_shows: _Shows = field(init=False)

    def __post_init__(self) -> None:
        self.chip_shows = _Shows(self.window.new_chip)

    @property
    def model(self) -> Any:
        return self.window.model

    @property
    def view(self) -> QAbstractItemView:
        return self.window.table

    def column(self, key: TableColumn) -> int:
        return next(i for i, c in enumerate(self.model.columns) if c.key is key)

    def cell(self, row: int, key: TableColumn) -> str | None:
        """The cell's text (None while its block loads: asking starts the load)."""
        value = self.model.index(row, self.column(key)).data()
        return None if value is None else str(value)

    def cells(self, row: int) -> dict[TableColumn, str | None]:
        return {key: self.cell(row, key) for key in WATCHED}

    def expected(self, record: Conversation) -> dict[TableColumn, str | None]:
        """What the watched columns show for this record."""
        return {key: self.model.columns[self.column(key)].text(record) for key in WATCHED}

    def rows(self) -> int:
        return int(self.model.rowCount())

    def ids(self, rows: range | None = None) -> list[str | None]:
        return [self.cell(r, TableColumn.ID) for r in rows or range(self.rows())]

    def loaded(self, rows: range | None = None) -> bool:
        return all(i is not None for i in self.ids(rows))

    def scroll(self) -> int:
        return int(self.view.verticalScrollBar().value())

    def selected_ids(self) -> set[str | None]:
        return {self.cell(i.row(), TableColumn.ID) for i in self.view.selectionModel().selectedRows()}

    def current(self) -> tuple[int, str | None]:
        index = self.view.currentIndex()
        return index.row(), (self.cell(index.row(), TableColumn.ID) if index.isValid() else None)

    def select(self, row: int, *, extend: bool = False) -> None:
        """A click on the row (a Ctrl+click with `extend`): selected, and the current row."""
        index = self.model.index(row, self.column(TableColumn.ID))
        flags = QItemSelectionModel.SelectionFlag.Rows | (
            QItemSelectionModel.SelectionFlag.Select
            if extend
            else QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.view.selectionModel().setCurrentIndex(index, flags)

    def chip(self) -> int | None:
        """The count the "N new" chip announces, None while it is hidden."""
        chip = self.window.new_chip
        if not chip.isVisible():
            return None
        match = CHIP_COUNT.search(chip.text())
        assert match is not None, f"the chip says {chip.text()!r}"
        return int(match.group(1))

    def place(self) -> tuple[Any, ...]:
        """Where the user is: rows in order, selection, current row, scroll position."""
        return (self.ids(), self.selected_ids(), self.current(), self.scroll())


async def _open(app: Application, f: Filter, sort: Sort) -> Table:
    """The window signed in and up to date, showing `f` in `sort` order, at the top with nothing
    selected, every row loaded."""
    window = await _synced_window(app)
    await until(lambda: window.view_bar.selected is not None, what="the views")  # the default one shown
    table = Table(window)
    resets: list[int] = []
    window.model.modelReset.connect(lambda: resets.append(1))
    # As a user opening a convodesk:// link to these filters and this order.
    window.open_link(filter_link(window.workspace.settings.server_url, "acme", f, sort))
    count = lambda: f"{QLocale().toString(table.rows())} conversations"  # noqa: E731
    await until(
        lambda: bool(resets) and table.rows() > 0 and window.status.count.text() == count(),
        what="the listing of the filter",
    )
    await until(table.loaded, what="the rows")
    assert table.scroll() == 0 and not table.view.selectionModel().hasSelection()
    return table


async def _settled(table: Table, http: httpx.Client, f: Filter, sort: Sort = NEWEST_FIRST) -> list[str]:
    """Wait until the table lists what the platform lists, in its order (the fresh calls that
    started while the user sat at the top are in), with no chip; returns those ids."""
    deadline = time.monotonic() + 15
    while True:
        expected = [c.id for c in await _on_platform(http, f, sort)]
        if table.ids() == expected:
            assert table.chip() is None
            return expected
        assert time.monotonic() < deadline, "the table never caught up with the platform"
        await asyncio.sleep(0.2)


def _heard_started(app: Application) -> tuple[list[str], Callable[[], None]]:
    """The conversations whose start the window hears of from now on (the live events the
    workspace hands it), and how to stop listening."""
    heard: list[str] = []

    def listen(events: Sequence[LiveEvent]) -> None:
        heard.extend(e.conversation_id for e in events if e.type is EventType.STARTED)

    return heard, app.workspace.events.subscribe(listen)


def _live_rows(table: Table) -> list[int]:
    """The rows of the simulator's calls in progress."""
    return [
        r
        for r, conversation_id in enumerate(table.ids())
        if (conversation_id or "").startswith(SIMULATED)
        and table.cell(r, TableColumn.STATUS) == "In Progress"
    ]


def _live_row_mid_table(table: Table) -> tuple[int, str]:
    """The row of a live call nearest the middle of the table."""
    live = _live_rows(table)
    assert live, "no live call in the table"
    row = max(live, key=lambda r: min(r, table.rows() - 1 - r))
    conversation_id = table.cell(row, TableColumn.ID)
    assert conversation_id is not None
    return row, conversation_id


def _scroll_to(table: Table, row: int) -> None:
    """Scroll as a user would, until the row is in the middle of the view."""
    table.view.scrollTo(table.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
    assert table.scroll() > 0, f"row {row} is not far enough down to scroll to"


# --- 1. live rows repaint in place ---------------------------------------------------------


def test_an_in_progress_row_updates_live_without_moving_the_selection_or_the_scroll(
    app: Application, acme_api: httpx.Client, run: Callable[..., Any]
) -> None:
    async def scenario() -> None:
        table = await _open(app, VOICE, BY_CONTACT)
        await _settled(table, acme_api, VOICE, BY_CONTACT)
        # A live call mid-table (contacts A to Z), scrolled to; it and the row below it selected.
        row, conversation_id = _live_row_mid_table(table)
        _scroll_to(table, row)
        table.select(row + 1)
        table.select(row, extend=True)
        place = table.place()
        assert table.selected_ids() == {conversation_id, table.cell(row + 1, TableColumn.ID)}
        assert table.current() == (row, conversation_id)
        before = table.cells(row)

        # The call's next line (about every 4 s) comes as an event and repaints its cells.
        await until(
            lambda: None not in table.cells(row).values() and table.cells(row) != before,
            15,
            "the live call's row to change",
        )
        assert table.cell(row, TableColumn.STATUS) == "In Progress"
        assert table.cells(row)[TableColumn.LAST_MESSAGE] != before[TableColumn.LAST_MESSAGE]
        # In place: every row where it was, the same rows selected, the same current row, no scrolling.
        assert table.place() == place
        # What the row shows is what the platform holds for that call (it may have moved on since).
        deadline = time.monotonic() + 10
        while (shown := table.cells(row)) != (
            wanted := table.expected(await _platform_record(acme_api, conversation_id))
        ):
            assert time.monotonic() < deadline, f"the row shows {shown}, the platform {wanted}"
            await asyncio.sleep(0.2)
        assert table.place() == place

    run(scenario(), 60)


# --- 2. new calls: at the top, or behind the "N new" chip ----------------------------------


def test_a_new_call_appears_at_the_top_when_the_user_is_at_the_top_with_nothing_selected(
    app: Application, acme_api: httpx.Client, globex_api: httpx.Client, run: Callable[..., Any]
) -> None:
    async def scenario() -> None:
        table = await _open(app, VOICE, NEWEST_FIRST)
        listed = await _settled(table, acme_api, VOICE)

        new_id, _ = await _start_a_call(acme_api, globex_api)
        await until(
            lambda: table.rows() > len(listed) and table.cell(0, TableColumn.ID) == new_id, 15, "the new call"
        )
        assert table.rows() == len(listed) + 1  # that call only (no other started)
        assert table.cell(0, TableColumn.STATUS) == "In Progress"
        assert table.cell(0, TableColumn.PLATFORM) == "Voice"
        # Shown, never announced; the rows there before moved down one, in their order; the user
        # is still at the top with nothing selected.
        assert table.chip_shows.count == 0 and table.chip() is None
        await until(table.loaded, what="the rows below it")
        assert table.ids() == [new_id, *listed]
        assert table.scroll() == 0
        assert not table.view.selectionModel().hasSelection()

    run(scenario(), 60)


@pytest.mark.parametrize(
    ("where", "calls"),
    [("scrolled down", 2), ("a row selected at the top", 1)],
)
def test_a_new_call_is_announced_by_the_chip_which_brings_it_in_at_the_top(
    where: str,
    calls: int,
    app: Application,
    acme_api: httpx.Client,
    globex_api: httpx.Client,
    qtbot: Any,
    run: Callable[..., Any],
) -> None:
    async def scenario() -> None:
        table = await _open(app, VOICE, NEWEST_FIRST)
        listed = await _settled(table, acme_api, VOICE)
        if where == "scrolled down":
            _scroll_to(table, len(listed) // 2)
        else:
            table.select(3)
        place = table.place()

        started = [(await _start_a_call(acme_api, globex_api))[0] for _ in range(calls)]
        # Announced, with the count: the calls the platform now lists above the table's first row.
        deadline = time.monotonic() + 15
        while True:
            above = [c.id for c in await _on_platform(acme_api, VOICE)].index(listed[0])
            if table.chip() == above == calls:
                break
            assert time.monotonic() < deadline, f"the chip says {table.chip()}, the platform has {above} new"
            await asyncio.sleep(0.2)
        assert str(calls) in table.window.new_chip.text()
        # Nothing moved under the user's eyes: the same rows, selection, current row and scroll.
        assert table.place() == place
        assert not set(started) & set(table.ids())

        qtbot.mouseClick(table.window.new_chip, Qt.MouseButton.LeftButton)
        await until(lambda: table.rows() == len(listed) + calls, 15, "the announced calls in the table")
        await until(table.loaded, what="the rows")
        assert table.ids() == [*reversed(started), *listed]  # at the top, newest first; the rest in order
        assert table.scroll() == 0
        assert table.chip() is None
        if where != "scrolled down":  # the selection followed its conversation down
            assert table.selected_ids() == {listed[3]}
            assert table.current() == (3 + calls, listed[3])

    run(scenario(), 60)


@pytest.mark.parametrize("where", ["scrolled down", "a row selected at the top"])
def test_a_refresh_the_user_did_not_ask_for_keeps_the_view_and_the_chip(
    where: str,
    app: Application,
    acme_api: httpx.Client,
    globex_api: httpx.Client,
    run: Callable[..., Any],
) -> None:
    """A conversation deleted elsewhere makes the listing refresh while a new call is announced:
    the call is listed above the rows shown without pushing them down, and the chip still
    announces it."""

    async def scenario() -> None:
        table = await _open(app, VOICE, NEWEST_FIRST)
        listed = await _settled(table, acme_api, VOICE)
        if where == "scrolled down":
            _scroll_to(table, len(listed) // 2)
        else:
            table.select(3)
        top = table.scroll()
        shown = table.ids(range(top, top + 10))
        new_id, _ = await _start_a_call(acme_api, globex_api)
        await until(lambda: table.chip() == 1, 15, "the new call announced")
        gone = listed[-1]  # below what the user looks at
        response = await asyncio.to_thread(acme_api.delete, f"conversations/{gone}")
        assert response.status_code == 204, response.text
        await until(lambda: gone not in table.ids(), 15, "the deleted conversation to go")
        await until(table.loaded, what="the rows")
        assert table.ids()[:2].count(new_id) == 1  # listed at the top, out of view
        assert table.ids(range(table.scroll(), table.scroll() + 10)) == shown  # what the user saw
        assert table.scroll() == top + 1
        assert table.chip() == 1
        if where != "scrolled down":
            assert table.selected_ids() == {listed[3]}
            assert table.current() == (4, listed[3])

    run(scenario(), 60)


# --- 3. a new call the filter leaves out is not announced ---------------------------------


@pytest.mark.parametrize(
    "excluding",
    [
        pytest.param(Filter(statuses=(Status.COMPLETED, Status.FAILED)), id="finished calls only"),
        pytest.param(Filter(platforms=(Platform.WEB, Platform.SMS)), id="web and SMS only"),
    ],
)
def test_a_new_call_the_filter_leaves_out_shows_no_chip(
    excluding: Filter,
    app: Application,
    acme_api: httpx.Client,
    globex_api: httpx.Client,
    run: Callable[..., Any],
) -> None:
    async def scenario() -> None:
        table = await _open(app, excluding, NEWEST_FIRST)
        listed = await _settled(table, acme_api, excluding)
        # Where a call that matched would be announced: scrolled down, a row selected.
        _scroll_to(table, len(listed) // 2)
        table.select(len(listed) // 2)
        place = table.place()
        heard, stop = _heard_started(app)
        try:
            new_id, _ = await _start_a_call(acme_api, globex_api)
            await until(lambda: new_id in heard, 15, "the window to hear of the new call")
            # An absence cannot be awaited: watch for two seconds (the chip shows within a few
            # tens of milliseconds of the event when the call matches).
            hold = time.monotonic() + 2.0
            await until(lambda: table.chip_shows.count > 0 or time.monotonic() > hold, 5, "the watch")
        finally:
            stop()
        assert table.chip_shows.count == 0 and table.chip() is None
        assert table.place() == place
        assert new_id not in table.ids()
        # The platform agrees: the new call is not in the filter.
        assert new_id not in {c.id for c in await _on_platform(acme_api, excluding)}

    run(scenario(), 60)


# --- 4. a call that ends keeps its row ----------------------------------------------------


def test_a_call_that_ends_turns_to_its_final_status_in_place(
    app: Application, acme_api: httpx.Client, run: Callable[..., Any]
) -> None:
    async def scenario() -> None:
        table = await _open(app, VOICE, BY_CONTACT)
        await _settled(table, acme_api, VOICE, BY_CONTACT)
        row, conversation_id = _live_row_mid_table(table)
        others = {r: table.cells(r) for r in _live_rows(table) if r != row}
        assert others, "no other live call in the table"
        _scroll_to(table, row)
        table.select(row)
        place = table.place()

        assert await _end_call(acme_api, conversation_id)  # a supervisor hangs up
        await until(
            lambda: table.cell(row, TableColumn.STATUS) not in (None, "In Progress"), 15, "the call to end"
        )
        record = await _platform_record(acme_api, conversation_id)
        assert record.status is Status.COMPLETED
        assert table.cells(row) == table.expected(record)
        assert table.cell(row, TableColumn.STATUS) == "Completed"
        assert table.cell(row, TableColumn.LAST_MESSAGE) == "Call ended by supervisor"
        assert table.place() == place
        # And it stays so while the window takes in later events: the next line of another call
        # (about 4 s later), and the call the simulator starts on the freed line (announced, if
        # it is acme's, since the user is scrolled down).
        await until(
            lambda: any(table.cells(r) != cells for r, cells in others.items()),
            15,
            "another call's next line",
        )
        assert table.cells(row) == table.expected(record)
        assert table.chip() in (None, 1)
        # In place: every row where it was (the ended call too), same selection, current row, scroll.
        assert table.place() == place

    run(scenario(), 60)
