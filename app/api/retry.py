"""When and how long to wait before trying a request again.

Only idempotent requests are retried (GET, HEAD, PUT, DELETE, and calls the caller
declares read-only, such as the search POST): a retried POST could act twice. A
retry waits with exponential backoff and full jitter, or as long as the server's
Retry-After asks, unless that is longer than the cap: then the error is raised
at once and the UI says when to try again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from app.api.errors import error_from_response, error_from_transport, retry_after_seconds
from app.settings import RetrySettings

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # including the first
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 30.0

    @classmethod
    def from_settings(cls, settings: RetrySettings) -> RetryPolicy:
        return cls(settings.attempts, settings.base_delay, settings.max_delay, settings.max_retry_after)

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, min(max, base * 2**retry)]."""
        ceiling = min(self.max_delay, self.base_delay * (2**retry))
        return (rng or random).uniform(0, ceiling)


NO_RETRY = RetryPolicy(attempts=1)


def retry_delay(response: httpx.Response, retry: int, policy: RetryPolicy) -> float | None:
    """Seconds to wait before retrying after this response, or None to give up now."""
    asked = retry_after_seconds(response.headers.get("retry-after"))
    if asked is None:
        return policy.backoff(retry)
    return asked if asked <= policy.max_retry_after else None


async def send(
    client: httpx.AsyncClient,
    build: Callable[[], httpx.Request],
    *,
    idempotent: bool,
    policy: RetryPolicy,
    stream: bool = False,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> httpx.Response:
    """Send the request `build()` makes, retrying what is safe to retry.

    Returns the last response, successful or not (the caller turns a failure into
    its typed error); raises the typed error when no response came at all. A
    streamed response is returned open: the caller must close it.
    """
    attempts = policy.attempts if idempotent else 1
    for attempt in range(attempts):
        last = attempt == attempts - 1
        request = build()
        try:
            response = await client.send(request, stream=stream)
        except httpx.TransportError as exc:
            error = error_from_transport(exc)
            if last:
                raise error from exc
            delay = policy.backoff(attempt)
            log.info(
                "%s %s failed (%s); retry %d in %.2f s",
                request.method,
                request.url.path,
                type(exc).__name__,
                attempt + 1,
                delay,
            )
            await sleep(delay)
            continue
        if response.status_code not in RETRY_STATUSES or last:
            return response
        pause = retry_delay(response, attempt, policy)
        if pause is None:
            return response  # the server asked for a longer pause than we are willing to hold the user
        await response.aclose()
        log.info(
            "%s %s answered %d; retry %d in %.2f s",
            request.method,
            request.url.path,
            response.status_code,
            attempt + 1,
            pause,
        )
        await sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


async def raise_for_status(response: httpx.Response) -> None:
    """Turn an unsuccessful response into its typed error (reading at most a small body)."""
    if response.is_success:
        return
    try:
        body = await read_limited(response, 64 * 1024)
    except httpx.TransportError:
        body = b""
    finally:
        await response.aclose()
    raise error_from_response(response, body)


async def read_limited(response: httpx.Response, limit: int) -> bytes:
    """The body, up to `limit` bytes: an error page is never worth more."""
    if response.is_stream_consumed:
        return response.content[:limit]
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]
