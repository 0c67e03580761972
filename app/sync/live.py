"""The platform's live events over one WebSocket, into the cache and out to listeners.

The socket resumes from the cursor of the last event applied (kept in the cache in
the same transaction as the event), so a reconnect replays exactly what was missed.
With no cursor yet, or when the platform no longer holds the events after it, the
cache is brought up to date through the change feed instead, after the socket is
open so that nothing falls between the two. Applying is idempotent: a summary never
replaces a newer one.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol
from urllib.parse import quote

import pydantic
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from app.api.errors import ApiError, Forbidden, InsecureConnection, SignInRequired, error_from_validation
from app.api.retry import RetryPolicy
from app.api.transport import require_secure_url
from app.cache.errors import CacheError
from app.cache.store import CacheStore
from app.connectivity import Connectivity
from app.domain import LiveEvent, parse_events
from app.notifications import Notifier

log = logging.getLogger(__name__)

# Close codes of the contract (openapi.json, info.description).
UNAUTHENTICATED = 4401
WRONG_TENANT = 4403
TOO_SLOW = 4408
CURSOR_EXPIRED = 4410
INVALID_CURSOR = 4422

MAX_MESSAGE_BYTES = 16 * 2**20  # one message may carry hundreds of events
MAX_QUICK_RECONNECTS = 3  # in a row without a pause (new token, new cursor); then back off
HEALTHY_SECONDS = 30.0  # a socket that lasted this long starts the count of quick reconnects again


class TokenSource(Protocol):
    async def access_token(self) -> str: ...

    async def renew(self, rejected: str) -> str: ...


# Reconnecting: exponential backoff with full jitter (so that many clients do not
# reconnect in step), the API client's policy with longer waits.
RECONNECT = RetryPolicy(base_delay=0.5, max_delay=30.0)


class LiveEvents:
    """Run `run()` as a task for as long as the tenant is open; cancel it to stop."""

    def __init__(
        self,
        *,
        events_url: str,
        tokens: TokenSource,
        store: CacheStore,
        tenant: str,
        connectivity: Connectivity,
        resync: Callable[[], Awaitable[object]],
        tls: ssl.SSLContext | None = None,
        backoff: RetryPolicy = RECONNECT,
    ) -> None:
        self._url = events_url
        self._tokens = tokens
        self._store = store
        self._tenant = tenant
        self._connectivity = connectivity
        self._resync = resync
        self._tls = tls
        self._backoff = backoff
        self.events: Notifier[Sequence[LiveEvent]] = Notifier("live events")
        self.problems: Notifier[ApiError | CacheError] = Notifier("live event problems")
        self.connected = asyncio.Event()  # set while a socket is open (tests and the UI wait on it)
        self._opened_at = 0.0

    async def run(self) -> None:
        """Connect, apply, reconnect; returns only when the user must act (sign in again,
        no access to the tenant, an insecure address, a cache that cannot be written)."""
        attempt = quick = 0
        while True:
            try:
                await self._session()
            except SignInRequired as exc:
                self._connectivity.signed_out(exc.message)
                return
            except (Forbidden, InsecureConnection, CacheError) as exc:  # the user must act
                self.problems.publish(exc)
                return
            except _Reconnect as again:
                lasted = time.monotonic() - self._opened_at if self.connected.is_set() else 0.0
                quick = quick + 1 if again.at_once and lasted < HEALTHY_SECONDS else int(again.at_once)
                if again.at_once and quick <= MAX_QUICK_RECONNECTS:
                    self.connected.clear()
                    continue
                self._connectivity.offline(again.reason or "The platform keeps closing the live connection.")
            except ApiError as exc:  # the change feed failed while resyncing
                self._connectivity.offline(exc.message)
            if self.connected.is_set():  # it worked for a while: start the backoff again
                attempt = 0
                self.connected.clear()
            await asyncio.sleep(self._backoff.backoff(attempt))
            attempt += 1

    async def _session(self) -> None:
        require_secure_url(self._url.replace("ws", "http", 1))  # wss://, or ws:// to this computer only
        token = await self._tokens.access_token()
        cursor = await asyncio.to_thread(self._store.events_cursor, self._tenant)
        try:
            socket = await connect(
                self._address(cursor),
                additional_headers={"Authorization": f"Bearer {token}"},
                ssl=self._tls,
                max_size=MAX_MESSAGE_BYTES,
                open_timeout=15,
                compression=None,  # the platform sends uncompressed frames
                proxy=None,
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise _Reconnect(f"The live connection to the platform failed ({type(exc).__name__}).") from exc
        async with socket:
            await self._serve(socket, token, cursor)

    def _address(self, cursor: str | None) -> str:
        return self._url if cursor is None else f"{self._url}?cursor={quote(cursor, safe='')}"

    async def _serve(self, socket: ClientConnection, token: str, cursor: str | None) -> None:
        self._connectivity.online()
        self._opened_at = time.monotonic()
        self.connected.set()
        if cursor is None:
            await self._resync()  # the socket is open: whatever changes from now on arrives on it
        try:
            async for message in socket:
                await self._apply(message)
        except ConnectionClosed as closed:
            await self._closed(closed, token)
            return
        # The iterator ends on a normal close (the platform restarting): reconnect and resume.
        raise _Reconnect("The platform closed the live connection.", at_once=False)

    async def _apply(self, message: str | bytes) -> None:
        try:
            # Off the event loop (the GUI's, in the app), like the cache write below: a burst
            # of a hundred events takes milliseconds to validate.
            batch = await asyncio.to_thread(parse_events, message)
        except pydantic.ValidationError as exc:
            # Skipping would leave the cache behind; the change feed brings it back in line.
            self.problems.publish(error_from_validation(exc, "live event"))
            await self._resync()
            return
        await asyncio.to_thread(self._store.apply_events, self._tenant, batch)
        self.events.publish(batch)

    async def _closed(self, closed: ConnectionClosed, token: str) -> None:
        code = closed.rcvd.code if closed.rcvd is not None else None
        if code == UNAUTHENTICATED:
            await self._tokens.renew(token)  # SignInRequired when the refresh token is gone too
            raise _Reconnect("", at_once=True)
        if code == WRONG_TENANT:
            raise Forbidden("Your account has no access to this tenant's live events.")
        if code in (CURSOR_EXPIRED, INVALID_CURSOR):
            await asyncio.to_thread(self._store.reset_events_cursor, self._tenant)
            raise _Reconnect("", at_once=True)  # then: no cursor, so resync through changes
        if code == TOO_SLOW:
            raise _Reconnect("", at_once=True)
        raise _Reconnect("The live connection to the platform was lost.")


class _Reconnect(Exception):
    def __init__(self, reason: str, *, at_once: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.at_once = at_once
