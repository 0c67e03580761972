"""The built-in views every tenant has."""

from __future__ import annotations

from datetime import datetime

from server.db.models import View
from server.domain import TABLE_COLUMNS

ALL_COLUMNS = list(TABLE_COLUMNS)
DATE_DESC = {"column": "date", "descending": True}


def builtin_views(tenant_id: str, now: datetime) -> list[View]:
    specs: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("all", "All Conversations", {}),
        ("production", "Production Calls", {"used_for": "production"}),
        ("test", "Test Calls", {"used_for": "test"}),
    )
    return [
        View(
            id=f"{tenant_id}-{key}",
            tenant_id=tenant_id,
            scope="builtin",
            owner_user_id=None,
            name=name,
            filter=filter_,
            sort=DATE_DESC,
            columns=ALL_COLUMNS,
            created_at=now,
            updated_at=now,
        )
        for key, name, filter_ in specs
    ]
