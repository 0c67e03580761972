"""Request-scoped dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from server.config import Settings
from server.db.engine import Database


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def session(db: Annotated[Database, Depends(database)]) -> Iterator[Session]:
    with db.session() as s:
        yield s


DbSession = Annotated[Session, Depends(session)]
AppSettings = Annotated[Settings, Depends(settings)]
