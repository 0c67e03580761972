"""Schema migrations of the cache (Alembic, shipped in app/cache/migrations), run at open.

Alembic is imported only when a file needs upgrading: on a cache already at the newest
revision (every start but the first after an update) it would cost a quarter of a second
of start-up. The revisions are read from the migration scripts' own declarations.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

from app.cache.errors import CacheCorrupt, CacheSchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_DECLARED = re.compile(r'^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:"([^"]*)"|None)', re.MULTILINE)


@cache
def _revisions() -> dict[str, str | None]:
    """Every shipped revision and the one it follows (None for the first)."""
    found: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        declared = {name: value or None for name, value in _DECLARED.findall(script.read_text("utf-8"))}
        if "revision" in declared and declared["revision"] is not None:
            found[declared["revision"]] = declared.get("down_revision")
    return found


def head() -> str:
    """The newest revision: the one no other follows."""
    revisions = _revisions()
    (newest,) = set(revisions) - set(revisions.values())
    return newest


def known_revisions() -> set[str]:
    return set(_revisions())


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, path: Path) -> None:
    """Bring the file's schema to the newest this client knows; refuse a newer one, and
    a file that holds tables but no cache schema (it is not a cache: leave it alone)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = _config()
    with engine.connect().execution_options(write=True) as connection, connection.begin():
        current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current not in known_revisions():
            raise CacheSchemaTooNew(path, current)
        if current == head():
            return
        if current is None:
            tables = connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
            if tables:
                raise CacheCorrupt(path, detail="the file holds tables but no cache schema")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
