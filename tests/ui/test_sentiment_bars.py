"""The sentiment chart of the facts panel: a bar per emotion as long as its score."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtGui import QGuiApplication, QImage, QPalette

from app.domain import Emotion
from ui.detail.sentiment_bars import SentimentBars

EMOTIONS = (Emotion(emotion="frustration", score=0.8), Emotion(emotion="calm", score=0.2))


def _highlight_runs(bars: SentimentBars) -> list[int]:
    """Per emotion row, how many pixels of its middle line are in the Highlight colour."""
    image = QImage(bars.size(), QImage.Format.Format_RGB32)
    image.fill(bars.palette().color(QPalette.ColorRole.Window))
    bars.render(image)
    pixels = np.frombuffer(image.constBits(), np.uint32).reshape(image.height(), image.width())
    highlight = bars.palette().color(QPalette.ColorRole.Highlight).rgb()
    row_h = bars.height() // len(bars.emotions)
    return [
        int(np.count_nonzero(pixels[i * row_h + row_h // 2] == highlight)) for i in range(len(bars.emotions))
    ]


def test_each_bar_is_as_long_as_its_score_and_the_list_reads_and_copies_as_text(qtbot: Any) -> None:
    bars = SentimentBars()
    qtbot.addWidget(bars)
    bars.show_emotions(EMOTIONS)
    bars.resize(400, bars.sizeHint().height())
    strong, weak = _highlight_runs(bars)
    assert weak > 0
    assert 3.3 < strong / weak < 4.7  # 0.8 against 0.2, give or take the rounded ends
    assert bars.accessibleDescription() == "frustration 0.80\ncalm 0.20"
    assert "frustration 0.80" in bars.toolTip()
    bars.copy()
    assert QGuiApplication.clipboard().text() == "frustration 0.80\ncalm 0.20"


def test_hostile_emotion_names_are_drawn_as_text_and_none_leaves_a_dash(qtbot: Any) -> None:
    bars = SentimentBars()
    qtbot.addWidget(bars)
    bars.show_emotions([Emotion(emotion="<b>angry</b>", score=1.0)])
    assert bars.accessibleDescription() == "<b>angry</b> 1.00"
    assert "&lt;b&gt;" in bars.toolTip()  # escaped: the tooltip shows the tags, never renders them
    bars.show_emotions([])
    assert bars.accessibleDescription() == "No sentiment"
    assert bars.toolTip() == ""
    assert bars.sizeHint().height() > 0
