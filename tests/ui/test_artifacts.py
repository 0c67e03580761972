"""Artifacts: each kind previewed by its safe viewer, hostile files refused, downloads safely named."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QContextMenuEvent, QImage, QPainter, QPdfWriter
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QApplication, QScrollArea, QTableView

from app.domain import ArtifactInfo, ArtifactKind, ConversationDetail, Filter, Sort
from tests.client.conftest import search_pages
from tests.platform import Platform, api_client
from tests.ui.apps import signing_in_app
from tests.ui.conftest import until
from tests.ui.test_main_window import _synced_window
from ui.detail import previews
from ui.detail.artifact_dialog import suggested_name

pytestmark = pytest.mark.usefixtures("secret_service")


def _png(width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(0x336699)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def _bomb() -> bytes:
    """A tiny PNG declaring 100,000 × 100,000 pixels (40 GB decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 100_000, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _pdf(text: str) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    painter = QPainter(writer)
    painter.drawText(200, 200, text)
    painter.end()
    return bytes(buffer.data())


def test_a_csv_is_a_table_of_plain_cells_cut_to_its_first_rows(qapp: Any) -> None:
    rows = ["name,formula,markup"] + [f'row {n},=HYPERLINK("x"),<b>bold</b>' for n in range(500)]
    table = previews.preview_csv(("\n".join(rows)).encode())
    assert isinstance(table, previews.CsvPreview)
    assert table.model.horizontalHeaderItem(1).text() == "formula"
    assert table.rows_shown == previews.CSV_ROWS and table.truncated
    assert table.model.item(0, 1).text() == '=HYPERLINK("x")'  # shown as text, never evaluated
    assert table.model.item(0, 2).text() == "<b>bold</b>"
    assert isinstance(previews.preview_csv(b"\x00\x01binary"), previews.Refused)


def test_images_decode_under_limits_and_a_bomb_is_refused_before_decoding(qapp: Any) -> None:
    image = previews.preview_image(_png(64, 48))
    assert isinstance(image, QImage) and (image.width(), image.height()) == (64, 48)
    refused = previews.preview_image(_bomb())
    assert isinstance(refused, previews.Refused) and "too large to preview" in refused.reason
    assert isinstance(previews.preview_image(b"\x89PNG\r\n\x1a\ngarbage"), previews.Refused)


def test_a_pdf_renders_and_a_malformed_one_is_refused(qapp: Any) -> None:
    document = previews.preview_pdf(_pdf("Quarterly report"))
    assert not isinstance(document, previews.Refused) and document.pageCount() == 1
    assert "Quarterly report" in document.getAllText(0).text()
    refused = previews.preview_pdf(b"%PDF-1.7\n" + b"\xff" * 1000)
    assert isinstance(refused, previews.Refused) and "not a valid PDF" in refused.reason
    assert previews.too_large(previews.MAX_PREVIEW_BYTES + 1) is not None


@pytest.mark.parametrize(
    ("name", "kind", "media_type", "expected"),
    [
        ("../../etc/passwd", ArtifactKind.CSV, "text/csv", "etc passwd.csv"),
        ("CON.csv", ArtifactKind.CSV, "text/csv", "_CON.csv"),
        ("report.pdf.exe", ArtifactKind.PDF, "application/pdf", "report.pdf.exe.pdf"),
        (".hidden.png", ArtifactKind.IMAGE, "image/png", "hidden.png"),
        ("名前 with spaces ✓.csv", ArtifactKind.CSV, "text/csv", "名前 with spaces ✓.csv"),
        ("photo", ArtifactKind.IMAGE, "image/jpeg", "photo.jpg"),
    ],
)
def test_downloads_get_a_safe_name_of_their_kind(
    name: str, kind: ArtifactKind, media_type: str, expected: str
) -> None:
    artifact = ArtifactInfo(id="a1", kind=kind, name=name, media_type=media_type, size=10)
    assert suggested_name(artifact) == expected


def _with_artifacts(platform: Platform) -> dict[ArtifactKind, tuple[ConversationDetail, ArtifactInfo, bytes]]:
    """A conversation with an artifact of each kind, and that artifact's bytes on the platform."""
    found: dict[ArtifactKind, tuple[ConversationDetail, ArtifactInfo, bytes]] = {}
    with api_client(platform.url, "supervisor") as http:
        for page in search_pages(http, Filter(), Sort()):
            for item in page.items:
                detail = ConversationDetail.model_validate_json(http.get(f"conversations/{item.id}").content)
                for artifact in detail.artifacts:
                    if artifact.kind not in found:
                        data = http.get(f"conversations/{detail.id}/artifacts/{artifact.id}").content
                        found[artifact.kind] = (detail, artifact, data)
                if len(found) == len(ArtifactKind):
                    return found
    raise AssertionError(f"the demo data has artifacts of {sorted(found)} only")


def test_each_kind_of_artifact_previews_in_the_window_and_downloads_whole(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    artifacts = _with_artifacts(ui_platform)
    app = signing_in_app(ui_platform, tmp_path, qapp)
    viewers = {ArtifactKind.CSV: QTableView, ArtifactKind.IMAGE: QScrollArea, ArtifactKind.PDF: QPdfView}

    async def scenario() -> None:
        window = await _synced_window(app)
        for kind, (detail, artifact, data) in artifacts.items():
            view = window.tabs.open(detail.summary_record())
            await until(lambda view=view: view.detail is not None, 15, "the record")
            row = next(r for r in range(view.model.rowCount()) if view.model.entry(r).artifact == artifact)
            view.transcript.clicked.emit(view.model.index(row))  # a click on its entry
            dialog = view.artifacts[-1]
            await until(lambda dialog=dialog: dialog.loading.done(), 15, f"the {kind.value} preview")
            assert isinstance(dialog.viewer, viewers[kind]), dialog.notice.text()
            saved = await dialog.download(tmp_path / suggested_name(artifact))
            assert saved is not None and saved.read_bytes() == data
            dialog.close()
            # Its card's own menu: Preview, Download… (straight from the card) and Copy.
            index = view.model.index(row)
            view.transcript.scrollTo(index)
            at = view.transcript.visualRect(index).center()
            viewport = view.transcript.viewport()
            QApplication.sendEvent(
                viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, viewport.mapToGlobal(at))
            )
            menu = view.transcript.context_menu
            assert menu is not None
            offered = [a.text() for a in menu.actions() if not a.isSeparator()]
            assert offered == ["Preview", "Download…", "Copy"]
            menu.close()
            direct = await view.download_artifact(artifact, tmp_path / f"card-{suggested_name(artifact)}")
            assert direct is not None and direct.read_bytes() == data
        await app.workspace.close()
        window.close()

    run(scenario(), 120)
