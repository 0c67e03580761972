"""What the detail view's tests share: opening a conversation of the window, and the platform's
record of it to compare with."""

from __future__ import annotations

from collections.abc import Callable

from app.domain import ConversationDetail
from tests.platform import Platform, api_client
from tests.ui.conftest import until
from ui.detail.view import DetailView
from ui.main_window import MainWindow
from ui.table.model import RECORD_ROLE


def platform_detail(platform: Platform, conversation_id: str) -> ConversationDetail:
    with api_client(platform.url, "supervisor") as http:
        response = http.get(f"conversations/{conversation_id}")
        response.raise_for_status()
        return ConversationDetail.model_validate(response.json())


async def open_with(
    window: MainWindow, wanted: Callable[[ConversationDetail], bool], platform: Platform
) -> DetailView:
    """Opens the first ended conversation (of the first rows) whose full record is `wanted`.

    Only ended ones: a live call changes between reading it here and in the view. It is
    found again by id when opened, as live calls arriving above move the rows.
    """
    window.model.index(0, 0).data(RECORD_ROLE)  # asks for the first block
    await until(lambda: window.model.record(0) is not None, what="the first rows")
    for row in range(min(window.model.rowCount(), 100)):
        record = window.model.record(row)
        if record is None or record.status.value == "in_progress":
            continue
        if wanted(platform_detail(platform, record.id)):
            row_now = window.model.row_of_id(record.id)
            assert row_now is not None, "the conversation left the list"
            view = await open_row(window, row_now)
            assert view.conversation_id == record.id
            return view
    raise AssertionError("no such conversation in the first rows")


async def open_row(window: MainWindow, row: int) -> DetailView:
    window.table.setCurrentIndex(window.model.index(row, 0))
    window.table.setFocus()
    await until(lambda: window.model.index(row, 0).data(RECORD_ROLE) is not None, what="the row")
    window.table.open_requested.emit(window.table.current_record())
    view = window.tabs.currentWidget()
    assert isinstance(view, DetailView)
    return view
