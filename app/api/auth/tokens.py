"""Tokens as values that never show themselves: their repr and str are redacted.

Expiry is tracked on the monotonic clock from `expires_in` (RFC 6749 §5.1), so a
wrong wall clock on the workstation cannot make a token look fresh or stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr

Clock = Callable[[], float]


def renewal_margin(configured: float, lifetime: float) -> float:
    """Renew this long before expiry: the configured margin, but never more than a quarter of the
    token's life (a platform handing out 10-second tokens must not make every call a renewal)."""
    return min(configured, lifetime / 4)


@dataclass(frozen=True)
class AccessToken:
    value: SecretStr
    expires_at: float  # on the session's monotonic clock
    lifetime: float  # expires_in as issued

    @classmethod
    def issued(cls, value: str, expires_in: float, *, clock: Clock = time.monotonic) -> AccessToken:
        return cls(SecretStr(value), clock() + expires_in, expires_in)

    def fresh(self, margin: float, *, clock: Clock = time.monotonic) -> bool:
        """Still valid a renewal margin from now (`margin` as configured, capped by renewal_margin)."""
        return clock() + renewal_margin(margin, self.lifetime) < self.expires_at

    def reveal(self) -> str:
        return self.value.get_secret_value()


@dataclass(frozen=True)
class UserTokens:
    """What sign-in and refresh return: a user access token and the refresh token that follows it."""

    access: AccessToken
    refresh: SecretStr
