"""A conversation in progress, open in its tab, against a platform with simulated live calls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.domain import Status
from app.transcript import EntryKind
from tests.platform import Platform as PlatformProcess
from tests.platform import api_client, seed
from tests.ui.apps import signing_in_app
from tests.ui.conftest import until
from tests.ui.test_live_rows import _end_call, _live_calls, _platform_record
from tests.ui.test_main_window import _synced_window
from ui.detail.view import DetailView
from ui.problems import Severity
from ui.table.model import RECORD_ROLE

pytestmark = pytest.mark.usefixtures("secret_service")


@pytest.fixture(scope="module")
def live_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcess]:
    db = f"sqlite:///{tmp_path_factory.mktemp('detail-live-platform') / 'platform.db'}"
    seed(db, 100, seed_value=7, audio_clips=1)
    with PlatformProcess(db, simulate=4).running(tmp_path_factory.mktemp("detail-live-logs")) as running:
        yield running


@pytest.fixture(scope="module")
def acme_api(live_platform: PlatformProcess) -> Iterator[httpx.Client]:
    with api_client(live_platform.url, "supervisor") as http:
        yield http


def _messages(view: DetailView) -> list[str]:
    """The texts of the messages shown (function calls, which follow their message, left out)."""
    entries = [view.model.entry(r) for r in range(view.model.rowCount())]
    return [e.text for e in entries if e.message_index is not None and e.kind is not EntryKind.FUNCTION]


def test_an_open_call_in_progress_grows_live_and_reads_whole_once_ended(
    live_platform: PlatformProcess,
    acme_api: httpx.Client,
    tmp_path: Path,
    qapp: Any,
    run: Callable[..., Any],
) -> None:
    app = signing_in_app(live_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        window.resize(1000, 560)  # a short transcript overflows it: the scrolling is seen early
        calls = await _live_calls(acme_api)
        assert calls, "no live call in acme"
        view = window.tabs.open(calls[0])
        await until(lambda: view.detail is not None, 15, "the record")
        view.transcript.scrollToBottom()
        # The flow's current node is ringed, and the ring moves as the call goes on in its flow.
        flow = view.flow_view
        await until(lambda: flow.layout_ is not None, 15, "the flow drawn")
        rings: list[str | None] = []
        watching = asyncio.ensure_future(_watch_ring(view, rings))
        before = len(_messages(view))
        await until(lambda: len(_messages(view)) > before + 1, 30, "messages arriving live")
        # What arrived is what the platform has, in order, and the view followed it to the end.
        on_platform = await _platform_transcript(acme_api, view.conversation_id)
        assert _messages(view) == on_platform[: len(_messages(view))]
        bar = view.transcript.verticalScrollBar()
        await until(lambda: bar.value() >= bar.maximum(), 5, "the view at the newest message")
        # Scrolled up, it stays where the user is while more come (once there is somewhere to
        # scroll: a transcript that fits the view is at its bottom, and follows).
        await until(lambda: bar.maximum() > 0, 60, "a transcript longer than the view")
        bar.setValue(0)
        count = len(_messages(view))
        await until(lambda: len(_messages(view)) > count, 30, "another message")
        assert bar.value() == 0
        # By now the call has moved on in its flow, and the ring followed it to where it is.
        await until(lambda: len({r for r in rings if r is not None}) > 1, 30, "the ring moving")
        watching.cancel()
        now = (await _platform_record(acme_api, view.conversation_id)).current_node
        assert now is not None
        await until(lambda: flow.current_node == now, 10, f"the ring at {now}")
        assert flow.layout_ is not None and flow.ringed_at() == flow.layout_.positions[now]
        # Ended: the facts say so and the whole record is read again.
        assert await _end_call(acme_api, view.conversation_id)
        await until(
            lambda: view.detail is not None and view.detail.status is not Status.IN_PROGRESS, 20, "ended"
        )
        assert view.facts.values["Status"].text() != "In Progress"
        assert flow.current_node is None and flow.ringed_at() is None  # no ring once ended
        ended = await _platform_record(acme_api, view.conversation_id)
        assert view.row.status == ended.status
        assert _messages(view) == await _platform_transcript(acme_api, view.conversation_id)
        assert [view.model.entry(r).kind for r in range(view.model.rowCount())].count(
            EntryKind.FUNCTION
        ) == len(view.detail.function_calls)
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


def test_an_open_conversation_deleted_on_the_platform_closes_and_the_window_says_so(
    live_platform: PlatformProcess,
    acme_api: httpx.Client,
    tmp_path: Path,
    qapp: Any,
    run: Callable[..., Any],
) -> None:
    app = signing_in_app(live_platform, tmp_path, qapp)

    async def scenario() -> None:
        window = await _synced_window(app)
        await until(lambda: window.model.rowCount() > 2, what="rows")
        in_tab, in_window, kept = (window.model.index(r, 0).data(RECORD_ROLE) for r in range(3))
        window.tabs.open(in_window)
        popped = window.tabs.pop_out()
        assert popped is not None
        window.tabs.open(in_tab)
        window.tabs.open(kept)
        for gone in (in_tab, in_window):
            response = await asyncio.to_thread(acme_api.delete, f"conversations/{gone.id}")
            assert response.status_code == 204, response.text[:300]
        open_ids = lambda: {v.conversation_id for v in window.tabs.details()}  # noqa: E731
        await until(lambda: open_ids() == {kept.id}, 15, "the deleted conversations closed")
        assert window.tabs.windows == []
        explanation = window.banner.explanation
        assert explanation is not None and explanation.severity is Severity.INFO
        assert "was deleted on the platform" in explanation.message
        assert explanation.detail in (in_tab.id, in_window.id)
        await app.workspace.close()
        window.close()

    run(scenario(), 120)


async def _watch_ring(view: DetailView, rings: list[str | None]) -> None:
    """Note each node the flow's ring goes to, until cancelled."""
    while True:
        if not rings or rings[-1] != view.flow_view.current_node:
            rings.append(view.flow_view.current_node)
        await asyncio.sleep(0.05)


async def _platform_transcript(http: httpx.Client, conversation_id: str) -> list[str]:
    response = http.get(f"conversations/{conversation_id}")
    response.raise_for_status()
    return [m["text"] for m in sorted(response.json()["messages"], key=lambda m: m["index"])]
