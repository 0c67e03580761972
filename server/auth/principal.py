"""Who is calling: the identity carried by a verified access token."""

from __future__ import annotations

from dataclasses import dataclass

from server.domain import Role


@dataclass(frozen=True)
class UserPrincipal:
    """A user's token (from sign-in): may list tenants and exchange itself."""

    user_id: str
    username: str


@dataclass(frozen=True)
class Principal:
    """A tenant-scoped token (from token exchange): what the API accepts."""

    user_id: str
    username: str
    tenant_id: str
    role: Role

    @property
    def can_act(self) -> bool:
        """Live actions and deletes: supervisors and admins."""
        return self.role in (Role.ADMIN, Role.SUPERVISOR)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
