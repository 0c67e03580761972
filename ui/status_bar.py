"""The status bar: how many conversations, the sync, and whether the app is online."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.connectivity import Link, LinkState
from app.sync.changes import SyncProgress
from ui import icons, palette_colors


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = self._label("Conversations shown")
        self.sync = self._label("Sync state")
        self.link_icon = QLabel()
        self.link = self._label("Connection")
        self.addWidget(self.count, 1)
        self.addPermanentWidget(self.sync)
        self.addPermanentWidget(self.link_icon)
        self.addPermanentWidget(self.link)
        self._link_state: LinkState | None = None

    def _label(self, name: str) -> QLabel:
        label = QLabel()
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setAccessibleName(name)
        label.setContentsMargins(6, 0, 6, 0)
        return label

    def show_count(self, total: int, *, estimate: bool = False) -> None:
        number = QLocale().toString(total)
        noun = "conversation" if total == 1 else "conversations"
        self.count.setText(f"{'about ' if estimate else ''}{number} {noun}")

    def show_busy(self, busy: bool) -> None:
        if busy:
            self.count.setText("Searching…")

    def show_sync(self, progress: SyncProgress) -> None:
        if progress.done:
            self.sync.setText("Up to date")
        else:
            self.sync.setText(f"Syncing… {QLocale().toString(progress.upserted)} received")

    def show_link(self, state: LinkState) -> None:
        self._link_state = state
        since = QLocale().toString(
            QDateTime(state.since).toLocalTime().time(), QLocale.FormatType.ShortFormat
        )
        text = {
            Link.CONNECTING: "Connecting…",
            Link.ONLINE: "Online",
            Link.OFFLINE: f"Offline since {since}",
            Link.SIGNED_OUT: "Signed out — working offline",
        }[state.link]
        self.link.setText(text)
        self.link.setToolTip(state.reason)
        name = (
            "online"
            if state.link is Link.ONLINE
            else "offline"
            if state.link is not Link.CONNECTING
            else "sync"
        )
        dark = self.palette().color(self.backgroundRole()).lightness() < 128
        colour = palette_colors.link_color(state.link.value, dark)
        self.link_icon.setPixmap(icons.tinted(name, colour).pixmap(16, 16))
