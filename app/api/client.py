"""Typed calls for every /api/v1 operation of docs/api/openapi.json.

Every answer is validated into an app.domain record, so a malformed or hostile
response becomes BadResponse, never a half-read object. Every failure is one of
app.api.errors. Requests carry the tenant token from the session; a 401 renews
it once and repeats the request (the platform refused it before acting, so even
a POST is safe to repeat). Only idempotent calls are retried on network errors
and 429/502/503/504, and each call says so explicitly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.api import retry
from app.api.downloads import Progress, read_capped, stream_to_file
from app.api.errors import BadResponse, InvalidRequest, NotFound, TenantRequired, error_from_validation
from app.api.transport import create_http_client
from app.domain import (
    ActionResult,
    ConversationDetail,
    Filter,
    Flow,
    FlowSummary,
    Me,
    SearchPage,
    Sort,
    View,
    ViewIn,
)
from app.domain.feed import FeedPage, FeedRefused, decode_page
from app.filters.query import filter_json, search_body, sort_json
from app.settings import ClientSettings

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_FLOWS: TypeAdapter[tuple[FlowSummary, ...]] = TypeAdapter(tuple[FlowSummary, ...])
_VIEWS: TypeAdapter[tuple[View, ...]] = TypeAdapter(tuple[View, ...])


class TokenSource(Protocol):
    """What the client needs from the sign-in (AuthSession is one)."""

    @property
    def tenant(self) -> str | None: ...

    async def access_token(self) -> str: ...

    async def renew(self, rejected: str) -> str: ...


def _segment(value: str, what: str, max_length: int = 64) -> str:
    """One path segment, percent-encoded; refuses what could change the path's meaning."""
    if not value or len(value) > max_length or value in (".", ".."):
        raise InvalidRequest(f"Invalid {what}.", detail=f"{what} must be 1-{max_length} characters")
    return quote(value, safe="")


