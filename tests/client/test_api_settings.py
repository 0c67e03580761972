"""Settings, Retry-After, backoff, address checks and message sanitising: the small rules the transport
and the errors rest on."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.api.errors import InsecureConnection, retry_after_seconds, sanitize
from app.api.retry import RetryPolicy
from app.api.transport import is_loopback_host, require_secure_url
from app.settings import SETTINGS_VERSION, ClientSettings, load_settings, save_settings


def test_settings_round_trip_through_their_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "settings.json"
    assert load_settings(path) == ClientSettings()  # no file yet: defaults
    chosen = ClientSettings(
        server_url="HTTPS://Platform.Example.COM/cc/", cache_max_mb=512, last_username="alice"
    )
    assert chosen.server_url == "https://platform.example.com/cc"
    save_settings(chosen, path)
    assert load_settings(path) == chosen
    assert json.loads(path.read_text())["version"] == SETTINGS_VERSION
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temporary file left


def test_unreadable_settings_are_kept_aside_and_defaults_used(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"server_url": "ftp://x", "version": 1}')
    assert load_settings(path) == ClientSettings()
    assert (tmp_path / "settings.json.unreadable").read_text().startswith('{"server_url": "ftp')
    path.write_text("garbage")
    assert load_settings(path) == ClientSettings()


def test_settings_from_a_newer_version_keep_what_this_version_knows(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 99, "cache_max_mb": 64, "a_future_option": True}))
    assert load_settings(path).cache_max_mb == 64


@pytest.mark.parametrize(
    "url", ["ftp://example.com", "example.com", "https://user:pw@example.com", "https://example.com/?q=1"]
)
def test_server_addresses_must_be_plain_http_or_https_urls(url: str) -> None:
    with pytest.raises(ValidationError):
        ClientSettings(server_url=url)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Fri, 20 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Fri, 20 Nov 2026 11:00:00 GMT", now=now) == 0.0  # in the past: now
    for unreadable in (None, "", "soon", "-3", "1.5e3"):
        assert retry_after_seconds(unreadable) is None


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(attempts=6, base_delay=0.5, max_delay=3.0)
    rng = random.Random(1)
    for retry, ceiling in enumerate([0.5, 1.0, 2.0, 3.0, 3.0]):
        delays = [policy.backoff(retry, rng) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling
        assert max(delays) > ceiling * 0.8 and len(set(delays)) > 100  # spread, not a fixed pause


def test_plain_http_only_to_loopback() -> None:
    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert is_loopback_host(host)
    for host in ("10.0.0.1", "example.com", "localhost.example.com", "0.0.0.0"):
        assert not is_loopback_host(host)
    assert require_secure_url("http://127.0.0.1:8700/x").host == "127.0.0.1"
    assert require_secure_url("https://example.com").scheme == "https"
    for url in ("http://example.com", "http://10.0.0.1:8700", "ws://127.0.0.1", "file:///etc/passwd"):
        with pytest.raises(InsecureConnection):
            require_secure_url(url)


def test_server_text_is_one_short_line_without_credentials() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.QmVhcmVyLXNpZ25hdHVyZQ"
    refresh = "p03awAmn0JsiNALeK_Z-1E8Nm4qYrTmFli8wO82JF80"
    text = f"bad token {jwt}\nand {refresh}\x1b[2J\u202eevil\x00 " + "word " * 100
    cleaned = sanitize(text)
    assert jwt not in cleaned and refresh not in cleaned and "[redacted]" in cleaned
    assert "\n" not in cleaned and "\x1b" not in cleaned and "\u202e" not in cleaned and "\x00" not in cleaned
    assert len(cleaned) <= 300 and cleaned.endswith("…")
    assert sanitize("conversation cnv_0001 does not exist") == "conversation cnv_0001 does not exist"
    assert sanitize("/api/v1/acme/conversations/search failed") == "/api/v1/acme/conversations/search failed"
