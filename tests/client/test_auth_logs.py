"""No token, code or verifier ever reaches a log, a file the app writes, an error message or a repr.

A whole session runs with every logger at DEBUG into a file (httpx and httpcore included):
sign-in, API calls, downloads, a renewal before expiry and one after a refusal, errors,
settings saved, sign-out, and a restore of the revoked sign-in. Then the log and every file
under the data directory are searched for each secret the session handled.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from keyring.backends import SecretService

from app.api.auth.session import AuthSession
from app.api.client import ApiClient
from app.api.errors import ApiError, NotFound
from app.api.secrets import service_name
from app.domain import Filter, Platform
from app.settings import save_settings
from tests.client.conftest import FormBrowser, NotFromTheBrowser, settings_for
from tests.platform import Platform as PlatformProcess

JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.asyncio
async def test_no_secret_reaches_the_logs_the_data_directory_or_error_messages(
    platform: PlatformProcess,
    form_browser: Callable[..., FormBrowser],
    secret_service: SecretService.Keyring,
    tmp_path: Path,
) -> None:
    log_file, data_dir = tmp_path / "convodesk.log", tmp_path / "data"
    data_dir.mkdir()
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(NotFromTheBrowser())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    secrets: set[str] = set()
    shown: list[str] = []  # what could reach the user or a crash report

    def stored() -> str:
        token = secret_service.get_password(service_name(platform.url), "supervisor")
        assert token
        return token

    clock = Clock()
    settings = settings_for(platform)
    browser = form_browser("supervisor")
    session = AuthSession(settings, open_browser=browser, clock=clock)
    try:
        await session.sign_in()
        secrets.update(browser.codes)
        secrets.add(stored())
        async with ApiClient(session, settings) as api:
            secrets.add(await session.access_token())
            voice = await api.search(Filter(platforms=(Platform.VOICE,)), limit=20)
            for summary in voice.items:
                detail = await api.conversation(summary.id)
                if detail.audio is not None:
                    await api.download_audio(detail.id, data_dir / "call.wav")
                    break
            clock.now += 7200  # an hour later: renewed before expiry
            assert await api.flows()
            secrets.update({await session.access_token(), stored()})
            rejected = await session.access_token()
            secrets.add(await session.renew(rejected))  # as after a 401
            last_refresh_token = stored()
            secrets.add(last_refresh_token)
            try:
                await api.conversation("cnv_missing")
            except NotFound as exc:
                logging.getLogger("app.test").exception("expected failure")
                shown += [str(exc), repr(exc), exc.message]
            shown += [repr(session), repr(api), repr(session.keyring_status)]
        save_settings(
            settings.model_copy(update={"last_username": "supervisor", "last_tenant": "acme"}),
            data_dir / "settings.json",
        )
        result = await session.sign_out()
        assert result.revoked
        # The revoked sign-in cannot be restored (the keyring entry went with sign-out: put it back).
        secret_service.set_password(service_name(platform.url), "supervisor", last_refresh_token)
        try:
            await AuthSession(settings).restore("supervisor")
        except ApiError as exc:
            logging.getLogger("app.test").exception("restore failed")
            shown += [str(exc), repr(exc)]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
        await session.aclose()

    assert len(secrets) >= 6
    log = log_file.read_bytes()
    assert b"HTTP Request: POST" in log and b"DEBUG httpcore" in log  # everything was logged
    files = [log_file, *(p for p in data_dir.rglob("*") if p.is_file())]
    assert (data_dir / "call.wav").exists() and (data_dir / "settings.json").exists()
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"a secret in {path.name}"
        if path.suffix != ".wav":
            assert not JWT.search(content), f"a JWT in {path.name}"
            assert b"Bearer ey" not in content
    for text in shown:
        assert not any(secret in text for secret in secrets)
        assert not JWT.search(text.encode())
    assert any("sign in again" in t for t in shown)  # the restore of the revoked sign-in failed as it should
