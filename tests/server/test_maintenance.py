"""Event retention: old events are pruned, and a cursor older than what is kept is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import websockets
from sqlalchemy import func, select
from websockets.sync.client import connect

from server.db.engine import Database
from server.db.models import Event
from server.domain import EventType
from server.maintenance import prune_events, pruned_through
from server.store import events
from tests.platform import Platform, seed, sign_in, tenant_token


def _old_and_new_events(db: Database) -> tuple[int, int]:
    with db.session() as session:
        old = events.record(session, "acme", EventType.UPDATED, "cnv_old", {})
        session.flush()
        session.get_one(Event, old).at = datetime.now(UTC) - timedelta(days=30)
        new = events.record(session, "acme", EventType.UPDATED, "cnv_new", {})
    return old, new


def test_prune_keeps_recent_events_and_records_the_horizon(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    seed(url, 20, audio_clips=1)
    db = Database(url)
    old, new = _old_and_new_events(db)
    with db.session() as session:
        assert prune_events(session, timedelta(days=7)) == 1
        assert pruned_through(session) == old
        assert session.scalar(select(func.count()).select_from(Event)) == 1
        assert session.get(Event, new) is not None
        assert prune_events(session, timedelta(days=7)) == 0  # idempotent
    db.dispose()


def test_a_cursor_older_than_retention_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    seed(url, 20, audio_clips=1)
    db = Database(url)
    old, new = _old_and_new_events(db)
    with db.session() as session:
        prune_events(session, timedelta(days=7))
    db.dispose()
    with Platform(url).running(tmp_path) as platform:
        token = tenant_token(platform.url, sign_in(platform.url, "supervisor")["access_token"], "acme")
        ws_url = platform.url.replace("http", "ws") + "/api/v1/acme/events"
        headers = {"Authorization": f"Bearer {token}"}
        with (
            pytest.raises(websockets.ConnectionClosed) as closed,
            connect(f"{ws_url}?cursor={old - 1}", additional_headers=headers) as ws,
        ):
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4410
        # From the horizon on, resuming works and replays what is kept.
        with connect(f"{ws_url}?cursor={old}", additional_headers=headers) as ws:
            assert json.loads(ws.recv(timeout=5))[0]["seq"] == new
