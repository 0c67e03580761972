"""A conversation's full record as the API returns it."""

from __future__ import annotations

from server.db.models import Artifact, Blob, Conversation, ConversationDetail
from server.schemas.conversations import ArtifactInfo, AudioInfo
from server.schemas.conversations import ConversationDetail as DetailOut
from server.search.summaries import summary_of

STEREO_CHANNELS = ["customer", "agent"]


def detail_of(
    conversation: Conversation, detail: ConversationDetail, artifacts: list[Artifact], audio: Blob | None
) -> DetailOut:
    summary = summary_of(conversation).model_dump()
    return DetailOut.model_validate(
        {
            **summary,
            "reason": detail.reason,
            "summary": detail.summary,
            "analysis": detail.analysis,
            "sentiment": detail.sentiment,
            "voice": conversation.voice,
            "messages": detail.messages,
            "function_calls": detail.function_calls,
            "flow_path": detail.flow_path,
            "coaching": detail.coaching,
            "artifacts": [ArtifactInfo.model_validate(a) for a in artifacts],
            "audio": AudioInfo(
                media_type=audio.media_type,
                size=audio.size,
                duration_ms=conversation.audio_duration_ms,
                channels=STEREO_CHANNELS,
            )
            if audio
            else None,
        }
    )
