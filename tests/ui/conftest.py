"""Fixtures for the window (ui/): widgets offscreen, one QApplication for the session (pytest-qt).

Helpers add their fixtures below, each in its own marked section.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

# Before any QApplication: tests never need a screen (screenshots run under Xvfb instead).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.platform import Platform, seed
from ui.pyside_workarounds import keep_singletons_alive

keep_singletons_alive()  # as main.py does: PySide6 6.12 loses references to None/True/False


# === the window against a real platform (ui/application, ui/main_window) ==========================

T = TypeVar("T")

UI_CONVERSATIONS = 300


@contextlib.contextmanager
def ui_data_platform(tmp_path_factory: pytest.TempPathFactory, simulate: int) -> Iterator[Platform]:
    """A platform process on the UI tests' data (seeded afresh), with `simulate` live calls."""
    db = f"sqlite:///{tmp_path_factory.mktemp('ui-platform') / 'platform.db'}"
    seed(db, UI_CONVERSATIONS, seed_value=5, audio_clips=1)
    with Platform(db, simulate=simulate).running(tmp_path_factory.mktemp("ui-logs")) as running:
        yield running


@pytest.fixture(scope="session")
def ui_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The window's own platform, with a few simulated live calls."""
    with ui_data_platform(tmp_path_factory, simulate=6) as running:
        yield running


@pytest.fixture
def own_platform(ui_platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform process of the test's own on the same data, that the test may stop (it is
    stopped at the end in any case)."""
    platform = Platform(ui_platform.db_url).start(tmp_path_factory.mktemp("own-platform"))
    yield platform
    platform.stop()


@pytest.fixture(scope="session")
def qloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """Qt's event loop as the asyncio loop (qasync), as main.py runs it; one for the session."""
    from ui.event_loop import EventLoop

    loop = EventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


@pytest.fixture
def run(qloop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """run(coroutine, timeout=60): drive the Qt + asyncio loop until the coroutine is done."""

    def runner(work: Awaitable[T], timeout: float = 60.0) -> T:
        return qloop.run_until_complete(asyncio.wait_for(work, timeout))  # type: ignore[arg-type]

    return runner


async def until(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    """Let the loop run until `condition()` holds (the window repaints meanwhile)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "settings.json"


@contextlib.contextmanager
def closing_windows() -> Iterator[None]:
    """Close every top-level window a test left open."""
    from PySide6.QtWidgets import QApplication

    try:
        yield
    finally:
        for widget in QApplication.topLevelWidgets():
            widget.close()
            widget.deleteLater()


from tests.client.conftest import secret_service  # noqa: E402, F401 - the real Secret Service, for sign-ins

# === the filters panel alone (ui/filters) ===========================================================


@pytest.fixture
def panel(qtbot: Any) -> Iterator[Any]:
    """A FiltersPanel shown offscreen, as a user would see it."""
    from ui.filters import FiltersPanel

    widget = FiltersPanel()
    qtbot.addWidget(widget)
    widget.resize(360, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
