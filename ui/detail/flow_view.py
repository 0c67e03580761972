"""The flow graph of a conversation (pyqtgraph): its nodes in layers, the path it took.

Node kinds differ by shape and colour (never colour alone); the path's edges are drawn
thick in the accent colour with the step numbers beside their nodes; the current node of a
live call is ringed. Zoom with the wheel, pan by dragging, Fit to see it whole; a click on
a node of the path asks for its first step (the transcript scrolls there). Labels are plain
text. The layout is computed off the GUI thread (app.flow_layout).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain import Flow, FlowNodeKind, FlowStep
from app.flow_layout import NODE_W, FlowLayout, layered
from ui.problems import plain_tooltip

SYMBOLS = {
    FlowNodeKind.START: "star",
    FlowNodeKind.MESSAGE: "s",
    FlowNodeKind.QUESTION: "d",
    FlowNodeKind.CONDITION: "h",
    FlowNodeKind.FUNCTION: "p",
    FlowNodeKind.HANDOFF: "t",
    FlowNodeKind.END: "o",
}
COLOURS = {
    FlowNodeKind.START: "#16803c",
    FlowNodeKind.MESSAGE: "#2563eb",
    FlowNodeKind.QUESTION: "#7c3aed",
    FlowNodeKind.CONDITION: "#b45309",
    FlowNodeKind.FUNCTION: "#0e7490",
    FlowNodeKind.HANDOFF: "#c2410c",
    FlowNodeKind.END: "#52525b",
}
NODE_SIZE = 22
LABEL_PIXELS = 120  # a layer's slot must be this wide on screen for labels to show


class FlowView(QWidget):
    step_requested = Signal(object)  # the FlowStep whose message the transcript should show

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("flowView")
        self.setAccessibleName("Flow graph")
        self.plot = pg.PlotWidget()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.invertY(True)  # layers go down from the entry
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.notice = QLabel()
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.fit_button = fit = QPushButton("Fit")
        fit.setToolTip("Show the whole flow")
        fit.clicked.connect(self.fit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice)
        layout.addWidget(self.plot, 1)
        layout.addWidget(fit, 0, Qt.AlignmentFlag.AlignRight)
        self.flow: Flow | None = None
        self.layout_: FlowLayout | None = None
        self._first_step: dict[str, FlowStep] = {}
        self.current_node: str | None = None  # where a live call is (ringed once drawn)
        self._current: pg.ScatterPlotItem | None = None
        self._path: tuple[FlowStep, ...] = ()
        self._labels: list[pg.TextItem] = []
        self.plot.getViewBox().sigRangeChanged.connect(self._show_labels_if_legible)
        self._restyle()

    async def show_flow(self, flow: Flow, path: tuple[FlowStep, ...], current: str | None) -> None:
        self.flow = flow
        self.layout_ = await asyncio.to_thread(layered, flow)
        self._draw(flow, self.layout_, path)
        self.show_current(current)
        missing = sorted({s.node_id for s in path} - set(self.layout_.positions))
        if missing:
            nodes = ", ".join(missing)
            self.say(
                f"The path this conversation took does not match its flow (no node {nodes}).", drawn=True
            )

    def say(self, message: str, *, drawn: bool = False) -> None:
        """A message in place of the graph (or above it, when `drawn`)."""
        self.notice.setText(message)
        self.notice.show()
        self.plot.setVisible(drawn)
        self.fit_button.setVisible(drawn)

    def fit(self) -> None:
        self.plot.autoRange()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
        super().changeEvent(event)

    def _restyle(self) -> None:
        self.plot.setBackground(self.palette().color(QPalette.ColorRole.Base))
        if self.flow is not None and self.layout_ is not None:
            self._draw(self.flow, self.layout_, self._path)

    def _draw(self, flow: Flow, layout: FlowLayout, path: tuple[FlowStep, ...]) -> None:
        self._path = path
        self._labels = []
        self.plot.clear()
        self._current = None
        at = layout.positions
        ink = self.palette().color(QPalette.ColorRole.Text)
        plain = QColor(ink)
        plain.setAlphaF(0.35)
        self.plot.addItem(_segments(layout.edges, at, pg.mkPen(plain, width=1)))
        steps = sorted(path, key=lambda s: s.step)
        walked = [(a.node_id, b.node_id) for a, b in pairwise(steps)]
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        self.plot.addItem(_segments(walked, at, pg.mkPen(accent, width=3)))
        numbers: dict[str, list[int]] = defaultdict(list)
        self._first_step = {}
        for step in steps:
            numbers[step.node_id].append(step.step)
            self._first_step.setdefault(step.node_id, step)
        spots = [
            {
                "pos": at[node.id],
                "symbol": SYMBOLS[node.kind],
                "brush": pg.mkBrush(COLOURS[node.kind]),
                "pen": pg.mkPen(accent, width=3) if node.id in numbers else pg.mkPen(ink, width=1),
                "size": NODE_SIZE,
                "data": node.id,
            }
            for node in flow.nodes
            if node.id in at
        ]
        labels = {node.id: f"{node.label}\n{node.kind.value}" for node in flow.nodes}
        nodes = pg.ScatterPlotItem(
            spots=spots, hoverable=True, tip=lambda x, y, data: plain_tooltip(labels.get(data, ""))
        )
        nodes.sigClicked.connect(self._clicked)
        self.plot.addItem(nodes)
        for node in flow.nodes:
            if node.id not in at:
                continue
            label = pg.TextItem(text=node.label, color=ink, anchor=(0.5, -0.7))  # text=: plain, never HTML
            label.setPos(*at[node.id])
            self.plot.addItem(label)
            self._labels.append(label)
            if node.id in numbers:
                badge = pg.TextItem(
                    text=", ".join(map(str, numbers[node.id])), color=accent, anchor=(-0.5, 1.2)
                )
                badge.setPos(*at[node.id])
                self.plot.addItem(badge)
        self.fit()
        self._show_labels_if_legible()
        self.show_current(self.current_node)  # a redraw (a theme change) keeps the ring

    def _show_labels_if_legible(self, *_: object) -> None:
        """Labels only when zoomed in enough for them not to overlap (a node's tooltip has it)."""
        units_per_pixel = self.plot.getViewBox().viewPixelSize()[0]
        legible = units_per_pixel > 0 and NODE_W / units_per_pixel >= LABEL_PIXELS
        for label in self._labels:
            label.setVisible(legible)

    def show_current(self, node_id: str | None) -> None:
        """Ring the node a live call is at (None: no ring)."""
        self.current_node = node_id
        if self._current is not None:
            self.plot.removeItem(self._current)
            self._current = None
        if node_id is None or self.layout_ is None or node_id not in self.layout_.positions:
            return
        ring = pg.mkPen(self.palette().color(QPalette.ColorRole.Highlight), width=3)
        self._current = pg.ScatterPlotItem(
            pos=[self.layout_.positions[node_id]], symbol="o", size=NODE_SIZE * 2, brush=None, pen=ring
        )
        self.plot.addItem(self._current)

    def ringed_at(self) -> tuple[float, float] | None:
        """Where the ring of the current node is drawn (None: nowhere)."""
        if self._current is None:
            return None
        x, y = self._current.getData()
        return float(x[0]), float(y[0])

    def first_step(self, node_id: str) -> FlowStep | None:
        return self._first_step.get(node_id)

    def _clicked(self, _item: object, points: list[object]) -> None:
        for point in points:
            step = self._first_step.get(point.data())  # type: ignore[attr-defined]
            if step is not None:
                self.step_requested.emit(step)
                return


def _segments(
    pairs: Iterable[tuple[str, str]], at: dict[str, tuple[float, float]], pen: QPen
) -> pg.PlotDataItem:
    """Straight lines between the pairs of nodes that both have a place."""
    points = [at[node] for a, b in pairs for node in (a, b) if a in at and b in at]
    xy = np.array(points, dtype=float).reshape(-1, 2) if points else np.empty((0, 2))
    return pg.PlotDataItem(xy[:, 0], xy[:, 1], connect="pairs", pen=pen)
