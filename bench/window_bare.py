"""The scrolling bound: a bare QTableView over an in-memory model of as many rows as the cache.

    python -m bench.window_bare < spec.json      # prints `BARE {json}` on stdout

The model is a plain QAbstractTableModel in Python whose cells are the texts of 1,000
real rows of the cache (read once with sqlite3), repeated: data() is a list look-up,
nothing is read while scrolling, nothing is drawn but the default delegate's text. The
table is given the real window's geometry: its viewport size, row height, and the
widths of the columns it shows, in their order. It takes the same steps as the window
(window_scroll) and reports their frames the same way.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from bench.window_frames import TimedApplication, memory_kb
from bench.window_probe import COLUMNS
from bench.window_scroll import run_steps
from ui.event_loop import EventLoop

PREFIX = "BARE "
POOL = 1000


class InMemoryModel(QAbstractTableModel):
    def __init__(self, rows: int, pool: list[list[str]], columns: int) -> None:
        super().__init__()
        self._rows, self._pool, self._columns = rows, pool, columns

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._columns

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self._pool[index.row() % len(self._pool)]
        return row[index.column() % len(row)]


def _pool(cache: str, tenant: str) -> list[list[str]]:
    db = sqlite3.connect(f"file:{cache}?mode=ro", uri=True)
    try:
        query = (
            f"SELECT {COLUMNS} FROM conversations WHERE tenant = ? ORDER BY started_at DESC, id DESC LIMIT ?"
        )
        return [[str(v) for v in row] for row in db.execute(query, (tenant, POOL))]
    finally:
        db.close()


def main() -> None:
    spec = json.loads(sys.stdin.read())
    from ui.pyside_workarounds import keep_singletons_alive

    keep_singletons_alive()  # as main.py: PySide6 6.12 on CPython 3.11 loses references to None
    qt = TimedApplication(["bare"])
    loop = EventLoop(qt)
    asyncio.set_event_loop(loop)
    widths: list[int] = spec["column_widths"]
    model = InMemoryModel(spec["rows"], _pool(spec["cache"], spec["tenant"]), len(widths))
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(spec["row_height"])
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    for section, width in enumerate(widths):
        header.resizeSection(section, width)
    table.show()
    margins = table.size() - table.viewport().size()  # frame and header around the viewport
    table.resize(spec["viewport"][0] + margins.width(), spec["viewport"][1] + margins.height())

    async def steps() -> dict[str, Any]:
        await asyncio.sleep(0.5)  # shown and painted once
        table.setCurrentIndex(model.index(0, 0))
        pages, page_longest = await run_steps(qt, table, None, spec["pages"])
        table.scrollToTop()
        await asyncio.sleep(0.2)
        jumps, jump_longest = await run_steps(qt, table, spec["jumps"], 0)
        return {
            "viewport": [table.viewport().width(), table.viewport().height()],
            "page_ms": [s.frame_ms for s in pages],
            "page_shown_ms": [s.shown_ms for s in pages],
            "jump_ms": [s.frame_ms for s in jumps],
            "jump_shown_ms": [s.shown_ms for s in jumps],
            "page_longest": page_longest,
            "jump_longest": jump_longest,
            **memory_kb(),
        }

    with loop:
        result = loop.run_until_complete(steps())
    print(PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
