"""The cache kept in step with the platform: the change feed (resumable, idempotent,
tombstones) and the live events (resume after a dropped connection), against real
platform processes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from app.api.auth.session import AuthSession
from app.api.client import ApiClient
from app.api.errors import Offline
from app.api.retry import RetryPolicy
from app.cache import catalog
from app.cache.store import CacheStore, FileKind
from app.connectivity import Connectivity, Link
from app.domain import Conversation, ConversationDetail, Filter, LiveEvent, Sort, Status
from app.domain import Platform as DomainPlatform
from app.sync.changes import ChangeSync, SyncProgress
from app.sync.live import LiveEvents
from app.sync.offline import KeepOffline, OfflineProgress
from tests.client.conftest import FormBrowser, settings_for
from tests.client.netfault import CuttableRelay
from tests.platform import Platform, seed

pytestmark = pytest.mark.asyncio

Connect = Callable[[Platform], "asyncio.Future[tuple[AuthSession, ApiClient]]"]


@pytest_asyncio.fixture
async def connect(
    form_browser: Callable[..., FormBrowser], secret_service: object
) -> AsyncIterator[Callable[[Platform], asyncio.Future[tuple[AuthSession, ApiClient]]]]:
    opened: list[tuple[AuthSession, ApiClient]] = []

    async def open_client(server: Platform) -> tuple[AuthSession, ApiClient]:
        settings = settings_for(server, last_tenant="acme")
        session = AuthSession(settings, open_browser=form_browser("supervisor"))
        await session.sign_in()
        pair = (session, ApiClient(session, settings))
        opened.append(pair)
        return pair

    yield open_client  # type: ignore[misc]
    for session, api in opened:
        await api.aclose()
        with contextlib.suppress(Exception):
            await session.sign_out()
        await session.aclose()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CacheStore]:
    with CacheStore.open(tmp_path / "cache.db") as opened:
        yield opened


async def server_summaries(api: ApiClient) -> dict[str, Conversation]:
    """Every conversation of the tenant as the platform lists it now."""
    found: dict[str, Conversation] = {}
    cursor = None
    while True:
        page = await api.search(Filter(), Sort(), limit=500, cursor=cursor)
        found.update((c.id, c) for c in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return found


def cached_summaries(store: CacheStore) -> dict[str, Conversation]:
    ids = store.all_ids("acme", Filter(), Sort(), now=datetime.now(UTC))
    return {c.id: c for c in store.rows("acme", ids)}


# --- the change feed ----------------------------------------------------------------------------


@pytest.fixture
def own_platform(tmp_path: Path) -> Platform:
    """A small platform of this test's own, which the test may stop and start."""
    db = f"sqlite:///{tmp_path / 'platform.db'}"
    seed(db, 150, seed_value=5, audio_clips=1)
    return Platform(db)


async def test_a_sync_cut_by_the_platform_going_down_resumes_without_loss_or_duplicates(
    own_platform: Platform, connect: Connect, store: CacheStore, tmp_path: Path
) -> None:
    own_platform.start(tmp_path)
    try:
        _session, api = await connect(own_platform)
        expected = await server_summaries(api)
        sync = ChangeSync(api, store, "acme", page_size=20)
        pages: list[SyncProgress] = []

        def stop_the_platform_after_two_pages(progress: SyncProgress) -> None:
            pages.append(progress)
            if len(pages) == 2:
                own_platform.stop()  # a real outage: the next page finds no server

        unsubscribe = sync.progress.subscribe(stop_the_platform_after_two_pages)
        with pytest.raises(Offline):
            await sync.run()
        unsubscribe()
        # What was applied is kept, with its cursor: whole pages (a page fetched ahead
        # before the outage may have been applied too), nothing half-written.
        assert len(pages) >= 2 and len(cached_summaries(store)) == 20 * len(pages)
        assert store.changes_cursor("acme") == pages[-1].cursor
        # The first sync set the indexes aside; they were built again when it failed.
        assert store.restore_indexes() == 0

        own_platform.start(tmp_path)  # same database, same port
        done = await sync.run()
        assert done.done
        cached = cached_summaries(store)
        assert cached == expected  # nothing lost, nothing doubled, every field alike

        again = await sync.run()  # nothing new: one empty page, nothing changes
        assert (again.upserted, again.deleted, again.done) == (0, 0, True)
        assert cached_summaries(store) == expected
    finally:
        own_platform.stop()


async def test_deleted_conversations_leave_the_cache_through_the_feed(
    scratch_platform: Platform, connect: Connect, store: CacheStore
) -> None:
    _session, api = await connect(scratch_platform)
    sync = ChangeSync(api, store, "acme")
    await sync.run()
    victim = next(iter(cached_summaries(store).values()))
    store.store_file("acme", victim.id, FileKind.AUDIO, b"RIFF....", "audio/wav")
    assert store.file_path("acme", victim.id, FileKind.AUDIO) is not None
    assert await api.delete_conversation(victim.id)

    applied = await sync.run()
    assert applied.deleted == 1
    assert victim.id not in cached_summaries(store)
    assert store.file_path("acme", victim.id, FileKind.AUDIO) is None


