"""Deterministic conversations for one tenant.

conversation(index) depends only on (seed, tenant_id, index) and on what the
constructor precomputed from (seed, tenant_id) and its arguments, so any range
of indices can be generated in any process, in any order, with identical
results. Everything costly (templates, paths, weight tables, contexts) is
prepared once in __init__; a call only draws random numbers and assembles
records.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import combinations, product
from typing import Final, Generic, TypeVar

from server.domain import ArtifactKind, Direction, MessageRole, Platform, Status, UsedFor
from server.seed import function_calls, hostile_samples, scripts, text
from server.seed.flows import random_paths
from server.seed.media import ARTIFACT_NAMES, VoiceClip
from server.seed.records import (
    ArtifactRecord,
    BlobRecord,
    CoachingRecord,
    ConversationRecord,
    FlowRecord,
    FlowStepRecord,
    FunctionCallRecord,
    MessageRecord,
)


# Plain-str copies of the enum values used on the hot path: reading a StrEnum member
# costs ~100 ns in Python 3.11, a class attribute a third of that.
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
_TEST: Final = UsedFor.TEST.value
_PRODUCTION: Final = UsedFor.PRODUCTION.value

T = TypeVar("T")
Rand = Callable[[], float]  # random.Random.random, bound once per conversation
Row = tuple[str, str, int, int]  # (role, text, offset_ms, duration_ms)
Call = tuple[int, str, int, int]  # (message index it follows, function name, slot, slots after that message)
HISTORY_DAYS = 180
IN_PROGRESS_WINDOW_MS = 28 * 60 * 1000  # live conversations started within the last ~30 minutes

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

# Hour-of-day weights (UTC): business hours dominate.
HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.2, 2.5, 3.5, 3.8, 3.6,
                3.2, 3.5, 3.6, 3.4, 3.0, 2.4, 1.6, 1.1, 0.8, 0.6, 0.4, 0.3)

# Delay before a message, in whole seconds like chat timestamps:
# (customer min, customer span, agent min, agent span).
TEXT_DELAYS: dict[str, tuple[int, int, int, int]] = {
    P.SMS: (6, 80, 1, 4),
    P.WEB: (3, 35, 1, 3),
    P.SLACK: (4, 55, 1, 3),
    P.EMAIL: (20 * 60, 18 * 3_600, 45, 12 * 60),
}
_VOICE_PLATFORMS = (P.VOICE, P.HUMAN_PHONE)
_NO_TALK = frozenset((S.NO_ANSWER, S.ANSWERING_MACHINE_MESSAGE_LEFT, S.ANSWERING_MACHINE_NO_MESSAGE_LEFT))
_HOSTILE_PLATFORMS = (P.WEB, P.SMS, P.EMAIL, P.SLACK, P.WEB)
_TEXT_PLATFORMS = (P.WEB, P.SMS, P.EMAIL, P.SLACK)
_HOSTILE_RATE = 1 / 500
_PATHS_PER_FLOW = 48
_LINES = [f"{n:04d}" for n in range(100, 10_000)]  # 555-0100 first: the officially fictional range
_EMAIL_DOMAINS = text.EMAIL_DOMAINS
_CONTEXT_POOL = 4096
_POOL = 256  # entries per pool of tags, sentiments...
_TIMINGS = 64  # message timings per (script, platform)
_SPEECH_MS_PER_CHAR = 65  # espeak-like pace for transcripts without a recording


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = float(sum(weights))
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc / total)
    out[-1] = 1.0
    return out


class _Table(Generic[T]):
    """Weighted choice by one uniform number: items[bisect(cum, u)]."""

    __slots__ = ("cum", "items")

    def __init__(self, weights: dict[T, float]) -> None:
        self.items = list(weights)
        self.cum = _cumulative(list(weights.values()))

    def pick(self, u: float) -> T:
        return self.items[bisect_right(self.cum, u)]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A script ready to render: turns, and calls as (turn, name, slot, slots at that turn)."""

    key: str
    scenario: str
    turns: tuple[tuple[str, str, bool], ...]  # (role, template, whether it has placeholders)
    calls: tuple[Call, ...]
    handoff: bool


