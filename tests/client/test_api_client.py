"""Every /api/v1 operation through ApiClient against the real platform, answers validated into
app.domain records. Reading happens on the shared seeded platform; deleting, saving views and live
actions on a platform of their own (`scratch_platform`, with simulated live calls)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from app.api.client import ApiClient
from app.api.errors import Conflict, Forbidden, InvalidRequest, NotFound, TooLarge
from app.domain import (
    Action,
    ChangeKind,
    Conversation,
    ConversationDetail,
    Filter,
    LiveState,
    Platform,
    Sort,
    SortColumn,
    Status,
    SupervisorMode,
    ViewIn,
    ViewScope,
)
from tests.platform import Platform as PlatformProcess

pytestmark = pytest.mark.asyncio


async def test_me_names_the_user_and_the_tenants(api: ApiClient) -> None:
    me = await api.me()
    assert me.username == "supervisor" and [(t.id, t.role) for t in me.tenants] == [("acme", "supervisor")]


async def test_search_pages_through_every_match_with_cursors(api: ApiClient) -> None:
    first = await api.search(limit=100)
    assert len(first.items) == 100 and not first.total_is_estimate
    seen = [c.id for c in first.items]
    cursor = first.next_cursor
    while cursor is not None:
        page = await api.search(limit=100, cursor=cursor)
        assert page.total == first.total
        seen += [c.id for c in page.items]
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == first.total
    started = [c.started_at for c in first.items]
    assert started == sorted(started, reverse=True)  # the default sort: newest first


async def test_search_filters_and_sorts_on_the_server(api: ApiClient) -> None:
    wanted = Filter(statuses=(Status.COMPLETED, Status.ABANDONED), platforms=(Platform.VOICE,))
    page = await api.search(wanted, Sort(column=SortColumn.DURATION, descending=False), limit=50)
    assert page.items and page.total <= 600
    assert all(c.status in wanted.statuses and c.platform is Platform.VOICE for c in page.items)  # type: ignore[operator]
    durations = [c.duration_seconds for c in page.items]
    assert durations == sorted(durations)
    assert (await api.search(Filter(ids=(page.items[0].id,)))).items == (page.items[0],)


async def _first_detail(
    api: ApiClient, wanted: Callable[[ConversationDetail], bool], **filters: object
) -> ConversationDetail:
    cursor: str | None = None
    while True:
        page = await api.search(Filter.model_validate(filters), limit=100, cursor=cursor)
        for summary in page.items:
            detail = await api.conversation(summary.id)
            if wanted(detail):
                return detail
        cursor = page.next_cursor
        assert cursor is not None, "no such conversation in the seed"


async def test_a_conversation_in_full_and_its_recording_resumed_with_a_range(
    api: ApiClient, tmp_path: Path
) -> None:
    detail = await _first_detail(api, lambda d: d.audio is not None, platforms=["voice"])
    assert detail.messages and detail.has_audio and detail.audio is not None
    assert detail.summary_record().id == detail.id

    whole = await api.download_audio(detail.id, tmp_path / "whole.wav")
    data = whole.read_bytes()
    assert len(data) == detail.audio.size and data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert not (tmp_path / "whole.wav.part").exists()

    # An earlier download stopped after 1000 bytes: the next one asks for the rest only.
    (tmp_path / "resumed.wav.part").write_bytes(data[:1000])
    progress: list[tuple[int, int | None]] = []
    resumed = await api.download_audio(
        detail.id, tmp_path / "resumed.wav", progress=lambda n, t: progress.append((n, t))
    )
    assert resumed.read_bytes() == data
    assert progress[0][0] > 1000 and progress[-1] == (len(data), len(data))

    # A part file already holding everything is completed without a body (416 from the platform).
    (tmp_path / "complete.wav.part").write_bytes(data)
    assert (await api.download_audio(detail.id, tmp_path / "complete.wav")).read_bytes() == data


async def test_artifacts_download_within_the_size_cap_only(api: ApiClient, tmp_path: Path) -> None:
    detail = await _first_detail(api, lambda d: bool(d.artifacts))
    artifact = detail.artifacts[0]
    content = await api.artifact_bytes(detail.id, artifact.id)
    assert len(content) == artifact.size
    saved = await api.download_artifact(detail.id, artifact.id, tmp_path / "artifact.bin")
    assert saved.read_bytes() == content

    with pytest.raises(TooLarge):
        await api.artifact_bytes(detail.id, artifact.id, max_bytes=artifact.size - 1)
    with pytest.raises(TooLarge):
        await api.download_artifact(detail.id, artifact.id, tmp_path / "big.bin", max_bytes=artifact.size - 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifact.bin"]  # nothing half-written


async def test_flows_and_a_flow_graph(api: ApiClient) -> None:
    flows = await api.flows()
    assert flows
    flow = await api.flow(flows[0].id)
    assert flow.name == flows[0].name and len(flow.nodes) == flows[0].node_count
    assert flow.node(flow.entry_node) is not None
    with pytest.raises(NotFound):
        await api.flow("no-such-flow")


async def test_views_are_listed_and_read(api: ApiClient) -> None:
    views = await api.views()
    names = {v.name for v in views}
    assert {"All Conversations", "Production Calls", "Test Calls"} <= names
    default = next(v for v in views if v.is_default)
    assert (await api.view(default.id)) == default


async def test_the_change_feed_pages_in_order(api: ApiClient) -> None:
    first = await api.changes(limit=50)
    assert len(first.changes) == 50 and first.has_more
    second = await api.changes(first.next_cursor, limit=50)
    seqs = [c.seq for c in first.changes + second.changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == 100


async def test_refusals_become_typed_errors_naming_the_field(api: ApiClient) -> None:
    with pytest.raises(NotFound) as missing:
        await api.conversation("cnv_does_not_exist")
    assert missing.value.message == "This item no longer exists on the server."
    with pytest.raises(InvalidRequest) as invalid:
        await api.changes(limit=0)
    assert [f.field for f in invalid.value.fields] == ["limit"]
    with pytest.raises(NotFound):
        await api.conversation("../views")  # one percent-encoded segment: never another endpoint
    with pytest.raises(InvalidRequest):
        await api.conversation("..")
    with pytest.raises(InvalidRequest):
        await api.search(limit=501)


# --- operations that change data: on the scratch platform ------------------------------------------


async def test_deleting_a_conversation(
    scratch_platform: PlatformProcess, connect: Callable[..., asyncio.Future[ApiClient]]
) -> None:
    api = await connect(scratch_platform)
    victim = (await api.search(Filter(statuses=(Status.COMPLETED,)), limit=1)).items[0]
    cursor = (await api.changes(limit=5000)).next_cursor
    assert await api.delete_conversation(victim.id) is True
    with pytest.raises(NotFound):
        await api.conversation(victim.id)
    assert await api.delete_conversation(victim.id) is False  # already gone
    # Simulated live calls change meanwhile too: the deletion is the one tombstone.
    changes = (await api.changes(cursor)).changes
    deleted = [c.deleted.id for c in changes if c.kind is ChangeKind.DELETE and c.deleted is not None]
    assert deleted == [victim.id]

    readonly = await connect(scratch_platform, "readonly")
    other = (await readonly.search(limit=1)).items[0]
    with pytest.raises(Forbidden) as refused:
        await readonly.delete_conversation(other.id)
    assert refused.value.message == "Your role does not allow this." and "read-only" in (
        refused.value.detail or ""
    )


async def test_saving_changing_defaulting_and_deleting_a_view(
    scratch_platform: PlatformProcess, connect: Callable[..., asyncio.Future[ApiClient]]
) -> None:
    admin = await connect(scratch_platform, "admin")
    supervisor = await connect(scratch_platform, "supervisor")
    mine = ViewIn(
        name="Flagged voice, last 7 days",
        filter=Filter(flagged=True, platforms=(Platform.VOICE,), date_within="P7D"),
    )
    created = await supervisor.create_view(mine)
    assert created.scope is ViewScope.PERSONAL and created.filter.date_within == "P7D"
    renamed = await supervisor.update_view(
        created.id, mine.model_copy(update={"name": "Flagged voice (7 d)"})
    )
    assert renamed.name == "Flagged voice (7 d)" and renamed.id == created.id
    assert renamed in await supervisor.views()

    with pytest.raises(Forbidden):
        await supervisor.set_default_view(created.id)  # admins only
    shared = await admin.create_view(
        ViewIn(name="Org: failed calls", scope="org", filter=Filter(statuses=(Status.FAILED,)))
    )
    default = await admin.set_default_view(shared.id)
    assert default.is_default and default.id == shared.id
    builtin = next(v for v in await admin.views() if v.name == "All Conversations")
    await admin.set_default_view(builtin.id)

    assert await supervisor.delete_view(created.id) is True
    assert await supervisor.delete_view(created.id) is False
    assert await admin.delete_view(shared.id) is True


async def _live_voice_calls(api: ApiClient, at_least: int) -> list[Conversation]:
    live = Filter(statuses=(Status.IN_PROGRESS,), platforms=(Platform.VOICE,))
    for _ in range(120):
        page = await api.search(live, Sort(column=SortColumn.DATE, descending=True), limit=50)
        calls = [
            c for c in page.items if c.live_state is LiveState.AI and c.supervisor_mode is SupervisorMode.NONE
        ]
        if len(calls) >= at_least:
            return calls
        await asyncio.sleep(0.25)
    raise AssertionError(f"fewer than {at_least} live AI calls on the scratch platform")


async def test_live_actions_on_calls_in_progress(
    scratch_platform: PlatformProcess, connect: Callable[..., asyncio.Future[ApiClient]]
) -> None:
    api = await connect(scratch_platform)
    first, second, third, fourth = (await _live_voice_calls(api, 4))[:4]

    taken = await api.take_over(first.id)  # first: the AI pauses, so the call cannot end under us
    assert taken.action is Action.TAKEOVER and taken.conversation.supervisor_mode is SupervisorMode.TAKEN_OVER
    with pytest.raises(Conflict) as refused:
        await api.listen(first.id)
    assert "hand it back" in (refused.value.detail or "")
    assert (await api.coach(first.id, "Offer the refund now.")).action is Action.COACH
    assert (await api.hand_back(first.id)).conversation.supervisor_mode is SupervisorMode.LISTENING
    assert (await api.leave(first.id)).conversation.supervisor_mode is SupervisorMode.NONE
    assert (await api.listen(first.id)).conversation.supervisor_mode is SupervisorMode.LISTENING
    await api.leave(first.id)

    with pytest.raises(InvalidRequest) as invalid:
        await api.transfer(second.id, "not a number")
    assert [f.field for f in invalid.value.fields] == ["destination"]
    transferred = await api.transfer(second.id, "+15550100999")
    assert transferred.conversation.status is Status.HUMAN_HANDOFF

    queued = await api.enqueue(third.id)
    assert queued.conversation.live_state is LiveState.QUEUED
    with pytest.raises(Conflict):
        await api.end(third.id)

    ended = await api.end(fourth.id)
    assert ended.conversation.status is Status.COMPLETED and ended.conversation.live_state is LiveState.ENDED

    readonly = await connect(scratch_platform, "readonly")
    (spare,) = (await _live_voice_calls(readonly, 1))[:1]
    with pytest.raises(Forbidden):
        await readonly.listen(spare.id)
