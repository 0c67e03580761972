"""Everything that can go wrong talking to the platform, as typed errors with a human message.

Each error carries `message`, one sentence the UI can show as is, and `detail`, a
short, sanitised explanation from the server when there is one. Neither ever holds
a token or a response body: server text is cut short and anything that looks like
a credential is masked before it is kept.
"""

from __future__ import annotations

import json
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pydantic

_MAX_DETAIL = 300
# JWTs (three base64url segments) and long opaque secrets such as refresh tokens.
_CREDENTIAL = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|[A-Za-z0-9_~+=-]{32,}")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")


def sanitize(text: object, limit: int = _MAX_DETAIL) -> str:
    """Server- or library-supplied text made safe to show and to log: one line, short, no secrets."""
    cleaned = _CONTROL.sub(" ", _ANSI.sub("", str(text)))
    cleaned = _CREDENTIAL.sub("[redacted]", " ".join(cleaned.split()))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class ApiError(Exception):
    """Base of every error the client raises; `message` is for the user."""

    default_message = "Something went wrong while talking to the server."

    def __init__(self, message: str | None = None, *, detail: str | None = None, status: int | None = None):
        self.message = message or self.default_message
        self.detail = sanitize(detail) if detail else None
        self.status = status
        super().__init__(self.message if not self.detail else f"{self.message} ({self.detail})")


class Offline(ApiError):
    default_message = "The server cannot be reached. Check your connection; cached data is still available."


class TimedOut(Offline):
    default_message = "The server took too long to answer. Try again in a moment."


class CertificateError(Offline):
    default_message = (
        "The server's certificate could not be verified, so the connection was refused. "
        "If your organisation uses its own certificate authority, set its CA bundle in the settings."
    )


class InsecureConnection(ApiError):
    default_message = (
        "Plain http:// is only allowed to this computer (127.0.0.1, ::1, localhost). Use an https:// address."
    )


class SignInRequired(ApiError):
    default_message = "Your sign-in has ended. Please sign in again."


class TenantRequired(ApiError):
    default_message = "Choose the organisation to work in."


class SignInFailed(ApiError):
    default_message = "Sign-in did not complete."


class Forbidden(ApiError):
    default_message = "Your role does not allow this."


class NotFound(ApiError):
    default_message = "This item no longer exists on the server."


class Conflict(ApiError):
    default_message = "This cannot be done right now: the item changed in the meantime."


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class InvalidRequest(ApiError):
    default_message = "The server refused the request as invalid."

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str | None = None,
        status: int | None = None,
        fields: tuple[FieldProblem, ...] = (),
    ):
        self.fields = fields
        if fields and not detail:
            detail = "; ".join(f"{f.field}: {f.message}" for f in fields)
        super().__init__(message, detail=detail, status=status)


class TooLarge(ApiError):
    default_message = "The file is larger than this app accepts."


class RateLimited(ApiError):
    default_message = "The server is busy. Try again in a moment."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any):
        self.retry_after = retry_after
        if retry_after is not None and message is None:
            message = f"The server is busy. Try again in {max(1, round(retry_after))} seconds."
        super().__init__(message, **kwargs)


class ServerError(ApiError):
    default_message = "The server had a problem and could not complete the request. Try again later."


class BadResponse(ApiError):
    default_message = "The server sent an answer this app does not understand."


# --- building errors ---------------------------------------------------------------------------


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """RFC 9110 §10.2.3: delay-seconds or an HTTP-date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _problem(response: httpx.Response, content: bytes) -> dict[str, Any]:
    """The problem+json body (RFC 9457) as a dict, or {} when there is none or it is unreadable."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/problem+json", "application/json"):
        return {}
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _field_problems(errors: object) -> tuple[FieldProblem, ...]:
    if not isinstance(errors, list):
        return ()
    found = []
    for item in errors[:20]:
        if isinstance(item, dict):
            field, message = item.get("field"), item.get("message")
            found.append(FieldProblem(sanitize(field or "request", 100), sanitize(message or "invalid", 200)))
    return tuple(found)


def error_from_response(response: httpx.Response, content: bytes | None = None) -> ApiError:
    """The typed error for an unsuccessful response; `content` is its body when it was streamed."""
    status = response.status_code
    body = _problem(response, response.content if content is None else content)
    detail_value = body.get("detail") or body.get("title")
    detail = detail_value if isinstance(detail_value, str) else None
    if status in (400, 422):
        return InvalidRequest(detail=detail, status=status, fields=_field_problems(body.get("errors")))
    if status == 401:
        return SignInRequired(detail=detail, status=status)
    if status == 403:
        return Forbidden(detail=detail, status=status)
    if status in (404, 410):
        return NotFound(detail=detail, status=status)
    if status == 409:
        return Conflict(detail=detail, status=status)
    if status == 413:
        return InvalidRequest("The request is larger than the server accepts.", detail=detail, status=status)
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if status == 429 or (status == 503 and retry_after is not None):
        return RateLimited(retry_after=retry_after, detail=detail, status=status)
    if status >= 500:
        return ServerError(detail=detail, status=status)
    return ApiError(
        f"The server answered with an unexpected status ({status}).", detail=detail, status=status
    )


def error_from_transport(exc: httpx.TransportError) -> ApiError:
    """The typed error for a request that got no HTTP answer."""
    if isinstance(exc, httpx.ConnectTimeout):
        return Offline(detail="connecting timed out")
    if isinstance(exc, httpx.TimeoutException):
        return TimedOut()
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return CertificateError(detail=cause.verify_message or None)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return Offline()
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return Offline("The connection to the server was interrupted. Try again.")
    return Offline(detail=type(exc).__name__)


def error_from_validation(exc: pydantic.ValidationError, what: str) -> BadResponse:
    """A response that does not match the contract; lists where, never the offending values."""
    places = [
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
        for e in exc.errors(include_url=False, include_input=False, include_context=False)[:5]
    ]
    return BadResponse(detail=f"{what}: " + "; ".join(places))
