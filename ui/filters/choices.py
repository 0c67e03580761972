"""Editors that pick from a fixed vocabulary: several (Status, Platform) or one of a few
(Direction, Used For, Flagged)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QButtonGroup, QCheckBox, QFrame, QGridLayout, QHBoxLayout, QRadioButton, QWidget

from app import labels
from app.domain import Direction, Filter, Platform, Status, UsedFor
from ui.filters.editor import FilterEditor
from ui.filters.validation import Invalid, validated


def _group_frame(parent: QWidget) -> QFrame:
    frame = QFrame(parent)
    frame.setObjectName("choiceGroup")  # the style sheet frames it in red when nothing is picked
    return frame


class MultiChoiceEditor(FilterEditor):
    """Checkable choices for one list field. The choices are kept in the order they were
    made (and as loaded), so a Filter read back equals the Filter shown."""

    def __init__(
        self,
        field: str,
        noun: str,
        choices: Sequence[tuple[Any, str]],
        columns: int = 1,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.fields = (field,)
        self._noun = noun
        self._labels = dict(choices)
        self._chosen: list[Any] = []
        self.frame = _group_frame(self)
        grid = QGridLayout(self.frame)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        self.boxes: dict[Any, QCheckBox] = {}
        rows = -(-len(choices) // columns)
        for index, (value, label) in enumerate(choices):
            box = QCheckBox(label, self.frame)
            box.setAccessibleName(f"{noun}: {label}")
            box.toggled.connect(lambda on, v=value: self._ticked(v, on))
            grid.addWidget(box, index % rows, index // rows)  # down the columns, for reading order
            self.boxes[value] = box
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.frame)

    def _ticked(self, value: Any, on: bool) -> None:
        if self._quiet:
            return
        if on and value not in self._chosen:
            self._chosen.append(value)
        elif not on:
            self._chosen = [v for v in self._chosen if v != value]
        self._user_edit()

    def chosen(self) -> list[Any]:
        return list(self._chosen)

    def value(self) -> dict[str, Any]:
        if not self._chosen:
            raise Invalid(f"Pick at least one {self._noun.lower()}", self.frame)
        field = self.fields[0]
        return validated({field: tuple(self._chosen)}, self.fields, lambda loc: (self._noun, self.frame))

    def show_filter(self, f: Filter) -> None:
        self._chosen = list(getattr(f, self.fields[0]) or ())
        for value, box in self.boxes.items():
            box.setChecked(value in self._chosen)

    def clear(self) -> None:
        self._chosen = []
        for box in self.boxes.values():
            box.setChecked(False)

    def is_empty(self) -> bool:
        return not self._chosen

    def summary(self) -> str:
        return ", ".join(dict.fromkeys(self._labels[v] for v in self._chosen))

    def focus_widget(self) -> QWidget:
        return next(iter(self.boxes.values()))


class SingleChoiceEditor(FilterEditor):
    """One of a few values as radio buttons; the first is picked when the filter is switched on."""

    def __init__(
        self, field: str, noun: str, choices: Sequence[tuple[Any, str]], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.fields = (field,)
        self._values = [value for value, _ in choices]
        self._labels = dict(choices)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(16)
        self.buttons: list[QRadioButton] = []
        for index, (_, label) in enumerate(choices):
            button = QRadioButton(label, self)
            button.setAccessibleName(f"{noun}: {label}")
            self.group.addButton(button, index)
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
        self.buttons[0].setChecked(True)
        self.group.idToggled.connect(lambda _id, on: on and self._user_edit())

    def current(self) -> Any:
        return self._values[max(0, self.group.checkedId())]

    def value(self) -> dict[str, Any]:
        return {self.fields[0]: self.current()}

    def show_filter(self, f: Filter) -> None:
        value = getattr(f, self.fields[0])
        index = self._values.index(value) if value in self._values else 0
        self.buttons[index].setChecked(True)

    def clear(self) -> None:
        self.buttons[0].setChecked(True)

    def summary(self) -> str:
        return self._labels[self.current()]

    def focus_widget(self) -> QWidget:
        return self.buttons[max(0, self.group.checkedId())]


def status_editor() -> MultiChoiceEditor:
    return MultiChoiceEditor("statuses", "Status", [(s, labels.STATUS[s]) for s in Status])


def platform_editor() -> MultiChoiceEditor:
    return MultiChoiceEditor("platforms", "Platform", [(p, labels.PLATFORM[p]) for p in Platform], columns=2)


def direction_editor() -> SingleChoiceEditor:
    return SingleChoiceEditor("direction", "Direction", [(d, labels.DIRECTION[d]) for d in Direction])


def used_for_editor() -> SingleChoiceEditor:
    return SingleChoiceEditor("used_for", "Used for", [(u, labels.USED_FOR[u]) for u in UsedFor])


def flagged_editor() -> SingleChoiceEditor:
    return SingleChoiceEditor("flagged", "Flagged", [(True, "Flagged"), (False, "Not flagged")])
