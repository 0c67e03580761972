"""The transcript: one QListView over the entries, drawn by a delegate (no widget per message,
so that 10,000 messages stay smooth). Every text is drawn as plain text.

Each entry is a header (who, and when from the start) above its text, wrapped to the view's
width. Coaching is drawn on a tinted panel with a label saying the customer did not see it;
a function call shows its arguments on one line and, once expanded (click or Space), its
input and output as indented JSON.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app import transcript
from app.domain import MessageRole
from app.transcript import Entry, EntryKind

Index = QModelIndex | QPersistentModelIndex

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
EXPANDED_ROLE = Qt.ItemDataRole.UserRole + 2
PAD = 8
GAP = 3  # between an entry's header and its text
COACHING_NOTE = "Coaching · not seen by the customer"
_WRAP = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


class TranscriptModel(QAbstractListModel):
    """The entries of one conversation, and which function calls are expanded."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: tuple[Entry, ...] = ()
        self._expanded: set[int] = set()

    def set_entries(self, entries: tuple[Entry, ...]) -> None:
        self.beginResetModel()
        self._entries, self._expanded = entries, set()
        self.endResetModel()

    def entry(self, row: int) -> Entry:
        return self._entries[row]

    def toggle(self, row: int) -> None:
        """Expand a function call to its input and output, or fold it back."""
        if self._entries[row].kind is not EntryKind.FUNCTION:
            return
        self._expanded ^= {row}
        index = self.index(row)
        self.dataChanged.emit(index, index, [EXPANDED_ROLE])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        if role == ENTRY_ROLE:
            return entry
        if role == EXPANDED_ROLE:
            return index.row() in self._expanded
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return plain_line(entry)
        return None


def plain_line(entry: Entry) -> str:
    """The entry as one line of text (copying, accessibility): `[0:12] Customer: Hello`."""
    when = transcript.timestamp(entry.offset_ms)
    prefix = f"[{when}] " if when else ""
    if entry.kind is EntryKind.FUNCTION:
        return f"{prefix}Function {entry.speaker}({entry.text})"
    if entry.kind is EntryKind.ARTIFACT:
        return f"Artifact: {entry.speaker} ({entry.text})"
    return f"{prefix}{entry.speaker}: {entry.text}"


def body(entry: Entry, expanded: bool) -> str:
    """The text under an entry's header."""
    if entry.kind is EntryKind.FUNCTION and entry.call is not None:
        if not expanded:
            return f"{entry.speaker}({entry.text})"
        return (
            f"Input\n{transcript.pretty(entry.call.input)}\n\nOutput\n{transcript.pretty(entry.call.output)}"
        )
    if entry.kind is EntryKind.ARTIFACT and entry.artifact is not None:
        return f"{entry.artifact.kind.value.upper()} · {entry.text} · {entry.artifact.size:,} bytes"
    return entry.text


def header(entry: Entry, expanded: bool) -> str:
    if entry.kind is EntryKind.FUNCTION:
        return ("▾ " if expanded else "▸ ") + f"Function call · {entry.speaker}"
    if entry.kind is EntryKind.ARTIFACT:
        return f"Artifact · {entry.speaker}"
    if entry.kind is EntryKind.COACHING:
        return f"{COACHING_NOTE} · {entry.speaker}" if entry.role is None else COACHING_NOTE
    return entry.speaker


class TranscriptDelegate(QStyledItemDelegate):
    """Draws an entry; its height is the header plus its text wrapped to the view's width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._code = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    def _font(self, option: QStyleOptionViewItem, entry: Entry) -> QFont:
        return self._code if entry.kind is EntryKind.FUNCTION else option.font

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        entry: Entry = index.data(ENTRY_ROLE)
        expanded = bool(index.data(EXPANDED_ROLE))
        width = max(40, option.rect.width() - 2 * PAD)
        text = QFontMetrics(self._font(option, entry)).boundingRect(
            QRect(0, 0, width, 1 << 24), _WRAP, body(entry, expanded)
        )
        return QSize(width + 2 * PAD, PAD + option.fontMetrics.height() + GAP + text.height() + PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry: Entry = index.data(ENTRY_ROLE)
        expanded = bool(index.data(EXPANDED_ROLE))
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        rect = option.rect.adjusted(2, 1, -2, -1)
        fill = _panel(entry, palette, selected)
        if fill is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.drawRoundedRect(rect, 6, 6)
        inner = rect.adjusted(PAD - 2, PAD - 1, -(PAD - 2), -(PAD - 1))
        ink = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        dim = QColor(ink)
        dim.setAlphaF(0.65)
        metrics = option.fontMetrics
        title = QFont(option.font)
        title.setBold(True)
        painter.setFont(title)
        customer = entry.role is MessageRole.CUSTOMER and not selected
        painter.setPen(palette.color(QPalette.ColorRole.Link) if customer else ink)  # who speaks, at a glance
        head = header(entry, expanded)
        painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, head)
        when = transcript.timestamp(entry.offset_ms)
        if when:
            painter.setFont(option.font)
            painter.setPen(dim)
            painter.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, when)
        text_rect = inner.adjusted(0, metrics.height() + GAP, 0, 0)
        painter.setFont(self._font(option, entry))
        painter.setPen(ink)
        painter.drawText(text_rect, _WRAP, body(entry, expanded))  # drawText never reads markup
        painter.restore()


def _panel(entry: Entry, palette: QPalette, selected: bool) -> QColor | None:
    """The entry's background: the highlight when selected, a tint for what stands apart."""
    if selected:
        return palette.color(QPalette.ColorRole.Highlight)
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    if entry.kind is EntryKind.COACHING:
        return QColor("#3a3014" if dark else "#fff4d6")  # amber: a note, not the conversation
    if entry.kind in (EntryKind.FUNCTION, EntryKind.ARTIFACT):
        return palette.color(QPalette.ColorRole.AlternateBase)
    return None


class TranscriptView(QListView):
    """The list of entries: selectable (Ctrl+C copies them as lines), calls expand on click."""

    def __init__(self, model: TranscriptModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcript")
        self.setAccessibleName("Transcript")
        self._model = model
        self.setModel(model)
        self.setItemDelegate(TranscriptDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)  # wrap again when the width changes
        self.setLayoutMode(QListView.LayoutMode.Batched)  # long transcripts laid out in steps
        self.setBatchSize(200)
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.clicked.connect(lambda index: self._model.toggle(index.row()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and self.currentIndex().isValid():
            self._model.toggle(self.currentIndex().row())
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)

    def copy_selection(self) -> int:
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        if rows:
            QGuiApplication.clipboard().setText(
                "\n".join(plain_line(self._model.entry(r)) for r in rows) + "\n"
            )
        return len(rows)
