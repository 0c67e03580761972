"""Request-scoped dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from server.api.problems import Problem
from server.config import Settings
from server.db.engine import Database


# Plain lookups are `async def`: FastAPI runs a sync dependency in a worker thread,
# a hop that costs more than the lookup itself.
async def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def settings(request: Request) -> Settings:
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
AppDatabase = Annotated[Database, Depends(database)]
AppSettings = Annotated[Settings, Depends(settings)]


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for child in dependant.dependencies:
        names |= _query_names(child)
    return names


async def known_query_only(connection: HTTPConnection) -> None:
    """Unknown query parameters are errors, as unknown body fields are: a typo in a
    filter must not silently widen what a request does."""
    route = connection.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    unknown = sorted(set(connection.query_params) - _query_names(dependant))
    if unknown:
        errors = [{"field": f"query.{name}", "message": "unknown query parameter"} for name in unknown]
        raise Problem(422, "Invalid request", f"unknown query parameter: {', '.join(unknown)}", errors=errors)
