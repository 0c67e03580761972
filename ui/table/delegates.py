"""How the conversations table draws its cells.

Plain text everywhere (no rich text: every value comes from the network). Status is a
coloured chip WITH its label (never colour alone); the platform an icon beside its
name; the flag an icon; tags, parameters and functions compact chips, the full text
in the tooltip. A row still loading shows a soft placeholder bar, one that failed says so.

Painting is the table's hot path (a screen is ~240 cells, repainted on every page):
each cell costs one Python call. The delegate reads the model directly (no data() round
trip through Qt per role), draws texts as QStaticText laid out once per text and width
(laying text out is most of what drawing it costs), and icons as pixmaps rendered once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPixmap, QStaticText
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app import labels
from app.domain import Conversation, KeyValuePair, Status, TableColumn
from ui import icons, palette_colors
from ui.table.model import GONE_TEXT, ConversationsModel, RowState

Index = QModelIndex | QPersistentModelIndex

PAD = 6
TEXT_MARGIN = 3  # a text cell's inner margin, as Fusion's item views have it (PM_FocusFrameHMargin + 1)
CHIP_GAP = 4
MAX_TEXTS = 4000  # laid-out texts kept: several screens of cells
MAX_PICTURES = 1500  # drawn cells kept (~20 KB each)
_ALIGN = Qt.AlignmentFlag


_SELECTED = QStyle.StateFlag.State_Selected.value
_FOCUS = QStyle.StateFlag.State_HasFocus.value
LEFT, RIGHT, CENTER = 0, 1, 2  # a text's place in its cell


def _placement(alignment: Qt.AlignmentFlag) -> int:
    if alignment & _ALIGN.AlignRight:
        return RIGHT
    return CENTER if alignment & _ALIGN.AlignHCenter else LEFT


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


class TextCache:
    """Texts elided to a width and laid out once, least recently drawn forgotten first. Layouts
    are for one font: forget() them when the table's font changes."""

    def __init__(self, limit: int = MAX_TEXTS) -> None:
        self._limit = limit
        self._texts: OrderedDict[tuple[str, int], tuple[QStaticText, int]] = OrderedDict()

    def get(self, text: str, width: int, option: QStyleOptionViewItem) -> tuple[QStaticText, int]:
        """`text` elided to `width` pixels in the option's font, and the width it takes."""
        key = (text, width)
        found = self._texts.get(key)
        if found is not None:
            self._texts.move_to_end(key)
            return found
        metrics = option.fontMetrics
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
        static = QStaticText(shown)
        static.setTextFormat(Qt.TextFormat.PlainText)  # never rich text, whatever the text holds
        static.prepare(font=option.font)
        found = self._texts[key] = (static, metrics.horizontalAdvance(shown))
        if len(self._texts) > self._limit:
            self._texts.popitem(last=False)
        return found

    def forget(self) -> None:
        self._texts.clear()


class ConversationDelegate(QStyledItemDelegate):
    """One delegate for the table: it looks at the column and draws accordingly."""

    def __init__(self, model: ConversationsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._columns = tuple(column.key for column in model.columns)
        self._placements = tuple(_placement(column.alignment) for column in model.columns)
        self._texts = TextCache()
        self._pixmaps: dict[tuple[str, int, int, float], QPixmap] = {}
        self._pictures: OrderedDict[tuple[Hashable, ...], QPixmap] = OrderedDict()

    def forget(self) -> None:
        """Drop every drawn text and picture: the font or the palette changed."""
        self._texts.forget()
        self._pictures.clear()
        self._pixmaps.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(super().sizeHint(option, index).width(), option.fontMetrics.height() + 12)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Flags are tested as ints: Python enum operators cost more than the drawing itself.
        row, col = index.row(), index.column()
        state, record = self._model.row_state(row)
        flags = option.state.value
        selected = bool(flags & _SELECTED)
        if selected:  # the row's own background (alternating) is drawn by the view
            widget = option.widget
            style = widget.style() if widget is not None else QApplication.style()
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        if state == RowState.LOADING or state == RowState.FAILED:
            _placeholder(painter, option, failed=state == RowState.FAILED, first=col == 0)
            return
        painter.save()
        if record is None:  # GONE: deleted or evicted since the listing was made
            if col == 0:
                painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
                self.draw_text(painter, option, GONE_TEXT, LEFT)
        else:
            column = self._columns[col]
            picture = _PICTURES.get(column)
            if picture is None:
                _text_pen(painter, option, selected)
                self.draw_text(painter, option, self._model.cell_text(row, col), self._placements[col])
            else:
                self._draw_picture(painter, option, column, record, selected, *picture)
        if flags & _FOCUS:
            _focus(painter, option)
        painter.restore()

    def draw_text(self, painter: QPainter, option: QStyleOptionViewItem, text: str, placement: int) -> None:
        rect = option.rect
        width = rect.width() - 2 * TEXT_MARGIN
        if not text or width <= 0:
            return
        static, used = self._texts.get(text, width, option)
        x = rect.left() + TEXT_MARGIN
        if placement == RIGHT:
            x += width - used
        elif placement == CENTER:
            x += (width - used) // 2
        y = rect.top() + (rect.height() - static.size().height()) / 2
        painter.drawStaticText(QPointF(x, y), static)

    def _draw_picture(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        column: TableColumn,
        record: Conversation,
        selected: bool,
        content: Callable[[Conversation], Hashable],
        draw: Draw,
    ) -> None:
        rect = option.rect
        scale = painter.device().devicePixelRatioF()
        key = (column, content(record), rect.width(), rect.height(), selected, is_dark(option.palette), scale)
        pixmap = self._pictures.get(key)
        if pixmap is None:
            pixmap = QPixmap(QSize(round(rect.width() * scale), round(rect.height() * scale)))
            pixmap.setDevicePixelRatio(scale)
            pixmap.fill(Qt.GlobalColor.transparent)
            cell = QPainter(pixmap)
            cell.setFont(option.font)
            cell.setRenderHint(QPainter.RenderHint.Antialiasing)
            draw(
                self, cell, QRect(0, 0, rect.width(), rect.height()).adjusted(PAD, 0, -PAD, 0), option, record
            )
            cell.end()
            self._pictures[key] = pixmap
            if len(self._pictures) > MAX_PICTURES:
                self._pictures.popitem(last=False)
        else:
            self._pictures.move_to_end(key)
        painter.drawPixmap(rect.topLeft(), pixmap)

    def icon(self, name: str, colour: QColor, size: int, scale: float) -> QPixmap:
        """The icon as a pixmap of `size` logical pixels, rendered once per colour and scale."""
        key = (name, colour.rgba(), size, scale)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = self._pixmaps[key] = icons.tinted(name, colour).pixmap(QSize(size, size), scale)
        return pixmap


def _placeholder(painter: QPainter, option: QStyleOptionViewItem, *, failed: bool, first: bool) -> None:
    palette = option.palette
    painter.save()
    if failed:
        if first:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(option.rect.adjusted(PAD, 0, -PAD, 0), _ALIGN.AlignVCenter, "Could not load")
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


def _focus(painter: QPainter, option: QStyleOptionViewItem) -> None:
    """The keyboard's current cell, as the style marks it (Fusion: a thin outline)."""
    widget = option.widget
    style = widget.style() if widget is not None else QApplication.style()
    style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter, option.widget)


