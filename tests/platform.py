"""The reference platform as a real process, and a signed-in HTTP client for tests."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "convodesk-desktop"
REDIRECT = "http://127.0.0.1:53682/callback"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Platform:
    """A running `python -m server serve` process."""

    db_url: str
    port: int = field(default_factory=free_port)
    workers: int = 1
    simulate: int = 0
    # Session-long fixtures keep their tokens for the whole run; token-renewal tests pass a few seconds.
    access_token_seconds: int = 3600
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_dir: Path) -> Platform:
        self.log_path = log_dir / f"platform-{self.port}.log"
        command = [
            sys.executable,
            "-m",
            "server",
            "serve",
            "--db",
            self.db_url,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--access-token-seconds",
            str(self.access_token_seconds),
        ]
        if self.simulate:
            command += ["--simulate-live", str(self.simulate)]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready()
        return self

    @contextmanager
    def running(self, log_dir: Path) -> Iterator[Platform]:
        """The platform started for the block, stopped after it whatever happens."""
        self.start(log_dir)
        try:
            yield self
        finally:
            self.stop()

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"platform exited: {self.log_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"platform not ready after {timeout} s: {self.log_text()[-3000:]}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def seed(db_url: str, conversations: int, *, seed_value: int = 7, audio_clips: int = 2) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "seed",
            "--db",
            db_url,
            "--conversations",
            str(conversations),
            "--seed",
            str(seed_value),
            "--audio-clips",
            str(audio_clips),
            "--now",
            "2026-11-20T12:00:00+00:00",
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def sign_in_form_fields(page_html: str, username: str, password: str) -> dict[str, str]:
    """What a browser posts back from the platform's sign-in page: its hidden fields plus the credentials."""
    fields = {unescape(n): unescape(v) for n, v in re.findall(r'name="([^"]+)"\s+value="([^"]*)"', page_html)}
    fields.update(username=username, password=password)
    return fields


def authorization_code(base_url: str, username: str, password: str, challenge: str, state: str = "st") -> str:
    """Drive the platform's sign-in page as a browser would; return the code."""
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
        "scope": "openid profile offline_access",
    }
    with httpx.Client(base_url=base_url, timeout=10) as http:
        page = http.get("/oauth/authorize", params=params)
        page.raise_for_status()
        fields = sign_in_form_fields(page.text, username, password)
        answer = http.post("/oauth/authorize", data=fields)
        assert answer.status_code in (302, 303), answer.text[:500]
        query = parse_qs(urlparse(answer.headers["location"]).query)
        assert query["state"] == [state]
        return query["code"][0]


def sign_in(base_url: str, username: str) -> dict[str, str]:
    """Full PKCE sign-in; returns the token response (user token + refresh token)."""
    verifier, challenge = pkce_pair()
    code = authorization_code(base_url, username, username, challenge)
    response = httpx.post(
        f"{base_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
            "code_verifier": verifier,
        },
    )
    response.raise_for_status()
    return dict(response.json())


def tenant_token(base_url: str, user_token: str, tenant: str) -> str:
    response = httpx.post(
        f"{base_url}/oauth/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": user_token,
            "subject_token_type": ACCESS_TOKEN_TYPE,
            "audience": tenant,
            "client_id": CLIENT_ID,
        },
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def api_client(base_url: str, username: str, tenant: str = "acme") -> httpx.Client:
    user = sign_in(base_url, username)
    token = tenant_token(base_url, user["access_token"], tenant)
    return httpx.Client(
        base_url=f"{base_url}/api/v1/{tenant}/",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
