"""The right panel of the detail view: what is known about a conversation, field by field.

Every value is a plain-text label (never rich text, whatever it holds) that wraps and can be
selected and copied. The summary row's fields show at once; the full record's (reason,
summary, analysis, sentiment, voice) when it arrives. The sentiment is a small bar chart of
the top emotions with their scores.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QPushButton, QScrollArea, QWidget

from app import labels
from app.domain import Conversation, ConversationDetail
from ui.detail.sentiment_bars import SentimentBars
from ui.table.columns import full_date, pairs_text

TOP_EMOTIONS = 3
NOTHING = "—"


def _value() -> QLabel:
    label = QLabel(NOTHING)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setMinimumWidth(120)
    return label


def _link(text: str) -> QPushButton:
    link = QPushButton(text)
    link.setFlat(True)
    link.setCursor(Qt.CursorShape.PointingHandCursor)
    link.setStyleSheet("text-align: left; padding-left: 0; color: palette(link)")
    return link


class FactsPanel(QScrollArea):
    contact_requested = Signal(str)  # a contact as shown: list all of its conversations
    flow_requested = Signal()  # bring the flow graph into view

    FIELDS = (
        "Platform",
        "Point of Contact",
        "Contact",
        "Status",
        "Tags",
        "Sentiment",
        "Flow",
        "Voice",
        "Duration",
        "Start",
        "End",
        "Reason",
        "Summary",
        "Analysis",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("facts")
        self.setAccessibleName("Conversation details")
        self.setWidgetResizable(True)
        self.setMinimumWidth(300)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        form = QFormLayout(inner)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.values: dict[str, QLabel] = {}
        self.sentiment = SentimentBars()
        self.contact_link = _link("All their conversations")
        self.contact_link.setToolTip("List every conversation of this contact")
        self.contact_link.clicked.connect(lambda: self.contact_requested.emit(self._contact))
        self.flow_link = _link("Show the flow graph")
        self.flow_link.setToolTip("Bring the flow graph above the transcript into view")
        self.flow_link.clicked.connect(self.flow_requested.emit)
        links = {"Contact": self.contact_link, "Flow": self.flow_link}  # beneath their fields
        for name in self.FIELDS:
            if name == "Sentiment":
                form.addRow(f"{name}:", self.sentiment)
                continue
            value = self.values[name] = _value()
            value.setAccessibleName(name)
            form.addRow(f"{name}:", value)
            if name in links:
                form.addRow("", links[name])
        self.setWidget(inner)
        self._contact = ""

    def show_summary(self, row: Conversation) -> None:
        self._contact = row.contact
        self._set("Platform", f"{labels.PLATFORM[row.platform]} · {labels.DIRECTION[row.direction]}")
        self._set("Point of Contact", row.point_of_contact)
        self._set("Contact", f"{row.contact}\n{row.contact_id}")
        self._set("Status", labels.STATUS[row.status])
        self._set("Tags", pairs_text(row.tags))
        self._set("Flow", row.flow_name)
        self.flow_link.setVisible(row.flow_id is not None)
        self._set("Duration", labels.duration(row.duration_seconds))
        self._set("Start", full_date(row.started_at))
        self._set("End", full_date(row.ended_at) if row.ended_at is not None else "In progress")

    def show_detail(self, detail: ConversationDetail) -> None:
        self.show_summary(detail)
        self._set("Voice", detail.voice or "")
        self._set("Reason", detail.reason)
        self._set("Summary", detail.summary)
        self._set("Analysis", detail.analysis)
        self.sentiment.show_emotions(
            sorted(detail.sentiment, key=lambda e: e.score, reverse=True)[:TOP_EMOTIONS]
        )

    def _set(self, name: str, text: str) -> None:
        self.values[name].setText(text or NOTHING)
