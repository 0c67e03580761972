"""Keeping a sign-in alive against the real platform: renewal before expiry, after a 401, refresh-token
rotation into the keyring, single-flight renewal, and the ends of a sign-in (revoked, reused, offline).

Some tests run on a platform whose tokens live 4 seconds and wait in real time; others
move the session's clock instead (the client trusts `expires_in` on its own monotonic
clock, so a moved clock is how "an hour later" looks to it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from keyring.backends import SecretService

from app.api.auth.oauth import CLIENT_ID
from app.api.auth.session import AuthSession
from app.api.client import ApiClient
from app.api.errors import Offline, SignInRequired
from app.api.secrets import service_name
from tests.client.conftest import FormBrowser, settings_for
from tests.platform import Platform

pytestmark = pytest.mark.asyncio
RENEWED = "tenant access token renewed"


class ManualClock:
    """The session's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def renewals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(RENEWED)]


def stored_refresh_token(server: Platform, username: str = "supervisor") -> str | None:
    return SecretService.Keyring().get_password(service_name(server.url), username)


async def signed_in(
    server: Platform, browser: FormBrowser, clock: Callable[[], float] | None = None
) -> tuple[AuthSession, ApiClient]:
    settings = settings_for(server)
    session = AuthSession(settings, open_browser=browser, **({"clock": clock} if clock else {}))
    await session.sign_in()
    return session, ApiClient(session, settings)


@pytest_asyncio.fixture
async def clocked(
    platform: Platform, form_browser: Callable[..., FormBrowser], secret_service: object
) -> AsyncIterator[tuple[AuthSession, ApiClient, ManualClock]]:
    clock = ManualClock()
    session, api = await signed_in(platform, form_browser("supervisor"), clock)
    try:
        yield session, api, clock
    finally:
        await api.aclose()
        if session.signed_in:
            await session.sign_out()
        await session.aclose()


@pytest.fixture
def info_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="app.api")
    return caplog


async def test_tokens_are_renewed_before_they_expire_and_each_refresh_token_replaces_the_last(
    short_token_platform: Platform,
    form_browser: Callable[..., FormBrowser],
    secret_service: object,
    info_logs: pytest.LogCaptureFixture,
) -> None:
    session, api = await signed_in(short_token_platform, form_browser("supervisor"))
    try:
        first_token, first_refresh = await session.access_token(), stored_refresh_token(short_token_platform)
        assert await api.flows()
        await asyncio.sleep(3.2)  # 4-second tokens are renewed in their last second
        assert await api.flows()
        second_token = await session.access_token()
        assert second_token != first_token
        assert renewals(info_logs) == [f"{RENEWED} (before expiry)"]
        second_refresh = stored_refresh_token(short_token_platform)
        assert second_refresh and second_refresh != first_refresh  # rotation: the newest is stored
        await asyncio.sleep(3.2)
        assert (await api.search(limit=1)).items
        assert stored_refresh_token(short_token_platform) not in (first_refresh, second_refresh)
    finally:
        await api.aclose()
        await session.sign_out()
        await session.aclose()


async def test_concurrent_requests_share_one_renewal(
    short_token_platform: Platform,
    form_browser: Callable[..., FormBrowser],
    secret_service: object,
    info_logs: pytest.LogCaptureFixture,
) -> None:
    session, api = await signed_in(short_token_platform, form_browser("supervisor"))
    try:
        await asyncio.sleep(3.2)
        pages = await asyncio.gather(*(api.search(limit=2) for _ in range(20)))
        assert all(page.items for page in pages)
        # Two refreshes with one refresh token would be a reuse, and the platform would end the sign-in.
        assert renewals(info_logs) == [f"{RENEWED} (before expiry)"]
    finally:
        await api.aclose()
        await session.sign_out()
        await session.aclose()


async def test_a_token_the_server_refuses_is_renewed_once_and_the_request_repeated(
    short_token_platform: Platform,
    form_browser: Callable[..., FormBrowser],
    secret_service: object,
    info_logs: pytest.LogCaptureFixture,
) -> None:
    """The client's clock stands still, so it never renews on its own: only the platform's 401 says
    the token expired (4 s of life plus the platform's 5 s of tolerated clock skew)."""
    session, api = await signed_in(short_token_platform, form_browser("supervisor"), clock=lambda: 0.0)
    try:
        stale = await session.access_token()
        await asyncio.sleep(9.5)
        refused = httpx.get(
            f"{short_token_platform.url}/api/v1/acme/flows", headers={"Authorization": f"Bearer {stale}"}
        )
        assert refused.status_code == 401
        results = await asyncio.gather(api.flows(), api.search(limit=1), api.views())
        assert all(results)
        assert renewals(info_logs) == [f"{RENEWED} (after a refusal)"]
        assert await session.access_token() != stale
    finally:
        await api.aclose()
        await session.sign_out()
        await session.aclose()


