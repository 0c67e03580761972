"""Deterministic conversations for one tenant.

conversation(index) depends only on (seed, tenant_id, index) and on what the
constructor precomputed from (seed, tenant_id) and its arguments, so any range
of indices can be generated in any process, in any order, with identical
results. Everything costly (templates, paths, weight tables, contexts) is
prepared once in __init__; a call only draws random numbers and assembles
records.

Every draw comes from one random stream per conversation, in a fixed order: the
pieces below must be called in the order conversation() calls them, or every
seeded database changes.

The pieces: weights (platform/status odds), contacts, compiled_scripts (scripts
and recordings), transcript (rows, endings, function calls), timeline (start
times), flow_paths, labels (tags, parameters, summary, sentiment...), artifacts.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Final

from server.seed import function_calls, text
from server.seed.artifacts import ArtifactPicker
from server.seed.compiled_scripts import (
    CompiledClip,
    CompiledScript,
    clips_by_direction,
    compile_clips,
    compile_scripts,
)
from server.seed.contacts import ContactBook
from server.seed.enum_values import (
    INBOUND,
    NO_TALK,
    OUTBOUND,
    PRODUCTION,
    TEST,
    TEXT_PLATFORMS,
    VOICE_PLATFORMS,
    P,
    S,
)
from server.seed.flow_paths import FlowRoutes
from server.seed.labels import LabelPools, mark_hostile
from server.seed.media import VoiceClip
from server.seed.records import BlobRecord, CoachingRecord, ConversationRecord, FlowRecord
from server.seed.timeline import Timeline, ms
from server.seed.transcript import TranscriptWriter, clip_offsets, function_call_records, message_records
from server.seed.weights import OUTBOUND_SHARE, PLATFORM_WEIGHTS, STATUS_WEIGHTS, Rand, WeightedTable

_HOSTILE_PLATFORMS: Final = (P.WEB, P.SMS, P.EMAIL, P.SLACK, P.WEB)
_HOSTILE_RATE: Final = 1 / 500
_CONTEXT_POOL: Final = 4096


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
        self._id_prefix = f"{tenant_id}:{seed}:"
        # The setup stream is drawn from in this order: identity, contacts, contexts, flow paths, labels.
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
        self._contact_book = ContactBook(tenant_id, contacts, setup)

        # Weighted tables, scripts and recordings.
        self._platforms = WeightedTable(PLATFORM_WEIGHTS)
        self._statuses = {key: WeightedTable(w) for key, w in STATUS_WEIGHTS.items()}
        self._scenarios = {INBOUND: WeightedTable(text.INBOUND_SCENARIOS),
                           OUTBOUND: WeightedTable(text.OUTBOUND_SCENARIOS)}
        self._timeline = Timeline(self.now)
        self._scripts = compile_scripts()
        names = {"agent": self.agent_name, "company": self.company}
        self._contexts = [function_calls.scenario_context(setup) | names for _ in range(_CONTEXT_POOL)]
        clips = compile_clips(voice_clips)
        self._timeline.remember(offset for clip in clips for offset in clip_offsets(clip))
        self._clips = clips_by_direction(clips)

        self._flow_routes = FlowRoutes(tenant_id, self.flows, setup)
        self._transcripts = TranscriptWriter(self._id_prefix)
        self._labels = LabelPools(setup, self._contexts)
        self._artifacts = ArtifactPicker(artifact_blobs)

    # -- contacts ---------------------------------------------------------------------

    def contact(self, number: int) -> tuple[str, str, str]:
        """(name, phone, e-mail) of a contact number; see ContactBook.contact."""
        return self._contact_book.contact(number)

    def contact_id(self, number: int) -> str:
        return self._contact_book.contact_id(number)

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
        hostile, variant, platform, direction, status, used_for = self._outline(index, r)
        book = self._contact_book
        number = book.pick(hostile, variant, r)
        name, phone, email = book.contact(number)
        display = email if platform == P.EMAIL else name if platform in (P.WEB, P.SLACK) else phone
        context_index = int(r() * _CONTEXT_POOL)
        ctx = dict(self._contexts[context_index])
        ctx["first"], _, ctx["last"] = name.partition(" ")
        ctx["phone"] = phone
        ctx["email"] = email

        # What was said, and when.
        clip, script, scenario = self._choose_script(platform, direction, status, ctx, phone, email, r)
        if script is not None and script.handoff and status == S.COMPLETED:
            status = S.HUMAN_HANDOFF
        rows, calls, end_ms = self._transcripts.write(
            script, clip, ctx, platform, status, scenario, hostile, variant, r
        )
        full_count = len(rows)
        live = status == S.IN_PROGRESS
        rows, calls, started_at, ended_at = self._timeline.place(rows, calls, end_ms, live, r)
        audio = clip is not None and not live  # the recording exists once the call is over
        deltas = self._timeline.deltas
        messages = message_records(rows, started_at, deltas)
        calls_made, tags_from_calls = function_call_records(calls, rows, messages, started_at, deltas, ctx, r)
        flow, flow_path = self._flow_routes.route(platform, scenario, status, messages, full_count, r)

        # How it is labelled.
        labels = self._labels
        tags = labels.tags(scenario, tags_from_calls, r)
        parameters = labels.parameters(context_index, ctx, recorded=clip is not None)
        reason = labels.reason(direction, scenario, ctx, r)
        summary = labels.summary(direction, scenario, status, ctx, r)
        mood = labels.mood(scenario, status, r())
        analysis = labels.analysis(mood, status, r)
        sentiment = labels.sentiment(mood, r)
        flagged = r() < (0.5 if status == S.REPORTED else 0.08 if scenario == "complaint" else 0.035)
        coaching = self._coaching(ended_at, r)
        artifacts = self._artifacts.pick(digest, hostile, variant, r)
        if hostile:
            summary, tags, parameters = mark_hostile(variant, summary, tags, parameters)

        return ConversationRecord(  # positional: measurably faster than keywords
            "cnv_" + digest[:16],
            self.tenant_id,
            platform,
            direction,
            used_for,
            status,
            book.contact_id(number),
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
            calls_made,
            flow_path,
            coaching,
            artifacts,
            clip.clip.blob.sha256 if audio and clip else None,
            clip.clip.duration_ms if audio and clip else 0,
        )

    # -- per-conversation steps, in the order conversation() draws them ---------------

    def _outline(self, index: int, r: Rand) -> tuple[bool, int, str, str, str, str]:
        """(hostile, variant, platform, direction, status, used_for).

        Indices 1-5 are always hostile (one of each kind) and 6-8 live, so even a tiny seed shows them.
        """
        hostile = 1 <= index <= 5 or r() < _HOSTILE_RATE
        variant = (index - 1 if index <= 5 else int(r() * 1000)) if hostile else 0
        platform: str
        if hostile:
            platform = _HOSTILE_PLATFORMS[variant % 5] if index <= 5 else TEXT_PLATFORMS[int(r() * 4)]
        else:
            platform = self._platforms.items[bisect_right(self._platforms.cum, r())]
        direction = OUTBOUND if r() < OUTBOUND_SHARE[platform] else INBOUND
        table = self._statuses[(platform, direction)]
        status = table.items[bisect_right(table.cum, r())]
        if hostile and status == S.IN_PROGRESS:  # keep the whole hostile transcript
            status = S.COMPLETED
        elif 6 <= index <= 8:
            status = S.IN_PROGRESS
        used_for = TEST if r() < 0.08 else PRODUCTION
        return hostile, variant, platform, direction, status, used_for

    def _choose_script(
        self, platform: str, direction: str, status: str, ctx: dict[str, str], phone: str, email: str,
        r: Rand,
    ) -> tuple[CompiledClip | None, CompiledScript | None, str]:
        """(clip, script, scenario): a recording for voice calls that were answered, else a script.

        A recording's own values (order number...) go into ctx, since they were spoken; the
        company and the contact's phone and e-mail stay this conversation's.
        """
        is_voice = platform in VOICE_PLATFORMS
        if is_voice and status not in NO_TALK and self._clips[direction]:
            pool = self._clips[direction]
            clip = pool[int(r() * len(pool))]
            ctx.update(clip.clip.context)  # the values spoken in the recording win
            ctx["company"], ctx["phone"], ctx["email"] = self.company, phone, email
            return clip, clip.script, clip.script.scenario if clip.script else "general"
        scenario = self._scenarios[direction].pick(r())
        if status == S.UNSUBSCRIBED and platform in (P.SMS, P.EMAIL):
            scenario = "unsubscribe"
        style = "voice" if is_voice else "email" if platform == P.EMAIL else "chat"
        options = self._scripts[(style, scenario, direction, platform in (P.WEB, P.SLACK))]
        script = options[int(r() * len(options))]
        return None, script, script.scenario

    def _coaching(self, ended_at: datetime | None, r: Rand) -> list[CoachingRecord]:
        """A supervisor's note on a few finished conversations, within three days of the end."""
        if ended_at is None or not r() < 0.03:
            return []
        at = min(self.now, ended_at + ms(int(3_600_000 * (1 + 70 * r()))))
        return [CoachingRecord(text.COACHING_AUTHOR,
                               text.COACHING_NOTES[int(r() * len(text.COACHING_NOTES))], at)]
