"""Views in the real window: save, relative dates, the org default and roles, links, offline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from app.domain import Filter, Sort, SortColumn, Status, ViewScope
from app.links import filter_link, parse_link, view_link
from tests.platform import Platform, api_client
from tests.ui.apps import returning_app, signing_in_app
from tests.ui.conftest import until
from tests.ui.test_main_window import FINISHED, _signed_in_window, _synced, _welcome
from ui.application import Application
from ui.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("secret_service")


def _platform_views(platform: Platform, user: str) -> dict[str, dict[str, Any]]:
    with api_client(platform.url, user) as http:
        return {v["name"]: v for v in http.get("views").json()}


async def _open(app: Application, user: str = "supervisor") -> MainWindow:
    """The window signed in as `user` (signing out whoever the keyring still holds)."""
    window = await _signed_in_window(app)
    me = app.workspace.me
    if me is None or me.username != user:
        await app.workspace.sign_out()
        welcome = asyncio.ensure_future(app.welcome())
        await until(lambda: _welcome() is not None, what="the welcome dialog")
        dialog = _welcome()
        assert dialog is not None
        dialog.sign_in_button.click()
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        await until(lambda: welcome.done() or ok.isEnabled(), what="the sign-in")
        if not welcome.done():  # several organisations: the user picks one
            dialog.tenants.setCurrentIndex(dialog.tenants.findData("acme"))
            ok.click()
        assert await welcome
        window = app.window or window
    await _synced(window)
    await until(lambda: window.view_bar.selected is not None, what="the views")
    return window


def test_a_saved_view_keeps_relative_dates_sort_and_columns_and_opens_again(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp, "supervisor")

    async def scenario() -> None:
        window = await _open(app)
        panel = window.filters
        panel.sections["dates"].editor.preset.setCurrentIndex(2)  # type: ignore[attr-defined]  # Last 30 days
        await until(lambda: window.listing.filter.date_within == "P30D", what="the date filter")
        window.listing.set_sort(Sort(column=SortColumn.DURATION, descending=False))
        assert window.view_bar.is_modified()
        assert window.view_bar.combo.currentText().endswith("•")
        saved = await window.view_bar.save_as("Last month by duration", share=False)
        assert saved.scope is ViewScope.PERSONAL
        assert saved.filter == Filter(date_within="P30D")  # relative, not two instants
        assert saved.sort == Sort(column=SortColumn.DURATION, descending=False)
        assert not window.view_bar.is_modified()
        on_platform = _platform_views(ui_platform, "supervisor")["Last month by duration"]
        set_fields = {k: v for k, v in on_platform["filter"].items() if v not in (None, False)}
        assert set_fields == {"date_within": "P30D"}
        # Another view, then back: the saved one brings its filter and sort back.
        builtin = next(v for v in window.view_bar.views if v.scope is ViewScope.BUILTIN)
        window.apply_view(builtin)
        assert window.listing.filter == builtin.filter
        window.apply_view(saved)
        assert window.listing.filter == Filter(date_within="P30D")
        assert window.listing.sort == saved.sort
        assert window.filters.filter() == Filter(date_within="P30D")
        renamed = await window.view_bar.rename_selected("Thirty days")
        assert renamed.id == saved.id and "Thirty days" in _platform_views(ui_platform, "supervisor")
        await window.view_bar.delete_selected()
        assert "Thirty days" not in _platform_views(ui_platform, "supervisor")
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_only_admins_may_choose_the_org_default(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    async def as_supervisor() -> None:
        app = signing_in_app(ui_platform, tmp_path / "s", qapp, "supervisor")
        window = await _open(app)
        org = next(v for v in window.view_bar.views if v.scope is not ViewScope.PERSONAL and not v.is_default)
        window.view_bar.set_views(window.view_bar.views, select=org.id)
        window.view_bar._update_actions()
        assert not window.view_bar.make_default.isEnabled()
        assert "administrators" in window.view_bar.make_default.toolTip()
        await app.workspace.close()
        window.close()

    async def as_admin() -> None:
        app = signing_in_app(ui_platform, tmp_path / "a", qapp, "admin")
        window = await _open(app, "admin")
        before = next(v for v in window.view_bar.views if v.is_default)
        other = next(
            v for v in window.view_bar.views if v.scope is not ViewScope.PERSONAL and not v.is_default
        )
        window.view_bar.set_views(window.view_bar.views, select=other.id)
        window.view_bar._update_actions()
        assert window.view_bar.make_default.isEnabled()
        await window.view_bar.make_selected_default()
        assert _platform_views(ui_platform, "admin")[other.name]["is_default"] is True
        window.view_bar.set_views(window.view_bar.views, select=before.id)
        await window.view_bar.make_selected_default()  # put it back for the other tests
        await app.workspace.close()
        window.close()

    run(as_supervisor(), 120)
    run(as_admin(), 120)


def test_links_open_the_same_result_and_hostile_links_are_refused(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp, "supervisor")

    async def scenario() -> None:
        window = await _open(app)
        wanted = Filter(statuses=(Status.FAILED,), flagged=True)
        link = filter_link(ui_platform.url, "acme", wanted, Sort(column=SortColumn.CONTACT, descending=False))
        assert parse_link(link).filter == wanted
        window.open_link(link)
        assert window.listing.filter == wanted
        assert window.filters.filter() == wanted
        assert window.listing.sort == Sort(column=SortColumn.CONTACT, descending=False)
        view = window.view_bar.views[-1]
        window.open_link(view_link(ui_platform.url, "acme", view.id))
        assert window.view_bar.selected == view and window.listing.filter == view.filter
        for hostile, words in (
            ("convodesk://open?server=http://evil.example&tenant=acme&view=x", "another platform"),
            (view_link(ui_platform.url, "globex", view.id), "organisation"),
            ("convodesk://open?server=a&tenant=b&filter=eyJmbGFnZ2VkIjoxfQ", "cannot be used"),
            ("javascript:alert(1)", "not a Convodesk link"),
        ):
            window.open_link(hostile)
            assert window.banner.explanation is not None and words in window.banner.explanation.message
            assert window.view_bar.selected == view  # nothing else changed
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_views_work_offline_from_the_cache(
    own_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    """Sign in on a platform of our own, stop it, start again: the window opens offline on the
    cache, with its views, and saving one says it needs a connection."""
    first = signing_in_app(own_platform, tmp_path, qapp, "supervisor")

    async def online() -> list[str]:
        window = await _open(first)
        names = [v.name for v in window.view_bar.views]
        await first.workspace.close()
        window.close()
        return names

    names = run(online(), 120)
    own_platform.stop()
    again = returning_app(own_platform, tmp_path, qapp)

    async def offline() -> None:
        window = await again.start()
        assert window is not None
        await until(lambda: window.view_bar.selected is not None, what="the cached views")
        assert [v.name for v in window.view_bar.views] == names
        assert not again.workspace.connectivity.state.online
        # The window opened on the cache before the platform was tried; then it says so.
        await until(lambda: "offline" in window.status.link.text().lower(), what="the window to say offline")
        window.apply_view(window.view_bar.views[0])
        window.listing.set_filter(FINISHED)
        await until(lambda: window.model.rowCount() > 0, what="rows from the cache")
        window.view_bar._update_actions()
        assert not window.view_bar.save_new.isEnabled()
        assert "connection" in window.view_bar.save_new.toolTip()
        await again.workspace.close()
        window.close()

    run(offline(), 120)
