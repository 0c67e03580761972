"""The Repeat contacts editor: how many conversations the contact has, between two open-able ends."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from app.domain import Filter
from ui.filters.editor import FilterEditor, caption
from ui.filters.validation import Invalid, Location, validated

LIMIT = 1_000_000
OPEN = 0  # the spin boxes' lowest value stands for an open end
DEFAULT_MIN = 2  # "repeat" contacts: more than one conversation


class RepeatEditor(FilterEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = ("repeat_contacts",)
        self.minimum = self._spin("At least", "no minimum")
        self.maximum = self._spin("At most", "no maximum")
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        for row, (label, spin) in enumerate((("At least", self.minimum), ("At most", self.maximum))):
            text = QLabel(label, self)
            text.setBuddy(spin)
            grid.addWidget(text, row, 0)
            grid.addWidget(spin, row, 1)
        grid.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(grid)
        layout.addWidget(caption("Conversations this contact has had, this one included", self))
        self.clear()

    def _spin(self, name: str, open_text: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setAccessibleName(f"Repeat contacts: {name.lower()}")
        spin.setRange(OPEN, LIMIT)
        spin.setSpecialValueText(open_text)
        spin.setGroupSeparatorShown(True)
        spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("no maximum") + 40)
        spin.valueChanged.connect(self._user_edit)
        return spin

    def ends(self) -> tuple[int | None, int | None]:
        return (self.minimum.value() or None, self.maximum.value() or None)

    def value(self) -> dict[str, Any]:
        low, high = self.ends()
        if low is not None and high is not None and low > high:
            raise Invalid(f"The minimum ({low:,}) is above the maximum ({high:,})", self.maximum)

        def describe(loc: Location) -> tuple[str, QWidget | None]:
            return "Repeat contacts", self.maximum if "max" in loc else self.minimum

        return validated({"repeat_contacts": {"min": low, "max": high}}, self.fields, describe)

    def show_filter(self, f: Filter) -> None:
        ends = f.repeat_contacts
        self.minimum.setValue((ends.min or OPEN) if ends else DEFAULT_MIN)
        self.maximum.setValue((ends.max or OPEN) if ends else OPEN)

    def clear(self) -> None:
        self.minimum.setValue(DEFAULT_MIN)
        self.maximum.setValue(OPEN)

    def summary(self) -> str:
        low, high = self.ends()
        if low and high:
            return f"{low:,}–{high:,}" if low != high else f"exactly {low:,}"
        if low:
            return f"{low:,} or more"
        return f"up to {high:,}" if high else "any"

    def focus_widget(self) -> QWidget:
        return self.minimum
