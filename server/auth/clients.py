"""The registered client, its redirect URIs (RFC 8252) and PKCE (RFC 7636)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DESKTOP_CLIENT_ID = "convodesk-desktop"
# Public clients only: a native app cannot keep a secret, so PKCE is what binds
# the code to the app that asked for it.
CLIENTS = frozenset({DESKTOP_CLIENT_ID})
SCOPES = ("openid", "profile", "offline_access")

# RFC 8252 §7.3: loopback IP literal, any port, any path ("localhost" tolerated).
_LOOPBACK = re.compile(r"^(?:127\.0\.0\.1|\[::1\]|localhost)(?::[0-9]{1,5})?$", re.IGNORECASE)
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 §4.1 unreserved characters
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")  # base64url without padding
_MAX_STATE, _MAX_NONCE, _MAX_REDIRECT = 2000, 500, 2000  # what the database columns hold


class UntrustedRequest(Exception):
    """Unknown client or redirect URI: the user is told, nothing is redirected."""


class RedirectableError(Exception):
    """An invalid request from a trusted client: reported to its redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


@dataclass(frozen=True)
class AuthorizationRequest:
    """The query of GET /oauth/authorize, carried through the sign-in form."""

    response_type: str = ""
    client_id: str = ""
    redirect_uri: str = ""
    code_challenge: str = ""
    code_challenge_method: str = ""
    state: str = ""
    scope: str = ""
    nonce: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> AuthorizationRequest:
        """Missing parameters become "" (validate() reports them, not FastAPI)."""
        return cls(**{name: params.get(name, "") for name in cls.__dataclass_fields__})

    def hidden_fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def is_loopback_redirect(uri: str) -> bool:
    if len(uri) > _MAX_REDIRECT or any(c.isspace() or ord(c) < 0x20 or c == "\\" for c in uri):
        return False
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for an out-of-range port
    except ValueError:
        return False
    # No fragment (RFC 6749 §3.1.2) and no user info: only the exact loopback authority.
    return parts.scheme == "http" and not parts.fragment and bool(_LOOPBACK.match(parts.netloc))


def validate(req: AuthorizationRequest) -> str:
    """Check an authorization request; returns the granted scope."""
    if req.client_id not in CLIENTS:
        raise UntrustedRequest("The application that sent you here is not registered with this platform.")
    if not is_loopback_redirect(req.redirect_uri):
        raise UntrustedRequest("The application asked to return to an address this platform does not trust.")
    if req.response_type != "code":
        raise RedirectableError("unsupported_response_type", "only response_type=code is supported")
    if not req.code_challenge:
        raise RedirectableError("invalid_request", "code_challenge is required (PKCE)")
    if req.code_challenge_method != "S256":
        raise RedirectableError("invalid_request", "code_challenge_method must be S256")
    if not _CHALLENGE.match(req.code_challenge):
        raise RedirectableError("invalid_request", "code_challenge must be 43-128 base64url characters")
    if len(req.state) > _MAX_STATE or len(req.nonce) > _MAX_NONCE:
        raise RedirectableError("invalid_request", "state or nonce is too long")
    return granted_scope(req.scope)


def granted_scope(requested: str) -> str:
    wanted = set(requested.split())
    unknown = wanted.difference(SCOPES)
    if unknown:
        raise RedirectableError("invalid_scope", f"unsupported scope: {' '.join(sorted(unknown))}")
    return " ".join(s for s in SCOPES if s in wanted)


def is_valid_verifier(verifier: str) -> bool:
    return bool(_VERIFIER.match(verifier))


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def verifier_matches(verifier: str, challenge: str) -> bool:
    return is_valid_verifier(verifier) and hmac.compare_digest(s256(verifier), challenge)
