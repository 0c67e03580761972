"""The recording of a voice conversation: play, pause, seek, speed and volume, over its waveform.

The player opens the copy kept on this computer, else streams the platform's through the
workspace's relay (byte ranges, so it starts at once and seeks without fetching it all). The
copy is fetched in the background and the waveform drawn from it. A recording that cannot be
played or decoded says so in this panel; the rest of the view goes on working.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import waveform
from app.api.errors import ApiError
from app.cache.errors import CacheError
from app.domain import AudioInfo
from app.recordings import Recordings
from ui import icons
from ui.detail.waveform_view import WaveformView
from ui.tasks import spawn

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
SKIP_MS = 5000


class AudioPanel(QWidget):
    position_changed = Signal(int)  # the playhead, in milliseconds
    failed = Signal(object)  # an ApiError or CacheError to explain

    def __init__(
        self, recordings: Recordings, conversation_id: str, audio: AudioInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("audioPanel")
        self.setAccessibleName("Recording")
        self.recordings = recordings
        self.conversation_id = conversation_id
        self.audio = audio
        self.url: str | None = None
        self.output = QAudioOutput(self)
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self.output)
        self.player.positionChanged.connect(self._moved)
        self.player.durationChanged.connect(lambda _ms: self._show_time(self.player.position()))
        self.player.playbackStateChanged.connect(self._show_state)
        self.player.errorOccurred.connect(self._player_failed)
        self.waveform = WaveformView()
        self.waveform.seek_requested.connect(self.seek)
        self.notice = QLabel()
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.waveform)
        layout.addLayout(self._controls())
        layout.addWidget(self.notice)
        self._loading = spawn(self._load())

    def _controls(self) -> QHBoxLayout:
        self.play_button = QToolButton()
        self.play_button.setIcon(icons.icon("play"))
        self.play_button.setToolTip("Play (Space)")
        self.play_button.setAccessibleName("Play")
        self.play_button.setEnabled(False)  # until the player has the recording
        self.play_button.clicked.connect(self.toggle)
        self.time = QLabel()
        self.time.setTextFormat(Qt.TextFormat.PlainText)
        self._show_time(0)
        self.speed = QComboBox()
        self.speed.setToolTip("Playback speed")
        self.speed.setAccessibleName("Playback speed")
        for rate in SPEEDS:
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(lambda i: self.player.setPlaybackRate(SPEEDS[i]))
        self.mute_button = QToolButton()
        self.mute_button.setCheckable(True)
        self.mute_button.setIcon(icons.icon("volume"))
        self.mute_button.setToolTip("Mute")
        self.mute_button.setAccessibleName("Mute")
        self.mute_button.toggled.connect(self._mute)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(round(self.output.volume() * 100))
        self.volume.setMaximumWidth(110)
        self.volume.setToolTip("Volume")
        self.volume.setAccessibleName("Volume")
        self.volume.valueChanged.connect(lambda value: self.output.setVolume(value / 100))
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.play_button)
        row.addWidget(self.time)
        row.addStretch(1)
        row.addWidget(self.speed)
        row.addWidget(self.mute_button)
        row.addWidget(self.volume)
        return row

    # --- what the view and the keyboard ask ------------------------------------------------------

    def toggle(self) -> None:
        if self.player.playbackState() is QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        elif self.player.source().isValid():
            self.player.play()

    def seek(self, ms: int) -> None:
        """The playhead to `ms` (kept within the recording)."""
        if not self.player.source().isValid():
            return
        length = self.player.duration() or self.audio.duration_ms
        self.player.setPosition(max(0, min(ms, length)))

    def skip(self, delta_ms: int) -> None:
        self.seek(self.player.position() + delta_ms)

    @property
    def ready(self) -> bool:
        return self.player.source().isValid()

    def close_panel(self) -> None:
        if not self._loading.done():
            self._loading.cancel()
        self.player.stop()
        self.player.setSource(QUrl())
        if self.url is not None:
            self.recordings.release(self.url)
            self.url = None

    # --- loading ----------------------------------------------------------------------------

    async def _load(self) -> None:
        try:
            self.url = await self.recordings.url(self.conversation_id)
        except (ApiError, CacheError) as exc:
            self._say(f"The recording cannot be played: {exc.message}")
            self.waveform.say("No waveform: the recording is not on this computer.")
            return
        self.player.setSource(QUrl(self.url))
        self.play_button.setEnabled(True)
        try:
            kept = await self.recordings.keep(self.conversation_id, self.audio.media_type)
            peaks = await asyncio.to_thread(waveform.peaks, kept)
        except (ApiError, CacheError) as exc:
            self.waveform.say(f"The waveform cannot be shown: {exc.message}")
            return
        except waveform.WaveformError as exc:
            self.waveform.say(exc.message)
            return
        self.waveform.show_peaks(peaks, self.audio.channels)
        self.waveform.set_position(self.player.position())

    # --- the player's news ------------------------------------------------------------------

    def _moved(self, ms: int) -> None:
        self._show_time(ms)
        self.waveform.set_position(ms)
        self.position_changed.emit(ms)

    def _show_time(self, ms: int) -> None:
        length = self.player.duration() or self.audio.duration_ms
        self.time.setText(f"{_clock(ms)} / {_clock(length)}")

    def _show_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state is QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setIcon(icons.icon("pause" if playing else "play"))
        self.play_button.setToolTip("Pause (Space)" if playing else "Play (Space)")
        self.play_button.setAccessibleName("Pause" if playing else "Play")

    def _mute(self, muted: bool) -> None:
        self.output.setMuted(muted)
        self.mute_button.setIcon(icons.icon("volume_off" if muted else "volume"))
        self.mute_button.setToolTip("Unmute" if muted else "Mute")

    def _player_failed(self, _error: QMediaPlayer.Error, detail: str) -> None:
        problem = self.recordings.problem(self.url) if self.url else None
        if problem is not None:
            self._say(f"The recording cannot be played: {problem.message}")
            self.failed.emit(problem)
        else:
            self._say(f"The recording cannot be played: it could not be decoded ({detail}).")
        self.play_button.setEnabled(False)

    def _say(self, message: str) -> None:
        self.notice.setText(message)
        self.notice.show()


def _clock(ms: int) -> str:
    """`1:05`, or `1:02:05` past an hour."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"
