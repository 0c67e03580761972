"""Editors of typed text: IDs (a list), Contact and Content (one string each)."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from app.domain import Filter
from ui.filters.editor import FilterEditor, caption
from ui.filters.validation import Invalid, Location, validated

MAX_IDS = 1000
_SEPARATORS = re.compile(r"[,\s]+")


def split_ids(text: str) -> list[str]:
    """IDs as typed or pasted: separated by commas, spaces or new lines, kept in order."""
    return [part for part in _SEPARATORS.split(text) if part]


class IdsEditor(FilterEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = ("ids",)
        self.edit = QPlainTextEdit(self)
        self.edit.setAccessibleName("IDs")
        self.edit.setPlaceholderText("One or more IDs, separated by commas, spaces or new lines")
        self.edit.setTabChangesFocus(True)  # Tab leaves the field, as in a line edit
        self.edit.setFixedHeight(QFontMetrics(self.edit.font()).lineSpacing() * 3 + 12)
        self.edit.textChanged.connect(self._user_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)

    def ids(self) -> list[str]:
        return split_ids(self.edit.toPlainText())

    def value(self) -> dict[str, Any]:
        ids = self.ids()
        if not ids:
            raise Invalid("Enter at least one ID", self.edit)
        if len(ids) > MAX_IDS:
            raise Invalid(f"At most {MAX_IDS:,} IDs ({len(ids):,} entered)", self.edit)

        def describe(loc: Location) -> tuple[str, QWidget | None]:
            return (f"ID {loc[1] + 1}" if len(loc) > 1 and isinstance(loc[1], int) else "IDs"), self.edit

        return validated({"ids": tuple(ids)}, self.fields, describe)

    def show_filter(self, f: Filter) -> None:
        self.edit.setPlainText("\n".join(f.ids or ()))

    def clear(self) -> None:
        self.edit.clear()

    def is_empty(self) -> bool:
        return not self.ids()

    def summary(self) -> str:
        ids = self.ids()
        return ids[0] if len(ids) == 1 else f"{len(ids):,} IDs"

    def focus_widget(self) -> QWidget:
        return self.edit


class TextEditor(FilterEditor):
    """One line of text for one string field."""

    def __init__(
        self,
        field: str,
        noun: str,
        placeholder: str,
        empty_reason: str,
        help_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.fields = (field,)
        self._noun = noun
        self._empty_reason = empty_reason
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(noun)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.textEdited.connect(self._user_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.edit)
        if help_text:
            layout.addWidget(caption(help_text, self))

    def value(self) -> dict[str, Any]:
        text = self.edit.text()
        if not text:
            raise Invalid(self._empty_reason, self.edit)
        return validated({self.fields[0]: text}, self.fields, lambda loc: (self._noun, self.edit))

    def show_filter(self, f: Filter) -> None:
        self.edit.setText(getattr(f, self.fields[0]) or "")
        self.edit.setCursorPosition(0)

    def clear(self) -> None:
        self.edit.clear()

    def is_empty(self) -> bool:
        return not self.edit.text()

    def summary(self) -> str:
        return self.edit.text()

    def focus_widget(self) -> QWidget:
        return self.edit


def contact_editor() -> TextEditor:
    return TextEditor("contact", "Contact", "Phone, e-mail or name contains…", "Enter part of a contact")


def content_editor() -> TextEditor:
    return TextEditor(
        "content",
        "Content",
        'Words, or a "quoted phrase"',
        "Enter a word or a phrase",
        'Every word must occur in the transcript; "text in quotes" must occur as a phrase. '
        "Case and accents are ignored.",
    )
