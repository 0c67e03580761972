"""Fixtures for the client core: a seeded reference platform as a real process.

The client tests get their own platform (separate from the server suite's) so that
what they change — syncs, deletions, live actions — never surprises the server tests.
Helpers add their fixtures below, each in its own marked section.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.platform import Platform, seed

SEEDED_CONVERSATIONS = 600


@pytest.fixture(scope="session")
def platform_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('client-platform') / 'platform.db'}"
    seed(url, SEEDED_CONVERSATIONS)
    return url


@pytest.fixture(scope="session")
def platform(platform_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with Platform(platform_db).running(tmp_path_factory.mktemp("client-logs")) as running:
        yield running
