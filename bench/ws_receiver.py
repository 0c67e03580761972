"""A minimal WebSocket client for benchmarks: receives, timestamps, answers pings.

The events benchmark runs 20 subscribers on the 2 cores the platform under test
uses, so each received message must cost as little CPU as possible. This client
does the opening handshake (RFC 6455 §4.1) and then only what receiving needs:
it splits the byte stream into frames (reading 2 to 10 header bytes, slicing the
payload), reassembles fragmented messages, answers pings and echoes the close.
It does not decode text to str: the caller gets each message as bytes, with the
time.time() at which the bytes that completed it were read from the socket.
It offers no extension (the platform does not compress events).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


class HandshakeError(Exception):
    pass


def _masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask: RFC 6455 §5.3). Control payloads are < 126 bytes."""
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + body


class Receiver(asyncio.Protocol):
    """Calls `on_message(data, received_at)` for each complete text or binary message."""

    def __init__(
        self, host: str, target: str, headers: dict[str, str], on_message: Callable[[bytes, float], None]
    ) -> None:
        self._key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {target} HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self._key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self._request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self._on_message = on_message
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._open = False
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self._request)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self._buffer += data
        if not self._open and not self._handshake():
            return
        buffer = self._buffer
        start = 0
        end = len(buffer)
        while end - start >= 2:
            b0, b1 = buffer[start], buffer[start + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if end - start < 4:
                    break
                length = struct.unpack_from("!H", buffer, start + 2)[0]
                head = 4
            elif length == 127:
                if end - start < 10:
                    break
                length = struct.unpack_from("!Q", buffer, start + 2)[0]
                head = 10
            if end - start < head + length:
                break  # the rest of this frame has not arrived yet
            payload = bytes(buffer[start + head : start + head + length])
            start += head + length
            self._frame(b0 & 0x80, b0 & 0x0F, payload, now)
        del buffer[:start]

    def _frame(self, fin: int, opcode: int, payload: bytes, now: float) -> None:
        if opcode in (TEXT, BINARY, CONTINUATION):
            if not fin:
                self._fragments.append(payload)
                return
            if self._fragments:
                payload = b"".join([*self._fragments, payload])
                self._fragments.clear()
            self._on_message(payload, now)
        elif opcode == PING:
            self._send(PONG, payload)
        elif opcode == CLOSE:
            code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
            reason = payload[2:].decode(errors="replace")
            self._send(CLOSE, payload[:2])
            if not self.closed.done():
                self.closed.set_result(f"closed by the server: {code} {reason}")
            if self.transport is not None:
                self.transport.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_masked_frame(opcode, payload))

    def _handshake(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        del self._buffer[: end + 4]
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        accept = base64.b64encode(hashlib.sha1(self._key.encode() + _GUID).digest()).decode()
        if not head[0].startswith("HTTP/1.1 101") or fields.get("sec-websocket-accept") != accept:
            error = HandshakeError(head[0])
            if not self.opened.done():
                self.opened.set_exception(error)
            if self.transport is not None:
                self.transport.close()
            return False
        self._open = True
        self.opened.set_result(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("connection closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(f"connection lost: {exc}" if exc else "connection closed")

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(
    url: str, headers: dict[str, str], on_message: Callable[[bytes, float], None]
) -> Receiver:
    """Open a ws:// connection; returns once the handshake has succeeded."""
    parts = urlsplit(url)
    if parts.scheme != "ws":
        raise ValueError("only ws:// URLs")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    loop = asyncio.get_running_loop()
    _, receiver = await loop.create_connection(
        lambda: Receiver(f"{host}:{port}", target, headers, on_message), host, port
    )
    await receiver.opened
    return receiver
