"""One window per user and settings profile: a second start hands its link to the first.

The desktop opens a `convodesk://` link by starting `convodesk LINK`; when Convodesk is
already running, that second process connects to the first one's local socket, hands
over the link (or, with none, asks it to come to the front) and exits. The socket is
named after the user and the settings file, and only its user may connect to it.

macOS instead sends the running application a file-open event with the link
(LinkOpenEvents).
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_MS = 500  # a running instance answers at once; a stale socket refuses at once
MAX_MESSAGE = 8192  # a link is well under this; more is not a link
SHOW = ""  # the message of a start without a link: come to the front


def instance_name(settings_path: Path | None) -> str:
    """The socket's name for this user and settings profile (short: a Unix socket path is)."""
    profile = str(settings_path.expanduser().resolve()) if settings_path is not None else ""
    digest = hashlib.sha256(f"{getpass.getuser()}\0{profile}".encode()).hexdigest()[:16]
    return f"convodesk-{digest}"


def hand_over(name: str, link: str | None) -> bool:
    """Give `link` (None: just come to the front) to the instance running under `name`.
    True when one took it: this process has nothing more to do."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return False
    message = (link or SHOW).encode("utf-8")[:MAX_MESSAGE] + b"\n"
    socket.write(message)
    sent = socket.waitForBytesWritten(CONNECT_MS)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(CONNECT_MS)
    return sent


class InstanceListener(QObject):
    """Listens for later starts; `received(link or None)` is called on the GUI thread."""

    def __init__(
        self, name: str, received: Callable[[str | None], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._received = received
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        if not self._server.listen(name):
            # A socket file left by a process that crashed: nobody answers it (hand_over failed).
            QLocalServer.removeServer(name)
            if not self._server.listen(name):
                log.warning("cannot listen for links from later starts: %s", self._server.errorString())

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            buffer = bytearray()

            def read(socket: QLocalSocket = socket, buffer: bytearray = buffer) -> None:
                buffer.extend(socket.readAll().data())
                if b"\n" in buffer or len(buffer) > MAX_MESSAGE:
                    socket.readyRead.disconnect()
                    socket.disconnectFromServer()
                    socket.deleteLater()
                    self._deliver(bytes(buffer))

            socket.readyRead.connect(read)
            if socket.bytesAvailable():
                read()

    def _deliver(self, message: bytes) -> None:
        line = message.split(b"\n", 1)[0][:MAX_MESSAGE]
        text = line.decode("utf-8", errors="replace").strip()
        self._received(text or None)


class LinkOpenEvents(QObject):
    """Install on the QApplication: a convodesk:// link the OS sends as a file-open event
    (macOS, from the bundle's CFBundleURLTypes) goes to `received`."""

    def __init__(self, received: Callable[[str | None], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._received = received

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url()
            if url.scheme() == "convodesk":
                self._received(url.toString())
                return True
        return super().eventFilter(watched, event)
