"""Screenshots of the real window on the demo data, light and dark, into docs/screenshots/.

Run through `./dev screenshots` (a virtual X screen, a private keyring and the platform are
started for it). It seeds a platform with today's dates, signs in as the demo supervisor
(the platform's own sign-in form, filled in as a browser would), waits for the first sync
and photographs the window as a user would see it.
"""

from __future__ import annotations

import os

# On the virtual X screen, as a user's window (tests.ui.conftest would default to offscreen).
os.environ["QT_QPA_PLATFORM"] = "xcb"

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, QSettings
from PySide6.QtWidgets import QApplication

from app.domain import ArtifactKind, Status
from app.settings import ClientSettings
from app.transcript import EntryKind
from tests.client.conftest import FormBrowser
from tests.platform import ROOT, Platform
from tests.ui.conftest import until
from ui.application import Application
from ui.event_loop import EventLoop
from ui.export import ExportJob, suggested_name
from ui.main_window import MainWindow
from ui.table.model import RECORD_ROLE
from ui.theme import ThemeChoice
from ui.welcome import WelcomeDialog

SIZE = (1440, 860)


def _seed(db_url: str, conversations: int) -> None:
    command = [sys.executable, "-m", "server", "seed", "--db", db_url]
    command += ["--conversations", str(conversations), "--seed", "1", "--audio-clips", "1"]
    subprocess.run(command, cwd=ROOT, check=True)


async def _window(app: Application) -> MainWindow:
    starting = asyncio.ensure_future(app.start())

    def welcome() -> WelcomeDialog | None:
        widgets = QApplication.topLevelWidgets()
        return next((w for w in widgets if isinstance(w, WelcomeDialog) and w.isVisible()), None)

    await until(lambda: welcome() is not None or starting.done(), 30, "the welcome dialog")
    dialog = welcome()
    if dialog is not None:
        dialog.sign_in_button.click()
    window = await starting
    assert window is not None, "the welcome dialog was closed"
    return window


async def _settle(window: MainWindow, rows: int = 40) -> None:
    """Until the visible rows are painted with data, and a little more for the repaint."""
    await until(lambda: window.model.rowCount() > 0, 30, "the listing")
    count = min(rows, window.model.rowCount())
    await until(
        lambda: all(window.model.index(r, 0).data(RECORD_ROLE) is not None for r in range(count)), 30, "rows"
    )
    await asyncio.sleep(0.6)


