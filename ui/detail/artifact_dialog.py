"""One artifact: its preview by a safe viewer (ui.detail.previews), and Download….

The preview is read in the background (the copy kept offline, else the platform's, capped);
what cannot be previewed says why in place, and can still be downloaded under a safe name
the user confirms.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.api.errors import ApiError
from app.cache.errors import CacheError
from app.domain import ArtifactInfo, ArtifactKind
from app.saving import safe_file_name
from app.workspace import Workspace
from ui.detail import previews
from ui.detail.downloads import saved
from ui.save_dialog import Location, ask_save_path
from ui.tasks import spawn

FOLDER_KEY = "artifacts/folder"
MAX_COLUMN_WIDTH = 320  # pixels: a long cell does not push the others out of view
SUFFIX = {ArtifactKind.CSV: ".csv", ArtifactKind.IMAGE: ".png", ArtifactKind.PDF: ".pdf"}
_IMAGE_SUFFIX = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def suggested_name(artifact: ArtifactInfo) -> str:
    """The artifact's own name made safe, with the suffix of what it is (its kind decides, not
    its name: `report.pdf.exe` is saved as `report.pdf.exe.pdf`)."""
    suffix = (
        _IMAGE_SUFFIX.get(artifact.media_type, ".png")
        if artifact.kind is ArtifactKind.IMAGE
        else SUFFIX[artifact.kind]
    )
    stem = artifact.name[: -len(suffix)] if artifact.name.lower().endswith(suffix) else artifact.name
    return safe_file_name(stem, suffix, fallback="Artifact")


def ask_artifact_path(parent: QWidget, artifact: ArtifactInfo) -> Path | None:
    """Where the user confirms saving the artifact (its suggested safe name); None: cancelled."""
    return ask_save_path(
        parent,
        "Download artifact",
        suggested_name(artifact),
        folder_key=FOLDER_KEY,
        start_in=Location.DownloadLocation,
    )


class ArtifactDialog(QDialog):
    failed = Signal(object)  # a problem to explain in the window's banner

    def __init__(
        self,
        workspace: Workspace,
        conversation_id: str,
        artifact: ArtifactInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("artifactDialog")
        self.setWindowTitle(f"Artifact · {artifact.name}")
        self.resize(820, 640)
        self.workspace, self.conversation_id, self.artifact = workspace, conversation_id, artifact
        self.notice = QLabel("Loading the preview…")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.viewer: QWidget | None = None
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.download_button = buttons.addButton("Download…", QDialogButtonBox.ButtonRole.ActionRole)
        self.download_button.clicked.connect(lambda: spawn(self.download()))
        buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.notice)
        self._layout.addWidget(buttons)
        self.loading = spawn(self._load())
        self.finished.connect(lambda _code: self.loading.cancel())  # closed before its preview came

    async def _load(self) -> None:
        refused = previews.too_large(self.artifact.size)
        if refused is not None:
            self._refuse(refused)
            return
        try:
            data = await self.workspace.artifact_bytes(
                self.conversation_id, self.artifact, max_bytes=previews.MAX_PREVIEW_BYTES
            )
        except (ApiError, CacheError) as exc:
            self._refuse(previews.Refused(exc.message))
            return
        self._show(data)

    def _show(self, data: bytes) -> None:
        kind = self.artifact.kind
        if kind is ArtifactKind.CSV:
            table = previews.preview_csv(data, self)
            if isinstance(table, previews.Refused):
                self._refuse(table)
                return
            view = QTableView()
            view.setModel(table.model)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            view.setWordWrap(False)
            view.resizeColumnsToContents()
            for column in range(table.model.columnCount()):
                view.setColumnWidth(column, min(view.columnWidth(column), MAX_COLUMN_WIDTH))
            view.horizontalHeader().setStretchLastSection(True)
            more = " (the first rows and columns only)" if table.truncated else ""
            self._viewer(view, f"{table.rows_shown:,} rows shown{more}.")
        elif kind is ArtifactKind.IMAGE:
            image = previews.preview_image(data)
            if isinstance(image, previews.Refused):
                self._refuse(image)
                return
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            scroll = QScrollArea()
            scroll.setWidget(label)
            self._viewer(scroll, f"{image.width():,} × {image.height():,} pixels.")
        else:
            document = previews.preview_pdf(data, self)
            if isinstance(document, previews.Refused):
                self._refuse(document)
                return
            pdf = QPdfView()
            pdf.setDocument(document)
            pdf.setPageMode(QPdfView.PageMode.MultiPage)
            pdf.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            self._viewer(pdf, f"{document.pageCount():,} pages.")

    def _viewer(self, widget: QWidget, caption: str) -> None:
        self.viewer = widget
        widget.setObjectName("artifactPreview")
        self.notice.setText(caption)
        self._layout.insertWidget(1, widget, 1)

    def _refuse(self, refused: previews.Refused) -> None:
        self.notice.setText(refused.reason)

    async def download(self, dest: Path | None = None) -> Path | None:
        """Save the file where the user confirms (the suggested safe name); None if cancelled or
        not written (the banner says why)."""
        dest = dest or ask_artifact_path(self, self.artifact)
        if dest is None:
            return None
        return await saved(
            dest, self.workspace.download_artifact(self.conversation_id, self.artifact, dest), self.failed
        )
