"""The token endpoint (authorization code, refresh, token exchange) and revocation.

Errors follow RFC 6749 §5.2: JSON {"error", "error_description"}, never
problem+json, because OAuth client libraries parse exactly that shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from server.api.deps import AppSettings, database
from server.auth import grants
from server.auth.clients import CLIENTS
from server.auth.dependencies import AuthError, verify
from server.auth.keys import load_keys
from server.auth.tokens import issue_id_token, issue_tenant_token, issue_user_token
from server.config import Settings
from server.db.engine import Database
from server.db.models import Membership, User

router = APIRouter(tags=["auth"])
Db = Annotated[Database, Depends(database)]

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def read_form(request: Request) -> dict[str, str]:
    """The form's text fields (files are ignored); a missing field is simply absent."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status, headers=NO_STORE)


@router.post("/oauth/token", summary="Token endpoint (code, refresh, token exchange)")
async def token(request: Request, db: Db, settings: AppSettings) -> JSONResponse:
    form = await read_form(request)
    return await run_in_threadpool(_token, db, settings, form)


def _token(db: Database, settings: Settings, form: dict[str, str]) -> JSONResponse:
    grant_type, client_id = form.get("grant_type", ""), form.get("client_id", "")
    handler = _GRANTS.get(grant_type)
    if handler is None:
        return _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
    if client_id not in CLIENTS:
        return _oauth_error("invalid_client", "unknown client_id", 401)
    failure: grants.GrantError | None = None
    with db.session() as session:
        try:
            body = handler(session, db, settings, form)
        except grants.GrantError as exc:
            failure = exc  # still commit: reuse detection may just have revoked a family
    if failure is not None:
        return _oauth_error(failure.error, failure.description, failure.status)
    return JSONResponse(body, headers=NO_STORE)


def _required(form: dict[str, str], *names: str) -> list[str]:
    missing = [name for name in names if not form.get(name)]
    if missing:
        raise grants.GrantError("invalid_request", f"missing parameter: {', '.join(missing)}")
    return [form[name] for name in names]


def _user_tokens(
    session: Session, db: Database, settings: Settings, grant: grants.Grant, client_id: str
) -> dict[str, Any]:
    user = session.get(User, grant.user_id)
    if user is None:
        raise grants.GrantError("invalid_grant", "the user no longer exists")
    keys = load_keys(db)
    access = issue_user_token(
        keys, settings, user_id=user.id, username=user.username, scope=grant.scope, client_id=client_id
    )
    body: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": settings.access_token_seconds,
        "refresh_token": grant.refresh_token,
        "scope": grant.scope,
    }
    if "openid" in grant.scope.split():
        body["id_token"] = issue_id_token(
            keys,
            settings,
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            client_id=client_id,
            nonce=grant.nonce,
            access_token=access,
        )
    return body


def _authorization_code(
    session: Session, db: Database, settings: Settings, form: dict[str, str]
) -> dict[str, Any]:
    code, redirect_uri, verifier = _required(form, "code", "redirect_uri", "code_verifier")
    grant = grants.redeem_code(
        session,
        code=code,
        client_id=form["client_id"],
        redirect_uri=redirect_uri,
        verifier=verifier,
        refresh_days=settings.refresh_token_days,
    )
    return _user_tokens(session, db, settings, grant, form["client_id"])


def _refresh(session: Session, db: Database, settings: Settings, form: dict[str, str]) -> dict[str, Any]:
    (refresh_token,) = _required(form, "refresh_token")
    grant = grants.rotate_refresh(
        session, token=refresh_token, client_id=form["client_id"], refresh_days=settings.refresh_token_days
    )
    return _user_tokens(session, db, settings, grant, form["client_id"])


def _exchange(session: Session, db: Database, settings: Settings, form: dict[str, str]) -> dict[str, Any]:
    """RFC 8693: a user token in, a token for one tenant (with the user's role there) out."""
    subject, subject_type, tenant_id = _required(form, "subject_token", "subject_token_type", "audience")
    if (
        subject_type != ACCESS_TOKEN_TYPE
        or form.get("requested_token_type", ACCESS_TOKEN_TYPE) != ACCESS_TOKEN_TYPE
    ):
        raise grants.GrantError("invalid_request", f"only {ACCESS_TOKEN_TYPE} tokens can be exchanged")
    keys = load_keys(db)
    try:
        claims = verify(subject, keys, settings)
    except AuthError as exc:
        raise grants.GrantError("invalid_request", f"subject_token: {exc.reason}") from exc
    if not claims.is_user_token:
        raise grants.GrantError("invalid_request", "subject_token must be a user token, not a tenant token")
    membership = session.get(Membership, (claims.user_id, tenant_id))
    if membership is None:  # unknown tenant or not a member: the same answer for both
        raise grants.GrantError("invalid_target", f"you are not a member of tenant {tenant_id!r}")
    access = issue_tenant_token(
        keys,
        settings,
        user_id=claims.user_id,
        username=claims.username,
        tenant_id=tenant_id,
        role=membership.role,
        client_id=form["client_id"],
    )
    return {
        "access_token": access,
        "issued_token_type": ACCESS_TOKEN_TYPE,
        "token_type": "Bearer",
        "expires_in": settings.access_token_seconds,
    }


_GRANTS = {"authorization_code": _authorization_code, "refresh_token": _refresh, TOKEN_EXCHANGE: _exchange}


@router.post("/oauth/revoke", summary="Revoke a refresh token and its whole sign-in (RFC 7009)")
async def revoke(request: Request, db: Db) -> Response:
    form = await read_form(request)
    token, client_id = form.get("token", ""), form.get("client_id", "")
    if client_id not in CLIENTS:
        return _oauth_error("invalid_client", "unknown client_id", 401)
    if not token:
        return _oauth_error("invalid_request", "missing parameter: token")
    await run_in_threadpool(_revoke, db, token, client_id)
    # Access tokens are short-lived JWTs and cannot be revoked: answered 200 like unknown tokens.
    return Response(status_code=200, headers=NO_STORE)


def _revoke(db: Database, token: str, client_id: str) -> None:
    with db.session() as session:
        grants.revoke_refresh_token(session, token, client_id)
