"""Schema migrations of the cache (Alembic, shipped in app/cache/migrations), run at open."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from app.cache.errors import CacheCorrupt, CacheSchemaTooNew

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}


def upgrade(engine: Engine, path: Path) -> None:
    """Bring the file's schema to the newest this client knows; refuse a newer one, and
    a file that holds tables but no cache schema (it is not a cache: leave it alone)."""
    config = _config()
    scripts = ScriptDirectory.from_config(config)
    known = {rev.revision for rev in scripts.walk_revisions()}
    with engine.connect().execution_options(write=True) as connection, connection.begin():
        current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current not in known:
            raise CacheSchemaTooNew(path, current)
        if current == scripts.get_current_head():
            return
        if current is None:
            tables = connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
            if tables:
                raise CacheCorrupt(path, detail="the file holds tables but no cache schema")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
