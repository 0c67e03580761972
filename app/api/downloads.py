"""Streaming a response body into a file: size-capped, resumable with HTTP Range (RFC 9110 §14).

The body goes to `<dest>.part` and is renamed to `dest` only when complete, so a
file at `dest` is always whole. A recording resumes where the part file ends: after
a dropped connection within the same call, and across calls after a cancel or a
crash. Disk writes run off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import BinaryIO

import httpx

from app.api.errors import ApiError, BadResponse, TooLarge, error_from_transport

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]  # bytes so far, total when known
# Opens the streamed response for the body from this byte offset (0: the whole body).
OpenFrom = Callable[[int], Awaitable[httpx.Response]]

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
_UNSATISFIED = re.compile(r"^bytes \*/(\d+)$")


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _declared_total(response: httpx.Response, offset: int) -> int | None:
    """The full size of the resource according to this response."""
    if response.status_code == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if not match:
            raise BadResponse(detail="a partial answer without a valid Content-Range")
        start, _, total = match.groups()
        if int(start) != offset:
            raise BadResponse(detail="the server resumed the download at the wrong place")
        return None if total == "*" else int(total)
    length = response.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


async def _write_body(
    response: httpx.Response,
    file: BinaryIO,
    written: int,
    total: int | None,
    max_bytes: int,
    progress: Progress | None,
) -> int:
    async for chunk in response.aiter_bytes():
        written += len(chunk)
        if written > max_bytes:
            raise TooLarge(detail=f"more than {max_bytes} bytes")
        await asyncio.to_thread(file.write, chunk)
        if progress is not None:
            progress(written, total)
    return written


async def stream_to_file(
    open_from: OpenFrom,
    dest: Path,
    *,
    max_bytes: int,
    resume: bool,
    attempts: int = 3,
    progress: Progress | None = None,
) -> Path:
    """Download into `dest`; raise TooLarge past `max_bytes` (and drop what was written)."""
    part = part_path(dest)
    for attempt in range(attempts):
        offset = part.stat().st_size if resume and part.exists() else 0
        response = await open_from(offset)
        try:
            if response.status_code == 416:
                match = _UNSATISFIED.match(response.headers.get("content-range", ""))
                if match and int(match.group(1)) == offset:
                    break  # the part file already holds everything
                part.unlink(missing_ok=True)  # the file changed on the server: start over
                continue
            if response.status_code == 200:
                offset = 0  # the server sent the whole body (no Range support or a changed file)
            total = _declared_total(response, offset)
            if total is not None and total > max_bytes:
                raise TooLarge(detail=f"{total} bytes; the limit is {max_bytes}")
            with open(part, "ab" if offset else "wb") as file:
                written = await _write_body(response, file, offset, total, max_bytes, progress)
            if total is not None and written != total:
                raise BadResponse(detail=f"the download ended after {written} of {total} bytes")
            break
        except httpx.TransportError as exc:
            if not resume or attempt == attempts - 1:
                if not resume:
                    part.unlink(missing_ok=True)
                raise error_from_transport(exc) from None
            log.info("download interrupted (%s); resuming", type(exc).__name__)
        except asyncio.CancelledError:
            if not resume:
                part.unlink(missing_ok=True)
            raise  # a resumable download keeps its part file for next time
        except (TooLarge, BadResponse):
            part.unlink(missing_ok=True)
            raise
        finally:
            await response.aclose()
    else:
        raise ApiError("The download could not be completed. Try again.")
    await asyncio.to_thread(os.replace, part, dest)
    return dest


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The whole body in memory, refusing more than `max_bytes` (declared or actually sent)."""
    try:
        total = _declared_total(response, 0)
        if total is not None and total > max_bytes:
            raise TooLarge(detail=f"{total} bytes; the limit is {max_bytes}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(detail=f"more than {max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    except httpx.TransportError as exc:
        raise error_from_transport(exc) from None
    finally:
        await response.aclose()
