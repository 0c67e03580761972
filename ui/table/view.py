"""The conversations table widget: header menu, sorting requests, keyboard, copy as TSV."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QStyleFactory, QTableView, QWidget

from app.domain import Conversation, Sort, SortColumn, TableColumn
from ui.table.delegates import ConversationDelegate
from ui.table.model import RECORD_ROLE, ConversationsModel


class ConversationsTable(QTableView):
    sort_requested = Signal(object)  # app.domain.Sort
    open_requested = Signal(object)  # the Conversation of the current row
    flow_requested = Signal(object)  # the Conversation whose flow to show
    layout_changed = Signal()  # columns shown, moved or resized

    def __init__(self, model: ConversationsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationsTable")
        self.setAccessibleName("Conversations")
        self._model = model
        self.setModel(model)
        # Qt's own Fusion, not the application's Python proxy of it: the table asks its style
        # to draw every cell's background, and each of those calls would come back into Python.
        self._style = QStyleFactory.create("Fusion")
        self._style.setParent(self)
        self.setStyle(self._style)
        self._delegate = ConversationDelegate(model, self)
        self.setItemDelegate(self._delegate)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = self.verticalHeader()
        rows.hide()
        # Every row the same height: the view never asks a million rows for their size.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionClicked.connect(self._header_clicked)
        header.sectionMoved.connect(lambda *_: self.layout_changed.emit())
        header.sectionResized.connect(lambda *_: self.layout_changed.emit())
        for section, column in enumerate(model.columns):
            header.resizeSection(section, column.width)
        self._sort = Sort()
        self.show_sort(self._sort)
        self.doubleClicked.connect(self._open)

    # --- sorting ----------------------------------------------------------------------------

    def show_sort(self, sort: Sort) -> None:
        self._sort = sort
        section = next(i for i, c in enumerate(self._model.columns) if c.sort is sort.column)
        order = Qt.SortOrder.DescendingOrder if sort.descending else Qt.SortOrder.AscendingOrder
        self.horizontalHeader().setSortIndicator(section, order)

    def _header_clicked(self, section: int) -> None:
        column: SortColumn | None = self._model.columns[section].sort
        if column is None:  # lists of values: not sortable; keep the indicator where it was
            self.show_sort(self._sort)
            return
        if column is self._sort.column:
            sort = Sort(column=column, descending=not self._sort.descending)
        else:  # dates and durations read best newest/longest first, text A to Z
            sort = Sort(
                column=column, descending=column in (SortColumn.DATE, SortColumn.DURATION, SortColumn.FLAGGED)
            )
        self.show_sort(sort)
        self.sort_requested.emit(sort)

    # --- columns ----------------------------------------------------------------------------

    def visible_columns(self) -> tuple[TableColumn, ...]:
        """The columns shown, in the order the user arranged them."""
        header = self.horizontalHeader()
        ordered = sorted(range(header.count()), key=header.visualIndex)
        return tuple(self._model.columns[i].key for i in ordered if not header.isSectionHidden(i))

    def show_columns(self, columns: Sequence[TableColumn]) -> None:
        """Show these columns in this order, hide the others (a view's layout)."""
        header = self.horizontalHeader()
        wanted = [c for c in columns if any(m.key is c for m in self._model.columns)] or [TableColumn.ID]
        sections = {column.key: i for i, column in enumerate(self._model.columns)}
        for visual, key in enumerate(wanted):
            header.moveSection(header.visualIndex(sections[key]), visual)
        for key, section in sections.items():
            header.setSectionHidden(section, key not in wanted)

    def header_state(self) -> QByteArray:
        return self.horizontalHeader().saveState()

    def restore_header_state(self, state: QByteArray) -> bool:
        restored = self.horizontalHeader().restoreState(state)
        self.show_sort(self._sort)
        return restored

    def _header_menu(self, position: QPoint) -> None:
        header = self.horizontalHeader()
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        for section, column in enumerate(self._model.columns):
            action = QAction(column.title, menu, checkable=True)
            action.setChecked(not header.isSectionHidden(section))
            # The last column shown stays: a table with no columns cannot be got back.
            action.setEnabled(
                header.isSectionHidden(section) or header.hiddenSectionCount() < header.count() - 1
            )
            action.toggled.connect(lambda shown, s=section: self._set_shown(s, shown))
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction("Reset columns", self._reset_columns)
        menu.exec(header.mapToGlobal(position))

    def _set_shown(self, section: int, shown: bool) -> None:
        self.horizontalHeader().setSectionHidden(section, not shown)
        self.layout_changed.emit()

    def _reset_columns(self) -> None:
        self.show_columns([c.key for c in self._model.columns])
        for section, column in enumerate(self._model.columns):
            self.horizontalHeader().resizeSection(section, column.width)
        self.layout_changed.emit()

    # --- rows -------------------------------------------------------------------------------

    def current_record(self) -> Conversation | None:
        index = self.currentIndex()
        return index.data(RECORD_ROLE) if index.isValid() else None

    def selected_records(self) -> list[Conversation]:
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        return [r for r in (self._model.record(row) for row in rows) if r is not None]

    def _open(self, index: QModelIndex) -> None:
        record = index.data(RECORD_ROLE)
        if record is None:
            return
        if self._model.columns[index.column()].key is TableColumn.FLOW and record.flow_id:
            self.flow_requested.emit(record)
        else:
            self.open_requested.emit(record)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._delegate.forget()  # drawn in the colours and font of before
        super().changeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            record = self.current_record()
            if record is not None:
                self.open_requested.emit(record)
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)

    def copy_selection(self) -> int:
        """The selected rows as tab-separated text (what spreadsheets paste), visible columns in
        their order, with a header line; returns how many rows were copied."""
        records = self.selected_records()
        if not records:
            return 0
        columns = [
            self._model.columns[[c.key for c in self._model.columns].index(key)]
            for key in self.visible_columns()
        ]
        lines = ["\t".join(c.title for c in columns)]
        for record in records:
            lines.append("\t".join(_tsv_cell(c.text(record)) for c in columns))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        return len(records)


def _tsv_cell(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())
