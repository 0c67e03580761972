"""A loopback HTTP server through which the media player streams recordings from the platform.

Qt's media player cannot send the platform's bearer token, and the token never leaves this
process. So the player is given `http://127.0.0.1:<port>/<random>.wav`; the relay forwards each
of its requests, with its byte range, to the platform with the token and streams the answer
back. A seek is a new range request, so a long recording plays at once, never fetched whole
first. Paths are unguessable and forgotten with the view that asked for them; nothing but GET
and HEAD of a known path is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from http import HTTPStatus

import httpx

from app.api.errors import ApiError, NotFound

log = logging.getLogger(__name__)

OpenPart = Callable[[str, "str | None"], Awaitable[httpx.Response]]  # (conversation id, range)

_HEAD_LIMIT = 16 * 1024  # a player's request head is a few hundred bytes
_HEAD_TIMEOUT = 10.0
_CLOSE_GRACE = 1.0  # seconds for the answers under way to end once the player is hung up on
_RANGE = re.compile(r"bytes=\d*-\d*")  # one range: all a player asks for
_PASSED_ON = ("content-type", "content-length", "content-range")


class RecordingRelay:
    def __init__(self, open_part: OpenPart) -> None:
        self._open_part = open_part
        self._routes: dict[str, str] = {}  # path -> conversation id
        self._problems: dict[str, ApiError] = {}  # path -> why the platform's answer failed
        self._server: asyncio.Server | None = None
        self._starting: asyncio.Lock = asyncio.Lock()
        self._serving: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def url(self, conversation_id: str) -> str:
        """A URL for the player, valid until `forget` or `close`."""
        port = await self._port()
        path = f"/{secrets.token_urlsafe(24)}.wav"
        self._routes[path] = conversation_id
        return f"http://127.0.0.1:{port}{path}"

    def problem(self, url: str) -> ApiError | None:
        """Why the platform last refused or failed this URL's recording, for the player's error."""
        return self._problems.get(_path_of(url))

    def forget(self, url: str) -> None:
        path = _path_of(url)
        self._routes.pop(path, None)
        self._problems.pop(path, None)

    async def close(self) -> None:
        self._routes.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
        # Hang up on the player first: each answer then ends on its own, closing its platform
        # response as it goes; only one stuck waiting for the platform is cancelled.
        for writer in self._serving.values():
            writer.transport.abort()
        serving = list(self._serving)
        if serving:
            _done, stuck = await asyncio.wait(serving, timeout=_CLOSE_GRACE)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*serving, return_exceptions=True)

    async def _port(self) -> int:
        async with self._starting:
            if self._server is None:
                self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=_HEAD_LIMIT)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._serving[task] = writer
        try:
            await self._answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass  # the player hung up (it does on every seek) or sent no proper request
        finally:
            self._serving.pop(task, None)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _HEAD_TIMEOUT)
        request, *lines = head.decode("latin-1").split("\r\n")
        method, path, *_ = (*request.split(" "), "", "")
        headers = dict(_header(line) for line in lines if ":" in line)
        if method not in ("GET", "HEAD"):
            await _reply(writer, HTTPStatus.METHOD_NOT_ALLOWED, {"allow": "GET, HEAD"})
            return
        conversation_id = self._routes.get(path)
        if conversation_id is None:
            await _reply(writer, HTTPStatus.NOT_FOUND)
            return
        byte_range = headers.get("range", "").replace(" ", "")
        try:
            response = await self._open_part(
                conversation_id, byte_range if _RANGE.fullmatch(byte_range) else None
            )
        except ApiError as exc:
            log.info("the recording of %s could not be relayed: %s", conversation_id, exc.message)
            self._problems[path] = exc
            status = HTTPStatus.NOT_FOUND if isinstance(exc, NotFound) else HTTPStatus.BAD_GATEWAY
            await _reply(writer, status)
            return
        try:
            passed = {name: response.headers[name] for name in _PASSED_ON if name in response.headers}
            await _reply(writer, HTTPStatus(response.status_code), {**passed, "accept-ranges": "bytes"})
            if method == "GET":
                async for chunk in response.aiter_raw():  # left part-way on a seek: see ui.event_loop
                    writer.write(chunk)
                    await writer.drain()
        except httpx.HTTPError as exc:  # the platform's answer broke off: the player sees it end
            log.info("the recording of %s broke off: %s", conversation_id, exc)
        finally:
            await response.aclose()


def _path_of(url: str) -> str:
    return "/" + url.split("/", 3)[-1] if url.count("/") >= 3 else url


def _header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()


async def _reply(
    writer: asyncio.StreamWriter, status: HTTPStatus, headers: dict[str, str] | None = None
) -> None:
    fields = {"connection": "close", "cache-control": "no-store", **(headers or {})}
    if "content-length" not in fields and status >= 300:
        fields["content-length"] = "0"
    head = f"HTTP/1.1 {status.value} {status.phrase}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in fields.items()
    )
    writer.write((head + "\r\n").encode("latin-1"))
    await writer.drain()
