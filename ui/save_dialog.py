"""The save dialog every export and download uses: it opens in the folder last used for that
kind of file (else a standard location), proposes a name, and remembers where the user saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

Location = QStandardPaths.StandardLocation


def ask_save_path(
    parent: QWidget,
    title: str,
    name: str,
    *,
    folder_key: str,
    start_in: Location = Location.DocumentsLocation,
    filters: str = "",
    suffix: str = "",
) -> Path | None:
    """The file the user confirms, or None. `suffix` (".csv") is added to a name typed without one."""
    settings = QSettings()
    folder = settings.value(folder_key)
    if not isinstance(folder, str) or not Path(folder).is_dir():
        folder = QStandardPaths.writableLocation(start_in)
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / name), filters)
    if not chosen:
        return None
    path = Path(chosen)
    if suffix and not path.suffix:
        path = path.with_suffix(suffix)
    settings.setValue(folder_key, str(path.parent))
    return path
