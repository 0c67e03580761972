"""Demo accounts for the seeded tenants (password = user name; never for production data)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.auth.passwords import hash_password
from server.db.models import Membership, User
from server.domain import Role

# (user name, display name, {tenant: role})
DEMO_USERS: tuple[tuple[str, str, dict[str, Role]], ...] = (
    ("admin", "Ada Admin", {"acme": Role.ADMIN, "globex": Role.ADMIN}),
    ("supervisor", "Sam Supervisor", {"acme": Role.SUPERVISOR}),
    ("readonly", "Rita Readonly", {"acme": Role.READONLY}),
)


def create_demo_users(session: Session) -> None:
    """Add the demo users and memberships that are missing; existing rows are left alone."""
    for username, display_name, roles in DEMO_USERS:
        user_id = f"u-{username}"
        if session.get(User, user_id) is None:
            session.add(
                User(
                    id=user_id,
                    username=username,
                    display_name=display_name,
                    password_hash=hash_password(username),
                )
            )
            session.flush()  # the user row must exist before memberships reference it
        for tenant_id, role in roles.items():
            if session.get(Membership, (user_id, tenant_id)) is None:
                session.add(Membership(user_id=user_id, tenant_id=tenant_id, role=role.value))
