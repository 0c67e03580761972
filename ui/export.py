"""Exporting the table's listing to CSV from the window: the file to write, a progress
dialog with Cancel, and the export itself off the GUI thread.

The export (Workspace.export_listing) reports progress from a worker thread; the dialog
reads the latest figures on a timer instead of being signalled for every block, so a
fast export never floods the event loop. Cancel asks the export to stop at its next
block: nothing is written then, and an existing file is left as it was.
"""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path

from PySide6.QtCore import QLocale, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.domain import Filter, Sort, TableColumn
from app.export.csv_table import ExportCancelled
from app.workspace import Workspace
from ui.save_dialog import ask_save_path

FOLDER_KEY = "export/folder"  # QSettings: where the last export went
POLL_MS = 100  # the dialog's refresh of the figures
SHOW_AFTER_MS = 400  # a quick export finishes without a dialog flashing up


def suggested_name(view_name: str | None, today: date) -> str:
    """`Production Calls 2026-12-07.csv`: the view's name made safe for every file system."""
    base = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", view_name or "").strip(" .") or "Conversations"
    return f"{base[:80]} {today.isoformat()}.csv"


def ask_export_path(parent: QWidget, view_name: str | None) -> Path | None:
    """The file the user chooses (with .csv added when the name has no suffix), or None."""
    return ask_save_path(
        parent,
        "Export conversations to CSV",
        suggested_name(view_name, date.today()),
        folder_key=FOLDER_KEY,
        filters="CSV files (*.csv);;All files (*)",
        suffix=".csv",
    )


class ExportJob(QObject):
    """One export of a listing to one file, with its progress dialog.

    Emits exactly one of `finished(rows written, path)`, `cancelled()`, `failed(exception)`,
    then `ended()`."""

    finished = Signal(int, object)
    cancelled = Signal()
    failed = Signal(object)
    ended = Signal()

    def __init__(
        self,
        workspace: Workspace,
        query: tuple[Filter, Sort, tuple[TableColumn, ...]],
        path: Path,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self._workspace = workspace
        self._query = query
        self._stop = threading.Event()
        self._figures: tuple[int, int] | None = None  # (written, expected), set by the worker
        self.dialog = QProgressDialog(parent)
        self.dialog.setObjectName("exportProgress")
        self.dialog.setWindowTitle("Export CSV")
        self.dialog.setAccessibleName("Export progress")
        self.dialog.setLabelText(f"Preparing the export to {path.name}…")
        self.dialog.setRange(0, 0)  # busy until the first figures arrive
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        # Not modal: the window stays usable (and keeps updating) while the export runs.
        self.dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.dialog.setMinimumDuration(SHOW_AFTER_MS)
        self.dialog.setMinimumWidth(460)  # room for the figures and a file name
        self.dialog.canceled.connect(self.cancel)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.refresh)

    @property
    def cancel_requested(self) -> bool:
        return self._stop.is_set()

    def cancel(self) -> None:
        """Ask the export to stop; it ends (as `cancelled`) at its next block."""
        self._stop.set()
        self.dialog.setLabelText("Cancelling…")

    async def run(self) -> None:
        self.dialog.setValue(0)  # starts the dialog's minimum-duration clock
        self._poll.start()
        f, sort, columns = self._query
        try:
            written = await self._workspace.export_listing(
                f, sort, columns, self.path, progress=self.progress, cancelled=self._stop.is_set
            )
        except ExportCancelled:
            self.cancelled.emit()
        except Exception as exc:  # typed errors of the core, explained by the window
            self.failed.emit(exc)
        else:
            self.finished.emit(written, self.path)
        finally:
            self._poll.stop()
            self.dialog.canceled.disconnect(self.cancel)  # closing a progress dialog cancels it
            self.dialog.close()
            self.dialog.deleteLater()
            self.ended.emit()
            self.deleteLater()

    def progress(self, written: int, expected: int) -> None:
        """What the export reports (from any thread); the dialog shows it at its next refresh."""
        self._figures = (written, expected)  # one assignment: safe from the worker thread

    def refresh(self) -> None:
        """Show the latest figures (the dialog's timer calls this while the export runs)."""
        figures = self._figures
        if figures is None or self._stop.is_set():
            return
        written, expected = figures
        locale = QLocale()
        if expected > 0:
            # The bar's range is an int; a percentage keeps any count in range.
            self.dialog.setRange(0, 1000)
            self.dialog.setValue(min(1000, written * 1000 // expected))
        self.dialog.setLabelText(
            f"Exporting {locale.toString(written)} of {locale.toString(expected)} "
            f"conversations to {self.path.name}…"
        )
