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


# === sign-in, keyring and API client fixtures (app/api) ===========================================

import asyncio  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import re as _re  # noqa: E402
from collections.abc import AsyncIterator, Callable  # noqa: E402
from contextvars import ContextVar  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from urllib.parse import parse_qs, urlsplit  # noqa: E402

import httpx  # noqa: E402
import keyring  # noqa: E402
import pytest_asyncio  # noqa: E402
from keyring.backends import SecretService  # noqa: E402

from app.api.auth.session import AuthSession  # noqa: E402
from app.api.client import ApiClient  # noqa: E402
from app.settings import ClientSettings  # noqa: E402
from tests.platform import sign_in_form_fields  # noqa: E402

# ./dev test runs the suite in a D-Bus session whose gnome-keyring was unlocked with this.
KEYRING_PASSWORD_ENV = "CONVODESK_TEST_KEYRING_PASSWORD"


_IN_BROWSER: ContextVar[bool] = ContextVar("in_browser", default=False)


class NotFromTheBrowser(logging.Filter):
    """Drops log records made by the stand-in browser (its own httpx logs the redirect with the code):
    a real browser is another process, and its traffic never reaches the app's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _IN_BROWSER.get()


@dataclass
class FormBrowser:
    """Stands in for the system browser: fills in the platform's sign-in form over HTTP and follows
    the redirect to the app's loopback listener, as a person's browser would."""

    username: str
    password: str | None = None
    tamper: Callable[[str], str] | None = None  # rewrites the redirect before it is followed
    opened: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    landings: list[httpx.Response] = field(default_factory=list)

    async def __call__(self, url: str) -> bool:
        self.opened.append(url)
        marker = _IN_BROWSER.set(True)
        try:
            return await self._visit(url)
        finally:
            _IN_BROWSER.reset(marker)

    async def _visit(self, url: str) -> bool:
        async with httpx.AsyncClient(timeout=15) as http:
            page = await http.get(url)
            page.raise_for_status()
            action = _re.search(r'<form method="post" action="([^"]+)"', page.text)
            assert action, "no sign-in form on the page"
            fields = sign_in_form_fields(page.text, self.username, self.password or self.username)
            answer = await http.post(str(page.url.join(action.group(1))), data=fields)
            if answer.status_code not in (302, 303):
                return True  # the page refused (wrong password): the user would stay on it
            location = answer.headers["location"]
            self.codes += parse_qs(urlsplit(location).query).get("code", [])
            if self.tamper is not None:
                location = self.tamper(location)
            self.landings.append(await http.get(location))
        return True


@pytest.fixture
def form_browser() -> Callable[..., FormBrowser]:
    return FormBrowser


@pytest.fixture
def secret_service() -> Iterator[SecretService.Keyring]:
    """The real Secret Service (gnome-keyring) as the keyring backend for one test."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session with a Secret Service: run the suite through `./dev test`")
    backend = SecretService.Keyring()
    backend.priority  # noqa: B018 - raises, with the reason, if the Secret Service is not there
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def settings_for(server: Platform, **overrides: object) -> ClientSettings:
    values = {"server_url": server.url, "sign_in_timeout_seconds": 30, **overrides}
    return ClientSettings.model_validate(values)


@pytest.fixture
def client_settings(platform: Platform) -> ClientSettings:
    return settings_for(platform)


@pytest_asyncio.fixture
async def connect(
    form_browser: Callable[..., FormBrowser], secret_service: object
) -> AsyncIterator[Callable[[Platform, str], asyncio.Future[ApiClient]]]:
    """Sign in to a platform as a user (in acme) and get an ApiClient; everything closed afterwards."""
    opened: list[tuple[AuthSession, ApiClient]] = []

    async def open_client(server: Platform, username: str = "supervisor") -> ApiClient:
        settings = settings_for(server, last_tenant="acme")
        session = AuthSession(settings, open_browser=form_browser(username))
        await session.sign_in()
        api = ApiClient(session, settings)
        opened.append((session, api))
        return api

    yield open_client  # type: ignore[misc]
    for session, api in opened:
        await api.aclose()
        await session.sign_out()
        await session.aclose()


@pytest_asyncio.fixture
async def api(platform: Platform, connect: Callable[..., asyncio.Future[ApiClient]]) -> ApiClient:
    return await connect(platform)


