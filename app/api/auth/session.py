"""The signed-in session: who, in which tenant, and a valid tenant access token on demand.

Tokens: sign-in (or the refresh token from the keyring) gives a user access token
and a refresh token; the user token is exchanged (RFC 8693) for a token scoped to
the chosen tenant, which is what the API takes. Tokens are renewed a margin before
they expire, and on demand when the API answers 401. Each refresh spends the
refresh token and returns its successor, which replaces the keyring entry at once.

Renewal is single-flight: whoever finds the token stale starts one renewal task,
and everyone else — including a caller that arrives after a 401 — awaits that same
task, so concurrent requests refresh once. The task is shielded from its callers'
cancellation: a refresh that reached the server must finish and store the new
refresh token, or the next refresh would reuse a spent one, which the platform
treats as theft and answers by ending the sign-in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass

import httpx
from pydantic import SecretStr, ValidationError

from app.api import retry
from app.api.auth.browser import BrowserOpener, open_system_browser, sign_in_with_browser
from app.api.auth.oauth import OAuthClient
from app.api.auth.tokens import AccessToken, Clock, UserTokens
from app.api.errors import (
    ApiError,
    SignInRequired,
    TenantRequired,
    error_from_validation,
)
from app.api.secrets import KeyringStatus, KeyringUnavailable, RefreshTokenStore
from app.api.transport import create_http_client
from app.domain import Me, MeTenant
from app.settings import ClientSettings

log = logging.getLogger(__name__)

ME_PATH = "/api/v1/me"


@dataclass(frozen=True)
class SignOutResult:
    revoked: bool  # the server ended the sign-in (every copy of the refresh token is dead)
    forgotten: bool  # the keyring entry is gone
    message: str  # for the UI


class AuthSession:
    """One server's sign-in. Create one per server address; call `sign_in()` or `restore()`."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        store: RefreshTokenStore | None = None,
        open_browser: BrowserOpener = open_system_browser,
        clock: Clock = time.monotonic,
    ) -> None:
        self.settings = settings
        self._store = store or RefreshTokenStore(settings.server_url)
        self._open_browser = open_browser
        self._clock = clock
        self._policy = retry.RetryPolicy.from_settings(settings.retries)
        self._oauth: OAuthClient | None = None
        self._http: httpx.AsyncClient | None = None
        self._me: Me | None = None
        self._tenant: str | None = None
        self._refresh: SecretStr | None = None
        self._user: AccessToken | None = None
        self._tenant_token: AccessToken | None = None
        self._renewal: asyncio.Task[AccessToken] | None = None
        self._keyring_problem: str | None = None

    def __repr__(self) -> str:
        who = self._me.username if self._me else None
        return f"AuthSession(server={self.settings.server_url!r}, user={who!r}, tenant={self._tenant!r})"

    # --- state for the UI -----------------------------------------------------------------------

    @property
    def me(self) -> Me | None:
        return self._me

    @property
    def signed_in(self) -> bool:
        return self._refresh is not None and self._me is not None

    @property
    def tenant(self) -> str | None:
        return self._tenant

    @property
    def keyring_status(self) -> KeyringStatus:
        status = self._store.status
        if status.secure and self._keyring_problem:
            return KeyringStatus(
                False, status.backend, f"{self._keyring_problem} Signed in for this session only."
            )
        return status

    # --- signing in -----------------------------------------------------------------------------

    async def sign_in(self, *, open_browser: BrowserOpener | None = None) -> Me:
        """Sign in through the browser; the tenant is chosen when it is unambiguous (see select_tenant)."""
        oauth = await self._oauth_client()
        tokens = await sign_in_with_browser(
            oauth, open_browser or self._open_browser, timeout=self.settings.sign_in_timeout_seconds
        )
        self._forget_tokens()
        self._me = self._tenant = None
        self._refresh, self._user = tokens.refresh, tokens.access
        me = await self._fetch_me(tokens.access)
        self._me = me
        await self._persist(tokens)
        log.info("signed in as %s", me.username)
        await self._pick_default_tenant()
        return me

    async def restore(self, username: str | None = None) -> Me | None:
        """Resume the sign-in stored in the keyring; None when there is none.

        Raises KeyringLocked/KeyringUnavailable when the keyring cannot be read, SignInRequired
        when the stored sign-in has ended (it is then removed), Offline when the server is away.
        """
        stored = await asyncio.to_thread(self._store.load, username or self.settings.last_username)
        if stored is None:
            return None
        self._forget_tokens()
        self._me = self._tenant = None
        self._refresh = stored.refresh_token
        try:
            user = await self._refresh_user(stored.username)
            self._me = await self._fetch_me(user)
        except SignInRequired:
            await self._forget_stored(stored.username)
            raise
        log.info("sign-in restored for %s", self._me.username)
        await self._pick_default_tenant()
        return self._me

    async def _pick_default_tenant(self) -> None:
        """The last tenant used, or the only one; its token is fetched now so a refusal shows at once."""
        ids = [t.id for t in self._require_me().tenants]
        if self.settings.last_tenant in ids:
            self._tenant = self.settings.last_tenant
        elif len(ids) == 1:
            self._tenant = ids[0]
        if self._tenant is not None:
            await self.access_token()

    async def select_tenant(self, tenant_id: str) -> MeTenant:
        """Work in this tenant from now on; its token is fetched at once (so a refusal shows now)."""
        me = self._require_me()
        membership = next((t for t in me.tenants if t.id == tenant_id), None)
        if membership is None:
            raise TenantRequired(f"You are not a member of the organisation {tenant_id!r}.")
        if tenant_id != self._tenant:
            await self._settle_renewal()  # a renewal under way is for the previous tenant
            self._tenant, self._tenant_token = tenant_id, None
            await self.access_token()
        return membership

    # --- tokens for the API ---------------------------------------------------------------------

    async def access_token(self) -> str:
        """A tenant access token valid for at least the renewal margin."""
        token = self._tenant_token
        if token is not None and token.fresh(self.settings.refresh_margin_seconds, clock=self._clock):
            return token.reveal()
        return (await self._renewed(force=False)).reveal()

    async def renew(self, rejected: str) -> str:
        """The API refused `rejected` (401): a new token, renewed once however many callers ask."""
        current = self._tenant_token
        if current is not None and current.reveal() != rejected:
            return current.reveal()  # someone renewed already
        if self._renewal is not None and not self._renewal.done():
            return (await asyncio.shield(self._renewal)).reveal()
        return (await self._renewed(force=True)).reveal()

    def _renewed(self, *, force: bool) -> Awaitable[AccessToken]:
        if self._renewal is None or self._renewal.done():
            self._renewal = asyncio.get_running_loop().create_task(self._renew_tenant_token(force))
            self._renewal.add_done_callback(_retrieve)
        return asyncio.shield(self._renewal)

    async def _renew_tenant_token(self, force: bool) -> AccessToken:
        username = self._require_me().username
        if self._tenant is None:
            raise TenantRequired()
        user = self._user
        if force or user is None or not user.fresh(self.settings.refresh_margin_seconds, clock=self._clock):
            user = await self._refresh_user(username)
        oauth = await self._oauth_client()
        previous, self._tenant_token = self._tenant_token, await oauth.exchange(user, self._tenant)
        if previous is None:
            log.info("tenant access token issued for %s", self._tenant)
        else:
            log.info("tenant access token renewed (%s)", "after a refusal" if force else "before expiry")
        return self._tenant_token

    async def _refresh_user(self, username: str) -> AccessToken:
        if self._refresh is None:
            raise SignInRequired("You are not signed in.")
        oauth = await self._oauth_client()
        try:
            tokens = await oauth.refresh(self._refresh)
        except SignInRequired:
            self._forget_tokens()
            await self._forget_stored(username)
            raise
        self._refresh, self._user = tokens.refresh, tokens.access
        await self._persist(tokens, username)
        return tokens.access

    # --- signing out ----------------------------------------------------------------------------

    async def sign_out(self) -> SignOutResult:
        """Revoke the sign-in on the server and forget it here (memory and keyring). Never raises:
        the result says what could not be done."""
        await self._settle_renewal()
        refresh, username = self._refresh, self._me.username if self._me else None
        self._forget_tokens()
        self._me, self._tenant = None, None
        revoked = forgotten = True
        notes = []
        if refresh is not None:
            try:
                await (await self._oauth_client()).revoke(refresh)
            except ApiError as exc:
                revoked = False
                log.warning("sign-out could not revoke the sign-in on the server: %s", exc.message)
                notes.append("The server could not be told, so the sign-in ends there when it expires.")
        if username is not None:
            try:
                await asyncio.to_thread(self._store.delete, username)
            except KeyringUnavailable as exc:
                forgotten = False
                log.warning("sign-out could not remove the stored sign-in: %s", exc)
                notes.append(
                    f"{exc.message} The saved sign-in could not be removed from it"
                    + ("; it no longer works." if revoked else ".")
                )
        message = "Signed out." if not notes else "Signed out on this computer. " + " ".join(notes)
        return SignOutResult(revoked, forgotten, message)

    async def aclose(self) -> None:
        if self._renewal is not None and not self._renewal.done():
            self._renewal.cancel()
        if self._oauth is not None:
            await self._oauth.aclose()
        if self._http is not None:
            await self._http.aclose()

    # --- helpers --------------------------------------------------------------------------------

    def _require_me(self) -> Me:
        if self._me is None:
            raise SignInRequired("You are not signed in.")
        return self._me

    async def _settle_renewal(self) -> None:
        """Let a renewal under way finish (its refresh token must be stored), whatever its outcome."""
        if self._renewal is not None and not self._renewal.done():
            with contextlib.suppress(ApiError):
                await asyncio.shield(self._renewal)

    def _forget_tokens(self) -> None:
        self._refresh = self._user = self._tenant_token = None

    async def _oauth_client(self) -> OAuthClient:
        if self._oauth is None:
            self._oauth = await OAuthClient.discover(self.settings, clock=self._clock)
        return self._oauth

    async def _persist(self, tokens: UserTokens, username: str | None = None) -> None:
        """Store the newest refresh token; a keyring that refuses leaves a session-only sign-in."""
        username = username or self._require_me().username
        try:
            await asyncio.to_thread(self._store.save, username, tokens.refresh)
            self._keyring_problem = None
        except KeyringUnavailable as exc:
            self._keyring_problem = exc.message
            log.warning("could not store the sign-in in the keyring: %s", exc)

    async def _forget_stored(self, username: str) -> None:
        try:
            await asyncio.to_thread(self._store.delete, username)
        except KeyringUnavailable as exc:
            log.warning("could not remove the stored sign-in: %s", exc)

    async def _fetch_me(self, user: AccessToken) -> Me:
        if self._http is None:
            self._http = create_http_client(self.settings)
        http = self._http
        response = await retry.send(
            http,
            lambda: http.build_request("GET", ME_PATH, headers={"Authorization": f"Bearer {user.reveal()}"}),
            idempotent=True,
            policy=self._policy,
        )
        await retry.raise_for_status(response)
        try:
            return Me.model_validate_json(response.content)
        except ValidationError as exc:
            raise error_from_validation(exc, "your account") from None


def _retrieve(task: asyncio.Task[AccessToken]) -> None:
    """A renewal whose callers all went away must not log 'exception was never retrieved'."""
    if not task.cancelled():
        task.exception()
