"""Who is signed in, and where (GET /api/v1/me)."""

from __future__ import annotations

from app.domain.base import Record, Str
from app.domain.enums import Role


class MeTenant(Record):
    id: Str
    name: Str
    role: Str

    @property
    def known_role(self) -> Role | None:
        """The role, if this client knows it (an unknown role gets no extra rights)."""
        return Role(self.role) if self.role in {r.value for r in Role} else None


class Me(Record):
    id: Str
    username: Str
    display_name: Str
    tenants: tuple[MeTenant, ...]
