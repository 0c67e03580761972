"""Signed JWTs: user access tokens, tenant access tokens and OIDC ID tokens.

Access tokens follow RFC 9068 (header `typ: at+jwt`), which is what keeps an ID
token (typ JWT, aud = client) from ever being accepted as an access token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from server.auth.keys import ALGORITHM, SigningKeys
from server.config import Settings

USER_AUDIENCE = "convodesk-platform"  # the audience of user tokens (sign-in, refresh)
ACCESS_TOKEN_TYP = "at+jwt"
LEEWAY_SECONDS = 5  # clock skew tolerated between workers
_REQUIRED = ["iss", "sub", "aud", "exp", "iat", "jti"]


class TokenError(Exception):
    """The token is not one we issued, or no longer valid; str(error) says why."""


@dataclass(frozen=True)
class AccessToken:
    """What a verified access token says."""

    user_id: str
    username: str
    audience: str
    scope: str
    tenant_id: str | None  # set on tenant tokens only
    role: str | None  # set on tenant tokens only

    @property
    def is_user_token(self) -> bool:
        return self.tenant_id is None


def _sign(keys: SigningKeys, claims: dict[str, Any], typ: str) -> str:
    headers = {"kid": keys.kid, "typ": typ}
    return jwt.encode(claims, keys.private_key, algorithm=ALGORITHM, headers=headers)


def _base(settings: Settings, sub: str, aud: str, lifetime: int) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": settings.public_url,
        "sub": sub,
        "aud": aud,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(16),
    }


def issue_user_token(
    keys: SigningKeys, settings: Settings, *, user_id: str, username: str, scope: str, client_id: str
) -> str:
    """Proves who the user is; good for /api/v1/me, userinfo and token exchange only."""
    claims = _base(settings, user_id, USER_AUDIENCE, settings.access_token_seconds)
    claims.update(username=username, scope=scope, client_id=client_id)
    return _sign(keys, claims, ACCESS_TOKEN_TYP)


def issue_tenant_token(
    keys: SigningKeys,
    settings: Settings,
    *,
    user_id: str,
    username: str,
    tenant_id: str,
    role: str,
    client_id: str,
) -> str:
    """What the tenant API accepts: audience and `tenant` are the tenant id."""
    claims = _base(settings, user_id, tenant_id, settings.access_token_seconds)
    claims.update(username=username, tenant=tenant_id, role=role, client_id=client_id)
    return _sign(keys, claims, ACCESS_TOKEN_TYP)


def issue_id_token(
    keys: SigningKeys,
    settings: Settings,
    *,
    user_id: str,
    username: str,
    display_name: str,
    client_id: str,
    nonce: str | None,
    access_token: str,
) -> str:
    claims = _base(settings, user_id, client_id, settings.access_token_seconds)
    claims.update(preferred_username=username, name=display_name, at_hash=_at_hash(access_token))
    if nonce:
        claims["nonce"] = nonce
    return _sign(keys, claims, "JWT")


def _at_hash(access_token: str) -> str:
    # OIDC Core §3.1.3.6: left half of the SHA-256 of the access token.
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


# Tokens whose signature and claims were checked, with their expiry: a client sends the
# same token with every request for minutes, and an RSA verification per request was a
# tenth of a search page's server time. The expiry is still checked on every use.
_VERIFIED_CAPACITY = 4096
_verified: dict[str, tuple[AccessToken, float, str]] = {}


def verify_access_token(keys: SigningKeys, settings: Settings, token: str) -> AccessToken:
    """Check signature, type, issuer and lifetime; the caller decides if the audience fits."""
    known = _verified.get(token)
    if known is not None and known[2] in keys.public_keys:  # its signing key is still trusted
        claims, expires, _kid = known
        if time.time() <= expires + LEEWAY_SECONDS:
            return claims
        raise TokenError("the token has expired")
    verified, expires, kid = _verify_signed(keys, settings, token)
    if len(_verified) >= _VERIFIED_CAPACITY:
        _verified.clear()
    _verified[token] = (verified, expires, kid)
    return verified


def _verify_signed(keys: SigningKeys, settings: Settings, token: str) -> tuple[AccessToken, float, str]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise TokenError("the token is not a JWT") from exc
    if header.get("typ") != ACCESS_TOKEN_TYP:
        raise TokenError("the token is not an access token")
    kid = str(header.get("kid"))
    key = keys.public_keys.get(kid)
    if key is None:
        raise TokenError("the token is signed with an unknown key")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=settings.public_url,
            leeway=LEEWAY_SECONDS,
            options={"require": _REQUIRED, "verify_aud": False},  # audience checked below
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("the token has expired") from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenError("the token was issued by another issuer") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("the token signature or claims are invalid") from exc
    return _parse(claims), float(claims["exp"]), kid


def _parse(claims: dict[str, Any]) -> AccessToken:
    aud, tenant, role = claims["aud"], claims.get("tenant"), claims.get("role")
    if not isinstance(aud, str) or not isinstance(claims.get("username"), str):
        raise TokenError("the token claims are malformed")
    if tenant is None and aud != USER_AUDIENCE:
        raise TokenError("the token is for another audience")
    if tenant is not None and (aud != tenant or not isinstance(role, str)):
        raise TokenError("the token claims are malformed")
    return AccessToken(
        user_id=str(claims["sub"]),
        username=claims["username"],
        audience=aud,
        scope=str(claims.get("scope", "")),
        tenant_id=tenant,
        role=role,
    )
