"""CSV export from the real window: online from the platform, offline from the cache, with
the visible columns in their order, formulas neutralised, and Cancel leaving nothing."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from app.domain import Filter, Sort, Status, TableColumn
from app.export.csv_table import COLUMN_TITLES, FORMULA_LEADS
from tests.platform import Platform
from tests.ui.apps import returning_app, signing_in_app
from tests.ui.conftest import until
from tests.ui.test_main_window import _platform_ids, _synced_window
from ui.export import ExportJob, suggested_name
from ui.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("secret_service")

# Finished conversations that started over an hour ago: the live simulator's calls (started
# during the run) cannot join them, so every export of this filter lists the same rows.
SETTLED = Filter(statuses=(Status.COMPLETED, Status.FAILED), date_to=datetime.now(UTC) - timedelta(hours=1))


def _read(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(data[len(codecs.BOM_UTF8) :].decode("utf-8").splitlines(keepends=True)))


async def _export(window: MainWindow, path: Path) -> ExportJob:
    """Start an export as the menu does (with the file already chosen) and wait for its end."""
    job = window.export_csv(path)
    assert job is not None
    ended: list[bool] = []
    job.ended.connect(lambda: ended.append(True))
    assert not window.export_action.isEnabled(), "one export at a time"
    await until(lambda: ended, 60, "the export")
    assert window.export_action.isEnabled()
    return job


def test_the_window_exports_the_current_filter_in_the_visible_columns(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)
    out = tmp_path / "settled.csv"

    async def scenario() -> None:
        window = await _synced_window(app)
        window.listing.set_filter(SETTLED)
        header = window.table.horizontalHeader()
        columns = [c.key for c in window.model.columns]
        # The user hides the Flow column and drags Contact to the front.
        window.table.setColumnHidden(columns.index(TableColumn.FLOW), True)
        header.moveSection(header.visualIndex(columns.index(TableColumn.CONTACT)), 0)
        visible = window.table.visible_columns()
        assert visible[0] is TableColumn.CONTACT and TableColumn.FLOW not in visible
        await _export(window, out)
        assert "Exported" in window.status.currentMessage()
        assert str(out) in window.status.currentMessage()
        rows = _read(out)
        assert rows[0] == [COLUMN_TITLES[c] for c in visible]
        # Every matching row, not only those loaded, in the platform's order.
        expected = _platform_ids(ui_platform, SETTLED, Sort())
        assert len(expected) > 100
        id_at = visible.index(TableColumn.ID)
        assert [row[id_at] for row in rows[1:]] == expected
        # No cell starts as a formula would; phone numbers keep their "+" behind an apostrophe.
        cells = [cell for row in rows[1:] for cell in row]
        assert not [c for c in cells if c.startswith(FORMULA_LEADS)]
        contact_at = visible.index(TableColumn.CONTACT)
        assert any(row[contact_at].startswith("'+") for row in rows[1:]), "demo data has phone numbers"
        await app.workspace.close()
        window.close()

    run(scenario(), 120)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_cancel_writes_nothing_and_keeps_an_existing_file(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)
    out = tmp_path / "kept.csv"
    out.write_text("the user's earlier file\n")

    async def scenario() -> None:
        window = await _synced_window(app)
        job = window.export_csv(out)
        assert job is not None
        cancel = job.dialog.findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        cancel.click()  # before the first page has come
        assert job.cancel_requested
        ended: list[bool] = []
        job.ended.connect(lambda: ended.append(True))
        await until(lambda: ended, 60, "the cancelled export")
        assert window.status.currentMessage() == "Export cancelled; nothing was written."
        assert window.banner.explanation is None or "export" not in window.banner.explanation.message.lower()
        await app.workspace.close()
        window.close()

    run(scenario(), 120)
    assert out.read_text() == "the user's earlier file\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []


def test_a_file_that_cannot_be_written_is_explained_in_the_banner(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        await _export(window, tmp_path / "no such folder" / "out.csv")
        explanation = window.banner.explanation
        assert explanation is not None
        assert "does not exist" in explanation.message
        assert window.isVisible() and window.export_action.isEnabled()  # the window carries on
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_offline_the_export_comes_from_the_cache_and_matches_the_online_one(
    own_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    online_file, offline_file = tmp_path / "online.csv", tmp_path / "offline.csv"

    async def online() -> None:
        app = signing_in_app(own_platform, tmp_path, qapp)
        window = await _synced_window(app)
        window.listing.set_filter(SETTLED)
        await _export(window, online_file)
        await app.workspace.close()
        window.close()

    run(online(), 120)
    own_platform.stop()
    again = returning_app(own_platform, tmp_path, qapp)

    async def offline() -> None:
        window = await again.start()
        assert window is not None
        assert not again.workspace.connectivity.state.online
        window.listing.set_filter(SETTLED)
        await _export(window, offline_file)
        await again.workspace.close()
        window.close()

    run(offline(), 120)
    online_rows, offline_rows = _read(online_file), _read(offline_file)
    assert len(online_rows) > 100
    assert offline_rows == online_rows


def test_the_suggested_file_name_is_the_view_and_the_day_made_safe() -> None:
    day = datetime(2026, 12, 7).date()
    assert suggested_name("Production Calls", day) == "Production Calls 2026-12-07.csv"
    assert suggested_name('a/b:c*?"<>|', day) == "a b c 2026-12-07.csv"
    assert suggested_name(None, day) == "Conversations 2026-12-07.csv"
    assert suggested_name(" .. ", day) == "Conversations 2026-12-07.csv"
