"""Plain-Python notifications from the core to whoever listens (the UI bridges them to Qt
signals, so its handlers run on the GUI thread).

A listener that raises is logged and skipped: one broken view must not stop the
others from hearing about a change, nor the core from carrying on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Notifier(Generic[T]):
    """Listeners of one kind of news, called in the order they subscribed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[[T], None]] = []

    def __repr__(self) -> str:
        return f"Notifier({self.name!r}, {len(self._listeners)} listener(s))"

    def subscribe(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Add a listener; returns the function that removes it again."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def publish(self, news: T) -> None:
        for listener in list(self._listeners):
            try:
                listener(news)
            except Exception:
                log.exception("a listener of %s failed", self.name)
