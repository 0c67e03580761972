"""Who is calling: FastAPI dependencies (and a WebSocket helper) that verify bearer tokens.

Verification is local (signature + claims, no database round trip): the key
is cached in-process, so a request costs one RSA verification. Memberships are
checked when a tenant token is issued; a removed member keeps access until the
token expires (access_token_seconds, 5 minutes by default).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from server.api.problems import Problem
from server.auth.keys import SigningKeys, cached_keys, load_keys, process_database
from server.auth.principal import Principal, UserPrincipal
from server.auth.tokens import AccessToken, TokenError, verify_access_token
from server.config import Settings
from server.db.engine import Database
from server.domain import Role

REALM = "convodesk"
# Declares bearer auth in the OpenAPI document; the header itself is parsed below.
_scheme = HTTPBearer(auto_error=False, bearerFormat="JWT", scheme_name="bearer")
Documented = Annotated[HTTPAuthorizationCredentials | None, Security(_scheme)]


class AuthError(Exception):
    """Authentication (401) or authorization (403) failure, for HTTP and WebSocket alike."""

    def __init__(self, status: int, reason: str, error: str | None = "invalid_token") -> None:
        super().__init__(reason)
        self.status, self.reason, self.error = status, reason, error

    def www_authenticate(self) -> str:
        # RFC 6750 §3: no error code when the request carried no token at all.
        if self.error is None:
            return f'Bearer realm="{REALM}"'
        reason = self.reason.replace("\\", "").replace('"', "'")
        return f'Bearer realm="{REALM}", error="{self.error}", error_description="{reason}"'

    def problem(self) -> Problem:
        title = "Unauthorized" if self.status == 401 else "Forbidden"
        return Problem(self.status, title, self.reason, headers={"WWW-Authenticate": self.www_authenticate()})


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header value."""
    if not authorization:
        raise AuthError(401, "a bearer access token is required", error=None)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AuthError(401, "a bearer access token is required", error=None)
    token = token.strip()
    if not token or " " in token:
        raise AuthError(401, "the Authorization header is malformed")
    return token


def verify(token: str, keys: SigningKeys, settings: Settings) -> AccessToken:
    try:
        return verify_access_token(keys, settings, token)
    except TokenError as exc:
        raise AuthError(401, str(exc)) from exc


def tenant_principal_from(claims: AccessToken, tenant: str) -> Principal:
    if claims.tenant_id is None:
        raise AuthError(
            403,
            f"this is a user token; exchange it for a token scoped to tenant {tenant}",
            error="insufficient_scope",
        )
    if claims.tenant_id != tenant:
        raise AuthError(
            403,
            f"this token is scoped to tenant {claims.tenant_id}, not {tenant}",
            error="insufficient_scope",
        )
    try:
        role = Role(claims.role or "")
    except ValueError as exc:
        raise AuthError(401, "the token carries an unknown role") from exc
    return Principal(user_id=claims.user_id, username=claims.username, tenant_id=tenant, role=role)


def principal_from_token(
    token: str, tenant: str, *, db: Database | None = None, settings: Settings | None = None
) -> Principal:
    """For the WebSocket endpoint: raises AuthError (status 401 or 403, reason).

    Pass the app's db and settings when at hand; otherwise the process's (the
    database given to ensure_signing_key, the settings from the environment).
    """
    if not token:
        raise AuthError(401, "a bearer access token is required", error=None)
    keys = load_keys(db or process_database())
    return tenant_principal_from(verify(token, keys, settings or Settings.from_env()), tenant)


async def _claims(request: Request) -> AccessToken:
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    # Only the first request of a process reads the key; it does so off the event loop.
    keys = cached_keys(db)
    if keys is None:
        keys = await run_in_threadpool(load_keys, db)
    return verify(bearer_token(request.headers.get("authorization")), keys, settings)


async def tenant_principal(tenant: str, request: Request, _: Documented = None) -> Principal:
    """The caller of a /api/v1/{tenant}/... route: a tenant token for exactly that tenant."""
    try:
        return tenant_principal_from(await _claims(request), tenant)
    except AuthError as exc:
        raise exc.problem() from exc


async def user_principal(request: Request, _: Documented = None) -> UserPrincipal:
    """A user token (from sign-in or refresh), as userinfo wants."""
    try:
        claims = await _claims(request)
    except AuthError as exc:
        raise exc.problem() from exc
    if not claims.is_user_token:
        raise AuthError(401, "a user token is required, not a tenant token").problem()
    return UserPrincipal(user_id=claims.user_id, username=claims.username)


async def any_user_principal(request: Request, _: Documented = None) -> UserPrincipal:
    """The user behind a user token or a tenant token (for /api/v1/me)."""
    try:
        claims = await _claims(request)
    except AuthError as exc:
        raise exc.problem() from exc
    return UserPrincipal(user_id=claims.user_id, username=claims.username)


def require_actor(p: Principal, action: str = "perform live actions or delete conversations") -> None:
    if not p.can_act:
        raise Problem(403, "Forbidden", f"read-only users cannot {action}")


def require_admin(p: Principal, action: str = "do this") -> None:
    if not p.is_admin:
        raise Problem(403, "Forbidden", f"only tenant admins can {action}")


async def actor_principal(p: Annotated[Principal, Depends(tenant_principal)]) -> Principal:
    require_actor(p)
    return p


async def admin_principal(p: Annotated[Principal, Depends(tenant_principal)]) -> Principal:
    require_admin(p)
    return p


TenantPrincipal = Annotated[Principal, Depends(tenant_principal)]
ActorPrincipal = Annotated[Principal, Depends(actor_principal)]
AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
CurrentUser = Annotated[UserPrincipal, Depends(user_principal)]
AnyUser = Annotated[UserPrincipal, Depends(any_user_principal)]