async def _photograph(app: Application, out: Path) -> list[Path]:
    window = await _window(app)
    window.resize(*SIZE)
    await until(lambda: window.status.sync.text() == "Up to date", 120, "the first sync")
    await _settle(window)
    table = window.table
    table.selectionModel().select(
        window.model.index(2, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    shots: list[Path] = []
    for choice in (ThemeChoice.LIGHT, ThemeChoice.DARK):
        app.theme.apply(choice)
        await asyncio.sleep(0.6)
        shots.append(out / f"main-window-{choice.value}.png")
        window.grab().save(str(shots[-1]))
    shots += await _photograph_detail(app, window, out)
    # A filtered listing: the supervisor looks for failed and in-progress voice calls.
    status = window.filters.sections["statuses"]
    status.editor.boxes[Status.FAILED].click()  # type: ignore[attr-defined]
    status.editor.boxes[Status.IN_PROGRESS].click()  # type: ignore[attr-defined]
    window.filters.sections["contact"].set_expanded(False)
    await asyncio.sleep(0.5)
    await _settle(window, 20)
    for choice in (ThemeChoice.LIGHT, ThemeChoice.DARK):
        app.theme.apply(choice)
        await asyncio.sleep(0.6)
        shots.append(out / f"filtered-{choice.value}.png")
        window.grab().save(str(shots[-1]))
    shots += await _photograph_export(app, window, out)
    await app.workspace.close()
    window.close()
    return shots


async def _photograph_detail(app: Application, window: MainWindow, out: Path) -> list[Path]:
    """A voice conversation opened in its tab: one with function calls (the first one expanded)
    and its recording, played from its third message."""
    for row in range(min(window.model.rowCount(), 100)):
        record = window.model.record(row)
        if record is None or record.status is Status.IN_PROGRESS:
            continue
        detail = await app.workspace.conversation(record.id)
        if detail.function_calls and len(detail.messages) >= 6 and detail.flow_path and detail.audio:
            break
    else:
        raise AssertionError("no recorded conversation with function calls among the first rows")
    view = window.tabs.open(record)
    await until(lambda: view.detail is not None, 30, "the conversation")
    call = next(r for r in range(view.model.rowCount()) if view.model.entry(r).kind is EntryKind.FUNCTION)
    view.model.toggle(call)
    await until(lambda: view.audio is not None and view.audio.waveform.peaks is not None, 30, "the waveform")
    assert view.audio is not None
    view.audio.seek(detail.messages[2].offset_ms + 500)
    await until(lambda: view.model.playing is not None, 10, "the playhead")
    view.start_find()
    words = Counter(w for m in detail.messages for w in re.findall(r"[A-Za-z]{5,}", m.text.lower()))
    view.find_bar.field.setText(words.most_common(1)[0][0])  # a word said more than once: found, marked
    shots: list[Path] = []
    for choice in (ThemeChoice.LIGHT, ThemeChoice.DARK):
        app.theme.apply(choice)
        await asyncio.sleep(0.6)
        shots.append(out / f"detail-{choice.value}.png")
        window.grab().save(str(shots[-1]))
    window.tabs.close_tab(window.tabs.indexOf(view))
    return shots + await _photograph_artifact(app, window, out)


async def _photograph_artifact(app: Application, window: MainWindow, out: Path) -> list[Path]:
    """A CSV artifact in its preview over the window."""
    for row in range(min(window.model.rowCount(), 200)):
        record = window.model.record(row)
        if record is None or record.status is Status.IN_PROGRESS:
            continue
        detail = await app.workspace.conversation(record.id)
        artifact = next((a for a in detail.artifacts if a.kind is ArtifactKind.CSV), None)
        if artifact is not None:
            break
    else:
        raise AssertionError("no conversation with a CSV artifact among the first rows")
    view = window.tabs.open(record)
    await until(lambda: view.detail is not None, 30, "the conversation")
    dialog = view.open_artifact(artifact)
    await until(lambda: dialog.loading.done(), 30, "the preview")
    shots: list[Path] = []
    for choice in (ThemeChoice.LIGHT, ThemeChoice.DARK):
        app.theme.apply(choice)
        await asyncio.sleep(0.6)
        shots.append(out / f"artifact-{choice.value}.png")
        dialog.grab().save(str(shots[-1]))
    dialog.close()
    window.tabs.close_tab(window.tabs.indexOf(view))
    return shots


async def _photograph_export(app: Application, window: MainWindow, out: Path) -> list[Path]:
    """The export's progress dialog over the window, half-way (the whole screen is taken)."""
    name = suggested_name(window.view_bar.selected.name if window.view_bar.selected else None, date.today())
    job = ExportJob(app.workspace, window.current_query_and_columns(), out / name, window)
    job.progress(48_250, 120_000)
    job.refresh()
    job.dialog.show()
    shots: list[Path] = []
    for choice in (ThemeChoice.LIGHT, ThemeChoice.DARK):
        app.theme.apply(choice)
        await asyncio.sleep(0.6)
        shots.append(out / f"export-{choice.value}.png")
        screen = window.screen()
        screen.grabWindow(0).copy(window.frameGeometry()).save(str(shots[-1]))
    job.dialog.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--live", type=int, default=12, help="simulated live calls")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        print("screenshots: no DISPLAY; run them through `./dev screenshots`", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="convodesk-shots-") as scratch:
        work = Path(scratch)
        db = f"sqlite:///{work / 'platform.db'}"
        _seed(db, args.conversations)
        with Platform(db, simulate=args.live).running(work) as platform:
            QCoreApplication.setOrganizationName("Convodesk screenshots")
            qt = QApplication([sys.argv[0]])
            QSettings().clear()  # the default layout, not the one a previous run left
            loop = EventLoop(qt)
            asyncio.set_event_loop(loop)
            settings = ClientSettings(server_url=platform.url, cache_directory=work / "cache")
            app = Application(
                qt, settings, settings_path=work / "settings.json", open_browser=FormBrowser("supervisor")
            )
            with loop:
                shots = loop.run_until_complete(asyncio.wait_for(_photograph(app, args.out), 300))
    for shot in shots:
        print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
