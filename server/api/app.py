"""The ASGI application: routers, problem handlers, limits, lifecycle."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import Depends, FastAPI

from server import maintenance
from server.api import openapi_doc, problems
from server.api.deps import known_query_only
from server.api.limits import BodySizeLimit, NulInPath
from server.config import Settings
from server.db.engine import Database

API_TITLE = "Convodesk platform API"
API_VERSION = "1.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; with no settings, read them from the environment (workers)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from server.auth.keys import ensure_signing_key
        from server.events.relay import EventRelay

        db = Database(settings.db_url)
        app.state.db = db
        app.state.settings = settings
        ensure_signing_key(db)
        relay = EventRelay(db)
        app.state.relay = relay
        await relay.start()
        _freeze_startup_heap()
        try:
            async with maintenance.running(db, timedelta(days=settings.event_retention_days)):
                yield
        finally:
            await relay.stop()
            db.dispose()

    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        summary="The contact-center platform contract that Convodesk is written against.",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    problems.install(app)
    openapi_doc.customise(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(NulInPath)
    _routes(app)
    return app


def _freeze_startup_heap() -> None:
    """Keep the start-up heap (modules, models, the OpenAPI document) out of garbage collection.

    A full collection walked all of it: about 100 ms every few hundred requests, the whole
    p99 of a search page. Objects created by requests are still collected as usual.
    """
    gc.collect()
    gc.freeze()


def _routes(app: FastAPI) -> None:
    from server.api import actions, changes, conversations, events_ws, flows, health, views
    from server.auth import routes as auth

    app.include_router(health.router)
    app.include_router(auth.router)
    for module in (conversations, flows, views, changes, actions, events_ws):
        app.include_router(module.router, prefix="/api/v1/{tenant}", dependencies=[Depends(known_query_only)])
