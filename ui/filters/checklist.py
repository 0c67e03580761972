"""A checkable list of choices that come from the platform (flows, function names), with a
search box once the list is long.

The chosen values are kept apart from the items shown: a value chosen before its item is
known (a view naming a flow not yet loaded) stays chosen and is listed as such. Item text
is plain (a QListWidgetItem never renders markup); tooltips, which Qt would read as rich
text, are escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

SEARCH_FROM = 8  # items; fewer fit without a search box
VISIBLE_ROWS = 7
VALUE_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    detail: str = ""


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` literally (tooltips otherwise guess at rich text)."""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>" if text else ""


class CheckList(QWidget):
    changed = Signal()  # the user ticked or unticked something

    def __init__(
        self,
        noun: str,
        unknown_label: Callable[[str], str],
        allow_custom: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """`allow_custom`: the search box also takes a value that is not listed (Enter or Add)."""
        super().__init__(parent)
        self._noun = noun
        self._unknown_label = unknown_label
        self._allow_custom = allow_custom
        self._choices: list[Choice] = []
        self._chosen: list[str] = []
        self._filling = False
        self.search = QLineEdit(self)
        self.search.setAccessibleName(f"Search or add a {noun}" if allow_custom else f"Search {noun}s")
        self.search.setPlaceholderText(f"Search or type a {noun}…" if allow_custom else f"Search {noun}s…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_search)
        self.add_button = QPushButton("Add", self)
        self.add_button.setAccessibleName(f"Add this {noun}")
        self.add_button.setToolTip(f"Choose the {noun} typed in the box, even if it is not listed")
        self.add_button.setVisible(allow_custom)
        self.add_button.clicked.connect(self._add_typed)
        self.search.returnPressed.connect(self._add_typed)
        self.completer = QCompleter(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setModel(QStringListModel(self.completer))
        if allow_custom:
            self.search.setCompleter(self.completer)
        self.list = QListWidget(self)
        self.list.setAccessibleName(f"{noun.capitalize()}s")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemChanged.connect(self._item_changed)
        self.empty_text = f"No {noun}s yet"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.search, 1)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        layout.addWidget(self.list)
        self._fill()

    # -- content ---------------------------------------------------------------------------
    def set_choices(self, choices: Sequence[Choice]) -> None:
        self._choices = list(choices)
        model = self.completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList([c.value for c in self._choices])
        self._fill()

    def chosen(self) -> list[str]:
        return list(self._chosen)

    def set_chosen(self, values: Sequence[str]) -> None:
        self._chosen = list(values)  # verbatim: the order (and any repeat) of a loaded Filter
        self._fill()

    def choose(self, value: str) -> None:
        """As the user would: tick `value`, listing it if it is not yet known."""
        if value not in self._chosen:
            self._chosen.append(value)
            self._fill()
            self.changed.emit()

    def label_of(self, value: str) -> str:
        known = next((c.label for c in self._choices if c.value == value), None)
        return known if known is not None else self._unknown_label(value)

    def _fill(self) -> None:
        self._filling = True
        self.list.clear()
        known = {c.value for c in self._choices}
        unknown = [Choice(v, self._unknown_label(v)) for v in dict.fromkeys(self._chosen) if v not in known]
        for choice in [*unknown, *self._choices]:  # an unknown choice first: it needs noticing
            item = QListWidgetItem(choice.label or choice.value)
            item.setData(VALUE_ROLE, choice.value)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
            )
            item.setCheckState(
                Qt.CheckState.Checked if choice.value in self._chosen else Qt.CheckState.Unchecked
            )
            item.setToolTip(plain_tooltip("\n".join(t for t in (choice.label, choice.detail) if t)))
            if choice.value not in known:
                font = QFont(item.font())
                font.setItalic(True)
                item.setFont(font)
            self.list.addItem(item)
        if not self.list.count():
            placeholder = QListWidgetItem(self.empty_text)
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(placeholder)
        self._filling = False
        self.search.setHidden(not self._allow_custom and len(self._choices) < SEARCH_FROM)
        self._update_add()
        self._apply_search()
        self._fit()

    def _fit(self) -> None:
        rows = min(max(self.list.count(), 1), VISIBLE_ROWS)
        row_height = self.list.sizeHintForRow(0) if self.list.count() else self.fontMetrics().height() + 4
        self.list.setFixedHeight(rows * row_height + 2 * self.list.frameWidth() + 2)

    def _add_typed(self) -> None:
        text = self.search.text().strip()
        if not self._allow_custom or not text:
            return
        self.search.clear()
        self.choose(text)

    def _update_add(self) -> None:
        text = self.search.text().strip()
        self.add_button.setEnabled(bool(text) and text not in self._chosen)

    def _apply_search(self) -> None:
        self._update_add()
        needle = self.search.text().casefold()
        for row in range(self.list.count()):
            item = self.list.item(row)
            value = item.data(VALUE_ROLE)
            hay = f"{item.text()} {value or ''}".casefold()
            item.setHidden(bool(needle) and needle not in hay)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        value = str(item.data(VALUE_ROLE))
        if item.checkState() == Qt.CheckState.Checked:
            if value not in self._chosen:
                self._chosen.append(value)
        else:
            self._chosen = [v for v in self._chosen if v != value]
        self.changed.emit()

    def item_for(self, value: str) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            if self.list.item(row).data(VALUE_ROLE) == value:
                return self.list.item(row)
        return None
