"""Core notifications into Qt signals: listeners in the window always run on the GUI thread.

The core publishes plain-Python news (app.notifications.Notifier) from wherever it
works; a Bridge re-emits each as a queued Qt signal, so a handler never runs on a
worker thread and a burst published in one go reaches the window in the next tick
(Electrum's way of handing core events to its Qt GUI).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from app.notifications import Notifier


class _Relay(QObject):
    news = Signal(object)


class Bridge(QObject):
    """Owns its relays; `disconnect_all()` when the window goes, so the core forgets them."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._unsubscribe: list[Callable[[], None]] = []

    def relay(self, notifier: Notifier[Any], handler: Callable[[Any], None]) -> None:
        relay = _Relay(self)
        relay.news.connect(handler, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe.append(notifier.subscribe(relay.news.emit))

    def disconnect_all(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