# --- live events --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def busy_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A hundred simulated live calls changing all the time."""
    db = f"sqlite:///{tmp_path_factory.mktemp('busy-platform') / 'platform.db'}"
    seed(db, 300, seed_value=3, audio_clips=1)
    with Platform(db, simulate=100).running(tmp_path_factory.mktemp("busy-logs")) as running:
        yield running


async def test_after_a_dropped_connection_the_cache_equals_the_platform(
    busy_platform: Platform, connect: Connect, store: CacheStore
) -> None:
    session, api = await connect(busy_platform)
    relay = await CuttableRelay(busy_platform.port).start()
    connectivity = Connectivity()
    sync = ChangeSync(api, store, "acme")
    live = LiveEvents(
        events_url=f"ws://127.0.0.1:{relay.port}/api/v1/acme/events",
        tokens=session,
        store=store,
        tenant="acme",
        connectivity=connectivity,
        resync=sync.run,
        backoff=RetryPolicy(base_delay=0.2, max_delay=1.0),
    )
    received: list[LiveEvent] = []
    live.events.subscribe(received.extend)
    links: list[Link] = []
    connectivity.changed.subscribe(lambda state: links.append(state.link))
    task = asyncio.create_task(live.run())
    try:
        await asyncio.wait_for(live.connected.wait(), 20)
        await _until(lambda: len(received) >= 50, 60)
        relay.cut()  # the network drops while the calls go on changing
        await _until(lambda: Link.OFFLINE in links or relay.connections >= 2, 20)
        before = len(received)
        await asyncio.sleep(1.5)  # calls change while the client reconnects
        await _until(lambda: relay.connections >= 2 and live.connected.is_set(), 30)
        await _until(lambda: len(received) > before + 50, 60)

        # The platform now, and the cache once it has every event up to that moment.
        snapshot = await server_summaries(api)
        newest = max(c.change_seq for c in snapshot.values())
        await _until(lambda: max(c.change_seq for c in cached_summaries(store).values()) >= newest, 30)
        cached = cached_summaries(store)
        assert snapshot.keys() <= cached.keys()
        for conversation_id, there in snapshot.items():
            here = cached[conversation_id]
            assert here.change_seq >= there.change_seq
            if here.change_seq == there.change_seq:
                assert here == there
        seqs = [e.seq for e in received]
        assert seqs == sorted(set(seqs)), "each event exactly once, in order"
        assert links[-1] is Link.ONLINE
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await relay.close()


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


async def test_a_cursor_the_platform_refuses_is_dropped_and_the_cache_resynced(
    scratch_platform: Platform, connect: Connect, store: CacheStore
) -> None:
    session, api = await connect(scratch_platform)
    with store._writing() as conn:  # a cursor from a damaged or foreign cache
        catalog.set_events_cursor(conn, "acme", "not-a-cursor")
    resyncs: list[SyncProgress] = []
    sync = ChangeSync(api, store, "acme")
    sync.progress.subscribe(resyncs.append)
    live = LiveEvents(
        events_url=scratch_platform.url.replace("http://", "ws://") + "/api/v1/acme/events",
        tokens=session,
        store=store,
        tenant="acme",
        connectivity=Connectivity(),
        resync=sync.run,
        backoff=RetryPolicy(base_delay=0.1, max_delay=0.5),
    )
    received: list[LiveEvent] = []
    live.events.subscribe(received.extend)
    task = asyncio.create_task(live.run())
    try:
        # Refused with 4422, forgotten, connected afresh and brought up to date by the feed.
        await _until(lambda: bool(resyncs) and resyncs[-1].done, 30)
        await _until(lambda: bool(received), 30)  # the simulated calls keep talking
        assert store.events_cursor("acme") == received[-1].cursor
        # Every conversation the platform lists is cached (calls that start meanwhile
        # arrive as events, so give them a moment).
        for _ in range(50):
            missing = (await server_summaries(api)).keys() - cached_summaries(store).keys()
            if not missing:
                break
            await asyncio.sleep(0.2)
        assert not missing
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_live_events_refuse_an_unencrypted_connection_to_another_computer(store: CacheStore) -> None:
    class NoTokens:
        async def access_token(self) -> str:
            raise AssertionError("no token may be sent over plain ws://")

        async def renew(self, rejected: str) -> str:
            raise AssertionError("unreachable")

    async def resync() -> None:
        raise AssertionError("unreachable")

    live = LiveEvents(
        events_url="ws://platform.example.com/api/v1/acme/events",
        tokens=NoTokens(),
        store=store,
        tenant="acme",
        connectivity=Connectivity(),
        resync=resync,
    )
    problems: list[Exception] = []
    live.problems.subscribe(problems.append)
    await asyncio.wait_for(live.run(), 5)  # returns: the user must change the address
    assert [type(p).__name__ for p in problems] == ["InsecureConnection"]


