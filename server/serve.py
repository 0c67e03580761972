"""Running the platform: schema check, optional live-call simulator, uvicorn workers."""

from __future__ import annotations

import logging

import uvicorn

from server import logs
from server.config import Settings
from server.db.engine import Database
from server.db.migrate import upgrade

log = logging.getLogger("server")


def serve(settings: Settings, *, host: str, port: int, workers: int, simulate: int) -> int:
    logs.configure()
    db = Database(settings.db_url)
    upgrade(db.engine)
    db.dispose()
    if workers > 1 and settings.db_url.startswith("sqlite"):
        log.error("several workers need PostgreSQL; SQLite serves one worker")
        return 2
    settings.to_env()  # worker processes read their settings from here
    simulator = None
    if simulate > 0:
        from server.live.simulator import Simulator

        simulator = Simulator(settings.db_url, target=simulate)
        simulator.start()
    log.info("platform listening", extra={"url": settings.public_url, "workers": workers})
    try:
        uvicorn.run(
            "server.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=logs.LOG_CONFIG,
            ws="websockets-sansio",
            # Events are small JSON objects sent to many subscribers: compressing each
            # one for each subscriber costs more CPU than the bytes it saves on a LAN.
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=5,
        )
    finally:
        if simulator is not None:
            simulator.stop()
    return 0
