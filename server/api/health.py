"""Readiness: the process is up and its database answers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from server.api.deps import DbSession

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Readiness probe")
def healthz(session: DbSession) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok"}
