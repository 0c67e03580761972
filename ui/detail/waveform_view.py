"""A recording's waveform (pyqtgraph) with the playhead; a click or a drag of the playhead seeks.

Each channel has a lane of its own, named after who speaks on it (the platform's stereo
recordings carry the customer on the left channel and the agent on the right), so a reviewer
sees at a glance who talks when. The peaks are computed off the GUI thread (app.waveform);
this view only draws them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from app.waveform import Peaks

LANE = 2.2  # height of one channel's lane, in plot units (a channel spans -1..1)
_CHANNEL_NAMES = {"customer": "Customer", "agent": "AI agent", "left": "Left", "right": "Right"}


class WaveformView(QWidget):
    seek_requested = Signal(int)  # a moment in the recording, in milliseconds

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waveform")
        self.setAccessibleName("Waveform")
        self.setMinimumHeight(64)
        self.setMaximumHeight(110)
        self.plot = pg.PlotWidget()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)  # a click seeks; nothing pans away
        self.plot.hideButtons()
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, movable=True)
        self.playhead.sigPositionChangeFinished.connect(
            lambda line: self.seek_requested.emit(round(line.value() * 1000))
        )
        self.notice = QLabel()
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.notice)
        self._stack.addWidget(self.plot)
        self.peaks: Peaks | None = None
        self._names: tuple[str, ...] = ()
        self._seconds = 0.0
        self.say("Reading the recording…")

    def say(self, message: str) -> None:
        """A message in place of the waveform (the player may still work)."""
        self.notice.setText(message)
        self._stack.setCurrentWidget(self.notice)

    def show_peaks(self, peaks: Peaks, channel_names: tuple[str, ...]) -> None:
        self.peaks, self._names, self._seconds = peaks, channel_names, peaks.seconds
        self._draw()
        self._stack.setCurrentWidget(self.plot)

    def set_position(self, ms: int) -> None:
        if not self.playhead.moving:  # the user drags it: the player follows on release
            self.playhead.setValue(ms / 1000)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and self.peaks is not None:
            self._draw()
        super().changeEvent(event)

    def _draw(self) -> None:
        peaks = self.peaks
        assert peaks is not None
        palette = self.palette()
        self.plot.clear()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        ink = palette.color(QPalette.ColorRole.Text)
        backing = QColor(palette.color(QPalette.ColorRole.Base))
        backing.setAlphaF(0.8)
        count = peaks.low.shape[1]
        x = np.linspace(0.0, peaks.seconds, count, dtype=np.float64) if count else np.empty(0)
        # The customer in the link colour, as their name in the transcript; the agent in the ink.
        colours = (QColor(palette.color(QPalette.ColorRole.Link)), QColor(ink))
        colours[1].setAlphaF(0.7)
        for channel in range(peaks.channels):
            centre = -channel * LANE  # the first channel on top
            colour = QColor(colours[channel % len(colours)])
            top = pg.PlotCurveItem(x, peaks.high[channel] + centre, pen=pg.mkPen(colour, width=1))
            bottom = pg.PlotCurveItem(x, peaks.low[channel] + centre, pen=pg.mkPen(colour, width=1))
            fill = QColor(colour)
            fill.setAlphaF(0.55)
            self.plot.addItem(top)
            self.plot.addItem(bottom)
            self.plot.addItem(pg.FillBetweenItem(top, bottom, brush=pg.mkBrush(fill)))
            label = pg.TextItem(  # text=: plain, never HTML; on a backing so the wave never hides it
                text=self._channel_name(channel), color=ink, anchor=(0, 0), fill=pg.mkBrush(backing)
            )
            label.setPos(0, centre + 1)
            self.plot.addItem(label)
        self.playhead.setPen(pg.mkPen(ink, width=2))
        self.playhead.setHoverPen(pg.mkPen(palette.color(QPalette.ColorRole.Highlight), width=3))
        self.plot.addItem(self.playhead)
        self.plot.setXRange(0, max(peaks.seconds, 0.001), padding=0)
        self.plot.setYRange(-(peaks.channels - 1) * LANE - 1.05, 1.05, padding=0)

    def _channel_name(self, channel: int) -> str:
        if self.peaks is not None and self.peaks.channels == 1:
            return "Mono"
        name = self._names[channel] if channel < len(self._names) else f"Channel {channel + 1}"
        return _CHANNEL_NAMES.get(name, name)

    def _clicked(self, event: object) -> None:
        if self.peaks is None or event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        scene_pos: QPointF = event.scenePos()  # type: ignore[attr-defined]
        seconds = self.plot.getViewBox().mapSceneToView(scene_pos).x()
        self.seek_requested.emit(round(min(max(seconds, 0.0), self._seconds) * 1000))
