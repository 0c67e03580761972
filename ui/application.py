"""Starting the window: settings, theme, the workspace, first-run sign-in, the main window.

The asyncio loop is Qt's (qasync): network work is awaited on it, cache work runs on
worker threads, and results come back on the GUI thread.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QLocale, QSettings
from PySide6.QtWidgets import QApplication, QDialog

from app.api.auth.browser import BrowserOpener
from app.domain import Me
from app.settings import ClientSettings, load_settings, save_settings
from app.workspace import Workspace
from ui.main_window import MainWindow
from ui.tasks import dialog_result, spawn
from ui.theme import ThemeChoice, ThemeManager
from ui.welcome import WelcomeDialog

log = logging.getLogger(__name__)


class Application:
    """One window on one workspace; signing in to another platform makes a new workspace."""

    def __init__(
        self,
        qt: QApplication,
        settings: ClientSettings,
        *,
        settings_path: Path | None = None,
        open_browser: BrowserOpener | None = None,
    ) -> None:
        self.qt = qt
        # The welcome dialog closes before the window opens: the session ends on `finished`,
        # not when Qt sees no window for a moment (that would stop the asyncio loop too).
        qt.setQuitOnLastWindowClosed(False)
        if QLocale.system().language() == QLocale.Language.C:
            # No locale configured (a bare LANG=C): readable English dates and numbers rather
            # than the C locale's "4 12 26" and "12345".
            QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        self.settings = settings
        self._settings_path = settings_path
        self._open_browser = open_browser
        self.theme = ThemeManager(qt)
        self.theme.apply(ThemeChoice(settings.theme))
        self.theme.changed.connect(lambda _dark: self._save_theme())
        self.workspace = self._new_workspace(settings)
        self.window: MainWindow | None = None
        self._pending_link: str | None = None  # to open once the window is there
        self.finished = asyncio.Event()

    def present(self, link: str | None = None) -> None:
        """Bring the window to the front and open `link` in it (a convodesk:// link given on
        the command line, or handed over by a later start); before the window exists, the
        link waits for it."""
        window = self.window
        if window is None:
            self._pending_link = link or self._pending_link
            return
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()
        if link:
            window.open_link(link)

    def _new_workspace(self, settings: ClientSettings) -> Workspace:
        return Workspace(settings, settings_path=self._settings_path, open_browser=self._open_browser)

    async def start(self) -> MainWindow | None:
        """Open the window on the cache (signed in or not); run the welcome dialog first when
        there is neither a sign-in nor a cache. None if the user closed the welcome dialog."""
        me = await self.workspace.start()
        if me is None and self.workspace.store is None:
            if not await self.welcome():
                return None
        elif me is not None and self.workspace.store is None and me.tenants:
            await self.workspace.open_tenant(me.tenants[0].id)  # no usable last tenant: the first
        return await self._show_window()

    async def welcome(self) -> bool:
        dialog = WelcomeDialog(self.workspace.settings.server_url, self._sign_in_at, self.window)
        result = await dialog_result(dialog)
        if result != QDialog.DialogCode.Accepted or dialog.tenant is None:
            return False
        await self.workspace.open_tenant(dialog.tenant)
        if self.window is not None:
            await self.window.load()
        return True

    async def _sign_in_at(self, url: str) -> Me:
        if url != self.workspace.settings.server_url:
            await self.workspace.close()
            self.settings = self.workspace.settings.model_copy(update={"server_url": url})
            save_settings(self.settings, self._settings_path)
            self.workspace = self._new_workspace(self.settings)
        return await self.workspace.sign_in()

    async def _show_window(self) -> MainWindow:
        window = MainWindow(self.workspace, self.theme)
        window.restore_state(QSettings())
        window.sign_in_requested.connect(lambda: spawn(self.welcome()))
        window.closed.connect(self._closed)
        window.show()
        self.window = window
        await window.load()
        link, self._pending_link = self._pending_link, None
        if link:
            window.open_link(link)
        return window

    def _closed(self) -> None:
        if self.window is not None:
            self.window.save_state(QSettings())
        spawn(self._shutdown())

    async def _shutdown(self) -> None:
        await self.workspace.close()
        self.finished.set()

    def _save_theme(self) -> None:
        settings = self.workspace.settings.model_copy(update={"theme": self.theme.choice.value})
        self.workspace.settings = settings
        try:
            save_settings(settings, self._settings_path)
        except OSError as exc:
            log.warning("could not save the theme: %s", exc)


def load_app_settings(path: Path | None, server_url: str | None) -> ClientSettings:
    settings = load_settings(path)
    if server_url is not None:
        settings = settings.model_copy(
            update={"server_url": ClientSettings(server_url=server_url).server_url}
        )
    return settings
