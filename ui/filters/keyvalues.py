"""The Tags and Parameters editors: rows of key and value, added and removed by the user.

Keys and values match exactly (docs/filters.md). Tags match any row, or all with "Match
all tags"; parameters always match all. Rows left wholly empty are ignored, so that a
fresh row never makes the filter invalid.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import Filter, KeyValue
from ui.filters.editor import FilterEditor, caption
from ui.filters.validation import Invalid, Location, validated

MAX_ROWS = 50  # the Filter's own limit


class KeyValueRow(QWidget):
    def __init__(self, noun: str, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = QLineEdit(self)
        self.key.setPlaceholderText("Key")
        self.value = QLineEdit(self)
        self.value.setPlaceholderText("Value")
        self.remove = QToolButton(self)
        self.remove.setText("−")
        self.remove.setAutoRaise(True)
        self.renumber(noun, number)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.key, 2)
        layout.addWidget(self.value, 3)
        layout.addWidget(self.remove)

    def renumber(self, noun: str, number: int) -> None:
        self.key.setAccessibleName(f"{noun} {number} key")
        self.value.setAccessibleName(f"{noun} {number} value")
        self.remove.setAccessibleName(f"Remove {noun.lower()} {number}")
        self.remove.setToolTip(f"Remove {noun.lower()} {number}")

    def pair(self) -> tuple[str, str]:
        return self.key.text(), self.value.text()

    def is_blank(self) -> bool:
        return not self.key.text() and not self.value.text()


class KeyValueEditor(FilterEditor):
    """Rows for one list-of-KeyValue field; `match_all` adds the "Match all tags" switch."""

    def __init__(
        self, field: str, noun: str, match_all: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._noun = noun
        self._match_field = match_all
        self.fields = (field, match_all) if match_all else (field,)
        self.rows: list[KeyValueRow] = []
        self._rows_box = QVBoxLayout()
        self._rows_box.setContentsMargins(0, 0, 0, 0)
        self._rows_box.setSpacing(4)
        self.add_button = QPushButton(f"Add {noun.lower()}", self)
        self.add_button.setAccessibleName(f"Add a {noun.lower()} row")
        self.add_button.clicked.connect(self._add_clicked)
        self.match_all = QCheckBox("Match all tags", self) if match_all else None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self._rows_box)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        if self.match_all is not None:
            self.match_all.setAccessibleName("Match all tags")
            self.match_all.setToolTip("On: a conversation must carry every tag listed. Off: any one of them.")
            self.match_all.toggled.connect(self._user_edit)
            bottom.addWidget(self.match_all)
        layout.addLayout(bottom)
        layout.addWidget(caption("Keys and values match exactly, case included.", self))
        self._set_rows([("", "")])

    # -- rows ------------------------------------------------------------------------------
    def add_row(self, key: str = "", value: str = "") -> KeyValueRow:
        row = KeyValueRow(self._noun, len(self.rows) + 1, self)
        row.key.setText(key)
        row.value.setText(value)
        row.key.textEdited.connect(self._user_edit)
        row.value.textEdited.connect(self._user_edit)
        row.remove.clicked.connect(lambda: self._remove(row))
        self.rows.append(row)
        self._rows_box.addWidget(row)
        self._update_buttons()
        return row

    def _add_clicked(self) -> None:
        self.add_row().key.setFocus()

    def _remove(self, row: KeyValueRow) -> None:
        blank = row.is_blank()
        self.rows.remove(row)
        row.deleteLater()
        if not self.rows:
            self.add_row()
        for number, other in enumerate(self.rows, start=1):
            other.renumber(self._noun, number)
        self._update_buttons()
        if not blank:
            self._user_edit()

    def _set_rows(self, pairs: list[tuple[str, str]]) -> None:
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        for key, value in pairs or [("", "")]:
            self.add_row(key, value)

    def _update_buttons(self) -> None:
        self.add_button.setEnabled(len(self.rows) < MAX_ROWS)
        for row in self.rows:
            row.remove.setEnabled(len(self.rows) > 1 or not row.is_blank())

    def _filled(self) -> list[tuple[int, KeyValueRow]]:
        return [(index, row) for index, row in enumerate(self.rows) if not row.is_blank()]

    # -- the editor ------------------------------------------------------------------------
    def value(self) -> dict[str, Any]:
        filled = self._filled()
        if not filled:
            raise Invalid(f"Enter at least one {self._noun.lower()}", self.rows[0].key)
        pairs = tuple({"key": row.key.text(), "value": row.value.text()} for _, row in filled)
        fields: dict[str, Any] = {self.fields[0]: pairs}
        if self._match_field and self.match_all is not None:
            fields[self._match_field] = self.match_all.isChecked()

        def describe(loc: Location) -> tuple[str, QWidget | None]:
            if len(loc) > 1 and isinstance(loc[1], int):
                number, row = filled[loc[1]][0] + 1, filled[loc[1]][1]
                part = loc[2] if len(loc) > 2 else "key"
                return f"{self._noun} {number} {part}", row.value if part == "value" else row.key
            return f"{self._noun}s", self.rows[0].key

        return validated(fields, self.fields, describe)

    def show_filter(self, f: Filter) -> None:
        pairs: tuple[KeyValue, ...] = getattr(f, self.fields[0]) or ()
        self._set_rows([(pair.key, pair.value) for pair in pairs])
        if self._match_field and self.match_all is not None:
            self.match_all.setChecked(bool(getattr(f, self._match_field)))

    def clear(self) -> None:
        self._set_rows([])
        if self.match_all is not None:
            self.match_all.setChecked(False)

    def holds_value_of(self, f: Filter) -> bool:
        return getattr(f, self.fields[0]) is not None  # "match all" alone selects nothing

    def is_empty(self) -> bool:
        return not self._filled()

    def summary(self) -> str:
        shown = [f"{row.key.text()}: {row.value.text()}" for _, row in self._filled()]
        any_of = self.match_all is not None and not self.match_all.isChecked()
        joiner = " or " if any_of else " and "
        return joiner.join(shown) if len(shown) <= 2 else f"{len(shown)} {self._noun.lower()}s"

    def focus_widget(self) -> QWidget:
        return self.rows[0].key


def tags_editor() -> KeyValueEditor:
    return KeyValueEditor("tags", "Tag", match_all="match_all_tags")


def parameters_editor() -> KeyValueEditor:
    return KeyValueEditor("parameters", "Parameter")
