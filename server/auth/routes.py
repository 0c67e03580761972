"""OAuth 2.0 / OpenID Connect endpoints for the native app (a public client using PKCE).

Endpoints that read a form are async only to parse it; the work (scrypt,
database) runs in the thread pool so the event loop never waits on it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from server.api.deps import AppSettings, DbSession, database
from server.auth import grants, token_endpoint
from server.auth.clients import SCOPES, AuthorizationRequest, RedirectableError, UntrustedRequest
from server.auth.clients import validate as validate_request
from server.auth.dependencies import AnyUser, AuthError, CurrentUser
from server.auth.keys import load_keys
from server.auth.passwords import burn_time, verify_password
from server.auth.signin_page import error_page, signin_page
from server.auth.token_endpoint import NO_STORE, TOKEN_EXCHANGE, read_form
from server.config import Settings
from server.db.engine import Database
from server.db.models import Membership, Tenant, User

router = APIRouter(tags=["auth"])
router.include_router(token_endpoint.router)
Db = Annotated[Database, Depends(database)]

WRONG_CREDENTIALS = "Wrong user name or password"


@router.get("/.well-known/openid-configuration", summary="OpenID Provider metadata")
def discovery(settings: AppSettings) -> dict[str, Any]:
    base = settings.public_url.rstrip("/")
    return {
        "issuer": settings.public_url,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "jwks_uri": f"{base}/oauth/jwks",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", TOKEN_EXCHANGE],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": list(SCOPES),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "preferred_username", "name"],
        "authorization_response_iss_parameter_supported": True,  # RFC 9207
    }


@router.get("/oauth/jwks", summary="Token-signing public keys (JWK Set)")
def jwks(db: Db) -> JSONResponse:
    return JSONResponse(load_keys(db).jwks, headers={"Cache-Control": "public, max-age=300"})


# --- authorization endpoint ---------------------------------------------------


def _redirect(uri: str, params: dict[str, str]) -> RedirectResponse:
    """Append params to the redirect URI, keeping the query it already has."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + [(k, v) for k, v in params.items() if v]
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), 302, headers=NO_STORE)


@router.get("/oauth/authorize", summary="Sign-in page (authorization code flow with PKCE)")
def authorize_page(request: Request, settings: AppSettings) -> Response:
    req = AuthorizationRequest.from_params(request.query_params)
    refusal = _validate(req, settings)
    return refusal if isinstance(refusal, Response) else signin_page(req)


def _validate(req: AuthorizationRequest, settings: Settings) -> str | Response:
    """The granted scope, or the response refusing the request (error page or error redirect)."""
    try:
        return validate_request(req)
    except UntrustedRequest as exc:
        return error_page(str(exc))  # never redirect to an address we cannot trust
    except RedirectableError as exc:
        error = {"error": exc.error, "error_description": exc.description}
        return _redirect(req.redirect_uri, {**error, "state": req.state, "iss": settings.public_url})


@router.post("/oauth/authorize", summary="Sign in and get an authorization code", include_in_schema=False)
async def authorize_submit(request: Request, db: Db, settings: AppSettings) -> Response:
    form = await read_form(request)
    req = AuthorizationRequest.from_params(form)
    scope = _validate(req, settings)
    if isinstance(scope, Response):
        return scope
    username, password = form.get("username", "").strip(), form.get("password", "")
    code = await run_in_threadpool(_sign_in, db, settings, req, scope, username, password)
    if code is None:
        return signin_page(req, error=WRONG_CREDENTIALS, username=username, status_code=401)
    return _redirect(req.redirect_uri, {"code": code, "state": req.state, "iss": settings.public_url})


def _sign_in(
    db: Database, settings: Settings, req: AuthorizationRequest, scope: str, username: str, password: str
) -> str | None:
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username)) if username else None
        if user is None:
            burn_time(password)  # same cost as a wrong password: no user enumeration by timing
            return None
        if not verify_password(password, user.password_hash):
            return None
        return grants.create_code(
            session,
            user_id=user.id,
            client_id=req.client_id,
            redirect_uri=req.redirect_uri,
            code_challenge=req.code_challenge,
            scope=scope,
            nonce=req.nonce,
            lifetime_seconds=settings.authorization_code_seconds,
        )


# --- who am I -----------------------------------------------------------------


@router.get("/oauth/userinfo", summary="OpenID Connect UserInfo")
def userinfo(user: CurrentUser, session: DbSession) -> JSONResponse:
    row = session.get(User, user.user_id)
    if row is None:
        raise AuthError(401, "the user no longer exists").problem()
    body = {"sub": row.id, "preferred_username": row.username, "name": row.display_name}
    return JSONResponse(body, headers=NO_STORE)


class MeTenant(BaseModel):
    id: str
    name: str
    role: str


class Me(BaseModel):
    id: str
    username: str
    display_name: str
    tenants: list[MeTenant]


@router.get("/api/v1/me", response_model=Me, summary="The signed-in user and the tenants they belong to")
def me(user: AnyUser, session: DbSession) -> Me:
    row = session.get(User, user.user_id)
    if row is None:
        raise AuthError(401, "the user no longer exists").problem()
    tenants = session.execute(
        select(Tenant.id, Tenant.name, Membership.role)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(Membership.user_id == row.id)
        .order_by(Tenant.name, Tenant.id)
    ).all()
    return Me(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        tenants=[MeTenant(id=t.id, name=t.name, role=t.role) for t in tenants],
    )
