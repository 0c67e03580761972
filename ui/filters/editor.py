"""What every filter's editor offers its section (ui.filters.section)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from app.domain import Filter


class FilterEditor(QWidget):
    """Edits the Filter fields in `fields`. `edited` fires on the user's changes only, never
    while `load` or `reset` run, so that showing a view does not count as editing it."""

    edited = Signal()
    fields: tuple[str, ...] = ()  # the Filter fields it owns (set by each editor)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = 0

    # -- to implement ----------------------------------------------------------------------
    def value(self) -> dict[str, Any]:
        """The Filter fields this editor holds (raise validation.Invalid when they are wrong)."""
        raise NotImplementedError

    def show_filter(self, f: Filter) -> None:
        """Show f's values of `fields` (called inside `quietly`)."""
        raise NotImplementedError

    def clear(self) -> None:
        """Back to the editor's starting state (called inside `quietly`)."""
        raise NotImplementedError

    def is_empty(self) -> bool:
        """Nothing entered yet (an empty editor just switched on is not yet an error)."""
        return False

    def summary(self) -> str:
        """A few words for the header of a collapsed section."""
        return ""

    def focus_widget(self) -> QWidget:
        return self

    # -- shared ----------------------------------------------------------------------------
    def load(self, f: Filter) -> None:
        with self.quietly():
            self.show_filter(f)

    def reset(self) -> None:
        with self.quietly():
            self.clear()

    def holds_value_of(self, f: Filter) -> bool:
        """Whether f sets any of this editor's fields (its section is then on)."""
        defaults = Filter()
        return any(getattr(f, name) != getattr(defaults, name) for name in self.fields)

    @contextlib.contextmanager
    def quietly(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _user_edit(self, *_: object) -> None:
        """Connect widgets' change signals here."""
        if not self._quiet:
            self.edited.emit()


def caption(text: str, parent: QWidget | None = None) -> QLabel:
    """A small secondary line of help under a field."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setProperty("role", "caption")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    return label