def _small_platform_db(tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'platform.db'}"
    seed(url, 60, seed_value=11, audio_clips=1)
    return url


@pytest.fixture(scope="session")
def scratch_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform of its own for tests that change data (deletes, views, live actions), with live calls."""
    db = _small_platform_db(tmp_path_factory, "scratch-platform")
    with Platform(db, simulate=8).running(tmp_path_factory.mktemp("scratch-logs")) as running:
        yield running


@pytest.fixture(scope="session")
def short_token_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform whose access tokens live 4 seconds (the server tolerates 5 more of clock skew)."""
    db = _small_platform_db(tmp_path_factory, "short-token-platform")
    with Platform(db, access_token_seconds=4).running(tmp_path_factory.mktemp("short-token-logs")) as running:
        yield running


# === end of the app/api section =====================================================================


# === domain, filters and cache fixtures (app/domain, app/filters, app/cache) ======================

from dataclasses import dataclass as _dataclass  # noqa: E402

from app.domain import ConversationDetail, Filter, SearchPage, Sort  # noqa: E402
from app.filters import search_body  # noqa: E402
from tests.platform import api_client  # noqa: E402


@pytest.fixture(scope="session")
def acme_http(platform: Platform) -> Iterator[httpx.Client]:
    """Signed in as "supervisor" on tenant acme; base URL .../api/v1/acme/."""
    with api_client(platform.url, "supervisor") as client:
        yield client


def search_pages(http: httpx.Client, f: Filter, sort: Sort, limit: int = 500) -> list[SearchPage]:
    """Every page of a platform search, followed through its cursors, as typed records."""
    pages: list[SearchPage] = []
    cursor: str | None = None
    while True:
        response = http.post("conversations/search", json=search_body(f, sort, limit=limit, cursor=cursor))
        assert response.status_code == 200, response.text[:500]
        pages.append(SearchPage.model_validate_json(response.content))
        cursor = pages[-1].next_cursor
        if cursor is None:
            return pages


@_dataclass(frozen=True)
class TenantCorpus:
    """Every conversation of a tenant as the platform serves it: full records, newest first."""

    details: tuple[ConversationDetail, ...]


@pytest.fixture(scope="session")
def acme_corpus(acme_http: httpx.Client) -> TenantCorpus:
    summaries = [item for page in search_pages(acme_http, Filter(), Sort()) for item in page.items]
    details = []
    for summary in summaries:
        response = acme_http.get(f"conversations/{summary.id}")
        assert response.status_code == 200, response.text[:500]
        details.append(ConversationDetail.model_validate_json(response.content))
    return TenantCorpus(details=tuple(details))


# === end of the domain, filters and cache section =================================================


# === the CSV export's cache: filled from the platform ==============================================


from pathlib import Path  # noqa: E402

from app.cache import CacheStore  # noqa: E402
from app.cache.location import cache_path  # noqa: E402
from app.domain import Conversation, View  # noqa: E402
from tests.client.export_cases import TENANT  # noqa: E402


@pytest.fixture(scope="module")
def listing(acme_http: httpx.Client) -> list[Conversation]:
    """Every conversation of acme in the platform's default order (date, newest first)."""
    return [item for page in search_pages(acme_http, Filter(), Sort()) for item in page.items]


@pytest.fixture(scope="module")
def platform_views(acme_http: httpx.Client) -> list[View]:
    response = acme_http.get("views")
    assert response.status_code == 200, response.text[:300]
    return [View.model_validate(v) for v in response.json()]


@pytest.fixture(scope="module")
def filled(
    tmp_path_factory: pytest.TempPathFactory, listing: list[Conversation], platform_views: list[View]
) -> Iterator[CacheStore]:
    """The cache a supervisor's window keeps, in its usual place for (server, user)."""
    folder = tmp_path_factory.mktemp("export-caches")
    path = cache_path(folder, "http://placeholder", "supervisor")
    with CacheStore.open(path) as store:
        store.upsert_summaries(TENANT, listing)
        store.replace_views(TENANT, platform_views)
        yield store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CacheStore]:
    """A fresh, empty cache."""
    with CacheStore.open(tmp_path / "cache.sqlite3") as opened:
        yield opened
