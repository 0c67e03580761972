"""The window's tabs: the conversations list first (always there), then one tab per opened
conversation. Opening one already open brings its tab (or its own window) forward; Ctrl+W
closes the current one. Back and forward (Alt+←/→, the buttons by the tabs) go between the
conversations visited; Pop out moves the current one into a window of its own."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QTabBar, QTabWidget, QToolButton, QWidget

from app.domain import Conversation, EventType, LiveEvent
from app.workspace import Workspace
from ui import icons
from ui.detail.history import VisitHistory
from ui.tasks import spawn

if TYPE_CHECKING:  # imported when the first conversation opens (pyqtgraph alone is ~0.2 s)
    from ui.detail.view import DetailView
    from ui.detail.window import DetailWindow

TITLE_CHARS = 28
PREPARE_AFTER_SECONDS = 1.0


class ConversationTabs(QTabWidget):
    failed = Signal(object)  # a problem of a detail view, for the window's banner
    deleted = Signal(str)  # a conversation deleted from its tab (its tab is closed)
    deleted_elsewhere = Signal(object)  # the Conversation, open here, deleted by someone else
    contact_requested = Signal(str)  # list every conversation of this contact (as shown)

    def __init__(self, workspace: Workspace, listing: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationTabs")
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.workspace = workspace
        self.addTab(listing, "Conversations")
        self.tabBar().setTabButton(0, QTabBar.ButtonPosition.RightSide, None)  # the list stays
        self.tabCloseRequested.connect(self.close_tab)
        self.close_action = self._action("", "Close conversation", QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(lambda: self.close_tab(self.currentIndex()))
        self.history = VisitHistory()
        self.windows: list[DetailWindow] = []  # conversations popped out
        self._tabbed: list[DetailView] = []  # conversations in tabs (in no particular order)
        self._preparing: asyncio.Task[None] | None = None
        self.setCornerWidget(self._navigation())
        self.currentChanged.connect(self._visited)
        self._show_navigation()

    def _action(self, icon: str, text: str, key: QKeySequence.StandardKey | None = None) -> QAction:
        """An action of the tabs, its shortcut live wherever the window is (the menu shows it)."""
        action = QAction(icons.icon(icon) if icon else QIcon(), text, self)
        if key is not None:
            action.setShortcut(QKeySequence(key))
        self.addAction(action)
        return action

    def _navigation(self) -> QWidget:
        self.back_action = self._action("back", "Back", QKeySequence.StandardKey.Back)
        self.back_action.setToolTip("Back to the conversation seen before (Alt+←)")
        self.back_action.triggered.connect(self.back)
        self.forward_action = self._action("forward", "Forward", QKeySequence.StandardKey.Forward)
        self.forward_action.setToolTip("Forward again (Alt+→)")
        self.forward_action.triggered.connect(self.forward)
        self.pop_out_action = self._action("pop_out", "Pop out")
        self.pop_out_action.setToolTip("Move the conversation into a window of its own")
        self.pop_out_action.triggered.connect(lambda: self.pop_out())
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 4, 0)
        row.setSpacing(0)
        for action in (self.back_action, self.forward_action, self.pop_out_action):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setAccessibleName(action.text())
            row.addWidget(button)
        return box

    def navigation_actions(self) -> list[QAction]:
        return [self.back_action, self.forward_action, self.pop_out_action, self.close_action]

    def prepare(self) -> asyncio.Task[None]:
        """Import the detail view off the GUI thread once the list is up, so that the first
        conversation opens without waiting for it: the window starts without it, and the
        import waits a moment not to compete (for the GIL) with the list's first paints."""
        if self._preparing is None:
            self._preparing = spawn(self._import_detail_view())
        return self._preparing

    async def _import_detail_view(self) -> None:
        await asyncio.sleep(PREPARE_AFTER_SECONDS)
        await asyncio.to_thread(importlib.import_module, "ui.detail.window")

    def details(self) -> list[DetailView]:
        """Every conversation open: in the tabs, then in windows of their own."""
        return sorted(self._tabbed, key=self.indexOf) + [window.view for window in self.windows]

    def current_view(self) -> DetailView | None:
        """The conversation of the current tab (None: the list is in front)."""
        return self._view_of(self.currentIndex())

    def _view_of(self, index: int) -> DetailView | None:
        widget = self.widget(index)
        return next((v for v in self._tabbed if v is widget), None)

    def open(self, row: Conversation) -> DetailView:
        """The conversation's tab (or window), brought forward (made when it was not open)."""
        window = next((w for w in self.windows if w.view.conversation_id == row.id), None)
        if window is not None:
            window.bring_forward()
            return window.view
        view = next((v for v in self.details() if v.conversation_id == row.id), None)
        if view is None:
            from ui.detail.view import DetailView

            view = DetailView(self.workspace, row)
            self._tabbed.append(view)
            view.failed.connect(self.failed.emit)
            view.deleted.connect(self._deleted)
            view.facts.contact_requested.connect(self.contact_requested.emit)
            title = row.contact if len(row.contact) <= TITLE_CHARS else row.contact[: TITLE_CHARS - 1] + "…"
            index = self.addTab(view, title)
            self.setTabToolTip(index, f"{row.contact}\n{row.id}")
        self.setCurrentWidget(view)
        return view

    def on_events(self, events: Sequence[LiveEvent]) -> None:
        gone = {e.conversation_id for e in events if e.type is EventType.DELETED}
        for view in self.details():
            if view.conversation_id in gone:
                self.close_conversation(view.conversation_id)
                if not view.deleting:  # not the news of its own Delete
                    self.deleted_elsewhere.emit(view.row)
            else:
                view.on_events(events)

    def close_tab(self, index: int) -> None:
        view = self._view_of(index)
        if view is None:
            return  # the list cannot be closed
        self._tabbed.remove(view)
        self.removeTab(index)
        view.close_view()
        view.deleteLater()
        self._show_navigation()

    # --- back, forward, pop out -------------------------------------------------------------

    def back(self) -> DetailView | None:
        return self._go(self.history.back(self._is_open))

    def forward(self) -> DetailView | None:
        return self._go(self.history.forward(self._is_open))

    def pop_out(self, index: int | None = None) -> DetailWindow | None:
        """The conversation of tab `index` (the current one) in a window of its own."""
        view = self._view_of(self.currentIndex() if index is None else index)
        if view is None:
            return None
        from ui.detail.window import DetailWindow

        self._tabbed.remove(view)
        self.removeTab(self.indexOf(view))
        self.history.visit(view.conversation_id)  # still the one in front, in its window now
        window = DetailWindow(view, self.window())
        window.closed.connect(self._window_closed)
        self.windows.append(window)
        window.bring_forward()
        self._show_navigation()
        return window

    def _window_closed(self, view: DetailView) -> None:
        self.windows = [w for w in self.windows if w.view is not view]
        view.close_view()
        self._show_navigation()

    def _go(self, conversation_id: str | None) -> DetailView | None:
        view = next((v for v in self.details() if v.conversation_id == conversation_id), None)
        if view is not None:
            window = next((w for w in self.windows if w.view is view), None)
            if window is not None:
                window.bring_forward()
            else:
                self.setCurrentWidget(view)
        self._show_navigation()
        return view

    def _visited(self, index: int) -> None:
        view = self._view_of(index)
        if view is not None:
            self.history.visit(view.conversation_id)
        self._show_navigation()

    def _is_open(self, conversation_id: str) -> bool:
        return any(v.conversation_id == conversation_id for v in self.details())

    def _show_navigation(self) -> None:
        self.back_action.setEnabled(self.history.can_go(-1, self._is_open))
        self.forward_action.setEnabled(self.history.can_go(1, self._is_open))
        a_conversation = self.current_view() is not None
        self.pop_out_action.setEnabled(a_conversation)
        self.close_action.setEnabled(a_conversation)

    def _deleted(self, conversation_id: str) -> None:
        self.close_conversation(conversation_id)
        self.deleted.emit(conversation_id)

    def close_all(self) -> None:
        """Close every conversation, in tabs and in windows (the main window is closing)."""
        for window in list(self.windows):
            window.close()
        for view in self.details():
            self.close_tab(self.indexOf(view))

    def close_conversation(self, conversation_id: str) -> None:
        """Close its tab or window, if open (the conversation was deleted)."""
        for window in [w for w in self.windows if w.view.conversation_id == conversation_id]:
            window.close()
        for view in self.details():
            if view.conversation_id == conversation_id:
                self.close_tab(self.indexOf(view))
