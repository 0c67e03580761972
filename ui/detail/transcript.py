"""The transcript: one QListView over the entries, drawn by a delegate (no widget per message,
so that 10,000 messages stay smooth). Every text is drawn as plain text.

Each entry is a header (who, and when from the start) above its text, wrapped to the view's
width. Coaching is drawn on a tinted panel with a label saying the customer did not see it;
a function call shows its arguments on one line and, once expanded (click or Enter), its
input and output as indented JSON.
"""

from __future__ import annotations

import bisect
import math
import re
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
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
MATCHES_ROLE = Qt.ItemDataRole.UserRole + 3  # [(start, length, current)] of the text found
PLAYING_ROLE = Qt.ItemDataRole.UserRole + 4  # the message under the recording's playhead
PAD = 8
GAP = 3  # between an entry's header and its text
COACHING_NOTE = "Coaching · not seen by the customer"


class TranscriptModel(QAbstractListModel):
    """The entries of one conversation, and which function calls are expanded."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: tuple[Entry, ...] = ()
        self._expanded: set[int] = set()
        self._pattern: re.Pattern[str] | None = None
        self.matches: list[tuple[int, int, int]] = []  # (row, start, length) in reading order
        self.current = -1  # the match shown, an index into `matches`
        self.playing: int | None = None  # the row under the playhead
        self._spoken: tuple[list[int], list[int]] = ([], [])  # (offsets, rows) of messages, by offset

    def set_entries(self, entries: tuple[Entry, ...]) -> None:
        self.beginResetModel()
        self._entries, self._expanded, self.playing = entries, set(), None
        self._search()
        self._index_moments()
        self.endResetModel()

    def _index_moments(self) -> None:
        spoken = sorted(
            (e.offset_ms, row)
            for row, e in enumerate(self._entries)
            if e.kind is EntryKind.MESSAGE and e.offset_ms is not None
        )
        self._spoken = ([offset for offset, _ in spoken], [row for _, row in spoken])

    def row_at(self, ms: int) -> int | None:
        """The message being spoken at `ms` into the recording: the last one begun by then."""
        offsets, rows = self._spoken
        at = bisect.bisect_right(offsets, ms) - 1
        return rows[at] if at >= 0 else None

    def set_playing(self, row: int | None) -> None:
        if row == self.playing:
            return
        changed = [r for r in (self.playing, row) if r is not None]
        self.playing = row
        for r in changed:
            self.dataChanged.emit(self.index(r), self.index(r), [PLAYING_ROLE])

    def append(self, entries: tuple[Entry, ...]) -> None:
        """Entries that arrived live, at the end (the search runs again over them)."""
        if not entries:
            return
        first = len(self._entries)
        self.beginInsertRows(QModelIndex(), first, first + len(entries) - 1)
        self._entries += entries
        current = self.current
        self._search()
        self._index_moments()
        self.current = current if self.matches else -1
        self.endInsertRows()

    def last_message_index(self) -> int:
        """The index of the last message shown (-1: none)."""
        return max((e.message_index for e in self._entries if e.message_index is not None), default=-1)

    def find(self, needle: str) -> int:
        """Mark every occurrence of `needle` (case-insensitive, as typed: no patterns); returns how
        many. The current match is the first."""
        self._pattern = re.compile(re.escape(needle), re.IGNORECASE) if needle else None
        self._search()
        self.current = 0 if self.matches else -1
        self._repaint_all()
        return len(self.matches)

    def step(self, forward: bool) -> int:
        """Move to the next (or previous) match, wrapping around; returns its row (-1: none)."""
        if not self.matches:
            return -1
        self.current = (self.current + (1 if forward else -1)) % len(self.matches)
        self._repaint_all()
        return self.matches[self.current][0]

    def _search(self) -> None:
        self.matches = []
        if self._pattern is None:
            return
        for row, entry in enumerate(self._entries):
            text = body(entry, row in self._expanded)
            self.matches.extend((row, m.start(), m.end() - m.start()) for m in self._pattern.finditer(text))

    def _repaint_all(self) -> None:
        if self._entries:
            self.dataChanged.emit(self.index(0), self.index(len(self._entries) - 1), [MATCHES_ROLE])

    def entry(self, row: int) -> Entry:
        return self._entries[row]

    def toggle(self, row: int) -> None:
        """Expand a function call to its input and output, or fold it back."""
        if self._entries[row].kind is not EntryKind.FUNCTION:
            return
        self._expanded ^= {row}
        if self._pattern is not None:  # the text changed: find again in it
            shown = self.matches[self.current][0] if self.matches else None
            self._search()
            self.current = next(
                (i for i, m in enumerate(self.matches) if m[0] == shown), 0 if self.matches else -1
            )
        index = self.index(row)
        self.dataChanged.emit(index, index, [EXPANDED_ROLE, MATCHES_ROLE])

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
        if role == PLAYING_ROLE:
            return index.row() == self.playing
        if role == MATCHES_ROLE:
            row = index.row()
            return [
                (start, length, i == self.current)
                for i, (at, start, length) in enumerate(self.matches)
                if at == row
            ]
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
        width = max(40, option.rect.width() - 2 * PAD)
        text = wrapped(body(entry, bool(index.data(EXPANDED_ROLE))), self._font(option, entry), width)
        height = math.ceil(text.boundingRect().height())
        return QSize(width + 2 * PAD, PAD + option.fontMetrics.height() + GAP + height + PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry: Entry = index.data(ENTRY_ROLE)
        expanded = bool(index.data(EXPANDED_ROLE))
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        rect = option.rect.adjusted(2, 1, -2, -1)
        playing = bool(index.data(PLAYING_ROLE))
        fill = _panel(entry, palette, selected, playing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if fill is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 6, 6)
        if playing:  # a bar as well as the tint: not colour alone
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(QRectF(rect.left(), rect.top() + 2, 4, rect.height() - 4), 2, 2)
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
        text = wrapped(body(entry, expanded), self._font(option, entry), inner.width())
        painter.setPen(ink)
        found = [_found(start, length, current) for start, length, current in index.data(MATCHES_ROLE)]
        text.draw(painter, QPointF(inner.left(), inner.top() + metrics.height() + GAP), found)
        painter.restore()


def wrapped(text: str, font: QFont, width: int) -> QTextLayout:
    """The text laid out as plain text in lines of `width` pixels; its line breaks kept."""
    # QTextLayout breaks lines at U+2028, not at "\n" (same length: match positions hold).
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    y = 0.0
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    return layout


def _found(start: int, length: int, current: bool) -> QTextLayout.FormatRange:
    """A match's highlight: amber, the current one stronger (the same in both themes)."""
    look = QTextCharFormat()
    look.setBackground(QColor("#ff9632" if current else "#ffe066"))
    look.setForeground(QColor("#000000"))
    found = QTextLayout.FormatRange()
    found.start, found.length, found.format = start, length, look
    return found


