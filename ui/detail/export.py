"""Exporting one conversation: its transcript as plain text, its full record as JSON, or a
printable PDF (Qt's printing, from the same plain text: nothing in it is read as markup)."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget

from app import transcript
from app.domain import Conversation, ConversationDetail
from app.saving import SaveFailed, safe_file_name, saving, write_atomically
from ui.save_dialog import ask_save_path

FOLDER_KEY = "transcripts/folder"


class TranscriptFormat(StrEnum):
    TEXT = "txt"
    JSON = "json"
    PDF = "pdf"


TITLES = {
    TranscriptFormat.TEXT: ("Export transcript as text", "Text files (*.txt)"),
    TranscriptFormat.JSON: ("Export conversation as JSON", "JSON files (*.json)"),
    TranscriptFormat.PDF: ("Export transcript as PDF", "PDF files (*.pdf)"),
}


def suggested_name(row: Conversation, suffix: str) -> str:
    """`Camille Wang 2026-12-07 cnv_ab12.pdf`: whatever the contact's name holds, a plain file."""
    return safe_file_name(f"{row.contact} {row.started_at.date().isoformat()} {row.id}", suffix)


def ask_path(parent: QWidget, row: Conversation, kind: TranscriptFormat) -> Path | None:
    """The file the user confirms in the save dialog (the suggested name, in the last folder)."""
    title, wanted = TITLES[kind]
    return ask_save_path(
        parent,
        title,
        suggested_name(row, f".{kind.value}"),
        folder_key=FOLDER_KEY,
        filters=f"{wanted};;All files (*)",
        suffix=f".{kind.value}",
    )


async def export(detail: ConversationDetail, kind: TranscriptFormat, path: Path) -> None:
    """Write the file whole or not at all (an existing file is replaced only on success)."""
    if kind is TranscriptFormat.PDF:
        print_pdf(detail, path)  # QTextDocument and the printer belong to the GUI thread
        return
    if kind is TranscriptFormat.JSON:
        data = detail.model_dump_json(indent=2).encode("utf-8")
    else:
        data = transcript.as_text(detail).encode("utf-8")
    await asyncio.to_thread(write_atomically, path, data)


def print_pdf(detail: ConversationDetail, path: Path) -> None:
    document = QTextDocument()
    document.setDefaultFont(QFont(QFont().family(), 10))
    document.setPlainText(transcript.as_text(detail))  # plain text: no markup is ever interpreted
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, f"Conversation {detail.id}")
    with saving(path) as temporary:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(temporary))
        margins = QMarginsF(18, 18, 18, 18)
        portrait = QPageLayout.Orientation.Portrait
        page = QPageLayout(QPageSize(QPageSize.PageSizeId.A4), portrait, margins, QPageLayout.Unit.Millimeter)
        printer.setPageLayout(page)
        printer.setDocName(f"Conversation {detail.id}")
        document.print_(printer)
        if printer.printerState() == QPrinter.PrinterState.Error or temporary.stat().st_size == 0:
            raise SaveFailed(path, "the PDF could not be written")
