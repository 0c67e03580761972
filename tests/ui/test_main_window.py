"""The main window against a real platform process, a real cache and a real keyring."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.connectivity import Link
from app.domain import Filter, Sort, SortColumn, Status
from app.settings import load_settings
from tests.client.conftest import search_pages
from tests.platform import Platform, api_client
from tests.ui.apps import signing_in_app
from tests.ui.conftest import until
from ui.application import Application
from ui.main_window import MainWindow
from ui.table.model import RECORD_ROLE
from ui.welcome import WelcomeDialog

pytestmark = pytest.mark.usefixtures("secret_service")

FINISHED = Filter(statuses=(Status.COMPLETED, Status.FAILED))  # the simulator never changes these


def _welcome() -> WelcomeDialog | None:
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, WelcomeDialog) and w.isVisible()), None
    )


def _platform_ids(platform: Platform, f: Filter, sort: Sort) -> list[str]:
    with api_client(platform.url, "supervisor") as http:
        return [item.id for page in search_pages(http, f, sort) for item in page.items]


async def _signed_in_window(app: Application) -> MainWindow:
    """The window after a first-run sign-in, or straight away when the keyring still holds one."""
    starting = asyncio.ensure_future(app.start())
    await until(lambda: _welcome() is not None or starting.done(), what="the welcome dialog")
    dialog = _welcome()
    if dialog is not None:
        dialog.sign_in_button.click()
    window = await starting
    assert window is not None
    return window


async def _synced(window: MainWindow) -> None:
    await until(lambda: window.status.sync.text() == "Up to date", 60, "the first sync")


async def _synced_window(app: Application) -> MainWindow:
    """The window signed in (_signed_in_window) once its first sync is done."""
    window = await _signed_in_window(app)
    await _synced(window)
    return window


@pytest.fixture
def first_run(ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]) -> Application:
    return signing_in_app(ui_platform, tmp_path, qapp)


def test_first_run_signs_in_syncs_and_lists_what_the_platform_lists(
    first_run: Application, ui_platform: Platform, tmp_path: Path, run: Callable[..., Any]
) -> None:
    async def scenario() -> None:
        window = await _signed_in_window(first_run)
        assert window.isVisible()
        await _synced(window)
        assert first_run.workspace.connectivity.state.link is Link.ONLINE
        window.listing.set_filter(FINISHED)
        expected = _platform_ids(ui_platform, FINISHED, Sort())
        await until(lambda: window.model.rowCount() == len(expected), what="the filtered listing")
        assert window.status.count.text() == f"{len(expected)} conversations"
        # Rows arrive lazily, in the platform's order, as the view asks for them.
        shown = [window.model.index(row, 0).data(RECORD_ROLE) for row in range(40)]
        await until(
            lambda: all(window.model.record(row) is not None for row in range(40)), what="the first rows"
        )
        assert [window.model.record(row).id for row in range(40)] == expected[:40]  # type: ignore[union-attr]
        assert shown[0] is None or shown[0].id == expected[0]
        await first_run.workspace.close()
        window.close()

    run(scenario(), 120)
    saved = load_settings(tmp_path / "settings.json")
    assert (saved.last_username, saved.last_tenant) == ("supervisor", "acme")


def test_sorting_by_a_header_follows_the_platforms_order(
    first_run: Application, ui_platform: Platform, run: Callable[..., Any]
) -> None:
    async def scenario() -> None:
        window = await _synced_window(first_run)
        window.listing.set_filter(FINISHED)
        header = window.table.horizontalHeader()
        section = next(i for i, c in enumerate(window.model.columns) if c.sort is SortColumn.DURATION)
        header.sectionClicked.emit(section)  # what a click on the header does
        assert window.listing.sort == Sort(column=SortColumn.DURATION, descending=True)
        header.sectionClicked.emit(section)
        assert window.listing.sort == Sort(column=SortColumn.DURATION, descending=False)
        expected = _platform_ids(ui_platform, FINISHED, window.listing.sort)
        await until(lambda: window.listing.idle, what="the sorted listing")
        # Asking for a row's record (as the view's paint does) loads its block.
        await until(
            lambda: all(window.model.index(r, 0).data(RECORD_ROLE) is not None for r in range(30)),
            what="sorted rows",
        )
        assert [window.model.record(r).id for r in range(30)] == expected[:30]  # type: ignore[union-attr]
        assert header.sortIndicatorSection() == section
        assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
        await first_run.workspace.close()
        window.close()

    run(scenario(), 120)
