"""The window's tabs: the conversations list first (always there), then one tab per opened
conversation. Opening one already open brings its tab forward; Ctrl+W closes the current one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QTabBar, QTabWidget, QWidget

from app.domain import Conversation, LiveEvent
from app.workspace import Workspace
from ui.detail.view import DetailView

TITLE_CHARS = 28


class ConversationTabs(QTabWidget):
    failed = Signal(object)  # a problem of a detail view, for the window's banner
    deleted = Signal(str)  # a conversation deleted from its tab (its tab is closed)
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
        close = QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self)
        close.activated.connect(lambda: self.close_tab(self.currentIndex()))

    def details(self) -> list[DetailView]:
        return [w for w in (self.widget(i) for i in range(self.count())) if isinstance(w, DetailView)]

    def open(self, row: Conversation) -> DetailView:
        """The conversation's tab, brought forward (made when it was not open)."""
        view = next((v for v in self.details() if v.conversation_id == row.id), None)
        if view is None:
            view = DetailView(self.workspace, row)
            view.failed.connect(self.failed.emit)
            view.deleted.connect(self._deleted)
            view.facts.contact_requested.connect(self.contact_requested.emit)
            title = row.contact if len(row.contact) <= TITLE_CHARS else row.contact[: TITLE_CHARS - 1] + "…"
            index = self.addTab(view, title)
            self.setTabToolTip(index, f"{row.contact}\n{row.id}")
        self.setCurrentWidget(view)
        return view

    def on_events(self, events: Sequence[LiveEvent]) -> None:
        for view in self.details():
            view.on_events(events)

    def close_tab(self, index: int) -> None:
        view = self.widget(index)
        if not isinstance(view, DetailView):
            return  # the list cannot be closed
        self.removeTab(index)
        view.close_view()
        view.deleteLater()

    def _deleted(self, conversation_id: str) -> None:
        self.close_conversation(conversation_id)
        self.deleted.emit(conversation_id)

    def close_conversation(self, conversation_id: str) -> None:
        """Close its tab, if open (the conversation was deleted)."""
        for view in self.details():
            if view.conversation_id == conversation_id:
                self.close_tab(self.indexOf(view))