def _compile(script: scripts.Script, greeting: bool = False) -> _Compiled:
    turns = [(r, t) for r, t in script.turns]
    shift = 0
    if greeting and turns[0][0] == CUSTOMER:  # web/Slack bots speak first
        turns.insert(0, (AGENT, scripts.CHAT_GREETING))
        shift = 1
    per_turn: dict[int, int] = {}
    for turn, _ in script.calls:
        per_turn[turn] = per_turn.get(turn, 0) + 1
    seen: dict[int, int] = {}
    calls = []
    for turn, name in script.calls:
        seen[turn] = seen.get(turn, 0) + 1
        calls.append((turn + shift, name, seen[turn], per_turn[turn]))
    return _Compiled(
        key=script.key,
        scenario=script.scenario,
        turns=tuple((str(r), t, "{" in t) for r, t in turns),
        calls=tuple(calls),
        handoff=script.handoff,
    )


@dataclass(frozen=True, slots=True)
class _Clip:
    clip: VoiceClip
    script: _Compiled | None
    rows: tuple[Row, ...]


class _PathPool:
    """Precomputed paths through one flow, shortest first.

    A short transcript takes one of the shorter paths (at most about two steps per
    message), so flow paths stay plausible and cheap to build.
    """

    __slots__ = ("_fits", "paths")

    def __init__(self, paths: list[tuple[str, ...]]) -> None:
        self.paths = sorted(paths, key=len)
        lengths = [len(p) for p in self.paths]
        self._fits = [max(1, bisect_right(lengths, 2 * count + 4)) for count in range(64)]

    def fitting(self, messages: int) -> int:
        """How many of the first paths suit a transcript of this length."""
        return self._fits[messages] if messages < 64 else len(self.paths)


def _ms(value: int) -> timedelta:
    return timedelta(0, 0, 0, value)


