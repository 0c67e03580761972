"""How the conversations table draws its cells: what each cell shows, and what is drawn only once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QStyleOptionViewItem

from app.domain import Conversation, Filter, KeyValuePair, Sort, TableColumn
from tests.client.conftest import search_pages
from tests.platform import Platform, api_client
from tests.ui.conftest import until
from ui.table.delegates import TextCache
from ui.table.model import ConversationsModel
from ui.table.view import ConversationsTable


@pytest.fixture(scope="module")
def record(ui_platform: Platform) -> Conversation:
    """A real row of the platform, with a value in every column."""
    with api_client(ui_platform.url, "supervisor") as http:
        first = next(iter(search_pages(http, Filter(), Sort()))).items[0]
    return first.model_copy(
        update={
            "flagged": True,
            "functions": ("lookup_order", "refund"),
            "tags": (KeyValuePair(key="tier", value="gold"),),
            "parameters": (KeyValuePair(key="lang", value="en"),),
        }
    )


def _table(records: Sequence[Conversation], qtbot: Any, run: Callable[..., Any]) -> ConversationsTable:
    async def fetch(keys: Sequence[int]) -> list[Conversation | None]:
        return [records[key] for key in keys]

    model = ConversationsModel()
    model.set_listing(np.arange(len(records), dtype=np.int64), fetch)
    table = ConversationsTable(model)
    qtbot.addWidget(table)
    table.resize(2200, 300)  # every column on screen
    table.show()
    run(until(lambda: model.record(0) is not None, 10, "the rows"))
    return table


def _cell(table: ConversationsTable, image: QImage, row: int, key: TableColumn) -> set[int]:
    """The colours of the pixels of one cell (in the viewport's image)."""
    section = next(i for i, c in enumerate(table.model().columns) if c.key is key)
    rect = table.visualRect(table.model().index(row, section)).intersected(image.rect())
    scale = image.devicePixelRatio()
    return {
        image.pixel(round(x * scale), round(y * scale))
        for x in range(rect.left(), rect.right())
        for y in range(rect.top(), rect.bottom())
    }


def test_every_column_draws_its_cell(record: Conversation, qtbot: Any, run: Callable[..., Any]) -> None:
    table = _table([record, record], qtbot, run)
    image = table.viewport().grab().toImage()
    for column in TableColumn:
        colours = _cell(table, image, 0, column)
        assert len(colours) > 2, f"{column.value} drew nothing"  # more than the background


def test_a_selected_row_is_highlighted(record: Conversation, qtbot: Any, run: Callable[..., Any]) -> None:
    table = _table([record, record], qtbot, run)
    table.selectRow(1)
    image = table.viewport().grab().toImage()
    highlight = table.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight).rgb()
    inactive = table.palette().color(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight).rgb()
    assert {highlight, inactive} & _cell(table, image, 1, TableColumn.CONTACT)
    assert not {highlight, inactive} & _cell(table, image, 0, TableColumn.CONTACT)


def test_cells_drawn_from_a_few_values_are_drawn_once(
    record: Conversation, qtbot: Any, run: Callable[..., Any]
) -> None:
    """Chips and icons are drawn once per content and look, then copied; a palette change draws
    them again in the new colours."""
    table = _table([record] * 20, qtbot, run)
    delegate: Any = table.itemDelegate()
    table.viewport().grab()
    drawn = len(delegate._pictures)
    assert drawn == 6  # status, platform, flag, functions, parameters, tags: once for 20 rows
    table.viewport().grab()
    assert len(delegate._pictures) == drawn
    palette = table.palette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    table.setPalette(palette)
    assert len(delegate._pictures) == 0


def test_texts_are_laid_out_once_as_plain_text(qtbot: Any, record: Conversation) -> None:
    cache = TextCache(limit=3)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 400, 20)
    hostile = "<b>bold</b> &amp; <img src=x>"
    static, width = cache.get(hostile, 400, option)
    assert static.text() == hostile and static.textFormat() == Qt.TextFormat.PlainText
    assert width == option.fontMetrics.horizontalAdvance(hostile)
    assert cache.get(hostile, 400, option)[0] is static  # laid out once
    narrow, narrow_width = cache.get(hostile, 40, option)
    assert narrow.text().endswith("…") and narrow_width <= 40
    cache.get("a", 40, option)
    cache.get("b", 40, option)  # the limit: the least recently drawn goes
    assert cache.get(hostile, 400, option)[0] is not static
