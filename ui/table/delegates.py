"""How the conversations table draws its cells.

Plain text everywhere (no rich text: every value comes from the network). Status is a
coloured chip WITH its label (never colour alone); the platform an icon beside its
name; the flag an icon; tags, parameters and functions compact chips, the full text
in the tooltip. A row still loading shows a soft placeholder bar, one that failed says so.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app import labels
from app.domain import Conversation, KeyValuePair, Status, TableColumn
from ui import icons, palette_colors
from ui.table.model import RECORD_ROLE, STATE_ROLE, RowState

Index = QModelIndex | QPersistentModelIndex

PAD = 6
CHIP_GAP = 4


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


class ConversationDelegate(QStyledItemDelegate):
    """One delegate for the table: it looks at the column and draws accordingly."""

    def __init__(self, columns: tuple[TableColumn, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = columns

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(super().sizeHint(option, index).width(), option.fontMetrics.height() + 12)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        state = index.data(STATE_ROLE)
        if state in (RowState.LOADING, RowState.FAILED):
            self._background(painter, option)
            self._placeholder(painter, option, failed=state == RowState.FAILED, first=index.column() == 0)
            return
        record: Conversation | None = index.data(RECORD_ROLE)
        column = self._columns[index.column()]
        if record is None or column not in _PAINTERS:
            super().paint(painter, option, index)
            return
        self._background(painter, option)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _PAINTERS[column](painter, option, record)
        painter.restore()

    @staticmethod
    def _background(painter: QPainter, option: QStyleOptionViewItem) -> None:
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)

    @staticmethod
    def _placeholder(painter: QPainter, option: QStyleOptionViewItem, *, failed: bool, first: bool) -> None:
        palette = option.palette
        painter.save()
        if failed:
            if first:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(
                    option.rect.adjusted(PAD, 0, -PAD, 0), Qt.AlignmentFlag.AlignVCenter, "Could not load"
                )
        else:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            colour = QColor(palette.color(QPalette.ColorRole.Text))
            colour.setAlphaF(0.08)
            bar = QRectF(option.rect.adjusted(PAD, 0, -PAD, 0))
            bar.setHeight(option.fontMetrics.height() * 0.6)
            bar.moveCenter(QRectF(option.rect).center())
            bar.setWidth(bar.width() * 0.7)
            painter.setBrush(colour)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(bar, 3, 3)
        painter.restore()


def _text_pen(painter: QPainter, option: QStyleOptionViewItem) -> None:
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
    painter.setPen(option.palette.color(role))


def _chip(painter: QPainter, rect: QRect, text: str, fill: QColor, ink: QColor, metrics: QFontMetrics) -> int:
    """Draw one rounded chip at rect's left (elided to rect's width); returns its width."""
    # +2: horizontalAdvance rounds, and elidedText would otherwise cut a text that fits.
    width = min(metrics.horizontalAdvance(text) + 2 * PAD + 2, rect.width())
    if width < 2 * PAD + metrics.horizontalAdvance("…"):
        return 0
    height = metrics.height() + 4
    chip = QRectF(rect.left(), rect.center().y() - height / 2 + 1, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRoundedRect(chip, height / 2, height / 2)
    painter.setPen(ink)
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 2 * PAD + 2)
    painter.drawText(chip.adjusted(PAD, 0, -PAD, 0), Qt.AlignmentFlag.AlignCenter, shown)
    return width


def _paint_status(painter: QPainter, option: QStyleOptionViewItem, record: Conversation) -> None:
    fill, ink = palette_colors.status_colors(record.status, is_dark(option.palette))
    rect = option.rect.adjusted(PAD, 0, -PAD, 0)
    text = labels.STATUS[record.status]
    if record.status is Status.IN_PROGRESS:
        text = f"● {text}"  # a live call: the dot says so without colour
    _chip(painter, rect, text, fill, ink, option.fontMetrics)


def _paint_platform(painter: QPainter, option: QStyleOptionViewItem, record: Conversation) -> None:
    rect = option.rect.adjusted(PAD, 0, -PAD, 0)
    size = min(18, rect.height() - 4)
    colour = palette_colors.platform_color(record.platform, is_dark(option.palette))
    icon = icons.tinted(record.platform.value, colour)
    icon.paint(painter, QRect(rect.left(), rect.center().y() - size // 2 + 1, size, size))
    _text_pen(painter, option)
    text_rect = rect.adjusted(size + PAD, 0, 0, 0)
    shown = option.fontMetrics.elidedText(
        labels.PLATFORM[record.platform], Qt.TextElideMode.ElideRight, text_rect.width()
    )
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown)


def _paint_flag(painter: QPainter, option: QStyleOptionViewItem, record: Conversation) -> None:
    if not record.flagged:
        return
    size = min(18, option.rect.height() - 4)
    icon = icons.tinted("flag", palette_colors.flag_color(is_dark(option.palette)))
    target = QRect(0, 0, size, size)
    target.moveCenter(option.rect.center())
    icon.paint(painter, target)


def _paint_chips(painter: QPainter, option: QStyleOptionViewItem, texts: list[str]) -> None:
    if not texts:
        return
    fill, ink = palette_colors.chip_colors(is_dark(option.palette))
    metrics = option.fontMetrics
    rect = option.rect.adjusted(PAD, 0, -PAD, 0)
    left = rect.left()
    for shown, text in enumerate(texts):
        rest = len(texts) - shown
        more = f"+{rest}" if rest > 1 else ""
        reserve = metrics.horizontalAdvance(more) + 2 * PAD + CHIP_GAP if more else 0
        room = QRect(left, rect.top(), rect.right() - left - reserve, rect.height())
        width = _chip(painter, room, text, fill, ink, metrics)
        if width == 0 or width < metrics.horizontalAdvance(text) + 2 * PAD:  # elided: say how many more
            rest = len(texts) - shown - (1 if width else 0)
            if rest > 0:
                left += width + CHIP_GAP
                _chip(
                    painter,
                    QRect(left, rect.top(), rect.right() - left, rect.height()),
                    f"+{rest}",
                    fill,
                    ink,
                    metrics,
                )
            return
        left += width + CHIP_GAP


def _pairs(items: tuple[KeyValuePair, ...]) -> list[str]:
    return [f"{p.key}: {p.value}" for p in items]


_PAINTERS: dict[TableColumn, Any] = {
    TableColumn.STATUS: _paint_status,
    TableColumn.PLATFORM: _paint_platform,
    TableColumn.FLAGGED: _paint_flag,
    TableColumn.TAGS: lambda p, o, r: _paint_chips(p, o, _pairs(r.tags)),
    TableColumn.PARAMETERS: lambda p, o, r: _paint_chips(p, o, _pairs(r.parameters)),
    TableColumn.FUNCTIONS: lambda p, o, r: _paint_chips(p, o, list(r.functions)),
}