def _panel(entry: Entry, palette: QPalette, selected: bool, playing: bool) -> QColor | None:
    """The entry's background: the highlight when selected, a tint for what is being played
    and for what stands apart."""
    if selected:
        return palette.color(QPalette.ColorRole.Highlight)
    if playing:
        tint = QColor(palette.color(QPalette.ColorRole.Highlight))
        tint.setAlphaF(0.18)
        return tint
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    if entry.kind is EntryKind.COACHING:
        return QColor("#3a3014" if dark else "#fff4d6")  # amber: a note, not the conversation
    if entry.kind in (EntryKind.FUNCTION, EntryKind.ARTIFACT):
        return palette.color(QPalette.ColorRole.AlternateBase)
    return None


class TranscriptView(QListView):
    """The list of entries: selectable (Ctrl+C copies them as lines), calls expand on click."""

    artifact_requested = Signal(object)  # the ArtifactInfo of an artifact entry activated
    artifact_download_requested = Signal(object)  # the ArtifactInfo to save, from its card's menu
    moment_requested = Signal(int)  # a message activated: its moment in the recording, in ms

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
        self.clicked.connect(lambda index: self._activate(index.row()))
        self.playable = False  # a recording to play messages from (the context menu offers it)
        self.context_menu: QMenu | None = None  # the last one shown
        # Following the newest entry: a view scrolled to its end stays at the end as entries
        # arrive and the (batched) layout grows; one scrolled up stays where the user put it.
        self.following = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(lambda value: setattr(self, "following", value >= bar.maximum()))
        bar.rangeChanged.connect(lambda _low, high: self.following and bar.setValue(high))

    def _activate(self, row: int) -> None:
        """A click (or Enter): a function call expands or folds, an artifact opens, a message
        asks for its moment in the recording."""
        entry = self._model.entry(row)
        if entry.artifact is not None:
            self.artifact_requested.emit(entry.artifact)
        elif entry.kind is EntryKind.FUNCTION:
            self._model.toggle(row)
        elif entry.offset_ms is not None:
            self.moment_requested.emit(entry.offset_ms)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if event.key() in keys and self.currentIndex().isValid():
            self._activate(self.currentIndex().row())
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Copy for any entry; Preview and Download… on an artifact's card; Play from here on a
        message when there is a recording."""
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        if not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        entry = self._model.entry(index.row())
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if entry.artifact is not None:
            artifact = entry.artifact
            menu.addAction("Preview").triggered.connect(lambda: self.artifact_requested.emit(artifact))
            menu.addAction("Download…").triggered.connect(
                lambda: self.artifact_download_requested.emit(artifact)
            )
            menu.addSeparator()
        elif self.playable and entry.offset_ms is not None:
            moment = entry.offset_ms
            menu.addAction("Play from here").triggered.connect(lambda: self.moment_requested.emit(moment))
            menu.addSeparator()
        copy = menu.addAction("Copy")
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.triggered.connect(self.copy_selection)
        menu.popup(event.globalPos())  # not exec(): no nested event loop under the asyncio one
        self.context_menu = menu

    def copy_selection(self) -> int:
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        if rows:
            QGuiApplication.clipboard().setText(
                "\n".join(plain_line(self._model.entry(r)) for r in rows) + "\n"
            )
        return len(rows)
