"""What a conversation is labelled with: tags, parameters, reason, summary, mood, analysis, sentiment.

Small independent pieces come from pools drawn once per tenant from its setup random
stream; a conversation takes one entry per pool with a single random number.
"""

from __future__ import annotations

import random
from itertools import combinations

from server.domain import Status
from server.seed import hostile_samples, text
from server.seed.enum_values import INBOUND, NO_TALK, OUTBOUND, S
from server.seed.weights import Rand, WeightedTable

POOL = 256  # entries per pool of tags, sentiments...

Pair = tuple[str, str]


class LabelPools:
    __slots__ = ("_analysis", "_negative_analysis", "_parameters", "_reasons", "_sentiments", "_summaries",
                 "_tags")

    def __init__(self, setup: random.Random, contexts: list[dict[str, str]]) -> None:
        """Draws from `setup` in a fixed order: sentiments, tags, then one parameter set per context."""
        self._reasons = {INBOUND: text.REASONS, OUTBOUND: text.REASONS | text.REASONS_OUTBOUND}
        self._summaries = {INBOUND: text.SUMMARIES, OUTBOUND: text.SUMMARIES | text.SUMMARIES_OUTBOUND}
        self._sentiments = {mood: _sentiment_pool(setup, w) for mood, w in text.MOOD_EMOTIONS.items()}
        languages = WeightedTable(text.LANGUAGES)
        self._tags = {scenario: [_base_tags(scenario, setup, languages) for _ in range(POOL)]
                      for scenario in text.SCENARIO_FLOW}
        observations = text.ANALYSIS_OBSERVATIONS
        self._analysis: dict[str, list[str]] = {
            status.value: [f"{obs} {sug}".strip()
                           for obs in observations.get(status.value, ()) + observations["other"]
                           for sug in text.SUGGESTIONS]
            for status in Status
        }
        self._negative_analysis = [f"{obs} {sug}".strip() for obs in text.ANALYSIS_OBSERVATIONS["negative"]
                                   for sug in text.SUGGESTIONS]
        keys = list(text.PARAMETER_VALUES)
        key_sets = [combo for n in (1, 2, 3) for combo in combinations(keys, n)]
        self._parameters = [_make_parameters(ctx, setup, key_sets) for ctx in contexts]

    def tags(self, scenario: str, from_calls: list[Pair], r: Rand) -> list[Pair]:
        tags = list(self._tags[scenario][int(r() * POOL)])
        for tag in from_calls:  # what the functions returned, e.g. ("Order Status", "Shipped")
            if len(tags) < 4 and tag not in tags and r() < 0.6:
                tags.append(tag)
        if not tags:
            tags.append(("Call Reason", text.CALL_REASONS[scenario]))
        return tags

    def parameters(self, context_index: int, ctx: dict[str, str], recorded: bool) -> list[Pair]:
        """The parameters drawn for the conversation's context; a recording dictates the order number."""
        parameters = list(self._parameters[context_index])
        if recorded and parameters and parameters[-1][0] == "order_id":
            parameters[-1] = ("order_id", ctx["order"])  # the order number spoken in the recording
        return parameters

    def reason(self, direction: str, scenario: str, ctx: dict[str, str], r: Rand) -> str:
        reasons = self._reasons[direction][scenario]
        return reasons[int(r() * len(reasons))].format_map(ctx)

    def summary(self, direction: str, scenario: str, status: str, ctx: dict[str, str], r: Rand) -> str:
        outcome = text.OUTCOMES[status][int(r() * len(text.OUTCOMES[status]))]
        if status == S.IN_PROGRESS:
            return ""
        if status in NO_TALK:
            return outcome
        summaries = self._summaries[direction][scenario]
        base = summaries[int(r() * len(summaries))].format_map(ctx)
        return f"{base} {outcome}"

    @staticmethod
    def mood(scenario: str, status: str, u: float) -> str:
        if status in (S.ABANDONED, S.FAILED, S.REPORTED) or scenario == "complaint":
            return "negative" if u < 0.8 else "worried"
        if status == S.HUMAN_HANDOFF:
            return "negative" if u < 0.5 else "worried"
        if status in NO_TALK:
            return "flat"
        if status in (S.UNSUBSCRIBED, S.IN_PROGRESS):
            return "neutral"
        if scenario in ("tech_support", "billing", "payment_reminder"):
            return "positive" if u < 0.5 else "worried" if u < 0.8 else "neutral"
        return "positive" if u < 0.7 else "neutral"

    def analysis(self, mood: str, status: str, r: Rand) -> str:
        """Half the negative conversations get a negative analysis; live ones none yet."""
        negative = mood == "negative" and r() < 0.5
        pool = self._negative_analysis if negative else self._analysis[status]
        return pool[int(r() * len(pool))] if status != S.IN_PROGRESS else ""

    def sentiment(self, mood: str, r: Rand) -> list[tuple[str, float]]:
        return list(self._sentiments[mood][int(r() * POOL)])


def mark_hostile(
    variant: int, summary: str, tags: list[Pair], parameters: list[Pair]
) -> tuple[str, list[Pair], list[Pair]]:
    """Put hostile samples where the client shows labels: summary, Issue tag, a campaign parameter."""
    marker = hostile_samples.HOSTILE_TAG_VALUES[variant % len(hostile_samples.HOSTILE_TAG_VALUES)]
    formula = hostile_samples.HOSTILE_FORMULAS[variant % len(hostile_samples.HOSTILE_FORMULAS)]
    return (
        f"{summary} {marker}".strip(),
        [*[t for t in tags if t[0] != "Issue"][:3], ("Issue", marker)],
        [*[p for p in parameters if p[0] != "campaign"][:2], ("campaign", formula)],
    )


def _sentiment_pool(rng: random.Random, weights: dict[str, float]) -> list[tuple[tuple[str, float], ...]]:
    """Top-3 emotions with descending scores in [0, 1], drawn from a mood's weights."""
    names, w = list(weights), list(weights.values())
    pool: list[tuple[tuple[str, float], ...]] = []
    for _ in range(POOL):
        picked: list[str] = []
        while len(picked) < 3:
            name = rng.choices(names, w)[0]
            if name not in picked:
                picked.append(name)
        m1 = 450 + int(500 * rng.random())  # thousandths, descending by construction
        m2 = int(m1 * (0.3 + 0.6 * rng.random()))
        m3 = int(m2 * (0.3 + 0.6 * rng.random()))
        pool.append(((picked[0], m1 / 1000), (picked[1], m2 / 1000), (picked[2], m3 / 1000)))
    return pool


def _base_tags(scenario: str, rng: random.Random, languages: WeightedTable[str]) -> tuple[Pair, ...]:
    tags: list[Pair] = []
    if rng.random() < 0.95:
        tags.append(("Call Reason", text.CALL_REASONS[scenario]))
    if rng.random() < 0.75:
        tags.append(("Language", languages.pick(rng.random())))
    if rng.random() < 0.6:
        tags.append(("Issue", rng.choice(text.ISSUES[scenario])))
    return tuple(tags)


def _make_parameters(
    ctx: dict[str, str], rng: random.Random, key_sets: list[tuple[str, ...]]
) -> tuple[Pair, ...]:
    if rng.random() < 0.35:
        return ()
    return tuple((key, rng.choice(values) if (values := text.PARAMETER_VALUES[key]) else ctx["order"])
                 for key in rng.choice(key_sets))
