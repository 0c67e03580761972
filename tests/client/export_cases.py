"""What the CSV export tests share: the tenant, the columns, one moment, and a summary record
with a value in every column."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.domain import Conversation, TableColumn

TENANT = "acme"
ALL = tuple(TableColumn)
NOW = datetime.now(UTC)


def record(**changes: object) -> Conversation:
    fields: dict[str, object] = {
        "id": "cnv_1",
        "platform": "voice",
        "contact_id": "ct_1",
        "contact": "+15125550100",
        "point_of_contact": "+18005550100",
        "direction": "inbound",
        "used_for": "production",
        "status": "answering_machine_message_left",
        "flow_id": "f1",
        "flow_name": "Billing",
        "duration_seconds": 75,
        "last_message": "Bye, then.\nSee you",
        "last_message_at": "2026-12-07T12:16:00+02:00",
        "started_at": "2026-12-07T12:15:00.9+02:00",
        "ended_at": None,
        "flagged": True,
        "functions": ["lookup_order", "refund"],
        "parameters": [{"key": "region", "value": "us-west"}, {"key": "tier", "value": "gold"}],
        "tags": [{"key": "Language", "value": "English"}],
        "live_state": "ended",
        "supervisor_mode": "none",
        "current_node": None,
        "has_audio": False,
        "change_seq": 3,
    }
    return Conversation.model_validate({**fields, **changes})


def leftovers(folder: Path) -> list[str]:
    """Temporary files an export left in `folder` (it must leave none)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))
