"""Authorization codes and refresh-token families: what the token endpoint redeems.

Secrets are stored as SHA-256 hashes only (a database leak reveals no usable
token). Every refresh token belongs to a family started by one sign-in; reuse
of a spent code or refresh token revokes the family, since it means a copy of a
secret is in someone else's hands (OAuth 2.0 Security BCP §4.14).

Callers must commit the session even when GrantError is raised: the
revocations done before raising are the point of reuse detection.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.orm import Session

from server.auth.clients import verifier_matches
from server.db.models import AuthorizationCode, RefreshToken


class GrantError(Exception):
    """An RFC 6749 §5.2 error: `error` is the code, str(exc) the description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass(frozen=True)
class Grant:
    """A redeemed code or refresh token: who, for what, and the next refresh token."""

    user_id: str
    scope: str
    nonce: str | None
    refresh_token: str


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes, base64url


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


def create_code(
    session: Session,
    *,
    user_id: str,
    client_id: str,
    redirect_uri: str,
    code_challenge: str,
    scope: str,
    nonce: str | None,
    lifetime_seconds: int,
) -> str:
    code = new_secret()
    session.add(
        AuthorizationCode(
            code_hash=hash_secret(code),
            user_id=user_id,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            scope=scope,
            nonce=nonce or None,
            expires_at=_now() + timedelta(seconds=lifetime_seconds),
        )
    )
    return code


def redeem_code(
    session: Session, *, code: str, client_id: str, redirect_uri: str, verifier: str, refresh_days: int
) -> Grant:
    row = session.get(AuthorizationCode, hash_secret(code))
    if row is None or row.client_id != client_id:
        raise GrantError("invalid_grant", "the authorization code is invalid")
    if row.used_at is not None:
        if row.family_id:
            revoke_family(session, row.family_id)
        raise GrantError("invalid_grant", "the authorization code was already used")
    if row.expires_at <= _now():
        raise GrantError("invalid_grant", "the authorization code has expired")
    if row.redirect_uri != redirect_uri:
        raise GrantError("invalid_grant", "redirect_uri does not match the authorization request")
    if not verifier_matches(verifier, row.code_challenge):
        raise GrantError("invalid_grant", "code_verifier does not match the code_challenge")
    family = secrets.token_hex(16)
    # Conditional update: of two concurrent redemptions exactly one claims the code.
    claimed = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.code_hash == row.code_hash, AuthorizationCode.used_at.is_(None))
        .values(used_at=_now(), family_id=family)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:
        raise GrantError("invalid_grant", "the authorization code was already used")
    refresh = _issue_refresh(session, family, row.user_id, client_id, row.scope, refresh_days)
    return Grant(user_id=row.user_id, scope=row.scope, nonce=row.nonce, refresh_token=refresh)


def rotate_refresh(session: Session, *, token: str, client_id: str, refresh_days: int) -> Grant:
    """Spend a refresh token and issue its successor in the same family."""
    row = session.get(RefreshToken, hash_secret(token))
    if row is None or row.client_id != client_id:
        raise GrantError("invalid_grant", "the refresh token is invalid")
    if row.used_at is not None or row.revoked_at is not None:
        revoke_family(session, row.family_id)
        raise GrantError("invalid_grant", "the refresh token was already used or revoked; sign in again")
    if row.expires_at <= _now():
        raise GrantError("invalid_grant", "the refresh token has expired; sign in again")
    claimed = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.token_hash == row.token_hash,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=_now())
        .execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:  # spent concurrently: that is reuse too
        revoke_family(session, row.family_id)
        raise GrantError("invalid_grant", "the refresh token was already used; sign in again")
    refresh = _issue_refresh(session, row.family_id, row.user_id, client_id, row.scope, refresh_days)
    return Grant(user_id=row.user_id, scope=row.scope, nonce=None, refresh_token=refresh)


def _issue_refresh(session: Session, family: str, user_id: str, client_id: str, scope: str, days: int) -> str:
    token, now = new_secret(), _now()
    session.add(
        RefreshToken(
            token_hash=hash_secret(token),
            family_id=family,
            user_id=user_id,
            client_id=client_id,
            scope=scope,
            issued_at=now,
            expires_at=now + timedelta(days=days),  # sliding: each rotation extends the session
        )
    )
    return token


def revoke_family(session: Session, family_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
        .execution_options(synchronize_session=False)
    )


def revoke_refresh_token(session: Session, token: str, client_id: str) -> None:
    """RFC 7009: revoke the token's whole sign-in; unknown tokens are silently ignored."""
    row = session.get(RefreshToken, hash_secret(token))
    if row is not None and row.client_id == client_id:
        revoke_family(session, row.family_id)


def purge_expired(session: Session, *, grace: timedelta = timedelta(days=1)) -> None:
    """Housekeeping: drop codes and refresh tokens that can no longer be redeemed."""
    cutoff = _now() - grace
    session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < cutoff))
    session.execute(delete(RefreshToken).where(RefreshToken.expires_at < cutoff))
