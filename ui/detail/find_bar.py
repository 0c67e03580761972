"""Find in the transcript: a bar above it with the text to find, how many, and next/previous.

Enter goes to the next match and Shift+Enter to the previous one (F3 / Shift+F3 too, from
anywhere in the tab); Escape closes the bar and clears the highlights.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from ui import icons


class FindBar(QWidget):
    changed = Signal(str)  # the text to find (empty: nothing)
    step = Signal(bool)  # go to the next match (True) or the previous one
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.field = QLineEdit()
        self.field.setPlaceholderText("Find in transcript")
        self.field.setAccessibleName("Find in transcript")
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(self.changed.emit)
        self.field.installEventFilter(self)
        self.count = QLabel()
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        previous = self._button("Previous match (Shift+Enter)", lambda: self.step.emit(False), text="▲")
        following = self._button("Next match (Enter)", lambda: self.step.emit(True), text="▼")
        close = self._button("Close (Escape)", self.close_bar, icon="close")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count)
        for button in (previous, following, close):
            layout.addWidget(button)
        for keys, forward in (
            (QKeySequence.StandardKey.FindNext, True),
            (QKeySequence.StandardKey.FindPrevious, False),
        ):
            shortcut = QShortcut(QKeySequence(keys), parent or self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda forward=forward: self.step.emit(forward))
        self.hide()

    def _button(
        self, tip: str, clicked: Callable[[], None], *, text: str = "", icon: str = ""
    ) -> QToolButton:
        button = QToolButton()
        if icon:
            button.setIcon(icons.icon(icon))
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        button.clicked.connect(clicked)
        return button

    def start(self) -> None:
        """Show the bar with its text selected (Ctrl+F again selects it for typing anew)."""
        self.show()
        self.field.setFocus()
        self.field.selectAll()

    def close_bar(self) -> None:
        self.field.clear()
        self.hide()
        self.closed.emit()

    def show_count(self, current: int, total: int) -> None:
        locale = QLocale()
        if not self.field.text():
            self.count.clear()
        elif total == 0:
            self.count.setText("No matches")
        else:
            self.count.setText(f"{locale.toString(current + 1)} of {locale.toString(total)}")

    def eventFilter(self, watched: object, event: object) -> bool:  # Qt's name
        if watched is self.field and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.step.emit(not event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return False
