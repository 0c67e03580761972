"""The main window: views, filters, the conversations table, the banner and the status bar.

It shows what the workspace has and forwards what the user asks for; the listing
(ui.listing) decides what the table holds, the banner (ui.banner) explains problems.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QLocale, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.connectivity import Link, LinkState
from app.domain import Conversation, Filter, LiveEvent, Sort, TableColumn, View
from app.links import LinkError, parse_link
from app.sync.changes import SyncProgress
from app.workspace import Catalog, Workspace
from ui import icons
from ui.banner import Banner
from ui.bridge import Bridge
from ui.detail.tabs import ConversationTabs
from ui.export import ExportJob, ask_export_path
from ui.filters import FiltersPanel
from ui.listing import Listing
from ui.problems import Explanation, Remedy, Severity, explain
from ui.status_bar import StatusBar
from ui.table.columns import full_date
from ui.table.model import ConversationsModel
from ui.table.view import ConversationsTable
from ui.tasks import spawn
from ui.theme import ThemeChoice, ThemeManager
from ui.view_bar import ViewBar

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    sign_in_requested = Signal()
    closed = Signal()

    def __init__(self, workspace: Workspace, theme: ThemeManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Convodesk")
        self.setWindowIcon(icons.app_icon())
        self.workspace = workspace
        self.theme = theme
        self._shown_view: str | None = None  # whose header layout the table shows
        self._export: ExportJob | None = None  # the export running, if any

        self.model = ConversationsModel(self)
        self.table = ConversationsTable(self.model)
        self.listing = Listing(workspace, self.model, self.table)
        self.banner = Banner()
        self.new_chip = QPushButton(icons.icon("new_items"), "")
        self.new_chip.setObjectName("newChip")
        self.new_chip.setAccessibleName("Show new conversations")
        self.new_chip.hide()
        self.new_chip.clicked.connect(self.listing.show_new)

        listing_page = QWidget()
        page = QVBoxLayout(listing_page)
        page.setContentsMargins(0, 6, 0, 0)
        page.setSpacing(6)
        page.addWidget(self.new_chip, 0, Qt.AlignmentFlag.AlignHCenter)
        page.addWidget(self.table, 1)
        self.tabs = ConversationTabs(workspace, listing_page)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.filters = FiltersPanel()
        self.filters_dock = QDockWidget("Filters", self)
        self.filters_dock.setObjectName("filtersDock")
        self.filters_dock.setWidget(self.filters)
        self.filters_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.filters_dock)

        self.status = StatusBar()
        self.setStatusBar(self.status)
        self._build_toolbar()
        self._build_shortcuts()

        self.filters.filter_changed.connect(self.listing.set_filter)
        self.filters.filter_changed.connect(lambda _f: self.view_bar.show_modified())
        self.table.sort_requested.connect(self.listing.set_sort)
        self.table.sort_requested.connect(lambda _s: self.view_bar.show_modified())
        self.table.layout_changed.connect(self.view_bar.show_modified)
        self.table.open_requested.connect(self.tabs.open)
        self.tabs.failed.connect(self.report)
        self.tabs.deleted.connect(lambda _id: self.listing.refresh_soon())
        self.tabs.contact_requested.connect(self._show_contact)
        self.tabs.deleted_elsewhere.connect(self._deleted_elsewhere)
        self.listing.counted.connect(self._counted)
        self.listing.busy.connect(self.status.show_busy)
        self.listing.new_available.connect(self._new_available)
        self.listing.failed.connect(self.report)
        self.banner.remedy_requested.connect(self._remedy)

        # News from the core, re-emitted as Qt signals so that handlers run on the GUI thread.
        self._bridge = Bridge(self)
        self._bridge.relay(workspace.events, self._events)
        self._bridge.relay(workspace.synced, self._synced)
        self._bridge.relay(workspace.problems, self.report)
        self._bridge.relay(workspace.connectivity.changed, self._link_changed)
        self._link_changed(workspace.connectivity.state)
        self.resize(1440, 900)

    # --- building ------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        self.view_bar = ViewBar(self.workspace, self.current_query_and_columns)
        self.view_bar.view_chosen.connect(self.apply_view)
        self.view_bar.problem.connect(self.report)
        self.view_bar.message.connect(lambda text: self.status.showMessage(text, 5000))
        bar.addWidget(self.view_bar)
        bar.addSeparator()
        self.filters_action = self.filters_dock.toggleViewAction()
        self.filters_action.setIcon(icons.icon("filter"))
        self.filters_action.setText("Filters")
        bar.addAction(self.filters_action)
        self.export_action = QAction(icons.icon("export"), "Export CSV…", self)
        self.export_action.setToolTip("Export the conversations of the current filter to a CSV file")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(lambda: self.export_csv())
        bar.addAction(self.export_action)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy()
        )
        bar.addWidget(spacer)
        self.sign_in_action = QAction(icons.icon("sign_in"), "Sign in…", self)
        self.sign_in_action.triggered.connect(self.sign_in_requested.emit)
        bar.addAction(self.sign_in_action)
        self._build_menus()

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        file.addAction(self.export_action)
        open_link = QAction(icons.icon("link"), "Open link…", self)
        open_link.setToolTip("Open a convodesk:// link to a view or to filters")
        open_link.triggered.connect(self._ask_link)
        file.addAction(open_link)
        file.addSeparator()
        file.addAction(self.sign_in_action)
        self.sign_out_action = QAction(icons.icon("sign_out"), "Sign out", self)
        self.sign_out_action.setToolTip("Forget the sign-in on this computer; the offline cache stays")
        self.sign_out_action.triggered.connect(lambda: spawn(self._sign_out()))
        file.addAction(self.sign_out_action)
        file.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file.addAction(quit_action)

        view = menus.addMenu("&View")
        view.addAction(self.filters_action)
        theme_menu = view.addMenu(icons.icon("theme"), "Theme")
        group = QActionGroup(self)
        for choice, title in (
            (ThemeChoice.SYSTEM, "Follow system"),
            (ThemeChoice.LIGHT, "Light"),
            (ThemeChoice.DARK, "Dark"),
        ):
            action = QAction(title, self, checkable=True)
            action.setChecked(choice is self.theme.choice)
            action.triggered.connect(lambda _=False, c=choice: self.theme.apply(c))
            group.addAction(action)
            theme_menu.addAction(action)

        self.conversation_menu = menus.addMenu("&Conversation")
        self.conversation_menu.aboutToShow.connect(self._fill_conversation_menu)
        self._fill_conversation_menu()  # at once too: a native menu bar may not open an empty menu

        help_menu = menus.addMenu("&Help")
        about = QAction("About Convodesk", self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _fill_conversation_menu(self) -> None:
        """The actions of the conversation in front (its toolbar's own), then the tabs'."""
        menu = self.conversation_menu
        menu.clear()
        current = self.tabs.current_view()
        if current is not None:
            menu.addActions(current.actions_for_menu())
        else:
            menu.addAction("No conversation in front: open one from the list").setEnabled(False)
        menu.addSeparator()
        menu.addActions(self.tabs.navigation_actions())

    def _ask_link(self) -> None:
        clipboard = QGuiApplication.clipboard().text().strip()
        suggested = clipboard if clipboard.startswith("convodesk://") else ""
        text, ok = QInputDialog.getText(self, "Open link", "convodesk:// link:", text=suggested)
        if ok and text.strip():
            self.open_link(text.strip())

    def _about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About Convodesk", "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the platform's address is the user's input
        box.setIconPixmap(icons.app_icon().pixmap(64, 64))
        box.setText(
            "Convodesk — review and supervise AI-agent conversations.\n\n"
            f"Platform: {self.workspace.settings.server_url}"
        )
        box.exec()

    async def _sign_out(self) -> None:
        try:
            await self.workspace.sign_out()
        except Exception as exc:
            self.report(exc)

    def _build_shortcuts(self) -> None:
        find = QAction("Find in content", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self._focus_content)
        filters = QAction("Filters", self)
        filters.setShortcut(QKeySequence("Ctrl+L"))
        filters.triggered.connect(self._focus_filters)
        self.addActions([find, filters])

    def _focus_content(self) -> None:
        """Ctrl+F: find in the transcript of the conversation shown, else search the content."""
        current = self.tabs.current_view()
        if current is not None:
            current.start_find()
            return
        self.filters_dock.show()
        self.filters.focus_content()

    def _focus_filters(self) -> None:
        self.filters_dock.show()
        self.filters.focus_first()

    # --- opening ---------------------------------------------------------------------------------

    async def load(self) -> None:
        """Fill the window from the workspace's cache: the listing first, then flows and views."""
        await self.listing.run_now()
        self.tabs.prepare()
        try:
            catalog = await self.workspace.catalog()
        except Exception as exc:
            self.report(exc)
            return
        self.show_catalog(catalog)

    async def settled(self) -> None:
        """Once what the window loads after its first paint is loaded (the detail view's code;
        a failure to is logged, and said when a conversation opens, not raised here)."""
        await asyncio.wait([self.tabs.prepare()])

    def show_catalog(self, catalog: Catalog) -> None:
        self.filters.set_flows(catalog.flows)
        self.filters.set_functions(catalog.functions)
        first_time = self.view_bar.selected is None
        chosen = self.view_bar.set_views(catalog.views)
        if first_time and chosen is not None:
            self.apply_view(chosen)

    def apply_view(self, view: View) -> None:
        """Show a view: its filters, sort and columns, with the widths and order the user last
        gave it on this computer."""
        settings = QSettings()
        if self._shown_view is not None:
            settings.setValue(_header_key(self._shown_view), self.table.header_state())
        self._shown_view = view.id
        saved = settings.value(_header_key(view.id))
        self.table.show_sort(view.sort)
        if not (isinstance(saved, QByteArray) and self.table.restore_header_state(saved)):
            self.table.show_columns(view.known_columns)
        self.filters.set_filter(view.filter)
        self.listing.set_query(view.filter, view.sort)
        self.view_bar.show_modified()

    def open_link(self, text: str) -> None:
        """Open a convodesk:// link: its view, or its filters and sort."""
        try:
            link = parse_link(text)
        except LinkError as exc:
            self.report(exc)
            return
        if link.server.rstrip("/") != self.workspace.settings.server_url.rstrip("/"):
            self.report(
                LinkError(f"This link belongs to another platform ({link.server}); sign in there to open it.")
            )
            return
        if link.tenant != self.workspace.tenant:
            self.report(
                LinkError(f"This link belongs to the organisation “{link.tenant}”, not the one open now.")
            )
            return
        if link.view_id is not None:
            view = next((v for v in self.view_bar.views if v.id == link.view_id), None)
            if view is None:
                self.report(LinkError("The view in this link no longer exists, or is not shared with you."))
                return
            self.view_bar.set_views(self.view_bar.views, select=view.id)
            self.apply_view(view)
        elif link.filter is not None:
            sort = link.sort or Sort()
            self.table.show_sort(sort)
            self.filters.set_filter(link.filter)
            self.listing.set_query(link.filter, sort)
            self.view_bar.show_modified()

    # --- export --------------------------------------------------------------------------------

    def export_csv(self, path: Path | None = None) -> ExportJob | None:
        """Export every conversation of the current filter, in the visible columns and their
        order, to `path` (asked for when None). Returns the running job, or None when the user
        chose no file or an export is already running."""
        if self._export is not None:
            self._export.dialog.raise_()
            return None
        selected = self.view_bar.selected
        if path is None:
            path = ask_export_path(self, selected.name if selected is not None else None)
            if path is None:
                return None
        job = ExportJob(self.workspace, self.current_query_and_columns(), path, self)
        job.finished.connect(self._exported)
        job.cancelled.connect(lambda: self.status.showMessage("Export cancelled; nothing was written.", 8000))
        job.failed.connect(self.report)
        job.ended.connect(self._export_ended)
        self._export = job
        self.export_action.setEnabled(False)
        spawn(job.run())
        return job

    def _exported(self, written: int, path: Path) -> None:
        noun = "conversation" if written == 1 else "conversations"
        self.status.showMessage(f"Exported {QLocale().toString(written)} {noun} to {path}", 15000)

    def _export_ended(self) -> None:
        self._export = None
        self.export_action.setEnabled(True)

    # --- news ------------------------------------------------------------------------------------

    def report(self, problem: BaseException) -> None:
        self.banner.show_explanation(explain(problem))

    def _events(self, events: Sequence[LiveEvent]) -> None:
        self.listing.on_events(events)
        self.tabs.on_events(events)

    def _deleted_elsewhere(self, row: Conversation) -> None:
        self.banner.show_explanation(
            Explanation(
                f"The conversation with {row.contact} of {full_date(row.started_at)} was deleted on "
                "the platform, so it was closed.",
                row.id,
                Severity.INFO,
            )
        )

    def _synced(self, progress: SyncProgress) -> None:
        self.status.show_sync(progress)
        self.listing.on_synced(progress)

    def _counted(self, total: int, estimate: bool) -> None:
        self.status.show_count(total, estimate=estimate)

    def _new_available(self, count: int) -> None:
        self.new_chip.setVisible(count > 0)
        self.new_chip.setText(f"{count} new conversation{'s' if count != 1 else ''} — show")

    def _link_changed(self, state: LinkState) -> None:
        self.status.show_link(state)
        self.listing.follow_link(state.online)
        self.sign_in_action.setVisible(state.link is Link.SIGNED_OUT)
        self.sign_out_action.setEnabled(state.link is not Link.SIGNED_OUT)
        if state.link is Link.OFFLINE:
            self.banner.show_explanation(
                Explanation(
                    "You are offline: showing the conversations in the offline cache. "
                    "Convodesk reconnects by itself.",
                    state.reason,
                    Severity.OFFLINE,
                )
            )
        elif state.link is Link.SIGNED_OUT:
            self.banner.show_explanation(
                Explanation(
                    "You are signed out: showing the conversations in the offline cache.",
                    state.reason,
                    Severity.WARNING,
                    Remedy.SIGN_IN,
                )
            )
        elif (
            state.link is Link.ONLINE
            and self.banner.explanation is not None
            and self.banner.explanation.severity in (Severity.OFFLINE, Severity.WARNING)
        ):
            self.banner.dismiss()

    def _remedy(self, remedy: str) -> None:
        if remedy == Remedy.SIGN_IN.value:
            self.sign_in_requested.emit()
        elif remedy == Remedy.RETRY.value:
            spawn(self.workspace.reconnect())

    # --- state ---------------------------------------------------------------------------------

    def restore_state(self, settings: QSettings) -> None:
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        header = settings.value("window/table_header")
        if isinstance(header, QByteArray):
            self.table.restore_header_state(header)

    def save_state(self, settings: QSettings) -> None:
        if self._shown_view is not None:
            settings.setValue(_header_key(self._shown_view), self.table.header_state())
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/table_header", self.table.header_state())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._export is not None:
            self._export.cancel()  # a half-written export is not left behind
        self.listing.stop()
        self.tabs.close_all()
        self._bridge.disconnect_all()
        self.closed.emit()
        super().closeEvent(event)

    def _show_contact(self, contact: str) -> None:
        """Every conversation of this contact, in the list (the other filters cleared)."""
        f = Filter(contact=contact)
        self.filters.set_filter(f)
        self.listing.set_filter(f)
        self.view_bar.show_modified()
        self.tabs.setCurrentIndex(0)

    def current_query(self) -> tuple[Filter, Sort]:
        return self.listing.filter, self.listing.sort

    def current_query_and_columns(self) -> tuple[Filter, Sort, tuple[TableColumn, ...]]:
        return self.listing.filter, self.listing.sort, self.table.visible_columns()


def _header_key(view_id: str) -> str:
    return f"views/{view_id}/table_header"
