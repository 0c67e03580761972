"""A later start hands its convodesk:// link to the running Convodesk and exits; the
running one opens it. Real processes, a real local socket."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from app.domain import Filter, Sort, SortColumn, Status
from app.links import filter_link
from tests.platform import ROOT, Platform
from tests.ui.apps import signing_in_app
from tests.ui.conftest import until
from tests.ui.test_main_window import _synced_window
from ui.single_instance import InstanceListener, LinkOpenEvents, instance_name

LINK = "convodesk://open?server=http%3A%2F%2F127.0.0.1%3A9&tenant=acme&view=v1"


async def _start_again(settings: Path, *args: str) -> tuple[int, str]:
    """`python main.py --settings FILE ARGS…` as the desktop would start it; its exit code and
    output. Awaited, so that this process's event loop answers it meanwhile."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "--settings",
        str(settings),
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, output.decode(errors="replace")


def test_a_later_start_hands_its_link_over_and_exits(
    qapp: Any, tmp_path: Path, run: Callable[..., Any]
) -> None:
    settings = tmp_path / "settings.json"
    received: list[str | None] = []
    listener = InstanceListener(instance_name(settings), received.append)
    assert listener.listening
    try:
        code, output = run(_start_again(settings, LINK))
        assert code == 0, output
        assert received == [LINK]
        code, output = run(_start_again(settings))  # no link: just come to the front
        assert code == 0, output
        assert received == [LINK, None]
    finally:
        listener.close()


def test_a_link_the_os_sends_as_a_file_open_event_is_received(qapp: Any) -> None:
    # macOS's way (a link of the bundle's URL scheme); elsewhere only a test can send it.
    received: list[str | None] = []
    links = LinkOpenEvents(received.append, qapp)
    qapp.installEventFilter(links)
    try:
        QApplication.sendEvent(qapp, QFileOpenEvent(QUrl(LINK)))
        QApplication.sendEvent(qapp, QFileOpenEvent(QUrl.fromLocalFile("/tmp/some.csv")))
        assert received == [LINK]  # a file is not a link
    finally:
        qapp.removeEventFilter(links)


def test_each_settings_profile_and_user_has_its_own_instance(tmp_path: Path) -> None:
    one, other = tmp_path / "a.json", tmp_path / "b.json"
    assert instance_name(one) == instance_name(one)
    assert instance_name(one) != instance_name(other)
    assert instance_name(None) != instance_name(one)
    assert len(instance_name(one)) < 40  # a Unix socket path has room for about 100 bytes


def test_the_socket_of_a_crashed_instance_does_not_stop_the_next(qapp: Any, tmp_path: Path) -> None:
    name = instance_name(tmp_path / "settings.json")
    crashed = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from PySide6.QtCore import QCoreApplication\n"
            "from ui.single_instance import InstanceListener\n"
            "app = QCoreApplication([])\n"
            f"listener = InstanceListener({name!r}, print)\n"
            "print('listening', listener.listening, flush=True)\n"
            "time.sleep(60)\n",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert crashed.stdout is not None
        assert crashed.stdout.readline().strip() == "listening True"
    finally:
        crashed.send_signal(signal.SIGKILL)  # no clean-up: its socket file stays behind
        crashed.wait()
    listener = InstanceListener(name, lambda _link: None)
    try:
        assert listener.listening
    finally:
        listener.close()


@pytest.mark.usefixtures("secret_service")
def test_a_link_given_before_the_window_exists_opens_in_it(
    ui_platform: Platform, tmp_path: Path, qapp: Any, run: Callable[..., Any]
) -> None:
    wanted = Filter(statuses=(Status.COMPLETED,))
    sort = Sort(column=SortColumn.DURATION, descending=False)
    app = signing_in_app(ui_platform, tmp_path, qapp)
    app.present(filter_link(ui_platform.url, "acme", wanted, sort))  # main.py's LINK argument

    async def scenario() -> None:
        window = await _synced_window(app)
        await until(lambda: window.listing.filter == wanted, what="the link's filters")
        assert window.listing.sort == sort
        assert window.filters.filter() == wanted
        # Handed over later (another start): the window comes to the front and opens it too.
        app.present(filter_link(ui_platform.url, "acme", Filter(flagged=True), Sort()))
        assert window.listing.filter == Filter(flagged=True)
        await app.workspace.close()
        window.close()

    run(scenario(), 120)
