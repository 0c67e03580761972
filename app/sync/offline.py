""" "Keep offline": conversations fetched in full — transcript, function calls, recording,
artifacts — into the cache and pinned there, so that eviction never takes them.

Runs in the background with progress. A conversation deleted on the platform in the
meantime is reported and skipped; losing the connection stops the run (what was kept
stays kept, and running it again fetches the rest). Keeping a view again fetches only
what changed since it was kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.api.errors import NotFound
from app.cache.store import CacheStore, FileKind
from app.domain import ConversationDetail, Filter, SearchPage, Sort
from app.notifications import Notifier
from app.recordings import keep_recording

SEARCH_PAGE = 500


class OfflineSource(Protocol):
    async def conversation(self, conversation_id: str) -> ConversationDetail: ...

    async def download_audio(self, conversation_id: str, dest: Path) -> Path: ...

    async def artifact_bytes(self, conversation_id: str, artifact_id: str) -> bytes: ...

    async def search(
        self,
        filter: Filter | None = None,
        sort: Sort | None = None,
        *,
        limit: int = ...,
        cursor: str | None = ...,
    ) -> SearchPage: ...


@dataclass(frozen=True)
class OfflineProgress:
    done: int
    total: int
    failed: tuple[tuple[str, str], ...] = ()  # (conversation id, why)


class KeepOffline:
    def __init__(self, api: OfflineSource, store: CacheStore, tenant: str) -> None:
        self._api = api
        self._store = store
        self._tenant = tenant
        self.progress: Notifier[OfflineProgress] = Notifier("keep offline")

    async def matching(self, f: Filter, sort: Sort | None = None) -> OfflineProgress:
        """Every conversation the filter selects now (a view's conversations); those already
        kept as they are now on the platform are not fetched again."""
        versions: dict[str, int] = {}
        cursor = None
        while True:
            page = await self._api.search(f, sort, limit=SEARCH_PAGE, cursor=cursor)
            versions.update((item.id, item.change_seq) for item in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return await self._run(list(versions.items()))

    async def conversations(self, ids: Sequence[str]) -> OfflineProgress:
        """These conversations, each fetched afresh."""
        return await self._run([(conversation_id, None) for conversation_id in dict.fromkeys(ids)])

    async def _run(self, wanted: list[tuple[str, int | None]]) -> OfflineProgress:
        failed: list[tuple[str, str]] = []
        for done, (conversation_id, change_seq) in enumerate(wanted, 1):
            try:
                current = change_seq is not None and await asyncio.to_thread(
                    self._store.is_kept, self._tenant, conversation_id, change_seq
                )
                if not current:
                    await self._keep(conversation_id)
            except NotFound as gone:
                failed.append((conversation_id, gone.message))
            self.progress.publish(OfflineProgress(done, len(wanted), tuple(failed)))
        return OfflineProgress(len(wanted), len(wanted), tuple(failed))

    async def _keep(self, conversation_id: str) -> None:
        detail = await self._api.conversation(conversation_id)
        await asyncio.to_thread(self._store.write_detail, self._tenant, detail)
        await asyncio.to_thread(self._store.pin, self._tenant, [conversation_id])
        if detail.audio is not None:
            await keep_recording(
                self._api, self._store, self._tenant, conversation_id, detail.audio.media_type
            )
        for artifact in detail.artifacts:
            data = await self._api.artifact_bytes(conversation_id, artifact.id)
            await asyncio.to_thread(
                self._store.store_file,
                self._tenant,
                conversation_id,
                FileKind.ARTIFACT,
                data,
                artifact.media_type,
                artifact.id,
            )
