"""Conversations: search, full record, delete, recording, artifacts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from server.api.deps import AppDatabase, DbSession
from server.api.media import CSP, ranged
from server.api.problems import Problem, not_found
from server.auth.dependencies import TenantPrincipal, require_actor
from server.db.models import Artifact, Blob, Conversation, ConversationDetail
from server.schemas.conversations import ConversationDetail as DetailOut
from server.schemas.conversations import SearchPage, SearchRequest
from server.search import service
from server.search.cursor import InvalidCursor
from server.search.details import detail_of
from server.store import conversations as store

router = APIRouter(tags=["conversations"])

ConversationId = Annotated[str, Path(min_length=1, max_length=64)]


def load(session: DbSession, tenant_id: str, conversation_id: str, *, lock: bool = False) -> Conversation:
    query = select(Conversation).where(
        Conversation.id == conversation_id, Conversation.tenant_id == tenant_id
    )
    if lock:
        query = query.with_for_update()
    conversation = session.scalar(query)
    if conversation is None:
        raise not_found(f"conversation {conversation_id}")
    return conversation


@router.post(
    "/conversations/search",
    summary="Filter, sort and page conversation summaries",
    response_model=SearchPage,
)
async def search(body: SearchRequest, principal: TenantPrincipal, db: AppDatabase) -> Response:
    # All the database work in one hop to a worker thread (a sync route with a session
    # dependency takes three): under load each hop waits for the other thread's turn.
    try:
        payload = await run_in_threadpool(service.run, db, principal.tenant_id, body)
    except InvalidCursor as exc:
        raise Problem(422, "Invalid request", f"invalid value for: cursor ({exc})") from exc
    # Serialised by the search: FastAPI would validate the hundred summaries against SearchPage first.
    return Response(payload, media_type="application/json")


@router.get("/conversations/{conversation_id}", summary="The full record of one conversation")
def get_conversation(
    conversation_id: ConversationId, principal: TenantPrincipal, session: DbSession
) -> DetailOut:
    conversation = load(session, principal.tenant_id, conversation_id)
    detail = session.get_one(ConversationDetail, conversation.pk)
    artifacts = session.scalars(select(Artifact).where(Artifact.conversation_pk == conversation.pk)).all()
    audio = session.get(Blob, conversation.audio_blob) if conversation.audio_blob else None
    return detail_of(conversation, detail, list(artifacts), audio)


@router.delete(
    "/conversations/{conversation_id}",
    status_code=204,
    summary="Delete a conversation with its recording and artifacts",
)
def delete_conversation(
    conversation_id: ConversationId, principal: TenantPrincipal, session: DbSession
) -> Response:
    require_actor(principal)
    store.remove(session, load(session, principal.tenant_id, conversation_id, lock=True))
    return Response(status_code=204)


@router.get(
    "/conversations/{conversation_id}/audio",
    summary="The call recording (WAV; HTTP Range supported)",
    responses={
        200: {"content": {"audio/wav": {}}},
        206: {"description": "The requested byte range", "content": {"audio/wav": {}}},
        416: {"description": "Range not satisfiable"},
    },
    response_class=Response,
)
def get_audio(
    conversation_id: ConversationId,
    principal: TenantPrincipal,
    session: DbSession,
    range: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    conversation = load(session, principal.tenant_id, conversation_id)
    blob = session.get(Blob, conversation.audio_blob) if conversation.audio_blob else None
    if blob is None:
        raise not_found(f"a recording of conversation {conversation_id}")
    return ranged(blob.data, blob.media_type, range)


@router.get(
    "/conversations/{conversation_id}/artifacts/{artifact_id}",
    summary="Download an artifact the AI produced",
    responses={200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def get_artifact(
    conversation_id: ConversationId,
    artifact_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: TenantPrincipal,
    session: DbSession,
) -> Response:
    conversation = load(session, principal.tenant_id, conversation_id)
    artifact = session.scalar(
        select(Artifact).where(Artifact.id == artifact_id, Artifact.conversation_pk == conversation.pk)
    )
    if artifact is None:
        raise not_found(f"artifact {artifact_id}")
    blob = session.get_one(Blob, artifact.blob_sha256)
    return Response(
        blob.data,
        media_type=artifact.media_type,
        headers={
            "Content-Disposition": _attachment(artifact.name),
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _attachment(name: str) -> str:
    """RFC 6266: an ASCII fallback plus the exact name in RFC 5987 encoding."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\/;' else "_" for ch in name)[:100]
    return f"attachment; filename=\"{fallback or 'artifact'}\"; filename*=UTF-8''{quote(name, safe='')}"