def _text_pen(painter: QPainter, option: QStyleOptionViewItem, selected: bool) -> None:
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
    painter.drawText(chip.adjusted(PAD, 0, -PAD, 0), _ALIGN.AlignCenter, shown)
    return width


# Cells drawn from a few values (chips, icons) are drawn once into a pixmap per content, size
# and look, then copied: the same statuses, platforms and tag sets recur on every screen.
Draw = Callable[[ConversationDelegate, QPainter, QRect, QStyleOptionViewItem, Conversation], None]


def _paint_status(
    delegate: ConversationDelegate,
    painter: QPainter,
    rect: QRect,
    option: QStyleOptionViewItem,
    record: Conversation,
) -> None:
    fill, ink = palette_colors.status_colors(record.status, is_dark(option.palette))
    text = labels.STATUS[record.status]
    if record.status is Status.IN_PROGRESS:
        text = f"● {text}"  # a live call: the dot says so without colour
    _chip(painter, rect, text, fill, ink, option.fontMetrics)


def _paint_platform(
    delegate: ConversationDelegate,
    painter: QPainter,
    rect: QRect,
    option: QStyleOptionViewItem,
    record: Conversation,
) -> None:
    size = min(18, rect.height() - 4)
    colour = palette_colors.platform_color(record.platform, is_dark(option.palette))
    scale = painter.device().devicePixelRatioF()
    painter.drawPixmap(
        QPoint(rect.left(), rect.center().y() - size // 2 + 1),
        delegate.icon(record.platform.value, colour, size, scale),
    )
    _text_pen(painter, option, bool(option.state.value & _SELECTED))
    text_rect = rect.adjusted(size + PAD, 0, 0, 0)
    shown = option.fontMetrics.elidedText(
        labels.PLATFORM[record.platform], Qt.TextElideMode.ElideRight, text_rect.width()
    )
    painter.drawText(text_rect, _ALIGN.AlignVCenter | _ALIGN.AlignLeft, shown)


def _paint_flag(
    delegate: ConversationDelegate,
    painter: QPainter,
    rect: QRect,
    option: QStyleOptionViewItem,
    record: Conversation,
) -> None:
    if not record.flagged:
        return
    size = min(18, rect.height() - 4)
    scale = painter.device().devicePixelRatioF()
    target = QRect(0, 0, size, size)
    target.moveCenter(rect.center())
    colour = palette_colors.flag_color(is_dark(option.palette))
    painter.drawPixmap(target.topLeft(), delegate.icon("flag", colour, size, scale))


def _paint_chips(painter: QPainter, rect: QRect, option: QStyleOptionViewItem, texts: list[str]) -> None:
    if not texts:
        return
    fill, ink = palette_colors.chip_colors(is_dark(option.palette))
    metrics = option.fontMetrics
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


# What each drawn column shows (equal content, equal picture) and how it draws it.
_PICTURES: dict[TableColumn, tuple[Callable[[Conversation], Hashable], Draw]] = {
    TableColumn.STATUS: (lambda r: r.status, _paint_status),
    TableColumn.PLATFORM: (lambda r: r.platform, _paint_platform),
    TableColumn.FLAGGED: (lambda r: r.flagged, _paint_flag),
    TableColumn.TAGS: (lambda r: r.tags, lambda d, p, rect, o, r: _paint_chips(p, rect, o, _pairs(r.tags))),
    TableColumn.PARAMETERS: (
        lambda r: r.parameters,
        lambda d, p, rect, o, r: _paint_chips(p, rect, o, _pairs(r.parameters)),
    ),
    TableColumn.FUNCTIONS: (
        lambda r: r.functions,
        lambda d, p, rect, o, r: _paint_chips(p, rect, o, list(r.functions)),
    ),
}
