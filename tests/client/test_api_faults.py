"""Faults the platform will not produce on request — 5xx, Retry-After, slow or cut answers, malformed
and hostile bodies — made for real by a tiny local HTTP server, and what the client makes of them:
retries where they are safe, typed errors with a human message, cancellation that stops the request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.api.auth.oauth import OAuthClient
from app.api.client import ApiClient
from app.api.errors import (
    BadResponse,
    CertificateError,
    Conflict,
    Forbidden,
    InsecureConnection,
    InvalidRequest,
    NotFound,
    Offline,
    RateLimited,
    ServerError,
    SignInRequired,
    TimedOut,
    TooLarge,
)
from app.settings import ClientSettings
from tests.platform import free_port

pytestmark = pytest.mark.asyncio

PROBLEM = "application/problem+json"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    cut_after: int | None = None  # close the connection after this many body bytes
    no_answer: bool = False  # close without any response


Script = Callable[[Seen], Reply]


class FaultServer:
    """A deliberately misbehaving HTTP/1.1 server on 127.0.0.1 (one request per connection)."""

    def __init__(self, script: Script, ssl_context: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.ssl_context = ssl_context
        self.seen: list[Seen] = []
        self.closed_early = 0  # connections the client dropped before the answer
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> FaultServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.ssl_context)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            seen = Seen(method, path, headers, body)
            self.seen.append(seen)
            reply = self.script(seen)
            if reply.delay:
                waiting = asyncio.ensure_future(reader.read(1))  # EOF: the client went away
                done, _ = await asyncio.wait({waiting}, timeout=reply.delay)
                if done:
                    self.closed_early += 1
                    return
                waiting.cancel()
            if reply.no_answer:
                return
            payload = reply.body
            if not isinstance(payload, bytes | str):
                payload = json.dumps(payload)
            data = payload.encode() if isinstance(payload, str) else payload
            headers_out = {"Content-Length": str(len(data)), "Connection": "close", **reply.headers}
            if reply.body and "Content-Type" not in headers_out:
                headers_out["Content-Type"] = "application/json"
            status_line = f"HTTP/1.1 {reply.status} X\r\n"
            writer.write(
                (status_line + "".join(f"{k}: {v}\r\n" for k, v in headers_out.items()) + "\r\n").encode()
            )
            writer.write(data if reply.cut_after is None else data[: reply.cut_after])
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


class StaticTokens:
    """A stand-in for the signed-in session: the fault server checks no signatures."""

    tenant = "acme"

    def __init__(self) -> None:
        self.token = "token-0"
        self.renewals = 0

    async def access_token(self) -> str:
        return self.token

    async def renew(self, rejected: str) -> str:
        self.renewals += 1
        self.token = f"token-{self.renewals}"
        return self.token


def settings(url: str, **overrides: Any) -> ClientSettings:
    values: dict[str, Any] = {
        "server_url": url,
        "retries": {"attempts": 3, "base_delay": 0.01, "max_delay": 0.05, "max_retry_after": 5},
        "timeouts": {"connect": 2, "read": 2, "write": 2, "pool": 2},
    }
    return ClientSettings.model_validate({**values, **overrides})


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[tuple[FaultServer, ApiClient, StaticTokens]]]]:
    opened: list[tuple[FaultServer, ApiClient]] = []

    async def start(script: Script, **overrides: Any) -> tuple[FaultServer, ApiClient, StaticTokens]:
        server = await FaultServer(script).__aenter__()
        tokens = StaticTokens()
        api = ApiClient(tokens, settings(server.url, **overrides))
        opened.append((server, api))
        return server, api, tokens

    yield start
    for server, api in opened:
        await api.aclose()
        await server.__aexit__()


FLOWS = [{"id": "f1", "name": "Billing", "description": "d", "node_count": 3}]


def sequence(*replies: Reply) -> Script:
    """Answer with each reply in turn, then repeat the last."""
    queue = list(replies)
    return lambda seen: queue.pop(0) if len(queue) > 1 else queue[0]


async def test_503_with_retry_after_is_retried_after_the_pause_asked_for(serve: Any) -> None:
    server, api, _ = await serve(sequence(Reply(503, headers={"Retry-After": "1"}), Reply(200, FLOWS)))
    started = time.monotonic()
    flows = await api.flows()
    assert flows[0].name == "Billing" and len(server.seen) == 2
    assert time.monotonic() - started >= 0.95


async def test_429_with_an_http_date_is_honoured(serve: Any) -> None:
    when = format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2), usegmt=True)
    server, api, _ = await serve(sequence(Reply(429, headers={"Retry-After": when}), Reply(200, FLOWS)))
    started = time.monotonic()
    assert await api.flows()
    assert len(server.seen) == 2 and time.monotonic() - started >= 0.9  # HTTP dates have 1 s resolution


async def test_a_retry_after_beyond_the_cap_is_reported_at_once(serve: Any) -> None:
    server, api, _ = await serve(lambda seen: Reply(429, {"title": "Too Many"}, {"Retry-After": "120"}))
    with pytest.raises(RateLimited) as raised:
        await api.flows()
    assert (
        raised.value.retry_after == 120
        and raised.value.message == "The server is busy. Try again in 120 seconds."
    )
    assert len(server.seen) == 1
    server.script = lambda seen: Reply(503, headers={"Retry-After": "600"})  # maintenance, back in 10 min
    with pytest.raises(RateLimited) as maintenance:
        await api.flows()
    assert maintenance.value.retry_after == 600 and len(server.seen) == 2


async def test_gateway_errors_are_retried_with_backoff_then_reported(serve: Any) -> None:
    server, api, _ = await serve(
        lambda seen: Reply(502, "<html>bad gateway</html>", {"Content-Type": "text/html"})
    )
    with pytest.raises(ServerError) as raised:
        await api.flows()
    assert len(server.seen) == 3 and raised.value.status == 502
    assert "bad gateway" not in str(raised.value)  # bodies are not messages


async def test_a_500_is_not_retried(serve: Any) -> None:
    problem = {"type": "about:blank", "title": "Internal server error", "status": 500, "detail": "boom"}
    server, api, _ = await serve(lambda seen: Reply(500, problem, {"Content-Type": PROBLEM}))
    with pytest.raises(ServerError) as raised:
        await api.conversation("c1")
    assert len(server.seen) == 1
    assert raised.value.message.startswith("The server had a problem") and raised.value.detail == "boom"


async def test_actions_are_never_retried_but_the_read_only_search_post_is(serve: Any) -> None:
    server, api, _ = await serve(lambda seen: Reply(503))
    with pytest.raises(ServerError):
        await api.listen("c1")
    assert [s.method for s in server.seen] == ["POST"]
    with pytest.raises(ServerError):
        await api.create_view(__import__("app.domain", fromlist=["ViewIn"]).ViewIn(name="v"))
    assert len(server.seen) == 2
    with pytest.raises(ServerError):
        await api.search()
    assert [s.path for s in server.seen[2:]] == ["/api/v1/acme/conversations/search"] * 3


async def test_a_slow_server_times_out_after_the_retries(serve: Any) -> None:
    server, api, _ = await serve(
        lambda seen: Reply(200, FLOWS, delay=3), timeouts={"connect": 1, "read": 0.3, "write": 1, "pool": 1}
    )
    started = time.monotonic()
    with pytest.raises(TimedOut) as raised:
        await api.flows()
    assert raised.value.message == "The server took too long to answer. Try again in a moment."
    assert isinstance(raised.value, Offline)  # the app treats both the same way: work from the cache
    assert len(server.seen) == 3 and time.monotonic() - started < 2.5


async def test_malformed_and_mistyped_answers_are_bad_responses(serve: Any) -> None:
    answers = iter(
        [
            Reply(200, "{not json"),
            Reply(200, [{"id": 1, "name": "Billing", "description": "d", "node_count": "3"}]),
            Reply(200, {"items": "everything"}),
            Reply(200, b"\xff\xfe\x00binary", {"Content-Type": "application/octet-stream"}),
        ]
    )
    _, api, _ = await serve(lambda seen: next(answers))
    with pytest.raises(BadResponse) as malformed:
        await api.flows()
    assert malformed.value.message == "The server sent an answer this app does not understand."
    with pytest.raises(BadResponse) as mistyped:
        await api.flows()
    assert "0.id" in (mistyped.value.detail or "") and "0.node_count" in (mistyped.value.detail or "")
    with pytest.raises(BadResponse):
        await api.search()
    with pytest.raises(BadResponse):
        await api.flows()


async def test_problem_details_become_typed_errors(serve: Any) -> None:
    secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

    def problem(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> Reply:
        body: dict[str, Any] = {"type": "about:blank", "title": "t", "status": status, "detail": detail}
        if errors:
            body["errors"] = errors
        return Reply(status, body, {"Content-Type": PROBLEM})

    answers = iter(
        [
            problem(
                422,
                "invalid value for: filter.statuses.0",
                [{"field": "filter.statuses.0", "message": "Input should be 'completed'"}],
            ),
            problem(403, "read-only users cannot perform live actions"),
            problem(404, "conversation c1 does not exist"),
            problem(409, "the call is not in progress"),
            problem(403, f"token {secret} rejected\n\x1b[31m"),
        ]
    )
    _, api, _ = await serve(lambda seen: next(answers))
    with pytest.raises(InvalidRequest) as invalid:
        await api.search()
    assert [(f.field, f.message) for f in invalid.value.fields] == [
        ("filter.statuses.0", "Input should be 'completed'")
    ]
    with pytest.raises(Forbidden, match="read-only users"):
        await api.listen("c1")
    with pytest.raises(NotFound):
        await api.conversation("c1")
    with pytest.raises(Conflict):
        await api.end("c1")
    with pytest.raises(Forbidden) as hostile:
        await api.listen("c1")
    assert secret not in str(hostile.value) and "\x1b" not in str(hostile.value)
    assert hostile.value.detail == "token [redacted] rejected"


async def test_a_401_renews_the_token_once_and_repeats_the_request(serve: Any) -> None:
    server, api, tokens = await serve(
        lambda seen: Reply(401) if seen.headers["authorization"] == "Bearer token-0" else Reply(200, FLOWS)
    )
    assert await api.flows()
    assert tokens.renewals == 1
    assert [s.headers["authorization"] for s in server.seen] == ["Bearer token-0", "Bearer token-1"]
    # An action refused as unauthenticated is repeated too: the platform did not act on it.
    tokens.token = "token-0"
    server.seen.clear()
    with pytest.raises(BadResponse):  # FLOWS is no ActionResult, but the POST was sent again
        await api.listen("c1")
    assert [s.method for s in server.seen] == ["POST", "POST"] and tokens.renewals == 2


async def test_a_second_401_means_signing_in_again(serve: Any) -> None:
    server, api, tokens = await serve(lambda seen: Reply(401, {"title": "Unauthorized", "status": 401}))
    with pytest.raises(SignInRequired):
        await api.flows()
    assert tokens.renewals == 1 and len(server.seen) == 2


async def test_connections_cut_without_an_answer(serve: Any) -> None:
    server, api, _ = await serve(lambda seen: Reply(no_answer=True))
    with pytest.raises(Offline) as raised:
        await api.flows()
    assert raised.value.message == "The connection to the server was interrupted. Try again."
    assert len(server.seen) == 3


async def test_a_server_that_is_not_running_is_offline() -> None:
    async with ApiClient(StaticTokens(), settings(f"http://127.0.0.1:{free_port()}")) as api:
        with pytest.raises(Offline) as raised:
            await api.flows()
    assert type(raised.value) is Offline
    assert raised.value.message.startswith("The server cannot be reached.")


async def test_cancelling_a_request_stops_it(serve: Any) -> None:
    server, api, _ = await serve(lambda seen: Reply(200, FLOWS, delay=10))
    task = asyncio.ensure_future(api.flows())
    while not server.seen:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        if server.closed_early:
            break
        await asyncio.sleep(0.01)
    assert server.closed_early == 1  # the server saw the connection go away
    assert time.monotonic() - started < 1.0 and len(server.seen) == 1


async def test_an_interrupted_recording_resumes_with_a_range(serve: Any, tmp_path: Path) -> None:
    audio = bytes(range(256)) * 40

    def script(seen: Seen) -> Reply:
        wanted = seen.headers.get("range")
        if wanted is None:
            return Reply(200, audio, {"Content-Type": "audio/wav"}, cut_after=4000)
        start = int(wanted.removeprefix("bytes=").rstrip("-"))
        content_range = f"bytes {start}-{len(audio) - 1}/{len(audio)}"
        return Reply(206, audio[start:], {"Content-Type": "audio/wav", "Content-Range": content_range})

    server, api, _ = await serve(script)
    path = await api.download_audio("c1", tmp_path / "call.wav")
    assert path.read_bytes() == audio
    assert [s.headers.get("range") for s in server.seen] == [None, "bytes=4000-"]


async def test_oversized_artifacts_are_refused_whatever_they_declare(serve: Any, tmp_path: Path) -> None:
    big = b"x" * 5000
    answers = iter(
        [
            Reply(200, big, {"Content-Type": "application/octet-stream"}),
            Reply(
                200, big, {"Content-Type": "application/octet-stream", "Content-Length": "10"}, cut_after=None
            ),
        ]
    )
    _, api, _ = await serve(lambda seen: next(answers), artifact_max_bytes=1000)
    with pytest.raises(TooLarge):
        await api.download_artifact("c1", "a1", tmp_path / "a.bin")
    assert list(tmp_path.iterdir()) == []


async def test_plain_http_is_refused_beyond_this_computer() -> None:
    with pytest.raises(InsecureConnection) as raised:
        ApiClient(StaticTokens(), ClientSettings(server_url="http://platform.example.com"))
    assert "Plain http:// is only allowed to this computer" in raised.value.message
    for loopback in (
        "http://127.0.0.1:1",
        "http://localhost:1",
        "http://[::1]:1",
        "https://platform.example.com",
    ):
        await ApiClient(StaticTokens(), ClientSettings(server_url=loopback)).aclose()


async def test_discovery_pointing_at_plain_http_elsewhere_is_refused(serve: Any) -> None:
    document = {
        "issuer": "x",
        "authorization_endpoint": "http://evil.example/authorize",
        "token_endpoint": "http://evil.example/token",
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["urn:ietf:params:oauth:grant-type:token-exchange"],
    }
    server, _, _ = await serve(lambda seen: Reply(200, document))
    with pytest.raises(InsecureConnection):
        await OAuthClient.discover(settings(server.url), clock=time.monotonic)


def _certificates(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A private CA and a certificate for 127.0.0.1 signed by it: a corporate CA in miniature."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Convodesk Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    import ipaddress

    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


async def test_tls_is_verified_against_the_os_store_or_the_configured_ca_bundle(tmp_path: Path) -> None:
    ca_file, server_context = _certificates(tmp_path)
    async with FaultServer(lambda seen: Reply(200, FLOWS), ssl_context=server_context) as server:
        async with ApiClient(StaticTokens(), settings(server.url)) as api:
            with pytest.raises(CertificateError) as raised:
                await api.flows()  # the OS trust store does not know this CA
            assert "CA bundle" in raised.value.message
        async with ApiClient(StaticTokens(), settings(server.url, ca_bundle=str(ca_file))) as api:
            assert (await api.flows())[0].name == "Billing"
