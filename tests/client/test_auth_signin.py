"""Signing in for real: PKCE in a (scripted) browser, the loopback redirect, tenant tokens, sign-out.

The platform runs as a real process; the "browser" fills in its sign-in form over HTTP
and follows the redirect to the app's loopback listener; the refresh token goes to the
real Secret Service (gnome-keyring).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from keyring.backends import SecretService

from app.api.auth.loopback import LoopbackRedirect
from app.api.auth.oauth import CLIENT_ID
from app.api.auth.session import AuthSession
from app.api.client import ApiClient
from app.api.errors import Offline, SignInFailed, SignInRequired, TenantRequired
from app.api.secrets import RefreshTokenStore, service_name
from app.settings import ClientSettings
from tests.client.conftest import FormBrowser, settings_for
from tests.platform import Platform, free_port

pytestmark = pytest.mark.asyncio


def _rewrite_query(location: str, **changes: str) -> str:
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_sign_in_with_pkce_through_the_browser_and_the_loopback_redirect(
    platform: Platform,
    client_settings: ClientSettings,
    form_browser: Callable[..., FormBrowser],
    secret_service: SecretService.Keyring,
) -> None:
    browser = form_browser("supervisor")
    session = AuthSession(client_settings, open_browser=browser)
    try:
        me = await session.sign_in()
        assert (me.username, [t.id for t in me.tenants]) == ("supervisor", ["acme"])
        assert session.signed_in and session.tenant == "acme"  # the only tenant is chosen
        assert session.keyring_status.secure and session.keyring_status.message == ""

        # What the browser was sent to: PKCE S256, a state, a loopback redirect on a random port.
        (opened,) = browser.opened
        query = {k: v[0] for k, v in parse_qs(urlsplit(opened).query).items()}
        assert opened.startswith(f"{platform.url}/oauth/authorize?")
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
        assert len(query["state"]) >= 32
        redirect = urlsplit(query["redirect_uri"])
        assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/callback")
        assert redirect.port and redirect.port != 53682

        # What the browser tab shows afterwards: a small plain page.
        (landing,) = browser.landings
        assert landing.status_code == 200
        assert landing.headers["content-type"].startswith("text/plain")
        assert "close this tab" in landing.text

        # The refresh token is in the Secret Service, under this server and user.
        stored = secret_service.get_password(service_name(platform.url), "supervisor")
        assert stored and len(stored) >= 40

        async with ApiClient(session, client_settings) as api:
            assert (await api.me()).username == "supervisor"
            assert len(await api.flows()) > 0
    finally:
        await session.sign_out()
        await session.aclose()


async def test_a_user_of_two_tenants_chooses_one_and_gets_a_token_for_it_only(
    platform: Platform,
    client_settings: ClientSettings,
    form_browser: Callable[..., FormBrowser],
    secret_service: object,
) -> None:
    session = AuthSession(client_settings, open_browser=form_browser("admin"))
    try:
        me = await session.sign_in()
        assert sorted(t.id for t in me.tenants) == ["acme", "globex"]
        assert session.tenant is None
        with pytest.raises(TenantRequired):
            await session.access_token()
        with pytest.raises(TenantRequired):
            await session.select_tenant("initech")

        membership = await session.select_tenant("globex")
        assert membership.role == "admin"
        async with ApiClient(session, client_settings) as api:
            assert (await api.search(limit=5)).items
        # The token exchange scoped the token to globex: the platform refuses it for acme.
        token = await session.access_token()
        refused = httpx.post(
            f"{platform.url}/api/v1/acme/conversations/search",
            json={},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert refused.status_code == 403
    finally:
        await session.sign_out()
        await session.aclose()


async def test_the_last_tenant_from_the_settings_is_chosen_again(
    platform: Platform, form_browser: Callable[..., FormBrowser], secret_service: object
) -> None:
    settings = settings_for(platform, last_tenant="globex")
    session = AuthSession(settings, open_browser=form_browser("admin"))
    try:
        await session.sign_in()
        assert session.tenant == "globex"
    finally:
        await session.sign_out()
        await session.aclose()


async def test_a_callback_with_the_wrong_state_is_refused_and_the_real_one_still_signs_in(
    client_settings: ClientSettings, form_browser: Callable[..., FormBrowser], secret_service: object
) -> None:
    real = form_browser("supervisor")
    forged: list[httpx.Response] = []

    async def browser(url: str) -> bool:
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        async with httpx.AsyncClient() as http:
            # Another page or process tries to finish the sign-in with its own code first.
            forged.append(await http.get(redirect_uri, params={"code": "attacker-code", "state": "guessed"}))
            forged.append(await http.get(redirect_uri, params={"code": "attacker-code"}))
        return await real(url)

    session = AuthSession(client_settings, open_browser=browser)
    try:
        me = await session.sign_in()
        assert me.username == "supervisor"
        assert [r.status_code for r in forged] == [400, 400]
        assert "does not belong to the sign-in" in forged[0].text
        assert real.landings[0].status_code == 200
    finally:
        await session.sign_out()
        await session.aclose()


async def test_a_tampered_state_never_completes_and_the_sign_in_times_out(
    platform: Platform, form_browser: Callable[..., FormBrowser]
) -> None:
    browser = form_browser("supervisor", tamper=lambda loc: _rewrite_query(loc, state="x" * 43))
    session = AuthSession(settings_for(platform, sign_in_timeout_seconds=1.5), open_browser=browser)
    try:
        with pytest.raises(SignInFailed, match="timed out"):
            await session.sign_in()
        assert browser.landings[0].status_code == 400
        assert not session.signed_in
    finally:
        await session.aclose()


async def test_an_error_answer_ends_the_sign_in_with_a_clear_message(
    client_settings: ClientSettings, form_browser: Callable[..., FormBrowser]
) -> None:
    def deny(location: str) -> str:
        parts = urlsplit(location)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        denied = {"error": "access_denied", "error_description": "the user said no", "state": query["state"]}
        denied["iss"] = query["iss"]
        return urlunsplit(parts._replace(query=urlencode(denied)))

    browser = form_browser("supervisor", tamper=deny)
    session = AuthSession(client_settings, open_browser=browser)
    try:
        with pytest.raises(SignInFailed) as raised:
            await session.sign_in()
        assert raised.value.message == "Sign-in was cancelled."
        assert raised.value.detail == "access_denied: the user said no"
        assert browser.landings[0].status_code == 200 and "cancelled" in browser.landings[0].text
    finally:
        await session.aclose()


async def test_an_answer_naming_another_issuer_is_refused(
    client_settings: ClientSettings, form_browser: Callable[..., FormBrowser]
) -> None:
    """RFC 9207: the platform says it sends `iss`; an answer from another server is a mix-up attack."""
    browser = form_browser("supervisor", tamper=lambda loc: _rewrite_query(loc, iss="https://evil.example"))
    session = AuthSession(client_settings, open_browser=browser)
    try:
        with pytest.raises(SignInFailed, match="different server"):
            await session.sign_in()
        assert browser.landings[0].status_code == 400
    finally:
        await session.aclose()


async def test_a_wrong_password_leaves_the_app_waiting_until_the_sign_in_times_out(
    platform: Platform, form_browser: Callable[..., FormBrowser]
) -> None:
    browser = form_browser("supervisor", password="not-the-password")
    session = AuthSession(settings_for(platform, sign_in_timeout_seconds=1.0), open_browser=browser)
    try:
        with pytest.raises(SignInFailed, match="timed out"):
            await session.sign_in()
        assert browser.landings == []
    finally:
        await session.aclose()


async def test_no_browser_is_a_sign_in_failure(client_settings: ClientSettings) -> None:
    session = AuthSession(client_settings, open_browser=lambda url: False)
    try:
        with pytest.raises(SignInFailed, match="No web browser"):
            await session.sign_in()
    finally:
        await session.aclose()


async def test_the_stored_sign_in_is_restored_without_a_browser(
    platform: Platform, form_browser: Callable[..., FormBrowser], secret_service: SecretService.Keyring
) -> None:
    settings = settings_for(platform)
    first = AuthSession(settings, open_browser=form_browser("readonly"))
    await first.sign_in()
    stored = secret_service.get_password(service_name(platform.url), "readonly")
    await first.aclose()  # the app quits without signing out

    def no_browser(url: str) -> bool:
        raise AssertionError("restoring must not open the browser")

    second = AuthSession(settings_for(platform, last_username="readonly"), open_browser=no_browser)
    try:
        me = await second.restore()
        assert me is not None and me.username == "readonly" and second.tenant == "acme"
        # Restoring spent the stored refresh token; its successor replaced it in the keyring.
        rotated = secret_service.get_password(service_name(platform.url), "readonly")
        assert rotated and rotated != stored
        async with ApiClient(second, settings) as api:
            assert (await api.search(limit=1)).items
    finally:
        await second.sign_out()
        await second.aclose()


async def test_restore_finds_nothing_when_nobody_signed_in(
    platform: Platform, secret_service: SecretService.Keyring
) -> None:
    session = AuthSession(settings_for(platform))
    try:
        assert await session.restore() is None
        assert not session.signed_in
    finally:
        await session.aclose()


async def test_sign_out_revokes_the_sign_in_and_removes_the_keyring_entry(
    platform: Platform,
    client_settings: ClientSettings,
    form_browser: Callable[..., FormBrowser],
    secret_service: SecretService.Keyring,
) -> None:
    session = AuthSession(client_settings, open_browser=form_browser("supervisor"))
    try:
        await session.sign_in()
        refresh = secret_service.get_password(service_name(platform.url), "supervisor")
        assert refresh

        result = await session.sign_out()
        assert result.revoked and result.message == "Signed out."
        assert secret_service.get_password(service_name(platform.url), "supervisor") is None
        assert RefreshTokenStore(platform.url).load("supervisor") is None
        assert not session.signed_in and session.me is None
        with pytest.raises(SignInRequired):
            await session.access_token()

        # The platform agrees: the refresh token no longer works.
        answer = httpx.post(
            f"{platform.url}/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": CLIENT_ID},
        )
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    finally:
        await session.aclose()


async def test_signing_in_to_a_server_that_is_not_running_says_offline() -> None:
    settings = ClientSettings(server_url=f"http://127.0.0.1:{free_port()}")
    session = AuthSession(settings, open_browser=lambda url: True)
    try:
        with pytest.raises(Offline) as raised:
            await session.sign_in()
        assert "cannot be reached" in raised.value.message
    finally:
        await session.aclose()


async def test_the_loopback_listener_answers_only_its_callback() -> None:
    async with LoopbackRedirect("the-state") as listener, httpx.AsyncClient() as http:
        base = f"http://127.0.0.1:{listener.port}"
        assert (await http.get(f"{base}/favicon.ico")).status_code == 404
        assert (await http.post(f"{base}/callback?state=the-state&code=c")).status_code == 405
        ok = await http.get(f"{base}/callback", params={"state": "the-state", "code": "the-code"})
        assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
        answer = await listener.wait(1)
        assert answer.code.get_secret_value() == "the-code" and "the-code" not in repr(answer)
        again = await http.get(f"{base}/callback", params={"state": "the-state", "code": "other"})
        assert again.status_code == 410
