"""The filters panel: the 14 filters of docs/filters.md, each a switchable section, and the
Filter they make together.

The table follows as the user goes: a click applies almost at once, typing after a pause
(`TYPING_MS`), and only a valid Filter different from the last one is ever emitted. An
invalid section is marked at its field and keeps its last valid value meanwhile, so the
table never shows the result of a half-typed input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.domain import Filter, FlowSummary
from ui.filters.choices import (
    direction_editor,
    flagged_editor,
    platform_editor,
    status_editor,
    used_for_editor,
)
from ui.filters.dates import DateRangeEditor
from ui.filters.editor import FilterEditor
from ui.filters.error_style import panel_style_sheet
from ui.filters.keyvalues import parameters_editor, tags_editor
from ui.filters.pickers import FlowEditor, FunctionEditor
from ui.filters.repeat import RepeatEditor
from ui.filters.section import FilterSection
from ui.filters.text import IdsEditor, contact_editor, content_editor

CLICK_MS = 30  # a click: just enough to fold a burst of changes into one query
TYPING_MS = 250  # typed text: wait for a pause
TYPED = frozenset({"ids", "contact", "content", "tags", "parameters", "repeat_contacts"})


def _sections() -> list[tuple[str, str, FilterEditor]]:
    return [
        ("ids", "ID", IdsEditor()),
        ("statuses", "Status", status_editor()),
        ("dates", "Date range", DateRangeEditor()),
        ("platforms", "Platform", platform_editor()),
        ("flows", "Flow", FlowEditor()),
        ("direction", "Direction", direction_editor()),
        ("used_for", "Used for", used_for_editor()),
        ("flagged", "Flagged", flagged_editor()),
        ("repeat_contacts", "Repeat contacts", RepeatEditor()),
        ("contact", "Contact", contact_editor()),
        ("content", "Content", content_editor()),
        ("functions", "Function", FunctionEditor()),
        ("tags", "Tags", tags_editor()),
        ("parameters", "Parameters", parameters_editor()),
    ]


class FiltersPanel(QWidget):
    filter_changed = Signal(object)  # a valid Filter, different from the last one emitted
    active_count_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filtersPanel")
        self._emitted = Filter()
        self._active = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._emit_if_changed)

        self.count_label = QLabel("No filters", self)
        self.count_label.setProperty("role", "count")
        self.count_label.setAccessibleName("Active filters")
        self.clear_button = QPushButton("Clear all", self)
        self.clear_button.setAccessibleName("Clear all filters")
        self.clear_button.setToolTip("Switch every filter off")
        self.clear_button.setEnabled(False)
        self.clear_button.clicked.connect(self.clear_all)
        top = QHBoxLayout()
        top.setContentsMargins(10, 8, 8, 6)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.clear_button)

        body = QWidget()
        stack = QVBoxLayout(body)
        stack.setContentsMargins(6, 0, 6, 6)
        stack.setSpacing(0)
        self.sections: dict[str, FilterSection] = {}
        for index, (key, title, editor) in enumerate(_sections()):
            if index:
                line = QFrame(body)
                line.setFrameShape(QFrame.Shape.HLine)
                line.setFrameShadow(QFrame.Shadow.Plain)
                line.setObjectName("filterRule")
                stack.addWidget(line)
            section = FilterSection(key, title, editor, body)
            section.changed.connect(lambda key=key: self._section_changed(key))
            stack.addWidget(section)
            self.sections[key] = section
        stack.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        self.setMinimumWidth(300)
        self._restyle()

    # --- what the panel holds -------------------------------------------------------------

    def filter(self) -> Filter:
        """The Filter of every section that is on, each with its last valid value."""
        fields: dict[str, Any] = {}
        for section in self.sections.values():
            fields.update(section.contribution())
        try:
            return Filter.model_validate(fields)
        except ValidationError:  # each part is valid alone; together they can only clash by bug
            return self._emitted

    def active_count(self) -> int:
        return sum(1 for section in self.sections.values() if section.is_on() and section.contribution())

    def problems(self) -> list[tuple[str, str]]:
        """(filter title, reason) for each filter whose input is not used as typed."""
        return [(s.title, s.reason()) for s in self.sections.values() if s.is_on() and s.reason()]

    # --- changes from outside -------------------------------------------------------------

    def set_filter(self, f: Filter) -> None:
        """Show f (a view's filter): it becomes the current Filter without being re-emitted."""
        self._timer.stop()
        for section in self.sections.values():
            section.load(f)
        self._emitted = f
        self._count_changed()

    def clear_all(self) -> None:
        for section in self.sections.values():
            section.reset()
        self._count_changed()
        self._schedule(CLICK_MS)

    def set_flows(self, flows: Sequence[FlowSummary]) -> None:
        editor = self.sections["flows"].editor
        assert isinstance(editor, FlowEditor)
        editor.set_flows(flows)

    def set_functions(self, names: Sequence[str]) -> None:
        editor = self.sections["functions"].editor
        assert isinstance(editor, FunctionEditor)
        editor.set_functions(names)

    def focus_content(self) -> None:
        """Ctrl+F: content search, switched on and ready to type."""
        self._focus(self.sections["content"], switch_on=True)

    def focus_first(self) -> None:
        """Ctrl+L: the first filter that is on, or the first filter."""
        first = next((s for s in self.sections.values() if s.is_on()), self.sections["ids"])
        self._focus(first, switch_on=False)

    def _focus(self, section: FilterSection, *, switch_on: bool) -> None:
        if switch_on:
            section.switch_on()
        else:
            section.set_expanded(True)
        widget = section.editor.focus_widget() if section.is_on() else section.toggle
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.scroll.ensureWidgetVisible(section)

    # --- internals ------------------------------------------------------------------------

    def _section_changed(self, key: str) -> None:
        self._count_changed()
        self._schedule(TYPING_MS if key in TYPED else CLICK_MS)

    def _schedule(self, delay: int) -> None:
        # A later, longer wait replaces a shorter one: the query waits for the typing to stop.
        if self._timer.isActive() and self._timer.remainingTime() > delay:
            return
        self._timer.start(delay)

    def _emit_if_changed(self) -> None:
        current = self.filter()
        if current != self._emitted:
            self._emitted = current
            self.filter_changed.emit(current)

    def _count_changed(self) -> None:
        count = self.active_count()
        self.count_label.setText(f"{count} filter{'s' if count != 1 else ''} on" if count else "No filters")
        self.clear_button.setEnabled(count > 0 or any(s.is_on() for s in self.sections.values()))
        if count != self._active:
            self._active = count
            self.active_count_changed.emit(count)

    def _restyle(self) -> None:
        self.setStyleSheet(panel_style_sheet(self.palette()))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the theme switched
            self._restyle()
