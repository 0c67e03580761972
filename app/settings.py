"""The client's settings, typed and declared in one place (no Qt here).

User settings only: window state lives elsewhere. Tokens never live here (the OS
keyring holds them). The file is JSON with a `version`; `_UPGRADES` moves an
older file forward one version at a time, and a file from a newer version keeps
the fields this version knows.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from platformdirs import user_config_path, user_data_path
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
APP_NAME = "convodesk"
DEFAULT_SERVER_URL = "http://127.0.0.1:8700"  # the demo platform (`./dev demo`)


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Timeouts(_Section):
    """Seconds; every HTTP call has all four."""

    connect: float = Field(default=10.0, gt=0, le=300)
    read: float = Field(default=30.0, gt=0, le=3600)
    write: float = Field(default=30.0, gt=0, le=3600)
    pool: float = Field(default=10.0, gt=0, le=300)


class RetrySettings(_Section):
    """Retries of idempotent requests (see app.api.retry)."""

    attempts: int = Field(default=4, ge=1, le=10)
    base_delay: float = Field(default=0.25, ge=0, le=60)
    max_delay: float = Field(default=8.0, ge=0, le=300)
    max_retry_after: float = Field(default=30.0, ge=0, le=3600)


class ClientSettings(_Section):
    version: int = SETTINGS_VERSION
    server_url: str = DEFAULT_SERVER_URL
    ca_bundle: Path | None = None  # PEM file: when set, the only certificates trusted; else the OS store
    timeouts: Timeouts = Field(default_factory=Timeouts)
    retries: RetrySettings = Field(default_factory=RetrySettings)
    sign_in_timeout_seconds: float = Field(default=300.0, gt=0, le=3600)  # waiting for the browser
    refresh_margin_seconds: float = Field(default=60.0, ge=0, le=3600)  # renew access tokens this early
    artifact_max_bytes: int = Field(default=100 * 2**20, gt=0)
    audio_max_bytes: int = Field(default=2 * 2**30, gt=0)
    cache_max_mb: int = Field(default=2048, ge=16)
    cache_directory: Path | None = None  # where the offline caches live; None: the user data directory
    theme: Literal["system", "light", "dark"] = "system"
    # Who signed in last and where: lets the app find the refresh token in the keyring.
    last_username: str | None = None
    last_tenant: str | None = None

    @field_validator("server_url")
    @classmethod
    def _normalise_server_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the server address must be an http:// or https:// URL")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("the server address must not carry a query, fragment or credentials")
        return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def cache_directory(settings: ClientSettings) -> Path:
    """The folder of the offline caches (one file per server and user: app.cache.location)."""
    return settings.cache_directory or user_data_path(APP_NAME, appauthor=False) / "cache"


def default_settings_path() -> Path:
    return user_config_path(APP_NAME, appauthor=False) / "settings.json"


# version n -> the function that turns a version-n document into version n+1
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _upgrade(document: dict[str, Any]) -> dict[str, Any]:
    version = document.get("version", 1)
    if not isinstance(version, int) or version < 1:
        version = 1
    while version < SETTINGS_VERSION:
        document = _UPGRADES[version](document)
        version += 1
    if version > SETTINGS_VERSION:
        log.warning("settings written by a newer Convodesk (version %s); keeping the known fields", version)
    return {**document, "version": SETTINGS_VERSION}


def load_settings(path: Path | None = None) -> ClientSettings:
    """The saved settings; defaults when there are none. An unreadable file is kept aside, not lost."""
    path = path or default_settings_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ClientSettings()
    try:
        document = json.loads(raw)
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
        return ClientSettings.model_validate(_upgrade(document))
    except (ValueError, ValidationError) as exc:
        aside = path.with_name(path.name + ".unreadable")
        os.replace(path, aside)
        log.warning("settings file unreadable (%s); moved to %s, using defaults", type(exc).__name__, aside)
        return ClientSettings()


def save_settings(settings: ClientSettings, path: Path | None = None) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    path = path or default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = settings.model_dump_json(indent=2)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(f.name, path)