class TenantGenerator:
    def __init__(
        self,
        tenant_id: str,
        seed: int,
        *,
        now: datetime,
        flows: list[FlowRecord],
        voice_clips: list[VoiceClip],
        artifact_blobs: dict[str, list[BlobRecord]],
        contacts: int,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if contacts < 1:
            raise ValueError("contacts must be positive")
        self.tenant_id = tenant_id
        self.seed = seed
        self.now = now.astimezone(UTC)
        self.contacts = contacts
        self.flows = list(flows)
        self._contact_salt = int.from_bytes(hashlib.sha256(f"contacts:{tenant_id}".encode()).digest()[:8])
        self._id_prefix = f"{tenant_id}:{seed}:"
        setup = random.Random(f"{seed}:{tenant_id}:setup")

        # The tenant's identity.
        words = [w for w in tenant_id.replace("_", "-").split("-") if w]
        self.company = " ".join(w.capitalize() for w in words) or tenant_id
        slug = "".join(ch for ch in tenant_id.lower() if ch.isalnum()) or "tenant"
        self.agent_name = setup.choice(text.AGENT_NAMES)
        self.tts_voices = setup.sample(text.TTS_VOICES, 2)
        self.point_of_contact: dict[str, str] = {
            P.VOICE: f"+1800555{setup.randrange(100, 200):04d}",
            P.SMS: f"+1{setup.choice(text.AREA_CODES)}555{setup.randrange(100, 200):04d}",
            P.HUMAN_PHONE: f"+1888555{setup.randrange(100, 200):04d}",
            P.EMAIL: f"support@{slug}.example.com",
            P.WEB: f"{self.company} Web Assistant",
            P.SLACK: f"@{slug}-assistant",
        }
        # Per-tenant permutations so tenants do not share contact names and numbers.
        areas = list(text.AREA_CODES)
        setup.shuffle(areas)
        pairs = list(product(text.FIRST_NAMES, text.LAST_NAMES))
        setup.shuffle(pairs)
        # Contact strings come from tables: formatting them per conversation is measurable.
        self._phone_prefixes = [f"+1{area}555" for area in areas]
        self._names = [f"{first} {last}" for first, last in pairs]
        self._email_locals = [f"{first.lower()}.{last.lower()}" for first, last in pairs]

        # Weighted tables.
        self._platforms = _Table(PLATFORM_WEIGHTS)
        self._statuses = {key: _Table(w) for key, w in STATUS_WEIGHTS.items()}
        self._scenarios = {INBOUND: _Table(text.INBOUND_SCENARIOS),
                           OUTBOUND: _Table(text.OUTBOUND_SCENARIOS)}
        self._languages = _Table(text.LANGUAGES)
        self._hours = _Table({h: w for h, w in enumerate(HOUR_WEIGHTS)})
        midnight = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self._midnight = midnight
        self._since_midnight = int((self.now - midnight).total_seconds())
        self._day_tds = [timedelta(days=d) for d in range(HISTORY_DAYS + 30)]
        self._second_tds = [timedelta(seconds=s) for s in range(86_400)]
        day_weights = {}
        for d in range(HISTORY_DAYS):
            weekend = (midnight - timedelta(days=d)).weekday() >= 5
            day_weights[d] = (1.0 + 3.0 * (1 - d / HISTORY_DAYS) ** 2) * (0.5 if weekend else 1.0)
        self._days = _Table(day_weights)

        # Scripts by (style, scenario, direction), with fallbacks resolved now.
        self._scripts = self._compile_scripts()
        names = {"agent": self.agent_name, "company": self.company}
        self._contexts = [function_calls.scenario_context(setup) | names for _ in range(_CONTEXT_POOL)]

        # Offsets (ms) -> timedelta, since building a timedelta costs more than the addition:
        # whole seconds (text messages are timed to the second) and every clip offset.
        self._td: dict[int, timedelta] = {s * 1000: timedelta(seconds=s) for s in range(7200)}

        # Voice clips by direction.
        scripts_by_key = {s.key: s for s in scripts.VOICE_SCRIPTS}
        self._clips: dict[str, list[_Clip]] = {INBOUND: [], OUTBOUND: []}
        all_clips: list[_Clip] = []
        for clip in voice_clips:
            script = scripts_by_key.get(clip.script)
            entry = _Clip(clip, _compile(script) if script else None, tuple(clip.turns))
            # Clip offsets recur in every conversation using the clip: messages, calls, the end.
            for _, _, offset, _ in clip.turns:
                self._td[offset] = _ms(offset)
            for turn, _, slot, slots in entry.script.calls if entry.script else ():
                if turn < len(clip.turns):
                    offset = self._call_offset(clip.turns, turn, slot, slots)
                    self._td[offset] = _ms(offset)
            self._td[clip.duration_ms] = _ms(clip.duration_ms)
            all_clips.append(entry)
            self._clips[script.direction if script else INBOUND].append(entry)
        for direction in self._clips:
            self._clips[direction] = self._clips[direction] or all_clips

        # Flows: by scenario, plus pools of precomputed paths (normal and ending in a handoff).
        by_slug = {f.id[len(tenant_id) + 1:]: f for f in self.flows}
        self._flow_for: dict[str, FlowRecord | None] = {}
        for i, scenario in enumerate(text.SCENARIO_FLOW):
            flow = by_slug.get(text.SCENARIO_FLOW[scenario])
            self._flow_for[scenario] = flow or (self.flows[i % len(self.flows)] if self.flows else None)
        self._paths: dict[str, tuple[_PathPool, _PathPool]] = {}
        self._spread: dict[int, tuple[int, ...]] = {}  # steps * 1000 + messages -> message index per step
        self._timings: dict[tuple[str, int, str], list[tuple[int, ...]]] = {}
        for flow in self.flows:
            kinds = {n["id"]: n["kind"] for n in flow.graph["nodes"]}
            normal: list[tuple[str, ...]] = []
            handoff: list[tuple[str, ...]] = []
            for walked in random_paths(flow, setup, _PATHS_PER_FLOW * 4, max_steps=24):
                path = tuple(walked)
                pool = handoff if kinds[path[-1]] == "handoff" else normal
                if len(pool) < _PATHS_PER_FLOW:
                    pool.append(path)
            self._paths[flow.id] = (_PathPool(normal or handoff), _PathPool(handoff or normal))

        # Texts.
        self._reasons = {INBOUND: text.REASONS, OUTBOUND: text.REASONS | text.REASONS_OUTBOUND}
        self._summaries = {INBOUND: text.SUMMARIES, OUTBOUND: text.SUMMARIES | text.SUMMARIES_OUTBOUND}
        # Pools of small independent pieces, drawn per conversation with one random number each.
        self._sentiments = {mood: self._sentiment_pool(setup, w) for mood, w in text.MOOD_EMOTIONS.items()}
        self._tag_pool = {scenario: [self._base_tags(scenario, setup, self._languages) for _ in range(_POOL)]
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
        self._parameter_pool = [self._make_parameters(ctx, setup, key_sets) for ctx in self._contexts]
        self._artifact_blobs = {k: v for k, v in artifact_blobs.items() if v}
        self._artifact_kinds = [k.value for k in ArtifactKind if k.value in self._artifact_blobs]

    # -- setup helpers ------------------------------------------------------------

    @staticmethod
    def _compile_scripts() -> dict[tuple[str, str, str, bool], list[_Compiled]]:
        by_key: dict[tuple[str, str, str], list[scripts.Script]] = {}
        for script in scripts.VOICE_SCRIPTS + scripts.CHAT_SCRIPTS + scripts.EMAIL_SCRIPTS:
            by_key.setdefault((script.style, script.scenario, script.direction), []).append(script)
        scenarios = set(text.SCENARIO_FLOW)
        out: dict[tuple[str, str, str, bool], list[_Compiled]] = {}
        for style in ("voice", "chat", "email"):
            others = [s for s in ("chat", "email", "voice") if s != style]
            for scenario in scenarios:
                for direction in (INBOUND, OUTBOUND):
                    other_dir = OUTBOUND if direction == INBOUND else INBOUND
                    # Same direction in another style reads better than the wrong direction.
                    candidates = [(s, scenario, d) for d in (direction, other_dir) for s in (style, *others)]
                    found = next((by_key[c] for c in candidates if c in by_key), None)
                    if found is None:
                        found = by_key[("chat", "general", "inbound")]
                    for greeting in (False, True):
                        out[(style, scenario, direction, greeting)] = [_compile(s, greeting) for s in found]
        return out

    @staticmethod
    def _sentiment_pool(rng: random.Random, weights: dict[str, float]) -> list[tuple[tuple[str, float], ...]]:
        """Top-3 emotions with descending scores in [0, 1], drawn from a mood's weights."""
        names, w = list(weights), list(weights.values())
        pool: list[tuple[tuple[str, float], ...]] = []
        for _ in range(_POOL):
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

    # -- contacts ---------------------------------------------------------------------

    def contact(self, number: int) -> tuple[str, str, str]:
        """(name, phone, e-mail) of a contact number: all derived from it, so they never disagree.

        Numbers below 3600 (60 x 60 names) get distinct names, below 9900 * len(AREA_CODES) distinct phone
        numbers (the first hundred per area in the fictional 555-01xx range); e-mails never repeat.
        """
        prefixes = self._phone_prefixes
        phone = prefixes[number % len(prefixes)] + _LINES[(number // len(prefixes)) % len(_LINES)]
        combo = number % len(self._names)
        suffix = number // len(self._names)
        email = f"{self._email_locals[combo]}{suffix or ''}@{_EMAIL_DOMAINS[number % 3]}"
        if number >= self.contacts:  # the few special contacts of hostile conversations
            names = hostile_samples.HOSTILE_NAMES
            return names[(number - self.contacts) % len(names)], phone, email
        return self._names[combo], phone, email

    def contact_id(self, number: int) -> str:
        # An odd multiplier is a bijection mod 2**64: no collisions, and cheaper than hashing.
        return f"ct_{(number * 0x9E3779B97F4A7C15 ^ self._contact_salt) & 0xFFFFFFFFFFFFFFFF:016x}"

    # -- conversations ----------------------------------------------------------------

    def conversations(self, start: int, stop: int) -> Iterator[ConversationRecord]:
        for index in range(start, stop):
            yield self.conversation(index)

    def conversation(self, index: int) -> ConversationRecord:
        # One hash gives both the id and the random seed (an int seeds Random faster than a str).
        h = hashlib.sha256((self._id_prefix + str(index)).encode()).digest()
        r = random.Random(int.from_bytes(h[8:24])).random
        digest = h.hex()

        # Who, where, how it ended.
        hostile = 1 <= index <= 5 or r() < _HOSTILE_RATE
        variant = (index - 1 if index <= 5 else int(r() * 1000)) if hostile else 0
        platform: str
        if hostile:
            platform = _HOSTILE_PLATFORMS[variant % 5] if index <= 5 else _TEXT_PLATFORMS[int(r() * 4)]
        else:
            platform = self._platforms.items[bisect_right(self._platforms.cum, r())]
        direction = OUTBOUND if r() < OUTBOUND_SHARE[platform] else INBOUND
        table = self._statuses[(platform, direction)]
        status = table.items[bisect_right(table.cum, r())]
        if hostile and status == S.IN_PROGRESS:  # keep the whole hostile transcript
            status = S.COMPLETED
        elif 6 <= index <= 8:  # even a tiny seed shows a few live conversations
            status = S.IN_PROGRESS
        used_for = _TEST if r() < 0.08 else _PRODUCTION

        if hostile:
            number = self.contacts + variant % len(hostile_samples.HOSTILE_NAMES)
        elif r() < 0.25:  # a heavy tail of frequent contacts
            number = int(self.contacts * r() ** 2)
        else:
            number = int(self.contacts * r())
        name, phone, email = self.contact(number)
        if platform == P.EMAIL:
            display = email
        elif platform in (P.WEB, P.SLACK):
            display = name
        else:
            display = phone

        context_index = int(r() * _CONTEXT_POOL)
        ctx = dict(self._contexts[context_index])
        ctx["first"], _, ctx["last"] = name.partition(" ")
        ctx["phone"] = phone
        ctx["email"] = email

        # The transcript: (role, text, offset_ms, duration_ms) rows plus where functions ran.
        clip: _Clip | None = None
        script: _Compiled | None = None
        rows: list[Row] = []
        is_voice = platform in _VOICE_PLATFORMS
        if is_voice and status not in _NO_TALK and self._clips[direction]:
            pool = self._clips[direction]
            clip = pool[int(r() * len(pool))]
            script = clip.script
            scenario = script.scenario if script else "general"
            ctx.update(clip.clip.context)  # the values spoken in the recording win
            ctx["company"], ctx["phone"], ctx["email"] = self.company, phone, email
        else:
            scenario = self._scenarios[direction].pick(r())
            if status == S.UNSUBSCRIBED and platform in (P.SMS, P.EMAIL):
                scenario = "unsubscribe"
            style = "voice" if is_voice else "email" if platform == P.EMAIL else "chat"
            options = self._scripts[(style, scenario, direction, platform in (P.WEB, P.SLACK))]
            script = options[int(r() * len(options))]
            scenario = script.scenario
        if script is not None and script.handoff and status == S.COMPLETED:
            status = S.HUMAN_HANDOFF

        calls: list[Call] = list(script.calls) if script else []
        if status == S.NO_ANSWER:
            end_ms = 1000 * (20 + int(r() * 25))  # ringing until the carrier gives up
        elif status == S.ANSWERING_MACHINE_MESSAGE_LEFT:
            voicemail = scripts.VOICEMAIL_MESSAGES
            spoken = voicemail.get(scenario, voicemail["general"]).format_map(ctx)
            offset = 9_000 + int(r() * 12_000)  # rings, greeting, beep
            duration = len(spoken) * _SPEECH_MS_PER_CHAR
            rows.append((AGENT, spoken, offset, duration))
            end_ms = offset + duration + 600
        elif status == S.ANSWERING_MACHINE_NO_MESSAGE_LEFT:
            offset = 9_000 + int(r() * 12_000)
            rows.append((SYSTEM, scripts.STATUS_SYSTEM_MESSAGES[status][0], offset, 0))
            end_ms = offset + 1_500
        elif clip is not None:
            rows = list(clip.rows)
            end_ms = clip.clip.duration_ms
        else:
            assert script is not None
            rows = self._render(script, ctx, platform, r)
            last = rows[-1]
            end_ms = last[2] + last[3] + (1000 * int(r() * 4) if not is_voice else 400)

        # Status-specific endings. Recordings cannot be cut, so voice clips keep all turns.
        if status in (S.ABANDONED, S.FAILED, S.HUMAN_HANDOFF) and clip is None and len(rows) > 2 \
                and not (script and script.handoff) and not hostile:
            keep = 1 + int(r() * (len(rows) - 1))
            if status == S.HUMAN_HANDOFF:
                keep = max(keep, 2)
            rows = rows[:keep]
            calls = [c for c in calls if c[0] < keep]
            last = rows[-1]
            end_ms = last[2] + last[3] + 2_000
            if status == S.HUMAN_HANDOFF:
                offset = end_ms
                rows.append((AGENT, "Let me connect you with a member of our team.", offset,
                             46 * _SPEECH_MS_PER_CHAR if is_voice else 0))
                calls.append((len(rows) - 1, "transfer_to_human", 1, 1))
                end_ms = offset + rows[-1][3] + 2_000
        system_lines = scripts.VOICE_SYSTEM_MESSAGES if is_voice else scripts.STATUS_SYSTEM_MESSAGES
        system_texts = system_lines.get(status)
        if system_texts and rows and status != S.ANSWERING_MACHINE_NO_MESSAGE_LEFT \
                and not (status == S.UNSUBSCRIBED and scenario == "unsubscribe"):
            sys_text = system_texts[int(r() * len(system_texts))]
            if sys_text.startswith("Session timed out"):
                end_ms += 600_000
            rows.append((SYSTEM, sys_text, end_ms, 0))

        if hostile:
            rows = self._hostile_rows(rows, variant)

        # When: live conversations in the last half hour, others ended before now.
        audio = clip is not None
        full_count = len(rows)
        if status == S.IN_PROGRESS:
            talk = [row for row in rows if row[0] != SYSTEM] or rows
            first_end = talk[0][2] + talk[0][3] + 500 if talk else 1_000
            limit = max(first_end + 1, min(end_ms, IN_PROGRESS_WINDOW_MS))
            elapsed = first_end + int(r() * (limit - first_end))
            rows = [row for row in talk if row[2] + row[3] <= elapsed]
            calls = [c for c in calls if c[0] < len(rows)]
            started_at = self.now - _ms(elapsed)
            ended_at = None
            audio = False  # the recording exists once the call is over
        else:
            started_at = self._start_time(r, end_ms)
            ended_at = started_at + (self._td.get(end_ms) or _ms(end_ms))

        td = self._td
        messages = [MessageRecord(role, body, started_at + (td.get(off) or _ms(off)), off, dur)
                    for role, body, off, dur in rows]
        function_calls, tags_from_calls = self._function_calls(calls, rows, messages, started_at, ctx, r)

        # Flow and the path through it, spread over the transcript.
        # Human agents mostly work without a flow; AI conversations mostly follow one.
        has_flow = r() < (0.3 if platform == P.HUMAN_PHONE else 0.92)
        flow = self._flow_for.get(scenario) if has_flow else None
        flow_path: list[FlowStepRecord] = []
        if flow is not None and messages and status not in _NO_TALK:
            normal, handoff = self._paths[flow.id]
            path_pool = handoff if status == S.HUMAN_HANDOFF else normal
            count = len(messages)
            path = path_pool.paths[int(r() * path_pool.fitting(count))]
            if status == S.IN_PROGRESS:  # only as far as the conversation got
                path = path[:max(1, len(path) * count // full_count)]
            steps = len(path)
            spread = self._spread.get(steps * 1000 + count)
            if spread is None:  # which message each step starts at: depends on the two lengths only
                spread = self._spread[steps * 1000 + count] = tuple(i * count // steps for i in range(steps))
            # map() runs the loop in C; the record constructor dominates anyway.
            flow_path = list(map(FlowStepRecord, path, [messages[i].at for i in spread], spread))

        tags = self._tags(scenario, tags_from_calls, r)
        parameters = list(self._parameter_pool[context_index])
        if clip is not None and parameters and parameters[-1][0] == "order_id":
            parameters[-1] = ("order_id", ctx["order"])  # the order number spoken in the recording
        reasons = self._reasons[direction][scenario]
        reason = reasons[int(r() * len(reasons))].format_map(ctx)
        outcome = text.OUTCOMES[status][int(r() * len(text.OUTCOMES[status]))]
        if status == S.IN_PROGRESS:
            summary = ""
        elif status in _NO_TALK:
            summary = outcome
        else:
            summaries = self._summaries[direction][scenario]
            base = summaries[int(r() * len(summaries))].format_map(ctx)
            summary = f"{base} {outcome}"
        mood = self._mood(scenario, status, r())
        negative = mood == "negative" and r() < 0.5
        analysis_pool = self._negative_analysis if negative else self._analysis[status]
        analysis = analysis_pool[int(r() * len(analysis_pool))] if status != S.IN_PROGRESS else ""
        sentiment = list(self._sentiments[mood][int(r() * _POOL)])

        flagged = r() < (0.5 if status == S.REPORTED else 0.08 if scenario == "complaint" else 0.035)
        coaching: list[CoachingRecord] = []
        if ended_at is not None and r() < 0.03:
            at = min(self.now, ended_at + _ms(int(3_600_000 * (1 + 70 * r()))))
            coaching.append(CoachingRecord(text.COACHING_AUTHOR,
                                           text.COACHING_NOTES[int(r() * len(text.COACHING_NOTES))], at))
        artifacts: list[ArtifactRecord] = []
        if self._artifact_kinds and (hostile or r() < 0.05):
            artifacts = self._artifacts(digest, hostile, variant, r)

        if hostile:
            marker = hostile_samples.HOSTILE_TAG_VALUES[variant % len(hostile_samples.HOSTILE_TAG_VALUES)]
            summary = f"{summary} {marker}".strip()
            formula = hostile_samples.HOSTILE_FORMULAS[variant % len(hostile_samples.HOSTILE_FORMULAS)]
            tags = [*[t for t in tags if t[0] != "Issue"][:3], ("Issue", marker)]
            parameters = [*[p for p in parameters if p[0] != "campaign"][:2], ("campaign", formula)]

        return ConversationRecord(  # positional: measurably faster than keywords
            "cnv_" + digest[:16],
            self.tenant_id,
            platform,
            direction,
            used_for,
            status,
            self.contact_id(number),
            display,
            self.point_of_contact[platform],
            flow.id if flow else None,
            flow.name if flow else "",
            self.tts_voices[index & 1] if platform == P.VOICE else None,
            started_at,
            ended_at,
            flagged,
            parameters,
            tags,
            reason,
            summary,
            analysis,
            sentiment,
            messages,
            function_calls,
            flow_path,
            coaching,
            artifacts,
            clip.clip.blob.sha256 if audio and clip else None,
            clip.clip.duration_ms if audio and clip else 0,
        )

    # -- per-conversation helpers ------------------------------------------------------

    def _render(self, script: _Compiled, ctx: dict[str, str], platform: str, r: Rand) -> list[Row]:
        """Text turns with realistic delays (typing, reading, e-mail round trips)."""
        rows: list[Row] = []
        if platform in _VOICE_PLATFORMS:
            offset = 300 + int(r() * 300)
            for role, template, formatted in script.turns:
                body = template.format_map(ctx) if formatted else template
                duration = 400 + len(body) * _SPEECH_MS_PER_CHAR
                rows.append((role, body, offset, duration))
                offset += duration + 300 + int(r() * 400)
            return rows
        key = (script.key, len(script.turns), platform)
        timings = self._timings.get(key)
        if timings is None:
            timings = self._timings[key] = self._make_timings(script, platform, key)
        offsets = timings[int(r() * len(timings))]
        return [(role, template.format_map(ctx) if formatted else template, offset, 0)
                for (role, template, formatted), offset in zip(script.turns, offsets, strict=True)]

    def _make_timings(
        self, script: _Compiled, platform: str, key: tuple[str, int, str]
    ) -> list[tuple[int, ...]]:
        """Message offsets (ms, whole seconds) for one script on one platform.

        Built on first use from their own seed, so the result never depends on
        which conversations were generated before.
        """
        rng = random.Random(f"{self._id_prefix}timings:{key}")
        c_min, c_span, a_min, a_span = TEXT_DELAYS[platform]
        timings = []
        for _ in range(_TIMINGS):
            seconds, offsets = 0, []
            for i, (role, _, _) in enumerate(script.turns):
                if i:
                    seconds += a_min + int(rng.random() * a_span) if role == "agent" \
                        else c_min + int(rng.random() * c_span)
                offsets.append(seconds * 1000)
            timings.append(tuple(offsets))
        return timings

    @staticmethod
    def _call_offset(rows: Sequence[Row], turn: int, slot: int, slots: int) -> int:
        """When a function runs: inside the pause after its turn, spread when several share it."""
        _, _, start, duration = rows[turn]
        end = start + duration
        nxt = rows[turn + 1][2] if turn + 1 < len(rows) else end + 1_000
        offset = end + (nxt - end) * slot // (slots + 1)
        return offset if duration else offset - offset % 1000  # text: whole seconds, like messages

    def _function_calls(
        self, calls: list[Call], rows: list[Row], messages: list[MessageRecord], started_at: datetime,
        ctx: dict[str, str], r: Rand,
    ) -> tuple[list[FunctionCallRecord], list[tuple[str, str]]]:
        td = self._td
        functions = function_calls.FUNCTIONS
        out: list[FunctionCallRecord] = []
        tags: list[tuple[str, str]] = []
        count = len(messages)
        for turn, name, slot, slots in calls:
            if turn >= count:
                continue
            offset = self._call_offset(rows, turn, slot, slots)
            inp, outp, tag = functions[name](ctx, r()) if name in functions else ({}, {"ok": True}, None)
            out.append(FunctionCallRecord(name, inp, outp, started_at + (td.get(offset) or _ms(offset)),
                                          offset, turn))
            if tag is not None:
                tags.append(tag)
        return out, tags

    def _tags(self, scenario: str, from_calls: list[tuple[str, str]], r: Rand) -> list[tuple[str, str]]:
        pool = self._tag_pool[scenario]
        tags = list(pool[int(r() * _POOL)])
        for tag in from_calls:  # what the functions returned, e.g. ("Order Status", "Shipped")
            if len(tags) < 4 and tag not in tags and r() < 0.6:
                tags.append(tag)
        if not tags:
            tags.append(("Call Reason", text.CALL_REASONS[scenario]))
        return tags

    @staticmethod
    def _base_tags(scenario: str, rng: random.Random, languages: _Table[str]) -> tuple[tuple[str, str], ...]:
        tags: list[tuple[str, str]] = []
        if rng.random() < 0.95:
            tags.append(("Call Reason", text.CALL_REASONS[scenario]))
        if rng.random() < 0.75:
            tags.append(("Language", languages.pick(rng.random())))
        if rng.random() < 0.6:
            tags.append(("Issue", rng.choice(text.ISSUES[scenario])))
        return tuple(tags)

    @staticmethod
    def _make_parameters(ctx: dict[str, str], rng: random.Random,
                         key_sets: list[tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
        if rng.random() < 0.35:
            return ()
        return tuple((key, rng.choice(values) if (values := text.PARAMETER_VALUES[key]) else ctx["order"])
                     for key in rng.choice(key_sets))

    @staticmethod
    def _mood(scenario: str, status: str, u: float) -> str:
        if status in (S.ABANDONED, S.FAILED, S.REPORTED) or scenario == "complaint":
            return "negative" if u < 0.8 else "worried"
        if status == S.HUMAN_HANDOFF:
            return "negative" if u < 0.5 else "worried"
        if status in _NO_TALK:
            return "flat"
        if status in (S.UNSUBSCRIBED, S.IN_PROGRESS):
            return "neutral"
        if scenario in ("tech_support", "billing", "payment_reminder"):
            return "positive" if u < 0.5 else "worried" if u < 0.8 else "neutral"
        return "positive" if u < 0.7 else "neutral"

    def _start_time(self, r: Rand, duration_ms: int) -> datetime:
        """Recent days and business hours are busier; the conversation must have ended by now."""
        day = bisect_right(self._days.cum, r())
        second = bisect_right(self._hours.cum, r()) * 3_600 + int(r() * 3_600)  # of the day
        latest = self._since_midnight - duration_ms // 1000 - 60
        while second - day * 86_400 > latest:
            day += 1
        # Timedeltas come from tables: building them costs more than the additions.
        day_td = self._day_tds[day] if day < len(self._day_tds) else timedelta(days=day)
        return self._midnight - day_td + self._second_tds[second]

    @staticmethod
    def _hostile_rows(rows: list[Row], variant: int) -> list[Row]:
        """Swap the first and last customer messages for two hostile samples."""
        samples = hostile_samples.HOSTILE_MESSAGES
        first, second = samples[(2 * variant) % len(samples)], samples[(2 * variant + 1) % len(samples)]
        customer = [i for i, row in enumerate(rows) if row[0] == CUSTOMER]
        rows = list(rows)
        if not customer:
            return rows
        if len(customer) == 1:  # one message carries both samples
            role, _, offset, duration = rows[customer[0]]
            rows[customer[0]] = (role, f"{first}\n{second}", offset, duration)
            return rows
        for i, sample in ((customer[0], first), (customer[-1], second)):
            role, _, offset, duration = rows[i]
            rows[i] = (role, sample, offset, duration)
        return rows

    def _artifacts(self, digest: str, hostile: bool, variant: int, r: Rand) -> list[ArtifactRecord]:
        if hostile:
            odd = hostile_samples.HOSTILE_ARTIFACT_NAMES
            chosen = [odd[(2 * variant) % len(odd)], odd[(2 * variant + 1) % len(odd)]]
            picks = [(k if k in self._artifact_blobs else self._artifact_kinds[0], n) for k, n in chosen]
        else:
            picks = [(self._artifact_kinds[int(r() * len(self._artifact_kinds))], "")]
        out: list[ArtifactRecord] = []
        for j, (kind, name) in enumerate(picks):
            pool = self._artifact_blobs[kind]
            i = int(r() * len(pool))
            blob = pool[i]
            names = ARTIFACT_NAMES.get(kind, ("attachment",))
            out.append(ArtifactRecord(
                id=f"art_{digest[16:32]}{j}",
                kind=kind,
                name=name or names[i % len(names)],
                media_type=blob.media_type,
                blob_sha256=blob.sha256,
                size=len(blob.data),
            ))
        return out
