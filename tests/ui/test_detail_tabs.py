"""Going between opened conversations — back, forward — and popping one out into its own window,
in the real window against the platform process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.platform import Platform
from tests.ui.apps import signing_in_app
from tests.ui.conftest import until
from tests.ui.test_main_window import _synced_window
from ui.detail.history import VisitHistory
from ui.detail.view import DetailView
from ui.detail.window import DetailWindow
from ui.table.model import RECORD_ROLE

pytestmark = pytest.mark.usefixtures("secret_service")


def test_history_goes_back_and_forward_like_a_browser_skipping_what_was_closed() -> None:
    history, open_ = VisitHistory(), {"a", "b", "c", "d"}
    is_open = open_.__contains__
    assert history.back(is_open) is None
    for visit in ("a", "b", "b", "c"):
        history.visit(visit)
    assert history.back(is_open) == "b" and history.back(is_open) == "a"
    assert history.back(is_open) is None and not history.can_go(-1, is_open)
    assert history.forward(is_open) == "b"
    history.visit("d")  # a new visit drops what lay ahead
    assert history.forward(is_open) is None
    open_.discard("b")
    assert history.back(is_open) == "a"  # b is closed: skipped
    history.visit("a")
    assert history.forward(is_open) == "d"


def test_back_forward_and_a_conversation_popped_out_into_its_own_window(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    app = signing_in_app(ui_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        window.model.index(0, 0).data(RECORD_ROLE)
        await until(lambda: window.model.record(3) is not None, what="the first rows")
        rows = [window.model.record(r) for r in range(4)]
        assert all(rows)
        tabs = window.tabs
        views = [tabs.open(row) for row in rows[:3]]  # type: ignore[arg-type]
        assert tabs.currentWidget() is views[2] and not tabs.forward_action.isEnabled()

        assert tabs.back() is views[1] and tabs.currentWidget() is views[1]
        window.activateWindow()
        QTest.keyClick(tabs, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
        assert tabs.currentWidget() is views[0] and not tabs.back_action.isEnabled()
        QTest.keyClick(tabs, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        assert tabs.currentWidget() is views[1]
        # The Conversation menu: the toolbar's own actions of the one in front, then the tabs'.
        window._fill_conversation_menu()
        offered = window.conversation_menu.actions()
        assert all(a in offered for a in views[1].actions_for_menu())
        assert tabs.back_action in offered and tabs.pop_out_action in offered
        tabs.setCurrentIndex(0)
        window._fill_conversation_menu()
        assert not any(a in window.conversation_menu.actions() for a in views[1].actions_for_menu())
        assert not tabs.pop_out_action.isEnabled() and not tabs.close_action.isEnabled()
        tabs.setCurrentWidget(views[1])
        tabs.close_action.trigger()  # Ctrl+W; closed: back and forward pass over it
        assert views[1] not in tabs.details()
        assert tabs.back() is views[0] and tabs.forward() is views[2]

        # Popped out: a window of its own with the same view; opening it again brings it forward.
        count = tabs.count()
        popped = tabs.pop_out()
        assert isinstance(popped, DetailWindow) and popped.view is views[2] and popped.isVisible()
        assert tabs.count() == count - 1 and views[2] in tabs.details()
        assert rows[2] is not None and rows[2].contact in popped.windowTitle()
        assert tabs.open(rows[2]) is views[2] and tabs.count() == count - 1  # type: ignore[arg-type]
        assert tabs.back() is views[0]  # back goes to a tab; forward to the window
        assert tabs.forward() is views[2]
        # Deleted elsewhere: its window closes too. Then closing the window lets the view go.
        fourth = tabs.open(rows[3])  # type: ignore[arg-type]
        assert isinstance(fourth, DetailView)
        tabs.pop_out()
        tabs.close_conversation(fourth.conversation_id)
        assert fourth not in tabs.details() and len(tabs.windows) == 1
        popped.close()
        await until(lambda: not tabs.windows, 5, "the window to go")
        assert views[2] not in tabs.details()
        assert tabs.forward() is None and tabs.currentWidget() is views[0]
        await app.workspace.close()
        window.close()

    run(scenario(), 120)
