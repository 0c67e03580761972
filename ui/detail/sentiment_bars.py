"""A conversation's top emotions as a small bar chart: name, a bar as long as the score, the score.

Painted in one widget (a handful of rows; a plot would be heavier than the chart). Names are
drawn as plain text and elided when the panel is narrow; the full list is the tooltip, what a
screen reader reads, and what Copy puts on the clipboard.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.domain import Emotion
from ui.problems import plain_tooltip

ROW_GAP = 4
NAME_SHARE = 0.55  # of the width, at most, for the emotions' names (longer ones are elided)
BAR_RADIUS = 2.0


def describe(emotions: Sequence[Emotion]) -> str:
    return "\n".join(f"{e.emotion} {e.score:.2f}" for e in emotions)


class SentimentBars(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sentimentBars")
        self.setAccessibleName("Sentiment")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QAction("Copy", self)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy)
        self.addAction(copy)
        self.emotions: tuple[Emotion, ...] = ()

    def show_emotions(self, emotions: Sequence[Emotion]) -> None:
        self.emotions = tuple(emotions)
        text = describe(self.emotions)
        self.setToolTip(plain_tooltip(text) if text else "")
        self.setAccessibleDescription(text or "No sentiment")
        self.updateGeometry()
        self.update()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(describe(self.emotions))

    def _row_height(self) -> int:
        return self.fontMetrics().height() + ROW_GAP

    def sizeHint(self) -> QSize:
        return QSize(200, max(1, len(self.emotions)) * self._row_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        metrics = self.fontMetrics()
        row_h = self._row_height()
        if not self.emotions:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "—")
            return
        score_w = metrics.horizontalAdvance("0.00") + 6
        widest = max(metrics.horizontalAdvance(e.emotion) for e in self.emotions) + 8
        name_w = min(widest, int(self.width() * NAME_SHARE))
        bar_w = max(10, self.width() - name_w - score_w - 6)
        track = palette.color(QPalette.ColorRole.Mid)
        track.setAlphaF(0.35)
        for i, emotion in enumerate(self.emotions):
            top = i * row_h
            text_rect = QRectF(0, top, name_w - 6, row_h)
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            name = metrics.elidedText(emotion.emotion, Qt.TextElideMode.ElideRight, int(text_rect.width()))
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
            bar = QRectF(name_w, top + row_h * 0.25, bar_w, row_h * 0.5)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(bar, BAR_RADIUS, BAR_RADIUS)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(
                QRectF(bar.left(), bar.top(), bar_w * emotion.score, bar.height()), BAR_RADIUS, BAR_RADIUS
            )
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            score_rect = QRectF(self.width() - score_w, top, score_w, row_h)
            painter.drawText(
                score_rect,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{emotion.score:.2f}",
            )
