"""The loopback redirect of a native app's sign-in (RFC 8252 §7.3).

A one-shot HTTP listener on 127.0.0.1 at a port the OS picks. It accepts exactly
the authorization response for the sign-in in progress: a GET of the callback
path whose `state` matches (compared in constant time) and, when the platform
says it sends one, whose `iss` names the expected issuer (RFC 9207). Anything
else gets a plain-text refusal and the listener keeps waiting, so a stray or
forged request can neither finish nor break the sign-in. The browser tab gets a
small plain page telling the user to go back to the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from app.api.errors import SignInFailed, sanitize

log = logging.getLogger(__name__)

CALLBACK_PATH = "/callback"
_HEAD_LIMIT = 16 * 1024
_READ_SECONDS = 10.0

_PAGES = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    431: "Request Header Fields Too Large",
}


@dataclass(frozen=True)
class AuthorizationResponse:
    code: SecretStr
    issuer: str | None


class LoopbackRedirect:
    """Use as `async with LoopbackRedirect(state, issuer) as listener:` then `await listener.wait(t)`."""

    def __init__(self, state: str, *, issuer: str | None = None, issuer_required: bool = False) -> None:
        self._state = state
        self._issuer = issuer
        self._issuer_required = issuer_required
        self._result: asyncio.Future[AuthorizationResponse] | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    def __repr__(self) -> str:
        return f"LoopbackRedirect(port={self.port})"

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    async def __aenter__(self) -> LoopbackRedirect:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=_HEAD_LIMIT)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def wait(self, timeout: float) -> AuthorizationResponse:
        """The authorization response; SignInFailed on an error answer or when none comes in time."""
        assert self._result is not None, "use LoopbackRedirect as an async context manager"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            minutes = timeout / 60
            when = f"{minutes:.0f} minutes" if minutes >= 2 else f"{timeout:.0f} seconds"
            raise SignInFailed(f"Sign-in timed out: the browser did not come back within {when}.") from None

    # --- one connection ------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            status, text = await self._answer(reader)
            await self._respond(writer, status, text)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, str]:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_SECONDS)
        except asyncio.LimitOverrunError:
            return 431, "Request too large."
        method, _, rest = head.decode("latin-1").partition(" ")
        target = rest.partition(" ")[0]
        if method != "GET":
            return 405, "Only GET is accepted here."
        url = urlsplit(target)
        if url.path != CALLBACK_PATH:
            return 404, "Not found."
        return self._callback({k: v for k, v in parse_qs(url.query).items() if len(v) == 1})

    def _callback(self, query: dict[str, list[str]]) -> tuple[int, str]:
        params = {k: v[0] for k, v in query.items()}
        result = self._result
        if result is None or result.done():
            return 410, "This sign-in is already finished. You can close this tab."
        if not hmac.compare_digest(params.get("state", "").encode(), self._state.encode()):
            log.warning("sign-in callback with a wrong or missing state refused")
            return 400, (
                "This answer does not belong to the sign-in Convodesk is waiting for, so it was ignored.\n"
                "Return to Convodesk and sign in from there."
            )
        issuer = params.get("iss")
        if (
            self._issuer is not None
            and (issuer is not None or self._issuer_required)
            and issuer != self._issuer
        ):
            result.set_exception(
                SignInFailed(detail="the answer came from a different server (iss mismatch)")
            )
            return 400, "Sign-in stopped: the answer came from a server other than the one you chose."
        if "error" in params:
            error = sanitize(params["error"], 60)
            description = sanitize(params.get("error_description", ""), 200)
            message = (
                "Sign-in was cancelled." if error == "access_denied" else "The server refused the sign-in."
            )
            result.set_exception(
                SignInFailed(message, detail=f"{error}: {description}" if description else error)
            )
            return 200, f"{message}\nYou can close this tab and return to Convodesk."
        code = params.get("code")
        if not code:
            result.set_exception(SignInFailed(detail="the answer carried no authorization code"))
            return 400, "Sign-in failed: the answer carried no authorization code. Return to Convodesk."
        result.set_result(AuthorizationResponse(SecretStr(code), issuer))
        return 200, "You are signed in to Convodesk.\nYou can close this tab and return to the app."

    @staticmethod
    async def _respond(writer: asyncio.StreamWriter, status: int, text: str) -> None:
        body = (text + "\n").encode()
        head = (
            f"HTTP/1.1 {status} {_PAGES.get(status, 'Error')}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Referrer-Policy: no-referrer\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)
        await writer.drain()