class ApiClient:
    """The platform's HTTP API for the session's tenant. Use `async with` or call `aclose()`."""

    def __init__(self, session: TokenSource, settings: ClientSettings) -> None:
        self._session = session
        self._settings = settings
        self._policy = retry.RetryPolicy.from_settings(settings.retries)
        self._http = create_http_client(settings)

    def __repr__(self) -> str:
        return f"ApiClient(server={self._settings.server_url!r}, tenant={self._session.tenant!r})"

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- the request core ------------------------------------------------------------------------

    def _tenant_path(self, path: str) -> str:
        tenant = self._session.tenant
        if tenant is None:
            raise TenantRequired()
        return f"/api/v1/{_segment(tenant, 'tenant', 200)}/{path}"

    async def _send(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        accept: Collection[int] = (),
    ) -> httpx.Response:
        """The response, successful (or with a status in `accept`); the typed error otherwise."""

        def build(token: str) -> httpx.Request:
            request: httpx.Request = self._http.build_request(
                method,
                url,
                json=json,
                params=params,
                headers={**(headers or {}), "Authorization": f"Bearer {token}"},
            )
            return request

        token = await self._session.access_token()
        response = await retry.send(
            self._http, lambda: build(token), idempotent=idempotent, policy=self._policy, stream=stream
        )
        if response.status_code == 401:
            await response.aclose()
            token = await self._session.renew(token)
            response = await retry.send(
                self._http, lambda: build(token), idempotent=idempotent, policy=self._policy, stream=stream
            )
        if not response.is_success and response.status_code not in accept:
            await retry.raise_for_status(response)  # a second 401 is SignInRequired
        return response

    async def _json(
        self,
        model: type[M] | TypeAdapter[T],
        what: str,
        method: str,
        url: str,
        *,
        idempotent: bool,
        **kwargs: Any,
    ) -> Any:
        response = await self._send(method, url, idempotent=idempotent, **kwargs)
        try:
            if isinstance(model, TypeAdapter):
                return model.validate_json(response.content)
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise error_from_validation(exc, what) from None

    # --- who am I --------------------------------------------------------------------------------

    async def me(self) -> Me:
        result: Me = await self._json(Me, "your account", "GET", "/api/v1/me", idempotent=True)
        return result

    # --- conversations ---------------------------------------------------------------------------

    async def search(
        self,
        filter: Filter | None = None,
        sort: Sort | None = None,
        *,
        limit: int = 100,
        cursor: str | None = None,
    ) -> SearchPage:
        """One page of conversation summaries; pass `next_cursor` back for the next page."""
        try:
            body = search_body(filter or Filter(), sort or Sort(), limit=limit, cursor=cursor)
        except ValueError as exc:
            raise InvalidRequest(detail=str(exc)) from None
        # A POST only because a Filter does not fit in a URL: it reads, so it is safe to retry.
        url = self._tenant_path("conversations/search")
        page: SearchPage = await self._json(
            SearchPage, "search results", "POST", url, idempotent=True, json=body
        )
        return page

    async def conversation(self, conversation_id: str) -> ConversationDetail:
        url = self._tenant_path(f"conversations/{_segment(conversation_id, 'conversation id')}")
        detail: ConversationDetail = await self._json(
            ConversationDetail, "the conversation", "GET", url, idempotent=True
        )
        return detail

    async def delete_conversation(self, conversation_id: str) -> bool:
        """Delete with recording and artifacts; False if it was already gone (e.g. a retried delete)."""
        url = self._tenant_path(f"conversations/{_segment(conversation_id, 'conversation id')}")
        try:
            await self._send("DELETE", url, idempotent=True)
        except NotFound:
            return False
        return True

    def _audio_url(self, conversation_id: str) -> str:
        return self._tenant_path(f"conversations/{_segment(conversation_id, 'conversation id')}/audio")

    async def audio_part(self, conversation_id: str, byte_range: str | None = None) -> httpx.Response:
        """The recording, or the `bytes=first-last` range of it, as a streamed response (200, 206 or
        416) that the caller reads and closes: what a media player streaming it asked for."""
        headers = {"Accept-Encoding": "identity", **({"Range": byte_range} if byte_range else {})}
        return await self._send(
            "GET",
            self._audio_url(conversation_id),
            idempotent=True,
            headers=headers,
            stream=True,
            accept=(416,),
        )

    async def download_audio(
        self, conversation_id: str, dest: Path, *, progress: Progress | None = None
    ) -> Path:
        """The recording (WAV) into `dest`, resuming a `<dest>.part` left by an earlier attempt."""
        url = self._audio_url(conversation_id)

        async def open_from(offset: int) -> httpx.Response:
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            return await self._send("GET", url, idempotent=True, headers=headers, stream=True, accept=(416,))

        return await stream_to_file(
            open_from,
            dest,
            max_bytes=self._settings.audio_max_bytes,
            resume=True,
            attempts=self._settings.retries.attempts,
            progress=progress,
        )

    def _artifact_url(self, conversation_id: str, artifact_id: str) -> str:
        return self._tenant_path(
            f"conversations/{_segment(conversation_id, 'conversation id')}"
            f"/artifacts/{_segment(artifact_id, 'artifact id')}"
        )

    async def download_artifact(
        self,
        conversation_id: str,
        artifact_id: str,
        dest: Path,
        *,
        max_bytes: int | None = None,
        progress: Progress | None = None,
    ) -> Path:
        """An artifact into `dest` (a sanitised path the caller chose), refused past the size cap."""
        url = self._artifact_url(conversation_id, artifact_id)

        async def open_from(offset: int) -> httpx.Response:
            return await self._send("GET", url, idempotent=True, stream=True)

        cap = max_bytes if max_bytes is not None else self._settings.artifact_max_bytes
        return await stream_to_file(open_from, dest, max_bytes=cap, resume=False, progress=progress)

    async def artifact_bytes(
        self, conversation_id: str, artifact_id: str, *, max_bytes: int | None = None
    ) -> bytes:
        """An artifact in memory, for a preview; refused past the size cap."""
        url = self._artifact_url(conversation_id, artifact_id)
        response = await self._send("GET", url, idempotent=True, stream=True)
        return await read_capped(
            response, max_bytes if max_bytes is not None else self._settings.artifact_max_bytes
        )

    # --- flows and views -------------------------------------------------------------------------

    async def flows(self) -> tuple[FlowSummary, ...]:
        flows: tuple[FlowSummary, ...] = await self._json(
            _FLOWS, "flows", "GET", self._tenant_path("flows"), idempotent=True
        )
        return flows

    async def flow(self, flow_id: str) -> Flow:
        url = self._tenant_path(f"flows/{_segment(flow_id, 'flow id', 100)}")
        flow: Flow = await self._json(Flow, "the flow", "GET", url, idempotent=True)
        return flow

    async def views(self) -> tuple[View, ...]:
        views: tuple[View, ...] = await self._json(
            _VIEWS, "views", "GET", self._tenant_path("views"), idempotent=True
        )
        return views

    async def view(self, view_id: str) -> View:
        url = self._tenant_path(f"views/{_segment(view_id, 'view id')}")
        view: View = await self._json(View, "the view", "GET", url, idempotent=True)
        return view

    @staticmethod
    def _view_body(view: ViewIn) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": view.name,
            "filter": filter_json(view.filter),
            "sort": sort_json(view.sort),
            "columns": [c.value for c in view.columns],
        }
        if view.scope is not None:
            body["scope"] = view.scope
        return body

    async def create_view(self, view: ViewIn) -> View:
        created: View = await self._json(
            View,
            "the saved view",
            "POST",
            self._tenant_path("views"),
            idempotent=False,
            json=self._view_body(view),
        )
        return created

    async def update_view(self, view_id: str, view: ViewIn) -> View:
        url = self._tenant_path(f"views/{_segment(view_id, 'view id')}")
        updated: View = await self._json(
            View, "the saved view", "PUT", url, idempotent=True, json=self._view_body(view)
        )
        return updated

    async def delete_view(self, view_id: str) -> bool:
        """False if it was already gone."""
        try:
            await self._send(
                "DELETE", self._tenant_path(f"views/{_segment(view_id, 'view id')}"), idempotent=True
            )
        except NotFound:
            return False
        return True

    async def set_default_view(self, view_id: str) -> View:
        """Make a view the org-wide default (admins)."""
        body = {"view_id": view_id}
        default: View = await self._json(
            View, "the default view", "PUT", self._tenant_path("views/default"), idempotent=True, json=body
        )
        return default

    # --- sync ------------------------------------------------------------------------------------

    async def changes(self, cursor: str | None = None, *, limit: int = 1000) -> FeedPage:
        """Conversations created, updated or deleted after `cursor` (None: from the start).
        Decoded straight from the body's bytes (app.domain.feed): a sync reads hundreds of
        thousands of summaries."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await self._send("GET", self._tenant_path("changes"), idempotent=True, params=params)
        try:
            # Off the event loop (the GUI's, in the app): a page of 5,000 takes ~35 ms to decode.
            return await asyncio.to_thread(decode_page, response.content)
        except FeedRefused as exc:
            raise BadResponse(detail=f"the change feed: {exc}") from None

    # --- live actions (never retried: each acts on a call in progress) ----------------------------

    async def _action(
        self, conversation_id: str, action: str, body: dict[str, str] | None = None
    ) -> ActionResult:
        url = self._tenant_path(
            f"conversations/{_segment(conversation_id, 'conversation id')}/actions/{action}"
        )
        result: ActionResult = await self._json(
            ActionResult, f"the {action} result", "POST", url, idempotent=False, json=body
        )
        return result

    async def listen(self, conversation_id: str) -> ActionResult:
        return await self._action(conversation_id, "listen")

    async def take_over(self, conversation_id: str) -> ActionResult:
        return await self._action(conversation_id, "takeover")

    async def hand_back(self, conversation_id: str) -> ActionResult:
        return await self._action(conversation_id, "handback")

    async def leave(self, conversation_id: str) -> ActionResult:
        return await self._action(conversation_id, "leave")

    async def enqueue(self, conversation_id: str) -> ActionResult:
        return await self._action(conversation_id, "enqueue")

    async def end(self, conversation_id: str) -> ActionResult:
        return await self._action(conversation_id, "end")

    async def transfer(self, conversation_id: str, destination: str) -> ActionResult:
        """To an E.164 number or a SIP URI; the platform dials it and bridges the caller."""
        return await self._action(conversation_id, "transfer", {"destination": destination})

    async def coach(self, conversation_id: str, text: str) -> ActionResult:
        """Text for the AI agent only; the customer never sees it."""
        return await self._action(conversation_id, "coach", {"text": text})
