"""Editors that choose among the platform's own names: flows (by id) and called functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.domain import Filter, FlowSummary
from ui.filters.checklist import CheckList, Choice
from ui.filters.editor import FilterEditor
from ui.filters.validation import Invalid, Location, validated


class ChoiceListEditor(FilterEditor):
    """One list field chosen in a CheckList; the values' order is the order chosen (or loaded)."""

    def __init__(self, field: str, noun: str, checklist: CheckList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = (field,)
        self._noun = noun
        self.checklist = checklist
        checklist.setParent(self)
        checklist.changed.connect(self._user_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(checklist)

    def value(self) -> dict[str, Any]:
        chosen = self.checklist.chosen()
        if not chosen:
            raise Invalid(f"Pick at least one {self._noun}", self.checklist.list)

        def describe(loc: Location) -> tuple[str, QWidget | None]:
            if len(loc) > 1 and isinstance(loc[1], int):
                return f"{self._noun.capitalize()} “{chosen[loc[1]][:40]}”", self.checklist.list
            return f"{self._noun.capitalize()}s", self.checklist.list

        return validated({self.fields[0]: tuple(chosen)}, self.fields, describe)

    def show_filter(self, f: Filter) -> None:
        self.checklist.set_chosen(getattr(f, self.fields[0]) or ())

    def clear(self) -> None:
        self.checklist.set_chosen(())
        self.checklist.search.clear()

    def is_empty(self) -> bool:
        return not self.checklist.chosen()

    def summary(self) -> str:
        return ", ".join(self.checklist.label_of(v) for v in dict.fromkeys(self.checklist.chosen()))

    def focus_widget(self) -> QWidget:
        search = self.checklist.search
        return search if not search.isHidden() else self.checklist.list


class FlowEditor(ChoiceListEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        checklist = CheckList("flow", lambda flow_id: f"{flow_id} (flow not loaded)")
        checklist.empty_text = "No flows loaded yet"
        super().__init__("flow_ids", "flow", checklist, parent)

    def set_flows(self, flows: Sequence[FlowSummary]) -> None:
        self.checklist.set_choices(
            [
                Choice(f.id, f.name or f.id, "\n".join(t for t in (f.description, f"ID: {f.id}") if t))
                for f in flows
            ]
        )


class FunctionEditor(ChoiceListEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        checklist = CheckList("function", lambda name: name, allow_custom=True)
        checklist.empty_text = "No function names known yet: type one above"
        super().__init__("functions", "function", checklist, parent)

    def set_functions(self, names: Sequence[str]) -> None:
        self.checklist.set_choices([Choice(name, name) for name in dict.fromkeys(names)])