# --- keep offline ---------------------------------------------------------------------------------


async def recorded(api: ApiClient, count: int) -> list[str]:
    """Voice conversations with a recording. The platform's live calls are new voice
    conversations without one yet, and a long test session has made many: page past them."""
    found: list[str] = []
    cursor = None
    while len(found) < count:
        page = await api.search(Filter(platforms=(DomainPlatform.VOICE,)), limit=100, cursor=cursor)
        found += [c.id for c in page.items if c.has_audio]
        cursor = page.next_cursor
        if cursor is None:
            break
    return found[:count]


async def test_kept_offline_conversations_have_everything_and_survive_eviction(
    scratch_platform: Platform, connect: Connect, store: CacheStore, tmp_path: Path
) -> None:
    _session, api = await connect(scratch_platform)
    with_audio = await recorded(api, 2)
    assert with_audio, "the scratch platform has recordings"
    others = [c.id for c in (await api.search(limit=50)).items if c.id not in with_audio][:3]
    keeper = KeepOffline(api, store, "acme")
    reports: list[OfflineProgress] = []
    keeper.progress.subscribe(reports.append)

    kept = await keeper.conversations([*with_audio, *others, "cnv_gone_meanwhile"])

    assert (kept.done, kept.total) == (6, 6) and [r.done for r in reports] == [1, 2, 3, 4, 5, 6]
    assert [gone for gone, _why in kept.failed] == ["cnv_gone_meanwhile"]
    for conversation_id in [*with_audio, *others]:
        detail = store.detail("acme", conversation_id)
        assert detail == await api.conversation(conversation_id)
        for artifact in detail.artifacts:
            path = store.file_path("acme", conversation_id, FileKind.ARTIFACT, artifact.id)
            assert path is not None
            assert path.read_bytes() == await api.artifact_bytes(conversation_id, artifact.id)
    for conversation_id in with_audio:
        path = store.file_path("acme", conversation_id, FileKind.AUDIO)
        audio = (await api.conversation(conversation_id)).audio
        assert path is not None and audio is not None and path.stat().st_size == audio.size
    assert not list(store.files.incoming.iterdir()), "downloads are handed to the cache, not left behind"

    await ChangeSync(api, store, "acme").run()  # plenty of unpinned conversations too
    store.evict(0)  # the smallest cap there is: only what is kept offline stays
    assert set(cached_summaries(store)) == {*with_audio, *others}
    assert store.file_path("acme", with_audio[0], FileKind.AUDIO) is not None


async def test_keeping_a_view_again_fetches_only_what_changed(
    scratch_platform: Platform, connect: Connect, store: CacheStore
) -> None:
    _session, api = await connect(scratch_platform)
    view = Filter(platforms=(DomainPlatform.VOICE,), statuses=(Status.COMPLETED,))
    fetched: list[str] = []

    class Counting:
        """The real client, noting which full records are fetched."""

        def __getattr__(self, name: str) -> object:
            return getattr(api, name)

        async def conversation(self, conversation_id: str) -> ConversationDetail:
            fetched.append(conversation_id)
            return await api.conversation(conversation_id)

    keeper = KeepOffline(Counting(), store, "acme")  # type: ignore[arg-type]
    first = await keeper.matching(view)
    assert first.total == len(fetched) > 2 and not first.failed
    kept = list(fetched)

    fetched.clear()
    again = await keeper.matching(view)
    assert (again.done, again.total) == (first.total, first.total) and fetched == []

    # One kept record is older than the platform's; another lost its recording file.
    stale, unfiled = kept[0], next(i for i in kept[1:] if store.file_path("acme", i, FileKind.AUDIO))
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE conversations SET full_seq = full_seq - 1 WHERE id = ?", (stale,))
        db.execute(
            "DELETE FROM files WHERE kind = 'audio' AND conversation_pk = "
            "(SELECT pk FROM conversations WHERE id = ?)",
            (unfiled,),
        )
    await keeper.matching(view)
    assert sorted(fetched) == sorted([stale, unfiled])
    assert store.file_path("acme", unfiled, FileKind.AUDIO) is not None


async def test_a_sync_keeps_the_cache_within_its_size_cap(
    platform: Platform, connect: Connect, store: CacheStore
) -> None:
    _session, api = await connect(platform)
    await ChangeSync(api, store, "acme").run()
    everything = store.size()
    cap = everything.total_bytes // 2
    store.reset_changes_cursor("acme")
    store.pin("acme", list(cached_summaries(store))[:5])

    await ChangeSync(api, store, "acme", cap_bytes=cap).run()

    after = store.size()
    assert after.total_bytes <= cap < everything.total_bytes
    assert 5 <= after.conversations < everything.conversations and after.pinned == 5
