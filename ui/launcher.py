"""Starting Convodesk: `convodesk [--server URL] [LINK]` opens the window (or hands the link
to the one running); `convodesk export …` exports CSV without one (app.export.command).

Qt is imported only once the window is wanted, so that `export` runs without a display.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from pathlib import Path


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="convodesk", description="Review and supervise AI-agent conversations."
    )
    parser.add_argument("--server", metavar="URL", help="the platform's address (remembered)")
    parser.add_argument("--settings", metavar="FILE", type=Path, help="settings file (default: the user's)")
    parser.add_argument("link", nargs="?", help="a convodesk:// link to open (docs/links.md)")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)


def import_core() -> None:
    """Import the core before Qt: once PySide6 is loaded it inspects every module imported after
    it (its `__feature__` support), about 0.15 s of start-up for the core's few hundred modules."""
    import app.links
    import app.sync.search
    import app.workspace  # noqa: F401


def run_window(argv: list[str]) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import_core()
    # Qt is imported here so that `main.py export` runs without a display.
    from ui.pyside_workarounds import keep_singletons_alive

    keep_singletons_alive()  # before the first Qt call
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from ui.application import Application, load_app_settings
    from ui.collector import Collector
    from ui.event_loop import EventLoop
    from ui.single_instance import InstanceListener, LinkOpenEvents, hand_over, instance_name

    QCoreApplication.setOrganizationName("Convodesk")
    QCoreApplication.setApplicationName("Convodesk")
    qt = QApplication(sys.argv[:1])
    qt.setApplicationDisplayName("Convodesk")
    qt.setDesktopFileName("convodesk")
    try:
        settings = load_app_settings(args.settings, args.server)
    except ValueError as exc:
        print(f"convodesk: {exc}", file=sys.stderr)
        return 2
    name = instance_name(args.settings)
    if hand_over(name, args.link):
        return 0  # Convodesk is running already: it has the link now
    loop = EventLoop(qt)
    asyncio.set_event_loop(loop)
    app = Application(qt, settings, settings_path=args.settings)
    listener = InstanceListener(name, app.present)
    qt.installEventFilter(LinkOpenEvents(app.present, qt))
    app.present(args.link)

    async def session() -> None:
        window = await app.start()
        if window is not None:
            await window.settled()
        gc.freeze()  # the start-up heap: full collections stop walking it (~100 ms stalls)
        if window is not None:
            collector = Collector(qt)  # and so on with what lives long from now on
            await app.finished.wait()
            collector.deleteLater()

    with loop:
        loop.run_until_complete(session())
    listener.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """The `convodesk` command (and `python main.py`): its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:
        from app.export.command import main as export

        return export(argv[1:])
    return run_window(argv)
