"""Signing in through the system browser (RFC 8252): open the authorization URL, wait for the
loopback redirect, redeem the code with its PKCE verifier.

The step that opens the browser is a parameter: the app passes the system browser
(`open_system_browser`), tests pass a function that fills in the platform's
sign-in form over HTTP as a browser would.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
import webbrowser
from collections.abc import Awaitable, Callable

from app.api.auth.loopback import LoopbackRedirect
from app.api.auth.oauth import OAuthClient
from app.api.auth.tokens import UserTokens
from app.api.errors import SignInFailed

log = logging.getLogger(__name__)

# Given the authorization URL; returns (or resolves to) False when no browser could be opened.
BrowserOpener = Callable[[str], "Awaitable[bool | None] | bool | None"]


async def open_system_browser(url: str) -> bool:
    """The user's default browser; off the event loop, since some platforms block while launching."""
    return await asyncio.to_thread(webbrowser.open, url)


async def sign_in_with_browser(
    oauth: OAuthClient, open_browser: BrowserOpener, *, timeout: float
) -> UserTokens:
    state = secrets.token_urlsafe(32)
    metadata = oauth.metadata
    async with LoopbackRedirect(
        state, issuer=metadata.issuer, issuer_required=metadata.authorization_response_iss_parameter_supported
    ) as listener:
        request = oauth.authorization_request(listener.redirect_uri, state)
        log.info("sign-in: waiting for the browser on loopback port %d", listener.port)
        try:
            opened = open_browser(request.url)
            if inspect.isawaitable(opened):
                opened = await opened
        except OSError as exc:  # webbrowser and the OS launchers fail with these
            raise SignInFailed(
                "No web browser could be opened for signing in.", detail=type(exc).__name__
            ) from None
        if opened is False:
            raise SignInFailed("No web browser could be opened for signing in.")
        answer = await listener.wait(timeout)
    return await oauth.redeem_code(answer.code, request)
