"""The token-signing key: created once in the database, shared by every worker, cached in-process."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.db.engine import Database
from server.db.models import SigningKey

# A fixed kid makes the first key's creation idempotent across racing workers:
# the primary key lets exactly one insert win.
FIRST_KID = "k1"
ALGORITHM = "RS256"


@dataclass(frozen=True)
class SigningKeys:
    kid: str  # the key new tokens are signed with (the newest)
    private_key: rsa.RSAPrivateKey
    public_keys: dict[str, rsa.RSAPublicKey]  # every key a token may still carry, by kid
    jwks: dict[str, Any]


# Keyed by Database so that tests running several apps in one process don't share keys.
_cache: WeakKeyDictionary[Database, SigningKeys] = WeakKeyDictionary()
_lock = threading.Lock()
# The database of this process's app (set at start-up), for callers without a request at hand.
_process_db: Database | None = None


def ensure_signing_key(db: Database) -> None:
    """Create the signing key if there is none; safe when several workers start together."""
    global _process_db
    _process_db = db
    with db.session() as session:
        exists = session.scalar(select(SigningKey.kid).limit(1)) is not None
    if not exists:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        try:
            with db.session() as session:
                session.add(SigningKey(kid=FIRST_KID, private_pem=pem, created_at=datetime.now(UTC)))
        except IntegrityError:
            pass  # another worker inserted k1 first; its key is the one everybody uses
    load_keys(db)  # warm the cache so that requests never wait for the database


def process_database() -> Database:
    """The Database last given to ensure_signing_key (the app's, once it has started)."""
    if _process_db is None:
        raise RuntimeError("ensure_signing_key() has not been called in this process")
    return _process_db


def cached_keys(db: Database) -> SigningKeys | None:
    """The keys if already loaded (never blocks: usable from async code)."""
    return _cache.get(db)


def load_keys(db: Database) -> SigningKeys:
    """The keys, read from the database on first use only."""
    cached = _cache.get(db)
    if cached is not None:
        return cached
    with _lock:
        cached = _cache.get(db)
        if cached is None:
            cached = _read(db)
            _cache[db] = cached
        return cached


def _read(db: Database) -> SigningKeys:
    with db.session() as session:
        rows = session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc())).all()
    if not rows:
        raise RuntimeError("no signing key in the database; ensure_signing_key() was not called")
    private: dict[str, rsa.RSAPrivateKey] = {}
    for row in rows:
        key = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise RuntimeError(f"signing key {row.kid} is not an RSA key")
        private[row.kid] = key
    public = {kid: key.public_key() for kid, key in private.items()}
    return SigningKeys(
        kid=rows[0].kid,
        private_key=private[rows[0].kid],
        public_keys=public,
        jwks={"keys": [_jwk(kid, key) for kid, key in public.items()]},
    )


def _jwk(kid: str, key: rsa.RSAPublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key, as_dict=True)
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}
