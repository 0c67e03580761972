"""Whether the app is talking to the platform: the one source of truth the UI shows.

The sync and live-event loops report what they see; everyone else reads `state` or
listens for changes. Offline keeps the time it started, so the window can say
"offline since 10:42".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from app.notifications import Notifier


class Link(StrEnum):
    CONNECTING = "connecting"  # not yet known (start-up)
    ONLINE = "online"
    OFFLINE = "offline"  # the platform cannot be reached; retrying by itself
    SIGNED_OUT = "signed_out"  # reachable, but the user must sign in again


@dataclass(frozen=True)
class LinkState:
    link: Link
    since: datetime
    reason: str = ""  # a human sentence for OFFLINE and SIGNED_OUT

    @property
    def online(self) -> bool:
        return self.link is Link.ONLINE


class Connectivity:
    def __init__(self) -> None:
        self._state = LinkState(Link.CONNECTING, datetime.now(UTC))
        self.changed: Notifier[LinkState] = Notifier("connectivity")

    @property
    def state(self) -> LinkState:
        return self._state

    def online(self) -> None:
        self._set(Link.ONLINE, "")

    def offline(self, reason: str) -> None:
        self._set(Link.OFFLINE, reason)

    def signed_out(self, reason: str) -> None:
        self._set(Link.SIGNED_OUT, reason)

    def _set(self, link: Link, reason: str) -> None:
        if link is self._state.link:
            if reason and reason != self._state.reason:  # same state, better explanation
                self._state = LinkState(link, self._state.since, reason)
                self.changed.publish(self._state)
            return
        self._state = LinkState(link, datetime.now(UTC), reason)
        self.changed.publish(self._state)
