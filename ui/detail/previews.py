"""Safe viewers for what an AI produced: no script, no network, nothing interpreted.

A CSV is read by the csv module into a table of plain-text cells (the first rows only, long
cells cut); an image is decoded by QImageReader under an allocation limit, its declared size
checked before a pixel is decoded (a decompression bomb is refused); a PDF is rendered by
QtPdf, which runs no JavaScript. Anything too large or malformed becomes a `Refused` with
the reason, shown in place of the preview (the file can still be downloaded).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject
from PySide6.QtGui import QImage, QImageReader, QStandardItem, QStandardItemModel
from PySide6.QtPdf import QPdfDocument

MAX_PREVIEW_BYTES = 20 * 2**20  # larger files are downloaded, not previewed
CSV_ROWS = 200
CSV_COLUMNS = 50
CSV_CELL_CHARS = 500
IMAGE_PIXELS = 40_000_000  # 40 megapixels: past that an image is not previewed
IMAGE_ALLOCATION_MB = 256  # QImageReader's own limit for one image


_PDF_ERRORS = {
    QPdfDocument.Error.InvalidFileFormat: "it is not a valid PDF file",
    QPdfDocument.Error.IncorrectPassword: "it is protected by a password",
    QPdfDocument.Error.UnsupportedSecurityScheme: "it uses a protection this app does not support",
}


@dataclass(frozen=True)
class Refused:
    """Why a file is not previewed, in plain words."""

    reason: str


@dataclass(frozen=True)
class CsvPreview:
    model: QStandardItemModel
    rows_shown: int
    truncated: bool  # more rows or columns than shown


def too_large(size: int) -> Refused | None:
    if size > MAX_PREVIEW_BYTES:
        return Refused(f"This file is too large to preview ({size:,} bytes). Download it to open it.")
    return None


def preview_csv(data: bytes, parent: QObject | None = None) -> CsvPreview | Refused:
    """The first rows of a CSV as plain-text cells; the first row is the header."""
    text = data.decode("utf-8-sig", errors="replace")
    if "\x00" in text:
        return Refused("This file is not a CSV table (it holds binary data).")
    model = QStandardItemModel(parent)
    truncated = False
    rows = 0
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text, newline=""))):
            if number > CSV_ROWS:
                truncated = True
                break
            truncated |= len(record) > CSV_COLUMNS
            cells = [_cell(value) for value in record[:CSV_COLUMNS]]
            if number == 0:
                model.setHorizontalHeaderLabels([c.text() for c in cells])
            else:
                model.appendRow(cells)
                rows += 1
    except csv.Error as exc:
        return Refused(f"This CSV file is malformed ({exc}).")
    return CsvPreview(model, rows, truncated)


def _cell(value: str) -> QStandardItem:
    shown = value if len(value) <= CSV_CELL_CHARS else value[: CSV_CELL_CHARS - 1] + "…"
    item = QStandardItem(shown)  # an item's text is plain: a view never renders it as markup
    item.setEditable(False)
    return item


def preview_image(data: bytes) -> QImage | Refused:
    """The decoded image, or why not (its declared size is checked before decoding)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(IMAGE_ALLOCATION_MB)
    size = reader.size()
    if not size.isValid():
        return Refused(f"This image cannot be read ({reader.errorString()}).")
    if size.width() * size.height() > IMAGE_PIXELS:
        return Refused(
            f"This image is too large to preview ({size.width():,} × {size.height():,} pixels). "
            "Download it to open it."
        )
    image = reader.read()
    if image.isNull():
        return Refused(f"This image cannot be read ({reader.errorString()}).")
    return image


def preview_pdf(data: bytes, parent: QObject | None = None) -> QPdfDocument | Refused:
    """The document loaded by QtPdf (rendering only: no JavaScript, no links followed)."""
    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() == 0:
        reason = _PDF_ERRORS.get(document.error(), "it is not a PDF this app can read")
        document.deleteLater()
        return Refused(f"This PDF cannot be shown ({reason}).")
    return document
