"""The workspace: one platform and one user as the window works with them (no Qt).

It owns the sign-in, the API client, the offline cache of the chosen tenant, and the
background work that keeps the cache current — the change feed at opening, then the
live events, which resync through the feed when they must. When the platform cannot be
reached (or the sign-in has ended) the cache of the last user and tenant is opened
all the same, so the window starts offline on what it holds, and `reconnect()` is
tried again by itself with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from app.api.auth.browser import BrowserOpener
from app.api.auth.session import AuthSession, SignOutResult
from app.api.client import ApiClient
from app.api.errors import ApiError, Offline, SignInRequired, TooLarge
from app.api.retry import RetryPolicy
from app.api.transport import tls_context
from app.cache.errors import CacheError, NotCached
from app.cache.location import cache_path
from app.cache.store import CacheStore, FileKind
from app.connectivity import Connectivity, Link
from app.domain import (
    ArtifactInfo,
    ConversationDetail,
    Filter,
    Flow,
    FlowSummary,
    LiveEvent,
    Me,
    MeTenant,
    Sort,
    TableColumn,
    View,
    ViewIn,
)
from app.export.sources import Cancelled, Progress, export_cache, export_server
from app.notifications import Notifier
from app.recordings import Recordings
from app.saving import copy_atomically
from app.settings import ClientSettings, cache_directory, save_settings
from app.sync.changes import ChangeSync, SyncProgress
from app.sync.live import LiveEvents

T = TypeVar("T")
log = logging.getLogger(__name__)

# Trying the platform again after an offline start: full-jitter backoff up to a minute.
RECONNECT = RetryPolicy(base_delay=2.0, max_delay=60.0)


@dataclass(frozen=True)
class Catalog:
    """What the filters and the view selector offer: flows, views and function names."""

    flows: tuple[FlowSummary, ...]
    views: tuple[View, ...]
    functions: tuple[str, ...]


class Workspace:
    """Create one per server address; `start()` it, `close()` it when the window goes."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        settings_path: Path | None = None,
        session: AuthSession | None = None,
        open_browser: BrowserOpener | None = None,
        reconnect: RetryPolicy = RECONNECT,
    ) -> None:
        self.settings = settings
        self._settings_path = settings_path
        self.connectivity = Connectivity()
        self.session = session or (
            AuthSession(settings, open_browser=open_browser) if open_browser else AuthSession(settings)
        )
        self.api = ApiClient(self.session, settings)
        self.recordings = Recordings(self.api, self._require_store, lambda: self.connectivity.state.online)
        self.store: CacheStore | None = None
        self.tenant: str | None = None
        self.username: str | None = None
        self._reconnect_policy = reconnect
        self._tasks: set[asyncio.Task[None]] = set()
        self._sync: ChangeSync | None = None
        self._live: LiveEvents | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        # News for the window (bridged to Qt signals there).
        self.events: Notifier[Sequence[LiveEvent]] = Notifier("workspace events")
        self.synced: Notifier[SyncProgress] = Notifier("workspace sync")
        self.problems: Notifier[ApiError | CacheError] = Notifier("workspace problems")
        self.opened: Notifier[str] = Notifier("workspace opened")  # a tenant's cache is open

    def __repr__(self) -> str:
        where = f"server={self.settings.server_url!r}, user={self.username!r}, tenant={self.tenant!r}"
        return f"Workspace({where})"

    # --- who and where --------------------------------------------------------------------------

    @property
    def me(self) -> Me | None:
        return self.session.me

    @property
    def membership(self) -> MeTenant | None:
        me = self.session.me
        return next((t for t in me.tenants if t.id == self.tenant), None) if me else None

    @property
    def has_offline_cache(self) -> bool:
        """Whether the last user's cache exists: the window can open on it without the platform."""
        user = self.settings.last_username
        return user is not None and self._cache_file(user).exists()

    def _cache_file(self, username: str) -> Path:
        return cache_path(cache_directory(self.settings), self.settings.server_url, username)

    # --- starting -------------------------------------------------------------------------------

    async def start(self) -> Me | None:
        """Open the last user's cache when there is one and go online in the background: the
        window shows what it has at once, not after the platform answered (or failed to). On a
        first run (no cache) resume the stored sign-in first and open the last tenant. Returns
        who is signed in when known by then, or None (the window asks to sign in when there is
        no cache either); connectivity says how going online went."""
        if self.has_offline_cache and self.settings.last_tenant is not None:
            await self._open_offline()
            self._schedule_reconnect()  # resumes the stored sign-in, then opens the tenant online
            return None
        try:
            me = await self.session.restore(self.settings.last_username)
        except Offline as exc:
            self.connectivity.offline(exc.message)
            self._schedule_reconnect()
            return None
        except ApiError as exc:  # sign-in ended, keyring locked or unavailable: the user must act
            self.connectivity.signed_out(exc.message)
            return None
        if me is None:
            self.connectivity.signed_out("Sign in to go online.")
            return None
        if self.session.tenant is not None:
            await self.open_tenant(self.session.tenant)
        return me

    async def sign_in(self) -> Me:
        """Sign in through the system browser; then `open_tenant()` (the window asks which when
        the user has several)."""
        me = await self.session.sign_in()
        self.connectivity.online()
        return me

    async def open_tenant(self, tenant_id: str) -> None:
        """Work in this tenant: its token, its cache, and the background sync and live events."""
        await self.session.select_tenant(tenant_id)
        me = self.session.me
        assert me is not None
        await self._stop_background()
        await self._open_cache(me.username, tenant_id)
        self._remember(me.username, tenant_id)
        self.connectivity.online()
        self._start_background()

    async def reconnect(self) -> bool:
        """Try the stored sign-in again (after an offline start); True when online again."""
        try:
            me = await self.session.restore(self.username or self.settings.last_username)
        except Offline as exc:
            self.connectivity.offline(exc.message)
            return False
        except ApiError as exc:
            self.connectivity.signed_out(exc.message)
            return False
        if me is None or self.session.tenant is None:
            self.connectivity.signed_out("Sign in to go online.")
            return False
        await self.open_tenant(self.session.tenant)
        return True

    async def sign_out(self) -> SignOutResult:
        """Revoke and forget the sign-in; the cache stays (offline review keeps working)."""
        await self._stop_background()
        result = await self.session.sign_out()
        self.connectivity.signed_out("Signed out.")
        return result

    async def close(self) -> None:
        await self._stop_background()
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        await self.recordings.close()
        await self.api.aclose()
        await self.session.aclose()
        if self.store is not None:
            await asyncio.to_thread(self.store.close)
            self.store = None

    # --- what the filters and views offer -------------------------------------------------------

    async def catalog(self) -> Catalog:
        """Flows and views from the platform when online (written through to the cache), else from
        the cache; function names from the cache."""
        store, tenant = self._require_store()
        if self.connectivity.state.online:
            try:
                flows, views = await asyncio.gather(self.api.flows(), self.api.views())
                await asyncio.to_thread(store.upsert_flows, tenant, flows)
                await asyncio.to_thread(store.replace_views, tenant, views)
            except ApiError as exc:
                self.problems.publish(exc)
        flows_cached = await asyncio.to_thread(store.flows, tenant)
        views_cached = await asyncio.to_thread(store.views, tenant)
        functions = await asyncio.to_thread(store.function_names, tenant)
        return Catalog(tuple(flows_cached), tuple(views_cached), tuple(functions))

    # --- one conversation ---------------------------------------------------------------------

    async def conversation(self, conversation_id: str) -> ConversationDetail:
        """The full record: the platform's when online (written through to the cache, so that it
        opens offline next time), else the cached one; NotCached when offline and never opened."""
        store, tenant = self._require_store()
        return await self._fresh_or_cached(
            lambda: self.api.conversation(conversation_id),
            lambda detail: store.write_detail(tenant, detail),
            lambda: store.detail(tenant, conversation_id),
            NotCached(conversation_id),
        )

    async def flow(self, flow_id: str) -> Flow:
        """A flow graph: the platform's when online (kept in the cache), else the cached one."""
        store, tenant = self._require_store()
        return await self._fresh_or_cached(
            lambda: self.api.flow(flow_id),
            lambda flow: store.write_flow(tenant, flow),
            lambda: store.flow(tenant, flow_id),
            NotCached(flow_id, what="This flow"),
        )

    async def _fresh_or_cached(
        self,
        fetch: Callable[[], Awaitable[T]],
        keep: Callable[[T], None],
        cached: Callable[[], T | None],
        missing: NotCached,
    ) -> T:
        """The platform's copy when online, written through to the cache (`keep`, off the event
        loop); else, or when it went out of reach meanwhile, the cache's; `missing` if neither."""
        if self.connectivity.state.online:
            try:
                fresh = await fetch()
            except Offline:
                pass  # gone out of reach meanwhile: the cache may have it
            else:
                await asyncio.to_thread(keep, fresh)
                return fresh
        found = await asyncio.to_thread(cached)
        if found is None:
            raise missing
        return found

    async def artifact_bytes(self, conversation_id: str, artifact: ArtifactInfo, *, max_bytes: int) -> bytes:
        """An artifact in memory, for a preview: the copy kept offline when there is one, else the
        platform's; TooLarge past `max_bytes`, NotCached offline without a copy."""
        kept = await self._kept_artifact(conversation_id, artifact)
        if kept is not None:
            if kept.stat().st_size > max_bytes:
                raise TooLarge(detail=f"{kept.stat().st_size} bytes, over {max_bytes}")
            return await asyncio.to_thread(kept.read_bytes)
        return await self.api.artifact_bytes(conversation_id, artifact.id, max_bytes=max_bytes)

    async def download_artifact(self, conversation_id: str, artifact: ArtifactInfo, dest: Path) -> Path:
        """The artifact into `dest` (a safe path the user confirmed): from the copy kept offline,
        else from the platform. An existing file is replaced only once the new one is whole."""
        kept = await self._kept_artifact(conversation_id, artifact)
        if kept is not None:
            await asyncio.to_thread(copy_atomically, kept, dest)
            return dest
        return await self.api.download_artifact(conversation_id, artifact.id, dest)

    async def _kept_artifact(self, conversation_id: str, artifact: ArtifactInfo) -> Path | None:
        """The artifact's copy kept offline; None online without one; NotCached offline without one."""
        store, tenant = self._require_store()
        kept = await asyncio.to_thread(
            store.file_path, tenant, conversation_id, FileKind.ARTIFACT, artifact.id
        )
        if kept is not None and kept.exists():
            return kept
        if not self.connectivity.state.online:
            raise NotCached(conversation_id, what=f"The file {artifact.name}")
        return None

    async def delete_conversation(self, conversation_id: str) -> None:
        """Delete on the platform (which checks the user's role), then from the cache with its
        files. Offline nothing is deleted: the platform is where conversations live."""
        store, tenant = self._require_store()
        if not self.connectivity.state.online:
            raise Offline("Deleting a conversation needs a connection to the platform.")
        await self.api.delete_conversation(conversation_id)
        await asyncio.to_thread(store.delete, tenant, [conversation_id])

    # --- saved views (the platform keeps them; the cache mirrors them for offline use) ----------

    async def save_view(self, view: ViewIn) -> View:
        return await self._changing_views(lambda: self.api.create_view(view))

    async def update_view(self, view_id: str, view: ViewIn) -> View:
        return await self._changing_views(lambda: self.api.update_view(view_id, view))

    async def delete_view(self, view_id: str) -> None:
        await self._changing_views(lambda: self.api.delete_view(view_id))

    async def set_default_view(self, view_id: str) -> View:
        return await self._changing_views(lambda: self.api.set_default_view(view_id))

    async def _changing_views(self, change: Callable[[], Awaitable[T]]) -> T:
        """Run one change of the views on the platform, then mirror the views into the cache."""
        store, tenant = self._require_store()
        if not self.connectivity.state.online:
            raise Offline("Views are kept on the platform: saving or changing one needs a connection.")
        result = await change()
        views = await self.api.views()
        await asyncio.to_thread(store.replace_views, tenant, views)
        return result

    async def views(self) -> tuple[View, ...]:
        store, tenant = self._require_store()
        return tuple(await asyncio.to_thread(store.views, tenant))

    # --- CSV export ----------------------------------------------------------------------------

    async def export_listing(
        self,
        f: Filter,
        sort: Sort,
        columns: Sequence[TableColumn],
        out: Path,
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> int:
        """Export every row of this listing to `out` as CSV; returns the rows written. Online
        the rows come from the platform (the same result the table shows then), offline from
        the cache. `progress` and `cancelled` may be called from a worker thread. Raises
        ExportCancelled, ExportError, ApiError, CacheError."""
        store, tenant = self._require_store()
        if self.connectivity.state.online:
            return await export_server(
                self.api, f, sort, columns, out, progress=progress, cancelled=cancelled
            )
        return await asyncio.to_thread(
            export_cache,
            store,
            tenant,
            f,
            sort,
            columns,
            out,
            now=datetime.now(UTC),
            progress=progress,
            cancelled=cancelled,
        )

    # --- inside -----------------------------------------------------------------------------

    def _require_store(self) -> tuple[CacheStore, str]:
        if self.store is None or self.tenant is None:
            raise CacheError("No offline cache is open.")
        return self.store, self.tenant

    async def _open_offline(self) -> None:
        user, tenant = self.settings.last_username, self.settings.last_tenant
        if user is not None and tenant is not None and self.has_offline_cache:
            await self._open_cache(user, tenant)

    async def _open_cache(self, username: str, tenant: str) -> None:
        path = self._cache_file(username)
        if self.store is not None and self.store.path == path:
            self.tenant, self.username = tenant, username
        else:
            if self.store is not None:
                await asyncio.to_thread(self.store.close)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.store = await asyncio.to_thread(CacheStore.open, path)
            self.tenant, self.username = tenant, username
            if self.store.recovered is not None:
                self.problems.publish(self.store.recovered)
        self.opened.publish(tenant)

    def _remember(self, username: str, tenant: str) -> None:
        if (self.settings.last_username, self.settings.last_tenant) == (username, tenant):
            return
        self.settings = self.settings.model_copy(update={"last_username": username, "last_tenant": tenant})
        try:
            save_settings(self.settings, self._settings_path)
        except OSError as exc:
            log.warning("could not save the settings: %s", exc)

    def _start_background(self) -> None:
        store, tenant = self._require_store()
        sync = ChangeSync(self.api, store, tenant, cap_bytes=self.settings.cache_max_mb * 2**20)
        sync.progress.subscribe(self.synced.publish)
        base = self.settings.server_url.replace("http", "ws", 1)
        live = LiveEvents(
            events_url=f"{base}/api/v1/{tenant}/events",
            tokens=self.session,
            store=store,
            tenant=tenant,
            connectivity=self.connectivity,
            resync=sync.run,
            tls=tls_context(self.settings) if base.startswith("wss") else None,
        )
        live.events.subscribe(self.events.publish)
        live.problems.subscribe(self.problems.publish)
        self._sync, self._live = sync, live
        self._spawn(self._first_sync(sync))
        self._spawn(live.run())

    async def _first_sync(self, sync: ChangeSync) -> None:
        try:
            await sync.run()
        except Offline as exc:
            self.connectivity.offline(exc.message)  # the live events reconnect and resync by themselves
        except SignInRequired as exc:
            self.connectivity.signed_out(exc.message)
        except (ApiError, CacheError) as exc:
            self.problems.publish(exc)

    def _spawn(self, work: object) -> None:
        assert asyncio.iscoroutine(work)
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stop_background(self) -> None:
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._sync = self._live = None

    def _schedule_reconnect(self) -> None:
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = asyncio.ensure_future(self._keep_reconnecting())

    async def _keep_reconnecting(self) -> None:
        attempt = 0
        while not await self.reconnect():
            if self.connectivity.state.link is Link.SIGNED_OUT:
                return  # the user must act
            await asyncio.sleep(self._reconnect_policy.backoff(attempt))
            attempt += 1
