"""The launch children: the app with a first-paint probe, and a bare QTableView (the bound).

    python -m bench.window_probe app GIVE_UP_S -- --settings FILE --server URL  # main.py, probed
    python -m bench.window_probe bare CACHE TENANT WIDTH HEIGHT

Each prints one line `PROBE {json}` on stdout with time.monotonic() stamps (the parent
started its clock, the same system-wide one, just before starting the process):
`painted` is the end of the first paint of the table in which every row on screen had
its data (the probe notes it at that Paint event and stamps on the loop's next turn,
after the paint and its flush), plus the memory at that moment. The app probe
runs main.py unchanged: it wraps MainWindow.show (to find the table as soon as it
exists, adding no event filter of its own to the whole application) and watches that
table's viewport for Paint events only; then it closes the window and main.py shuts
down as it would. If no such paint comes within GIVE_UP_S of the window showing, it
reports `painted: null` and closes all the same. The probe imports nothing main.py does
not (ui.main_window is imported a moment before main.py would, to be wrapped).
"""

from __future__ import annotations

import json
import runpy
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "PROBE "


def _report(marks: dict[str, Any]) -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            marks[key.lower() + "_kb"] = int(value.split()[0])
    print(PREFIX + json.dumps(marks), flush=True)


def visible_rows_ready(table: Any) -> bool:
    """Every row on screen has its record (the placeholders are gone)."""
    model = table.model()
    rows = model.rowCount()
    if rows == 0:
        return False
    top = max(0, table.rowAt(0))
    bottom = table.rowAt(table.viewport().height() - 1)
    bottom = rows - 1 if bottom < 0 else bottom
    record = getattr(model, "record", None)
    if record is None:  # a plain model: its rows are there
        return True
    return all(record(row) is not None for row in range(top, bottom + 1))


def _watch_paints(table: Any, marks: dict[str, Any], done: Any) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() != QEvent.Type.Paint:
                return False
            now = time.monotonic()
            marks.setdefault("first_paint", now)
            if table.model().rowCount() > 0:
                marks.setdefault("rows_paint", now)
            if "painted" not in marks and visible_rows_ready(table):
                marks["ready_paint"] = now
                marks["painted"] = None  # stamped once this paint is over
                QTimer.singleShot(0, stamp)
            return False

    def stamp() -> None:
        marks["painted"] = time.monotonic()
        table.viewport().removeEventFilter(watch)
        done()

    watch = PaintWatch(table)
    table.viewport().installEventFilter(watch)


def app(give_up: float, argv: list[str]) -> None:
    """main.py with these arguments, probed."""
    marks: dict[str, Any] = {"probe_start": time.monotonic()}
    sys.path.insert(0, str(ROOT))
    from ui.launcher import import_core

    import_core()  # as main.py does, before Qt
    from PySide6.QtCore import QTimer

    import ui.main_window

    window_class = ui.main_window.MainWindow
    original_show = window_class.show

    def show(window: Any) -> None:
        marks.setdefault("window_show", time.monotonic())
        original_show(window)
        if "watching" not in marks:
            marks["watching"] = True

            def done() -> None:
                if "reported" in marks:
                    return
                marks["reported"] = True
                _report(marks)
                QTimer.singleShot(0, window.close)  # main.py then shuts down as it would

            def too_late() -> None:
                if "painted" not in marks:
                    marks["painted"] = None
                    done()

            _watch_paints(window.table, marks, done)
            QTimer.singleShot(int(give_up * 1000), too_late)

    window_class.show = show  # type: ignore[method-assign]
    marks["imports"] = time.monotonic()
    sys.argv = [str(ROOT / "main.py"), *argv]
    runpy.run_path(str(ROOT / "main.py"), run_name="__main__")


COLUMNS = (
    "id, platform, contact, status, flow_name, duration_seconds, last_message, started_at, flagged, "
    "functions, parameters, tags"
)


def bare(cache: str, tenant: str, width: int, height: int) -> None:
    """A QTableView over the first 100 rows of the same listing (date, newest first), read with
    sqlite3 from the same file into a QStandardItemModel: what showing them costs at least."""
    import sqlite3

    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView

    marks: dict[str, Any] = {"probe_start": time.monotonic()}
    sys.path.insert(0, str(ROOT))
    from ui.pyside_workarounds import keep_singletons_alive

    keep_singletons_alive()  # as main.py does (each setItem would lose a reference to None)
    qt = QApplication(["bare"])
    db = sqlite3.connect(f"file:{cache}?mode=ro", uri=True)
    rows = db.execute(
        f"SELECT {COLUMNS} FROM conversations WHERE tenant = ? ORDER BY started_at DESC, id DESC LIMIT 100",
        (tenant,),
    ).fetchall()
    db.close()
    model = QStandardItemModel(len(rows), len(rows[0]) if rows else 12)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            model.setItem(r, c, QStandardItem(str(value)))
    table = QTableView()
    table.setModel(model)
    table.resize(width, height)

    def done() -> None:
        _report(marks)
        qt.quit()

    _watch_paints(table, marks, done)
    table.show()
    qt.exec()


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "app":
        app(float(rest[0]), rest[2:] if rest[1:2] == ["--"] else rest[1:])
    elif mode == "bare":
        bare(rest[0], rest[1], int(rest[2]), int(rest[3]))
    else:
        raise SystemExit(f"unknown probe {mode!r}")
