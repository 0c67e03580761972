"""One filter in the panel: a header with its on/off toggle and a collapse arrow, over its editor.

A section is off, on and valid, or on and invalid. An off section contributes nothing;
an invalid one keeps contributing its last valid value and shows why under the editor.
Switching on an empty editor is not yet an error (nothing is asked of the query until
the user enters something). Until the user touches it, a section loaded from a Filter
hands that Filter's values back verbatim, so that a view survives being shown even
where a widget cannot hold a value exactly (an id with a space, a sub-millisecond instant).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.domain import Filter
from ui.filters.editor import FilterEditor
from ui.filters.error_style import mark
from ui.filters.validation import Invalid

INDENT = 22  # the editor lines up with the toggle's text, right of the arrow


class ElidedLabel(QWidget):
    """One line of plain text, elided on the right to the width it is given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        self._text = " ".join(text.split())  # one line, whatever the value holds
        self.setToolTip("")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(40, QFontMetrics(self.font()).height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        shown = QFontMetrics(self.font()).elidedText(self._text, Qt.TextElideMode.ElideRight, self.width())
        flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self.rect(), int(flags), shown)


class FilterSection(QWidget):
    changed = Signal()  # the section's contribution or validity may have changed

    def __init__(self, key: str, title: str, editor: FilterEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = title
        self.editor = editor
        self._last_valid: dict[str, Any] = {}
        self._verbatim: dict[str, Any] | None = None
        self._pristine = False
        self._reason = ""
        self._marked: QWidget | None = None

        self.header = QWidget(self)
        self.header.setObjectName("filterHeader")
        self.arrow = QToolButton(self.header)
        self.arrow.setAutoRaise(True)
        self.arrow.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the toggle takes Left/Right instead
        self.arrow.setFixedSize(18, 18)
        self.arrow.clicked.connect(lambda: self.set_expanded(not self.is_expanded()))
        self.toggle = QCheckBox(title, self.header)
        self.toggle.setAccessibleName(title)
        self.toggle.setAccessibleDescription(f"Turns the {title} filter on or off")
        self.toggle.toggled.connect(self._toggled)
        self.toggle.installEventFilter(self)
        self.summary = ElidedLabel(self.header)
        self.summary.setAccessibleName(f"{title}: summary")
        self.summary.setProperty("role", "count")
        self.header.installEventFilter(self)
        head = QHBoxLayout(self.header)
        head.setContentsMargins(0, 3, 2, 3)
        head.setSpacing(4)
        head.addWidget(self.arrow)
        head.addWidget(self.toggle)
        head.addWidget(self.summary, 1)

        self.body = QWidget(self)
        self.reason_label = QLabel(self.body)
        self.reason_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reason_label.setWordWrap(True)
        self.reason_label.setProperty("role", "reason")
        self.reason_label.setAccessibleName(f"{title}: problem")
        self.reason_label.hide()
        editor.setParent(self.body)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(INDENT, 0, 2, 8)
        body.setSpacing(4)
        body.addWidget(editor)
        body.addWidget(self.reason_label)
        editor.edited.connect(self._edited)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self.set_expanded(False)

    # -- state -----------------------------------------------------------------------------
    def is_on(self) -> bool:
        return self.toggle.isChecked()

    def is_expanded(self) -> bool:
        return not self.body.isHidden()

    def reason(self) -> str:
        """Why the input is not used ("" when it is)."""
        return self._reason

    def contribution(self) -> dict[str, Any]:
        """The Filter fields this section adds to the panel's Filter."""
        return self._verbatim if self._verbatim is not None else self._last_valid

    # -- changes ---------------------------------------------------------------------------
    def set_expanded(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self.arrow.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        verb = "Collapse" if expanded else "Expand"
        self.arrow.setAccessibleName(f"{verb} {self.title}")
        self.arrow.setToolTip(f"{verb} {self.title}")
        self._show_summary()

    def switch_on(self) -> None:
        """As if the user ticked the toggle (Ctrl+F turns Content on)."""
        if not self.is_on():
            self.toggle.setChecked(True)
        self.set_expanded(True)

    def load(self, f: Filter) -> None:
        """Show f's values; the section is on when f sets any of its fields."""
        self.editor.load(f)
        self._set_toggle(self.editor.holds_value_of(f))
        self.set_expanded(self.is_on())
        self._verbatim = {name: getattr(f, name) for name in self.editor.fields}
        self._last_valid = self._verbatim if self.is_on() else {}
        self._pristine = False
        self._set_reason("", None)

    def reset(self) -> None:
        self.editor.reset()
        self._set_toggle(False)
        self.set_expanded(False)
        self._verbatim = None
        self._last_valid = {}
        self._pristine = False
        self._set_reason("", None)

    def _set_toggle(self, on: bool) -> None:
        blocked = self.toggle.blockSignals(True)
        self.toggle.setChecked(on)
        self.toggle.blockSignals(blocked)

    def _toggled(self, on: bool) -> None:
        self._verbatim = None
        self._pristine = on and self.editor.is_empty()
        self.set_expanded(on)
        self._evaluate()

    def _edited(self) -> None:
        self._verbatim = None
        self._pristine = False
        if not self.is_on():
            self._set_toggle(True)  # editing a value turns its filter on
            self.set_expanded(True)
        self._evaluate()

    def _evaluate(self) -> None:
        if not self.is_on():
            self._last_valid = {}
            self._set_reason("", None)
        else:
            try:
                value = self.editor.value()
            except Invalid as invalid:
                if self._pristine and self.editor.is_empty():
                    self._last_valid = {}
                    self._set_reason("", None)
                else:
                    self._set_reason(invalid.reason, invalid.widget or self.editor.focus_widget())
            else:
                self._last_valid = value
                self._set_reason("", None)
        self._show_summary()
        self.changed.emit()

    def _set_reason(self, reason: str, widget: QWidget | None) -> None:
        if self._marked is not None and self._marked is not widget:
            mark(self._marked, False)
        self._marked = widget
        if widget is not None:
            mark(widget, True)
        self._reason = reason
        self.reason_label.setText(reason)
        self.reason_label.setVisible(bool(reason))
        self.toggle.setAccessibleDescription(reason or f"Turns the {self.title} filter on or off")

    def _show_summary(self) -> None:
        collapsed_on = self.is_on() and not self.is_expanded()
        text = ("⚠ " + self._reason) if collapsed_on and self._reason else ""
        if collapsed_on and not text:
            text = self.editor.summary()
        self.summary.setText(text)
        role = "reason" if self._reason else "count"
        if self.summary.property("role") != role:
            self.summary.setProperty("role", role)
            self.summary.style().unpolish(self.summary)
            self.summary.style().polish(self.summary)

    # -- keyboard and mouse ----------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.toggle
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Left)
        ):
            self.set_expanded(event.key() == Qt.Key.Key_Right)
            return True
        if watched is self.header and event.type() == QEvent.Type.MouseButtonRelease:
            self.set_expanded(not self.is_expanded())  # a click beside the toggle folds the section
            return True
        return super().eventFilter(watched, event)
