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


# scope="function": the unit of work commits (or rolls back) before the response is
# sent. With the default ("request") scope FastAPI sends the response first, so a
# client could read its own write before it was committed, or get a 2xx for a
# write whose commit then failed.
DbSession = Annotated[Session, Depends(session, scope="function")]
AppSettings = Annotated[Settings, Depends(settings)]
