"""Filters set through the panel's widgets in the real window list exactly what the real
platform's own search returns (the panel alone: tests/ui/test_filters_panel.py)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtTest import QTest

from app.domain import Filter, Platform, Sort
from tests.platform import Platform as PlatformProcess
from tests.ui.conftest import ui_data_platform, until
from tests.ui.test_filters_panel import _box, _editor, _radio, _switch_on
from tests.ui.test_main_window import (  # noqa: F401 - first_run is a fixture
    FINISHED,
    _platform_ids,
    _synced_window,
    first_run,
)
from ui.application import Application
from ui.filters.text import TextEditor
from ui.main_window import MainWindow
from ui.table.model import RECORD_ROLE


@pytest.fixture(scope="module")
def ui_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcess]:
    """The UI tests' data on a platform without the simulator: a simulated call that ends
    between reading the platform's result and the window's listing of it would make the two
    differ for a reason these tests are not about (tests/ui/test_live_rows.py covers it)."""
    with ui_data_platform(tmp_path_factory, simulate=0) as running:
        yield running


def _listed_ids(window: MainWindow) -> list[str | None]:
    """The listing's ids, asking for each row's record as the view's paint does (None: not loaded)."""
    model = window.model
    records = [model.index(row, 0).data(RECORD_ROLE) for row in range(model.rowCount())]
    return [record.id if record is not None else None for record in records]


async def _lists_as_the_platform(
    window: MainWindow, platform: PlatformProcess, expected: Filter
) -> list[str]:
    await until(lambda: window.listing.filter == expected, 10, f"the panel's filter {expected!r}")
    ids = _platform_ids(platform, expected, window.listing.sort)
    assert ids, f"the platform has nothing for {expected!r}: the test would prove nothing"
    try:
        await until(lambda: _listed_ids(window) == ids, 30, f"the listing of {expected!r}")
    except AssertionError as exc:
        got = _listed_ids(window)
        missing, extra = sorted(set(ids) - set(got))[:5], sorted(set(got) - set(ids), key=str)[:5]
        raise AssertionError(
            f"{exc}: {len(got)} rows listed, {len(ids)} on the platform; missing {missing}, extra {extra}"
        ) from None
    assert window.model.rowCount() == len(ids)
    assert window.status.count.text() == (f"{len(ids)} conversations" if len(ids) != 1 else "1 conversation")
    return ids


async def _finished_listed(app: Application, platform: PlatformProcess) -> tuple[MainWindow, list[str]]:
    """Signed in and synced, with Completed and Failed ticked in the panel: the window and its ids."""
    window = await _synced_window(app)
    _box(window.filters, "statuses", "Completed").click()
    _box(window.filters, "statuses", "Failed").click()
    return window, await _lists_as_the_platform(window, platform, FINISHED)


async def _close(app: Application, window: MainWindow) -> None:
    await app.workspace.close()
    window.close()
    window.deleteLater()  # and its listing's timers with it
    await asyncio.sleep(0.1)


@pytest.mark.usefixtures("secret_service")
def test_choices_in_the_panel_list_what_the_platform_finds(
    first_run: Application,  # noqa: F811
    ui_platform: PlatformProcess,
    run: Callable[..., Any],
) -> None:
    async def scenario() -> None:
        window, finished = await _finished_listed(first_run, ui_platform)
        panel = window.filters
        assert window.listing.sort == Sort()

        _box(panel, "platforms", "Voice").click()
        voice = Filter(statuses=FINISHED.statuses, platforms=(Platform.VOICE,))
        voice_ids = await _lists_as_the_platform(window, ui_platform, voice)
        assert set(voice_ids) < set(finished)

        _switch_on(panel, "flagged")  # "Flagged" is picked first
        flagged_ids = await _lists_as_the_platform(
            window, ui_platform, voice.model_copy(update={"flagged": True})
        )
        _radio(panel, "flagged", "Not flagged").click()
        unflagged_ids = await _lists_as_the_platform(
            window, ui_platform, voice.model_copy(update={"flagged": False})
        )
        # Flagged and not flagged split the voice calls.
        assert not set(flagged_ids) & set(unflagged_ids)
        assert set(voice_ids) == set(flagged_ids) | set(unflagged_ids)

        panel.sections["platforms"].toggle.click()  # platform off again
        await _lists_as_the_platform(window, ui_platform, FINISHED.model_copy(update={"flagged": False}))
        await _close(first_run, window)

    run(scenario(), 180)


@pytest.mark.usefixtures("secret_service")
def test_typed_contact_and_content_list_what_the_platform_finds(
    first_run: Application,  # noqa: F811
    ui_platform: PlatformProcess,
    run: Callable[..., Any],
) -> None:
    async def scenario() -> None:
        window, finished = await _finished_listed(first_run, ui_platform)
        panel = window.filters

        # Part of a real contact, in another case (contact compares case-folded).
        contacts = [window.model.record(row).contact for row in range(len(finished))]  # type: ignore[union-attr]
        part = next(m.group(0) for c in contacts if (m := re.search(r"[A-Za-z]{4,}", c)))[:5].upper()
        QTest.keyClicks(_editor(panel, "contact", TextEditor).edit, part)
        by_contact = await _lists_as_the_platform(
            window, ui_platform, Filter(statuses=FINISHED.statuses, contact=part)
        )
        assert set(by_contact) <= set(finished)

        # Online the platform searches the transcripts: none of them is in the cache.
        store, tenant = first_run.workspace.store, first_run.workspace.tenant
        assert store is not None and tenant is not None
        assert all(store.detail(tenant, i) is None for i in finished)

        panel.sections["contact"].toggle.click()  # contact off, content on
        QTest.keyClicks(_editor(panel, "content", TextEditor).edit, '"thank you"')
        by_content = await _lists_as_the_platform(
            window, ui_platform, Filter(statuses=FINISHED.statuses, content='"thank you"')
        )
        assert 0 < len(by_content) < len(finished)
        await _close(first_run, window)

    run(scenario(), 180)
