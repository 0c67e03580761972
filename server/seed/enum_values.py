"""Plain-str copies of the domain enum values the generator uses on its hot path.

Reading a StrEnum member costs ~100 ns in Python 3.11, a class attribute a third of that.
"""

from __future__ import annotations

from typing import Final

from server.domain import Direction, MessageRole, Platform, Status, UsedFor


class S:
    COMPLETED: Final = Status.COMPLETED.value
    ABANDONED: Final = Status.ABANDONED.value
    FAILED: Final = Status.FAILED.value
    HUMAN_HANDOFF: Final = Status.HUMAN_HANDOFF.value
    IN_PROGRESS: Final = Status.IN_PROGRESS.value
    REPORTED: Final = Status.REPORTED.value
    RESTARTED: Final = Status.RESTARTED.value
    UNSUBSCRIBED: Final = Status.UNSUBSCRIBED.value
    NO_ANSWER: Final = Status.NO_ANSWER.value
    ANSWERING_MACHINE_MESSAGE_LEFT: Final = Status.ANSWERING_MACHINE_MESSAGE_LEFT.value
    ANSWERING_MACHINE_NO_MESSAGE_LEFT: Final = Status.ANSWERING_MACHINE_NO_MESSAGE_LEFT.value


class P:
    VOICE: Final = Platform.VOICE.value
    SMS: Final = Platform.SMS.value
    WEB: Final = Platform.WEB.value
    EMAIL: Final = Platform.EMAIL.value
    SLACK: Final = Platform.SLACK.value
    HUMAN_PHONE: Final = Platform.HUMAN_PHONE.value


INBOUND: Final = Direction.INBOUND.value
OUTBOUND: Final = Direction.OUTBOUND.value
CUSTOMER: Final = MessageRole.CUSTOMER.value
AGENT: Final = MessageRole.AGENT.value
SYSTEM: Final = MessageRole.SYSTEM.value
TEST: Final = UsedFor.TEST.value
PRODUCTION: Final = UsedFor.PRODUCTION.value

VOICE_PLATFORMS: Final = (P.VOICE, P.HUMAN_PHONE)
TEXT_PLATFORMS: Final = (P.WEB, P.SMS, P.EMAIL, P.SLACK)
# Outcomes of a call nobody talked in: no transcript beyond a voicemail, no flow.
NO_TALK: Final = frozenset(
    (S.NO_ANSWER, S.ANSWERING_MACHINE_MESSAGE_LEFT, S.ANSWERING_MACHINE_NO_MESSAGE_LEFT)
)
