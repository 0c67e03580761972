"""Online the table lists the platform's search, a page at a time as the user scrolls;
when the platform goes away the listing comes from the cache without losing the
selection, and comes back to the platform when it returns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel

from app.domain import Sort
from tests.platform import Platform
from tests.ui.apps import signing_in_app
from tests.ui.conftest import until
from tests.ui.test_export_window import SETTLED
from tests.ui.test_main_window import _platform_ids, _synced_window
from ui import listing
from ui.main_window import MainWindow
from ui.table.model import RECORD_ROLE

pytestmark = pytest.mark.usefixtures("secret_service")


async def _ids(window: MainWindow) -> list[str]:
    """The ids of every row listed, loading their blocks as painting would."""
    rows = range(window.model.rowCount())
    await until(
        lambda: all(window.model.index(r, 0).data(RECORD_ROLE) is not None for r in rows), what="the rows"
    )
    return [window.model.record(r).id for r in rows]  # type: ignore[union-attr]


def test_the_listing_grows_a_page_at_a_time_as_the_view_reaches_the_end(
    ui_platform: Platform,
    tmp_path: Path,
    qapp: Any,
    run: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small pages, so that the demo data makes several of them.
    monkeypatch.setattr(listing, "FIRST_ROWS", 50)
    monkeypatch.setattr(listing, "PAGE_ROWS", 40)
    app = signing_in_app(ui_platform, tmp_path, qapp)
    expected = _platform_ids(ui_platform, SETTLED, Sort())
    assert len(expected) > 50 + 40

    async def scenario() -> None:
        window = await _synced_window(app)
        window.listing.set_filter(SETTLED)
        await until(lambda: window.listing.idle and window.listing.online, what="the platform's listing")
        assert window.model.rowCount() == 50
        # The status bar counts the whole result, not the rows read so far.
        assert window.status.count.text() == f"{len(expected)} conversations"
        assert await _ids(window) == expected[:50]
        while window.model.rowCount() < len(expected):
            count = window.model.rowCount()
            window.table.scrollToBottom()  # the view asks the model for more at the end
            await until(lambda c=count: window.model.rowCount() > c, what="the next page")
        assert window.model.rowCount() == len(expected)
        assert not window.model.canFetchMore(window.model.index(-1, -1))
        assert await _ids(window) == expected
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_the_listing_follows_the_link_down_and_up_keeping_the_selection(
    own_platform: Platform,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    qapp: Any,
    run: Callable[..., Any],
) -> None:
    own = own_platform
    logs = tmp_path_factory.mktemp("own-platform-again")
    back = Platform(own.db_url, port=own.port)
    app = signing_in_app(own, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        window.listing.set_filter(SETTLED)
        await until(lambda: window.listing.idle and window.listing.online, what="the platform's listing")
        online_ids = await _ids(window)
        chosen = window.model.index(12, 0)
        window.table.selectionModel().setCurrentIndex(
            chosen,
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        wanted = online_ids[12]

        def selected_id() -> str | None:
            record = window.table.currentIndex().data(RECORD_ROLE)
            return None if record is None else record.id

        own.stop()
        await until(lambda: not app.workspace.connectivity.state.online, 30, "the link going down")
        await until(lambda: window.listing.idle and not window.listing.online, what="the cache's listing")
        assert "offline" in window.status.link.text().lower()
        assert await _ids(window) == online_ids  # the same rows, from the cache now
        assert selected_id() == wanted

        back.start(logs)  # the platform is back
        try:
            await until(lambda: app.workspace.connectivity.state.online, 60, "the link coming back")
            await until(lambda: window.listing.idle and window.listing.online, what="the platform again")
            assert selected_id() == wanted
        finally:
            await app.workspace.close()
            window.close()

    try:
        run(scenario(), 150)
    finally:
        back.stop()
