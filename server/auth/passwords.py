"""Password hashing with scrypt (standard library only, memory-hard)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

# 16 MiB of memory per hash (128 * r * n): slow for a GPU farm, fine for a sign-in.
N, R, P = 2**14, 8, 1
_MAXMEM = 64 * 1024 * 1024
_LENGTH = 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=_LENGTH)


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`: the parameters travel with the hash so they can be raised later."""
    salt = secrets.token_bytes(16)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_scrypt(password, salt, N, R, P))}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = encoded.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
        return hmac.compare_digest(actual, _unb64(expected))
    except ValueError:  # malformed hash or parameters scrypt refuses
        return False


# Checked when the user name is unknown so that a miss costs as much as a wrong
# password: response times must not reveal which user names exist.
@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    verify_password(password, _dummy_hash())
