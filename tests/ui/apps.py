"""Applications for the window tests: signed in through the platform's own form, or started
again on the cache that an earlier sign-in left (the platform may be gone by then)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.settings import ClientSettings
from tests.client.conftest import FormBrowser
from tests.platform import Platform
from ui.application import Application


def app_settings(platform: Platform, tmp_path: Path) -> ClientSettings:
    return ClientSettings(
        server_url=platform.url, cache_directory=tmp_path / "cache", sign_in_timeout_seconds=30
    )


def signing_in_app(platform: Platform, tmp_path: Path, qapp: Any, user: str = "supervisor") -> Application:
    """An Application whose browser sign-in fills in the platform's form as `user`."""
    return Application(
        qapp,
        app_settings(platform, tmp_path),
        settings_path=tmp_path / "settings.json",
        open_browser=FormBrowser(user),
    )


def returning_app(platform: Platform, tmp_path: Path, qapp: Any, user: str = "supervisor") -> Application:
    """An Application started again after `user` signed in on acme with the same `tmp_path`:
    it opens on that cache, online or not."""
    settings = app_settings(platform, tmp_path).model_copy(
        update={"last_username": user, "last_tenant": "acme"}
    )
    return Application(
        qapp, settings, settings_path=tmp_path / "settings.json", open_browser=FormBrowser(user)
    )
