"""One conversation, opened from the table: the transcript beside what is known about it.

The view shows the table's row at once and the full record when the workspace has it (the
platform's when online, the cache's offline); a failure to get it reaches the window's one
place for problems, and the view says in place what is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import transcript
from app.api.errors import ApiError
from app.cache.errors import CacheError
from app.domain import (
    ArtifactInfo,
    AudioInfo,
    Conversation,
    ConversationDetail,
    EventType,
    FlowStep,
    LiveEvent,
    Role,
    Status,
)
from app.saving import SaveFailed
from app.workspace import Workspace
from ui import icons
from ui.detail.artifact_dialog import ArtifactDialog, ask_artifact_path
from ui.detail.audio_panel import SKIP_MS, AudioPanel
from ui.detail.downloads import saved
from ui.detail.export import TranscriptFormat, ask_path, export, suggested_name
from ui.detail.facts import FactsPanel
from ui.detail.find_bar import FindBar
from ui.detail.flow_view import FlowView
from ui.detail.transcript import TranscriptModel, TranscriptView
from ui.save_dialog import Location, ask_save_path
from ui.table.columns import full_date
from ui.tasks import dialog_result, spawn

EXPORTS = (
    (TranscriptFormat.TEXT, "Transcript as text…"),
    (TranscriptFormat.JSON, "Full record as JSON…"),
    (TranscriptFormat.PDF, "Printable PDF…"),
)
DELETING_ROLES = (Role.ADMIN, Role.SUPERVISOR)  # the platform's rule; it checks it again
AUDIO_FOLDER_KEY = "recordings/folder"


class DetailView(QWidget):
    failed = Signal(object)  # an ApiError or CacheError to explain
    loaded = Signal()  # the full record is shown
    deleted = Signal(str)  # the conversation's id: it is gone from the platform and the cache

    def __init__(self, workspace: Workspace, row: Conversation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailView")
        self.workspace = workspace
        self.row = row
        self.conversation_id = row.id
        self.detail: ConversationDetail | None = None
        self.deleting = False  # its Delete is under way (the platform's news of it may come first)
        self.notice = QLabel("Loading the conversation…")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.model = TranscriptModel(self)
        self.transcript = TranscriptView(self.model)
        self.transcript.artifact_requested.connect(self.open_artifact)
        self.transcript.moment_requested.connect(self._play_from)
        self.transcript.artifact_download_requested.connect(lambda a: spawn(self.download_artifact(a)))
        self.audio: AudioPanel | None = None  # a voice conversation's recording, once known
        self.artifacts: list[ArtifactDialog] = []  # open previews, closed with the view
        self.find_bar = FindBar(self)
        self.find_bar.changed.connect(self._find)
        self.find_bar.step.connect(self._step)
        self.find_bar.closed.connect(self._end_find)
        self.facts = FactsPanel()
        self.facts.show_summary(row)
        self.facts.flow_requested.connect(self.show_flow_graph)
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._toolbar())
        column.addWidget(self.find_bar)
        column.addWidget(self.notice)
        column.addWidget(self.transcript, 1)
        self._column = column
        self._keys = [
            self._shortcut(Qt.Key.Key_Space, lambda audio: audio.toggle()),
            self._shortcut(Qt.Key.Key_Left, lambda audio: audio.skip(-SKIP_MS)),
            self._shortcut(Qt.Key.Key_Right, lambda audio: audio.skip(SKIP_MS)),
        ]
        self.flow_view = FlowView()
        self.flow_view.step_requested.connect(self.show_step)
        reading = QSplitter(Qt.Orientation.Vertical)
        reading.addWidget(self.flow_view)
        reading.addWidget(centre)
        reading.setStretchFactor(0, 1)
        reading.setStretchFactor(1, 3)  # the transcript is what is read; the graph a map beside
        self.reading = reading
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(reading)
        splitter.addWidget(self.facts)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._work: set[asyncio.Task[Any]] = set()  # reads of the record and the flow, cancelled on close
        self._run(self.reload())

    def _toolbar(self) -> QToolBar:
        bar = QToolBar("Conversation")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setIcon(icons.icon("export"))
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_button.setEnabled(False)  # until the full record is here
        menu = self.export_menu = QMenu("Export transcript", self.export_button)
        menu.setIcon(icons.icon("export"))
        for kind, label in EXPORTS:
            menu.addAction(label).triggered.connect(lambda _=False, kind=kind: spawn(self.export(kind)))
        self.export_button.setMenu(menu)
        bar.addWidget(self.export_button)
        self.download_audio_action = bar.addAction(icons.icon("download"), "Download audio…")
        self.download_audio_action.setToolTip("Save the call's recording (WAV)")
        self.download_audio_action.setEnabled(False)  # until a recording is known
        self.download_audio_action.triggered.connect(lambda: spawn(self.download_audio()))
        self.delete_action = bar.addAction(icons.icon("delete"), "Delete…")
        self.delete_action.triggered.connect(lambda: spawn(self.delete()))
        membership = self.workspace.membership
        if membership is None:  # offline or signed out: the platform cannot be asked
            self.delete_action.setToolTip("Deleting a conversation needs a connection to the platform.")
        elif membership.known_role not in DELETING_ROLES:
            self.delete_action.setEnabled(False)
            self.delete_action.setToolTip("Your role cannot delete conversations.")
        else:
            self.delete_action.setToolTip("Delete this conversation from the platform, for everyone")
        return bar

    def on_events(self, events: Sequence[LiveEvent]) -> None:
        """Live news of this conversation: new messages append (the view follows them only when
        it was at the bottom), the facts follow the summary, and once the call has ended the full
        record is read again (function calls, summary and analysis come with it)."""
        mine = [e for e in events if e.conversation_id == self.conversation_id]
        if not mine or self.detail is None:
            return
        shown = self.model.last_message_index()
        arrived = []
        for event in mine:
            message = event.data.message
            if event.type is EventType.MESSAGE and message is not None and message.index > shown:
                arrived.append(transcript.message_entry(message))
                shown = message.index
        self.model.append(tuple(arrived))  # the view follows them if it was at the end
        summary = next((e.data.conversation for e in reversed(mine) if e.data.conversation), None)
        if summary is not None:
            self.row = summary
            self.facts.show_summary(summary)
            self.flow_view.show_current(
                summary.current_node if summary.status is Status.IN_PROGRESS else None
            )
            if summary.status is not Status.IN_PROGRESS and self.detail.status is Status.IN_PROGRESS:
                self._run(self.reload())  # ended: the whole record now

    def open_artifact(self, artifact: ArtifactInfo) -> ArtifactDialog:
        """Its preview in a window of its own (several can be open), with Download…."""
        dialog = ArtifactDialog(self.workspace, self.conversation_id, artifact, self)
        dialog.failed.connect(self.failed.emit)
        dialog.finished.connect(lambda _code: self.artifacts.remove(dialog))
        self.artifacts.append(dialog)
        dialog.show()
        return dialog

    def actions_for_menu(self) -> list[QAction]:
        """What the window's Conversation menu offers for this view (the toolbar's own actions,
        so that enabled states and tooltips are the same in both)."""
        return [self.export_menu.menuAction(), self.download_audio_action, self.delete_action]

    def show_flow_graph(self) -> None:
        """The flow graph in view (its pane opened again if it was collapsed), fitted."""
        flow, text = self.reading.sizes()
        if flow < self.flow_view.minimumSizeHint().height():
            total = flow + text
            self.reading.setSizes([total // 3, total - total // 3])
        self.flow_view.fit()
        self.flow_view.plot.setFocus()

    def start_find(self) -> None:
        self.find_bar.start()

    def _find(self, text: str) -> None:
        self.model.find(text)
        self._show_match()

    def _step(self, forward: bool) -> None:
        self.model.step(forward)
        self._show_match()

    def _end_find(self) -> None:
        self.model.find("")
        self.transcript.setFocus()

    def _show_match(self) -> None:
        self.find_bar.show_count(self.model.current, len(self.model.matches))
        if self.model.matches:
            row = self.model.matches[self.model.current][0]
            self.transcript.scrollTo(self.model.index(row), QAbstractItemView.ScrollHint.PositionAtCenter)

    async def export(self, kind: TranscriptFormat, path: Path | None = None) -> Path | None:
        """Save the conversation as `kind` where the user confirms (or at `path`); the file, or
        None when cancelled or not written (the banner says why)."""
        if self.detail is None:
            return None
        path = path or ask_path(self, self.row, kind)
        if path is None:
            return None
        try:
            await export(self.detail, kind, path)
        except SaveFailed as exc:
            self.failed.emit(exc)
            return None
        return path

    async def delete(self) -> bool:
        """Ask, naming the conversation; then delete it everywhere. True once deleted."""
        row = self.row
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete conversation",
            f"Delete the conversation with {row.contact} of {full_date(row.started_at)}?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(
            f"{row.id}\n\nIts transcript, recording and artifacts are removed from the platform for "
            "everyone, and from this computer. This cannot be undone."
        )
        confirm = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        await dialog_result(box)
        if box.clickedButton() is not confirm:
            return False
        self.deleting = True
        try:
            await self.workspace.delete_conversation(self.conversation_id)
        except (ApiError, CacheError) as exc:
            self.failed.emit(exc)
            return False
        finally:
            self.deleting = False
        self.deleted.emit(self.conversation_id)
        return True

    async def reload(self) -> None:
        try:
            detail = await self.workspace.conversation(self.conversation_id)
        except (ApiError, CacheError) as exc:
            self.notice.setText(f"The transcript could not be shown: {exc.message}")
            self.notice.show()
            self.failed.emit(exc)
            return
        self.show_detail(detail)

    def show_detail(self, detail: ConversationDetail) -> None:
        first = self.detail is None
        self.detail = detail
        self.export_button.setEnabled(True)
        self.facts.show_detail(detail)
        entries = transcript.entries(detail)
        self.model.set_entries(entries)
        self.notice.setVisible(not entries)
        self.notice.setText("This conversation has no messages.")
        if first:
            self._run(self._load_flow(detail))
        if detail.audio is not None and self.audio is None:
            self._show_audio(detail.audio)
        self.loaded.emit()

    # --- the recording ----------------------------------------------------------------------

    def _show_audio(self, audio: AudioInfo) -> None:
        self.audio = AudioPanel(self.workspace.recordings, self.conversation_id, audio)
        self.audio.position_changed.connect(self._follow_playhead)
        self.audio.failed.connect(self.failed.emit)
        self._column.addWidget(self.audio)
        self.download_audio_action.setEnabled(True)
        self.transcript.playable = True
        for key in self._keys:
            key.setEnabled(True)

    def _shortcut(self, key: Qt.Key, act: Callable[[AudioPanel], None]) -> QShortcut:
        """A player key for the whole view (text fields keep theirs), live once there is audio."""
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.setEnabled(False)
        shortcut.activated.connect(lambda: self.audio is not None and act(self.audio))
        return shortcut

    def _play_from(self, ms: int) -> None:
        """A message clicked: the recording from where it is spoken."""
        if self.audio is not None:
            self.audio.seek(ms)

    def _follow_playhead(self, ms: int) -> None:
        """The message being spoken is highlighted and kept in view while it plays."""
        row = self.model.row_at(ms)
        if row == self.model.playing:
            return
        self.model.set_playing(row)
        if row is not None:
            self.transcript.scrollTo(self.model.index(row), QAbstractItemView.ScrollHint.EnsureVisible)

    async def download_audio(self, dest: Path | None = None) -> Path | None:
        """Save the recording where the user confirms (or at `dest`); None when cancelled or not
        written (the banner says why)."""
        dest = dest or ask_save_path(
            self,
            "Download audio",
            suggested_name(self.row, ".wav"),
            folder_key=AUDIO_FOLDER_KEY,
            start_in=Location.DownloadLocation,
            filters="WAV audio (*.wav);;All files (*)",
            suffix=".wav",
        )
        if dest is None:
            return None
        return await saved(dest, self.workspace.recordings.download(self.conversation_id, dest), self.failed)

    async def download_artifact(self, artifact: ArtifactInfo, dest: Path | None = None) -> Path | None:
        """Save an artifact straight from its card (its preview has Download… too)."""
        dest = dest or ask_artifact_path(self, artifact)
        if dest is None:
            return None
        return await saved(
            dest, self.workspace.download_artifact(self.conversation_id, artifact, dest), self.failed
        )
        try:
            return await self.workspace.recordings.download(self.conversation_id, dest)
        except (ApiError, CacheError, SaveFailed) as exc:
            self.failed.emit(exc)
        except OSError as exc:  # the folder chosen is not writable, the disk is full
            self.failed.emit(SaveFailed(dest, exc.strerror or type(exc).__name__))
        return None

    async def _load_flow(self, detail: ConversationDetail) -> None:
        if detail.flow_id is None:
            self.flow_view.say("This conversation followed no flow.")
            return
        try:
            flow = await self.workspace.flow(detail.flow_id)
        except (ApiError, CacheError) as exc:
            self.flow_view.say(f"The flow cannot be shown: {exc.message}")
            return
        await self.flow_view.show_flow(flow, detail.flow_path, self.row.current_node)

    def show_step(self, step: FlowStep) -> None:
        """The transcript at the first message of a step of the path (a node clicked)."""
        row = next(
            (
                r
                for r in range(self.model.rowCount())
                if self.model.entry(r).message_index == step.message_index
            ),
            None,
        )
        if row is None:
            return
        index = self.model.index(row)
        self.transcript.setCurrentIndex(index)
        self.transcript.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        task = spawn(work)
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    def close_view(self) -> None:
        """Let go of what the view holds: reads still running are cancelled (none lands on a
        view being destroyed), the recording's relay path forgotten, previews closed."""
        for task in list(self._work):
            task.cancel()
        for dialog in list(self.artifacts):
            dialog.close()
        if self.audio is not None:
            self.audio.close_panel()
