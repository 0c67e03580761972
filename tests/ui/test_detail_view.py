"""The conversation detail view in the real window, against the platform process and its cache."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QApplication, QMessageBox

from app import transcript
from app.api.errors import Forbidden
from app.domain import ConversationDetail, Filter
from app.transcript import EntryKind
from tests.platform import Platform, api_client
from tests.ui.apps import returning_app, signing_in_app
from tests.ui.conftest import until
from tests.ui.detail_cases import open_row, open_with, platform_detail
from tests.ui.test_main_window import _synced_window
from ui.detail.export import TranscriptFormat, suggested_name
from ui.detail.transcript import ENTRY_ROLE, EXPANDED_ROLE, MATCHES_ROLE, body
from ui.detail.view import DetailView
from ui.table.model import RECORD_ROLE

pytestmark = pytest.mark.usefixtures("secret_service")


def _entries(view: DetailView) -> list[transcript.Entry]:
    return [view.model.index(r).data(ENTRY_ROLE) for r in range(view.model.rowCount())]


def test_a_conversation_opens_in_its_tab_with_its_transcript_and_facts(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        await until(lambda: window.model.rowCount() > 0, what="rows")
        view = await open_with(window, lambda d: bool(d.function_calls) and len(d.messages) > 2, ui_platform)
        await until(lambda: view.detail is not None, 15, "the full record")
        expected = platform_detail(ui_platform, view.conversation_id)
        assert view.detail == expected
        assert _entries(view) == list(transcript.entries(expected))  # content and order
        shown = [e for e in _entries(view) if e.kind is EntryKind.MESSAGE]
        assert [e.text for e in shown] == [m.text for m in expected.messages if m.role.value != "coaching"]
        # The facts: plain text, wrapped, selectable.
        facts = view.facts.values
        assert facts["Summary"].text() == (expected.summary or "—")
        assert facts["Contact"].text().startswith(expected.contact)
        top = sorted(expected.sentiment, key=lambda e: e.score, reverse=True)[:3]
        assert view.facts.sentiment.emotions == tuple(top)  # the chart: the top three, strongest first
        shown_labels = [*facts.values(), view.notice]
        assert all(label.textFormat() == Qt.TextFormat.PlainText for label in shown_labels)
        # A function call expands to its input and output.
        call_row = next(r for r, e in enumerate(_entries(view)) if e.kind is EntryKind.FUNCTION)
        index = view.model.index(call_row)
        folded = view.transcript.sizeHintForIndex(index).height()
        view.transcript.clicked.emit(index)
        assert index.data(EXPANDED_ROLE) is True
        assert view.transcript.sizeHintForIndex(index).height() > folded
        # Opening it again brings its tab forward; Ctrl+W-like closing leaves the list.
        tabs = window.tabs.count()
        window.tabs.setCurrentIndex(0)
        assert view.detail is not None
        window.table.open_requested.emit(view.detail.summary_record())
        assert window.tabs.count() == tabs and window.tabs.currentWidget() is view
        window.tabs.close_tab(window.tabs.indexOf(view))
        assert window.tabs.count() == tabs - 1
        window.tabs.close_tab(0)  # the list stays
        assert window.tabs.count() == tabs - 1
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_hostile_text_is_shown_as_it_was_sent(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    """Markup in a message is text: the transcript's line holds it verbatim."""
    app = signing_in_app(ui_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        window.listing.set_filter(Filter(content="script"))
        await until(lambda: window.model.rowCount() > 0, what="a hostile conversation")
        view = await open_with(window, lambda d: any("<" in m.text for m in d.messages), ui_platform)
        await until(lambda: view.detail is not None, 15, "the full record")
        hostile = next(e for e in _entries(view) if "<" in e.text)
        line = view.model.index(_entries(view).index(hostile)).data(Qt.ItemDataRole.DisplayRole)
        assert hostile.text in line
        view.transcript.grab()  # painted without interpreting it (drawText has no rich text)
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_offline_a_conversation_opened_before_opens_from_the_cache_and_another_says_why_not(
    own_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    first = signing_in_app(own_platform, tmp_path, qapp)
    opened: dict[str, str] = {}

    async def online() -> None:
        window = await _synced_window(first)
        view = await open_row(window, 0)
        await until(lambda: view.detail is not None, 15, "the full record")
        opened["id"] = view.conversation_id
        window.model.index(1, 0).data(RECORD_ROLE)  # asks for the first block
        await until(lambda: window.model.record(1) is not None, what="the rows")
        held = (window.model.record(i) for i in range(1, min(window.model.rowCount(), 100)))  # block 0
        opened["other"] = next(r.id for r in held if r is not None and r.id != view.conversation_id)
        await first.workspace.close()
        window.close()

    run(online(), 120)
    own_platform.stop()
    again = returning_app(own_platform, tmp_path, qapp)

    async def offline() -> None:
        window = await again.start()
        assert window is not None
        await until(lambda: window.model.rowCount() > 0, what="the cached rows")
        record = again.workspace.store.rows(again.workspace.tenant, [opened["id"]])[0]  # type: ignore[union-attr]
        view = window.tabs.open(record)
        await until(lambda: view.detail is not None, 15, "the cached record")
        assert view.detail is not None and view.detail.id == opened["id"] and view.model.rowCount() > 0
        other = again.workspace.store.rows(again.workspace.tenant, [opened["other"]])[0]  # type: ignore[union-attr]
        missing = window.tabs.open(other)
        await until(lambda: "not available offline" in missing.notice.text(), 15, "the notice")
        assert missing.model.rowCount() == 0
        await until(lambda: window.banner.explanation is not None, 5, "the banner")
        assert window.banner.explanation is not None
        assert "not available offline" in window.banner.explanation.message
        await again.workspace.close()
        window.close()

    run(offline(), 60)


def _message_box() -> QMessageBox | None:
    return next(
        (w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None
    )


def test_deleting_asks_naming_the_conversation_then_removes_it_everywhere(
    own_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(own_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        view = await open_with(window, lambda d: True, own_platform)
        await until(lambda: view.detail is not None, 15, "the full record")
        conversation_id, contact = view.conversation_id, view.row.contact
        assert view.delete_action.isEnabled()
        # Cancelled: nothing happens.
        asking = asyncio.ensure_future(view.delete())
        await until(lambda: _message_box() is not None, 5, "the confirmation")
        box = _message_box()
        assert box is not None and contact in box.text() and conversation_id in box.informativeText()
        box.button(QMessageBox.StandardButton.Cancel).click()
        assert await asking is False
        assert window.tabs.indexOf(view) > 0
        # Confirmed: gone from the platform, the cache and the table; its tab closes.
        asking = asyncio.ensure_future(view.delete())
        await until(lambda: _message_box() is not None, 5, "the confirmation")
        box = _message_box()
        assert box is not None
        next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole).click()
        assert await asking is True
        assert all(v.conversation_id != conversation_id for v in window.tabs.details())  # its tab closed
        with api_client(own_platform.url, "supervisor") as http:
            assert http.get(f"conversations/{conversation_id}").status_code == 404
        store, tenant = app.workspace.store, app.workspace.tenant
        assert store is not None and tenant is not None
        assert store.rows(tenant, [conversation_id]) == [] and store.detail(tenant, conversation_id) is None
        await until(
            lambda: (
                conversation_id
                not in {window.model.record(r) and window.model.record(r).id for r in range(50)}
            ),
            15,
            "the table to drop it",
        )
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_a_read_only_user_cannot_delete(
    own_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(own_platform, tmp_path, qapp, "readonly")

    async def scenario() -> None:
        window = await _synced_window(app)
        view = await open_row(window, 0)
        await until(lambda: view.detail is not None, 15, "the full record")
        assert not view.delete_action.isEnabled()
        assert "role" in view.delete_action.toolTip()
        # The platform refuses it too, and nothing is removed from the cache.
        with pytest.raises(Forbidden):
            await app.workspace.delete_conversation(view.conversation_id)
        store, tenant = app.workspace.store, app.workspace.tenant
        assert store is not None and tenant is not None
        assert store.detail(tenant, view.conversation_id) is not None
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_find_in_the_transcript_marks_every_match_and_steps_through_them(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any], qtbot: Any
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        view = await open_with(window, lambda d: len(d.messages) >= 6, ui_platform)
        await until(lambda: view.detail is not None, 15, "the full record")
        window.activateWindow()
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Ctrl+F in a detail tab
        assert view.find_bar.isVisible() and view.find_bar.field.hasFocus()
        word = "the"
        qtbot.keyClicks(view.find_bar.field, word.upper())  # case-insensitive
        expected = sum(transcript_body(view, r).lower().count(word) for r in range(view.model.rowCount()))
        assert expected >= 2 and len(view.model.matches) == expected
        assert view.find_bar.count.text() == f"1 of {expected}"
        first_row = view.model.matches[0][0]
        assert any(current for *_, current in view.model.index(first_row).data(MATCHES_ROLE))
        qtbot.keyClick(view.find_bar.field, Qt.Key.Key_Return)
        assert view.find_bar.count.text() == f"2 of {expected}"
        row = view.model.matches[1][0]
        assert view.transcript.viewport().rect().intersects(view.transcript.visualRect(view.model.index(row)))
        qtbot.keyClick(view.find_bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        assert view.find_bar.count.text() == f"1 of {expected}"
        view.transcript.grab()  # painted with the highlights
        qtbot.keyClick(view.find_bar.field, Qt.Key.Key_Escape)
        assert not view.find_bar.isVisible() and view.model.matches == []
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def transcript_body(view: DetailView, row: int) -> str:
    return body(view.model.entry(row), bool(view.model.index(row).data(EXPANDED_ROLE)))


def _pdf_text(path: Path) -> str:
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    text = "\n".join(document.getAllText(page).text() for page in range(document.pageCount()))
    document.close()
    return text


def test_a_conversation_exports_as_text_json_and_a_pdf_that_reads_back(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)
    out = tmp_path / "exports"
    out.mkdir()

    async def scenario() -> None:
        window = await _synced_window(app)
        view = await open_with(window, lambda d: len(d.messages) >= 4, ui_platform)
        await until(lambda: view.detail is not None, 15, "the full record")
        detail = view.detail
        assert detail is not None and view.export_button.isEnabled()
        name = suggested_name(view.row, ".pdf")
        assert name.endswith(f"{detail.id}.pdf") and "/" not in name
        text = await view.export(TranscriptFormat.TEXT, out / "t.txt")
        assert text is not None and text.read_text("utf-8") == transcript.as_text(detail)
        assert all(m.text in text.read_text("utf-8") for m in detail.messages)
        record = await view.export(TranscriptFormat.JSON, out / "t.json")
        assert record is not None and ConversationDetail.model_validate_json(record.read_bytes()) == detail
        pdf = await view.export(TranscriptFormat.PDF, out / "t.pdf")
        assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
        printed = " ".join(_pdf_text(pdf).split())
        assert detail.id in printed and detail.contact in printed
        for message in detail.messages[:3]:
            assert " ".join(message.text.split()) in printed
        assert sorted(p.name for p in out.iterdir()) == ["t.json", "t.pdf", "t.txt"]  # no temporaries
        # A folder that is not there: the banner says so, nothing is written.
        assert await view.export(TranscriptFormat.PDF, out / "gone" / "t.pdf") is None
        await until(lambda: window.banner.explanation is not None, 5, "the banner")
        assert (
            window.banner.explanation is not None
            and "could not be saved" in window.banner.explanation.message
        )
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_the_flow_shows_the_path_and_a_node_of_it_brings_its_message_into_view(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        view = await open_with(window, lambda d: len(d.flow_path) >= 3 and len(d.messages) >= 6, ui_platform)
        await until(lambda: view.flow_view.layout_ is not None, 15, "the flow laid out")
        detail, graph = view.detail, view.flow_view
        assert detail is not None and graph.flow is not None and graph.flow.id == detail.flow_id
        assert graph.layout_ is not None
        assert {s.node_id for s in detail.flow_path} <= set(graph.layout_.positions)
        assert not graph.notice.isVisible()
        last = max(detail.flow_path, key=lambda s: s.message_index)
        step = graph.first_step(last.node_id)
        assert step is not None
        graph.step_requested.emit(step)  # what a click on that node does
        current = view.transcript.currentIndex()
        assert view.model.entry(current.row()).message_index == step.message_index
        assert view.transcript.viewport().rect().intersects(view.transcript.visualRect(current))
        # The facts' Flow link brings the graph back into view when its pane was collapsed.
        view.reading.setSizes([0, sum(view.reading.sizes())])
        assert view.facts.flow_link.isVisibleTo(view)
        view.facts.flow_link.click()
        assert view.reading.sizes()[0] >= graph.minimumSizeHint().height()
        # A path through a node the flow does not have: said in the panel, the rest drawn.
        odd = (
            *detail.flow_path,
            detail.flow_path[0].model_copy(update={"node_id": "no-such-node", "step": 99}),
        )
        await graph.show_flow(graph.flow, odd, None)
        assert "does not match" in graph.notice.text() and graph.plot.isVisibleTo(view)
        await app.workspace.close()
        window.close()

    run(scenario(), 120)
