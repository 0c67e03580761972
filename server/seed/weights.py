"""How often each platform, direction and status occurs, and weighted choice by one random number."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from server.seed.enum_values import P, S

T = TypeVar("T")
Rand = Callable[[], float]  # random.Random.random, bound once per conversation

PLATFORM_WEIGHTS: dict[str, float] = {
    P.VOICE: 45, P.SMS: 20, P.WEB: 18,
    P.EMAIL: 10, P.SLACK: 5, P.HUMAN_PHONE: 2,
}
OUTBOUND_SHARE: dict[str, float] = {
    P.VOICE: 0.38, P.SMS: 0.45, P.WEB: 0.02,
    P.EMAIL: 0.25, P.SLACK: 0.03, P.HUMAN_PHONE: 0.4,
}
_LIVE = 0.25  # in_progress weight; such conversations are moved into the last half hour
# Status weights per (platform, direction). Answering machines only exist for outbound
# AI calls, nobody answers only on outbound calls, opt-outs happen mostly on SMS/e-mail.
STATUS_WEIGHTS: dict[tuple[str, str], dict[str, float]] = {
    ("voice", "inbound"): {S.COMPLETED: 60, S.ABANDONED: 12, S.FAILED: 3, S.HUMAN_HANDOFF: 14,
                           S.RESTARTED: 3, S.REPORTED: 1, S.UNSUBSCRIBED: 0.5, S.IN_PROGRESS: _LIVE},
    ("voice", "outbound"): {S.COMPLETED: 42, S.NO_ANSWER: 18, S.ANSWERING_MACHINE_MESSAGE_LEFT: 11,
                            S.ANSWERING_MACHINE_NO_MESSAGE_LEFT: 6, S.ABANDONED: 7, S.FAILED: 3,
                            S.HUMAN_HANDOFF: 6, S.RESTARTED: 1, S.REPORTED: 1, S.UNSUBSCRIBED: 4,
                            S.IN_PROGRESS: _LIVE},
    ("human_phone", "inbound"): {S.COMPLETED: 75, S.ABANDONED: 12, S.FAILED: 4, S.HUMAN_HANDOFF: 5,
                                 S.RESTARTED: 1, S.REPORTED: 1, S.IN_PROGRESS: _LIVE},
    ("human_phone", "outbound"): {S.COMPLETED: 55, S.NO_ANSWER: 30, S.ABANDONED: 6, S.FAILED: 4,
                                  S.REPORTED: 1, S.IN_PROGRESS: _LIVE},
    ("sms", "inbound"): {S.COMPLETED: 58, S.ABANDONED: 15, S.FAILED: 4, S.HUMAN_HANDOFF: 7,
                         S.RESTARTED: 3, S.REPORTED: 1, S.UNSUBSCRIBED: 10, S.IN_PROGRESS: _LIVE},
    ("sms", "outbound"): {S.COMPLETED: 50, S.ABANDONED: 20, S.FAILED: 5, S.HUMAN_HANDOFF: 4,
                          S.RESTARTED: 1, S.REPORTED: 1, S.UNSUBSCRIBED: 18, S.IN_PROGRESS: _LIVE},
    ("web", "inbound"): {S.COMPLETED: 60, S.ABANDONED: 17, S.FAILED: 3, S.HUMAN_HANDOFF: 12,
                         S.RESTARTED: 6, S.REPORTED: 1, S.IN_PROGRESS: _LIVE},
    ("email", "inbound"): {S.COMPLETED: 62, S.ABANDONED: 8, S.FAILED: 4, S.HUMAN_HANDOFF: 10,
                           S.RESTARTED: 1, S.REPORTED: 1, S.UNSUBSCRIBED: 12, S.IN_PROGRESS: _LIVE},
    ("email", "outbound"): {S.COMPLETED: 55, S.ABANDONED: 20, S.FAILED: 4, S.HUMAN_HANDOFF: 3,
                            S.REPORTED: 1, S.UNSUBSCRIBED: 16, S.IN_PROGRESS: _LIVE},
    ("slack", "inbound"): {S.COMPLETED: 65, S.ABANDONED: 14, S.FAILED: 4, S.HUMAN_HANDOFF: 12,
                           S.RESTARTED: 4, S.REPORTED: 1, S.IN_PROGRESS: _LIVE},
}
STATUS_WEIGHTS[("web", "outbound")] = STATUS_WEIGHTS[("web", "inbound")]
STATUS_WEIGHTS[("slack", "outbound")] = STATUS_WEIGHTS[("slack", "inbound")]


def cumulative(weights: Sequence[float]) -> list[float]:
    total = float(sum(weights))
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc / total)
    out[-1] = 1.0
    return out


class WeightedTable(Generic[T]):
    """Weighted choice by one uniform number: items[bisect(cum, u)]."""

    __slots__ = ("cum", "items")

    def __init__(self, weights: dict[T, float]) -> None:
        self.items = list(weights)
        self.cum = cumulative(list(weights.values()))

    def pick(self, u: float) -> T:
        return self.items[bisect_right(self.cum, u)]
