""""Keep offline": conversations fetched in full — transcript, function calls, recording,
artifacts — into the cache and pinned there, so that eviction never takes them.

Runs in the background with progress. A conversation deleted on the platform in the
meantime is reported and skipped; losing the connection stops the run (what was kept
stays kept, and running it again fetches the rest).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.api.errors import NotFound
from app.cache.store import CacheStore, FileKind
from app.domain import ConversationDetail, Filter, SearchPage, Sort
from app.notifications import Notifier

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
    def __init__(self, api: OfflineSource, store: CacheStore, tenant: str, scratch: Path) -> None:
        self._api = api
        self._store = store
        self._tenant = tenant
        self._scratch = scratch  # downloads land here before the cache takes them
        self.progress: Notifier[OfflineProgress] = Notifier("keep offline")

    async def matching(self, f: Filter, sort: Sort | None = None) -> OfflineProgress:
        """Every conversation the filter selects now (a view's conversations)."""
        ids: list[str] = []
        cursor = None
        while True:
            page = await self._api.search(f, sort, limit=SEARCH_PAGE, cursor=cursor)
            ids += [item.id for item in page.items]
            cursor = page.next_cursor
            if cursor is None:
                return await self.conversations(ids)

    async def conversations(self, ids: Sequence[str]) -> OfflineProgress:
        failed: list[tuple[str, str]] = []
        wanted = list(dict.fromkeys(ids))
        for done, conversation_id in enumerate(wanted, 1):
            try:
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
            media_type = detail.audio.media_type
            download = self._scratch / f"{secrets.token_hex(8)}.audio"
            try:
                await self._api.download_audio(conversation_id, download)
                data = await asyncio.to_thread(download.read_bytes)
            finally:
                download.unlink(missing_ok=True)
            await asyncio.to_thread(
                self._store.store_file, self._tenant, conversation_id, FileKind.AUDIO, data, media_type
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
