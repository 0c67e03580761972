"""Fixtures: one seeded platform process per test session, on SQLite or PostgreSQL.

Set CONVODESK_TEST_PG to a PostgreSQL URL (a role allowed to create databases)
to run the server tests on PostgreSQL; otherwise they use a SQLite file.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.platform import Platform, api_client, seed

SEEDED_CONVERSATIONS = 600


@contextlib.contextmanager
def scratch_database(sqlite_path: Path) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file at `sqlite_path`, or with
    CONVODESK_TEST_PG a PostgreSQL database of its own, dropped afterwards."""
    pg = os.environ.get("CONVODESK_TEST_PG")
    if not pg:
        yield f"sqlite:///{sqlite_path}"
        return
    name = f"convodesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(pg).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with scratch_database(tmp_path_factory.mktemp("platform") / "platform.db") as url:
        yield url


@pytest.fixture(scope="session")
def seeded_db(db_url: str) -> str:
    seed(db_url, SEEDED_CONVERSATIONS)
    return db_url


@pytest.fixture(scope="session")
def platform(seeded_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with Platform(seeded_db).running(tmp_path_factory.mktemp("logs")) as running:
        yield running


@pytest.fixture(scope="session")
def supervisor(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "supervisor") as client:
        yield client


@pytest.fixture(scope="session")
def readonly(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "readonly") as client:
        yield client


@pytest.fixture(scope="session")
def admin(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin") as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/server" in str(Path(str(item.fspath)).as_posix()):
            item.add_marker(pytest.mark.server)
