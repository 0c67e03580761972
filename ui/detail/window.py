"""A conversation popped out of the tabs into a window of its own (for a second monitor).

The view goes on as it was — live news, the recording, its problems reaching the main window's
banner; closing the window (or Ctrl+W in it) closes the conversation.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.detail.view import DetailView


class DetailWindow(QWidget):
    closed = Signal(object)  # the DetailView, to be let go

    def __init__(self, view: DetailView, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("detailWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.view = view
        self.setWindowTitle(f"{view.row.contact} — {view.conversation_id}")  # a title is plain text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)
        view.show()
        close = QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self)
        close.activated.connect(self.close)
        self.resize(1200, 820)

    def bring_forward(self) -> None:
        self.showNormal() if self.isMinimized() else self.show()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit(self.view)
        super().closeEvent(event)
