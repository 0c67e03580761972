"""Starting again after a first sign-in: the window opens on the cache without waiting for the
platform, then says how going online went."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.connectivity import Link
from tests.platform import Platform
from tests.ui.apps import returning_app, signing_in_app
from tests.ui.conftest import until
from tests.ui.test_main_window import _synced_window
from ui.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("secret_service")


@contextmanager
def _silent_server(port: int) -> Iterator[None]:
    """A server at `port` that takes connections and never answers (a platform that hangs)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)  # the kernel completes the handshakes; nobody reads or writes
    try:
        yield
    finally:
        listener.close()


def _rows_shown(window: MainWindow) -> bool:
    model = window.model
    return model.rowCount() > 0 and model.record(0) is not None


def _first_session(platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]) -> None:
    first = signing_in_app(platform, tmp_path, qapp)

    async def signed_in() -> None:
        window = await _synced_window(first)
        await first.workspace.close()
        window.close()

    run(signed_in(), 120)


def test_the_window_shows_the_cache_while_the_platform_does_not_answer(
    own_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    _first_session(own_platform, tmp_path, qapp, run)
    own_platform.stop()
    again = returning_app(own_platform, tmp_path, qapp)

    async def hanging() -> None:
        window = await again.start()
        assert window is not None
        await until(lambda: _rows_shown(window), 10, "the cached rows")
        # Rows on screen while the platform still has not answered the first request.
        assert again.workspace.connectivity.state.link is Link.CONNECTING
        assert window.status.link.text() == "Connecting…"
        await again.workspace.close()
        window.close()

    with _silent_server(own_platform.port):
        run(hanging(), 60)


def test_a_returning_user_signed_out_is_told_so_not_left_connecting(
    own_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    first = signing_in_app(own_platform, tmp_path, qapp)

    async def signed_in_then_out() -> None:
        window = await _synced_window(first)
        await first.workspace.sign_out()  # the keyring forgets the sign-in
        await first.workspace.close()
        window.close()

    run(signed_in_then_out(), 120)
    again = returning_app(own_platform, tmp_path, qapp)

    async def returning() -> None:
        window = await again.start()
        assert window is not None
        await until(lambda: _rows_shown(window), 10, "the cached rows")
        await until(lambda: again.workspace.connectivity.state.link is Link.SIGNED_OUT, 20, "signed out")
        assert "sign in" in window.status.link.toolTip().lower() + window.status.link.text().lower()
        await again.workspace.close()
        window.close()

    run(returning(), 60)