async def test_a_refresh_token_revoked_elsewhere_means_signing_in_again(
    platform: Platform, clocked: tuple[AuthSession, ApiClient, ManualClock]
) -> None:
    session, api, clock = clocked
    refresh = stored_refresh_token(platform)
    assert refresh
    # Signed out on another device, or an administrator ended the sign-in.
    httpx.post(
        f"{platform.url}/oauth/revoke", data={"token": refresh, "client_id": CLIENT_ID}
    ).raise_for_status()
    assert await api.flows()  # the current access token still works until it expires
    clock.advance(3600)
    with pytest.raises(SignInRequired) as raised:
        await api.flows()
    assert raised.value.message == "Your sign-in has ended. Please sign in again."
    assert stored_refresh_token(platform) is None
    assert not session.signed_in
    with pytest.raises(SignInRequired):
        await api.flows()


async def test_reuse_of_a_rotated_refresh_token_ends_the_sign_in(
    platform: Platform, clocked: tuple[AuthSession, ApiClient, ManualClock]
) -> None:
    _, api, clock = clocked
    spent = stored_refresh_token(platform)
    clock.advance(3600)
    assert await api.flows()  # renewed: `spent` was spent, its successor stored
    assert stored_refresh_token(platform) != spent
    # A copy of the old refresh token is used elsewhere: the platform takes it for theft.
    stolen = httpx.post(
        f"{platform.url}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": spent, "client_id": CLIENT_ID},
    )
    assert stolen.json()["error"] == "invalid_grant"
    clock.advance(3600)
    with pytest.raises(SignInRequired):
        await api.flows()
    assert stored_refresh_token(platform) is None


async def test_cancelled_requests_never_lose_a_rotated_refresh_token(
    clocked: tuple[AuthSession, ApiClient, ManualClock],
) -> None:
    """A renewal finishes even when every request waiting for it is cancelled: otherwise a refresh
    token spent on the server but never stored would end the sign-in at the next renewal."""
    _, api, clock = clocked
    cancelled = 0
    for delay in (0.0, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032):
        clock.advance(3600)
        task = asyncio.ensure_future(api.search(limit=1))
        await asyncio.sleep(delay)  # cancelled at some point of the renewal or of the request
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            cancelled += 1
        assert (await api.search(limit=1)).items  # the sign-in survived
    assert cancelled >= 3


async def test_restoring_a_revoked_sign_in_asks_to_sign_in_again_and_forgets_it(
    platform: Platform, form_browser: Callable[..., FormBrowser], secret_service: object
) -> None:
    first = AuthSession(settings_for(platform), open_browser=form_browser("readonly"))
    await first.sign_in()
    await first.aclose()
    refresh = stored_refresh_token(platform, "readonly")
    httpx.post(
        f"{platform.url}/oauth/revoke", data={"token": refresh, "client_id": CLIENT_ID}
    ).raise_for_status()

    second = AuthSession(settings_for(platform, last_username="readonly"))
    try:
        with pytest.raises(SignInRequired):
            await second.restore()
        assert stored_refresh_token(platform, "readonly") is None
    finally:
        await second.aclose()


async def test_a_server_that_goes_away_means_offline_and_the_sign_in_survives_it(
    short_token_platform: Platform,
    form_browser: Callable[..., FormBrowser],
    secret_service: object,
    tmp_path: Path,
) -> None:
    server = Platform(short_token_platform.db_url).start(tmp_path)  # a second process on the same data
    clock = ManualClock()
    session, api = await signed_in(server, form_browser("supervisor"), clock)
    try:
        server.stop()
        with pytest.raises(Offline):
            await api.flows()  # the request itself cannot connect
        clock.advance(3600)
        with pytest.raises(Offline):
            await api.flows()  # nor can the renewal: the refresh token was not spent
        assert session.signed_in and stored_refresh_token(server)
        server.start(tmp_path)
        assert await api.flows()
    finally:
        server.stop()
        await api.aclose()
        await session.aclose()
