"""Transcripts: a script rendered into timed rows, shaped by how the conversation ended.

Rows are (role, text, offset_ms, duration_ms); calls say after which row a function
ran. Both become records only once the conversation has a start time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from server.seed import function_calls, hostile_samples, scripts
from server.seed.compiled_scripts import Call, CompiledClip, CompiledScript, Row
from server.seed.enum_values import AGENT, CUSTOMER, SYSTEM, VOICE_PLATFORMS, P, S
from server.seed.records import FunctionCallRecord, MessageRecord
from server.seed.timeline import ms
from server.seed.weights import Rand

SPEECH_MS_PER_CHAR = 65  # espeak-like pace for transcripts without a recording
TIMINGS_PER_SCRIPT = 64  # message timings per (script, platform)
# Delay before a message, in whole seconds like chat timestamps:
# (customer min, customer span, agent min, agent span).
TEXT_DELAYS: dict[str, tuple[int, int, int, int]] = {
    P.SMS: (6, 80, 1, 4),
    P.WEB: (3, 35, 1, 3),
    P.SLACK: (4, 55, 1, 3),
    P.EMAIL: (20 * 60, 18 * 3_600, 45, 12 * 60),
}
_HANDOFF_LINE = "Let me connect you with a member of our team."


class TranscriptWriter:
    __slots__ = ("_id_prefix", "_timings")

    def __init__(self, id_prefix: str) -> None:
        self._id_prefix = id_prefix
        self._timings: dict[tuple[str, int, str], list[tuple[int, ...]]] = {}

    def write(
        self, script: CompiledScript | None, clip: CompiledClip | None, ctx: dict[str, str], platform: str,
        status: str, scenario: str, hostile: bool, variant: int, r: Rand,
    ) -> tuple[list[Row], list[Call], int]:
        """(rows, calls, end_ms) of a whole conversation; end_ms is when it ended."""
        is_voice = platform in VOICE_PLATFORMS
        calls: list[Call] = list(script.calls) if script else []
        rows, end_ms = self._opening(script, clip, ctx, platform, status, scenario, is_voice, r)
        # Status-specific endings. Recordings cannot be cut, so voice clips keep all turns.
        if status in (S.ABANDONED, S.FAILED, S.HUMAN_HANDOFF) and clip is None and len(rows) > 2 \
                and not (script and script.handoff) and not hostile:
            rows, calls, end_ms = _cut_short(rows, calls, status, is_voice, r)
        end_ms = _add_system_line(rows, end_ms, status, scenario, is_voice, r)
        if hostile:
            rows = hostile_rows(rows, variant)
        return rows, calls, end_ms

    def _opening(
        self, script: CompiledScript | None, clip: CompiledClip | None, ctx: dict[str, str], platform: str,
        status: str, scenario: str, is_voice: bool, r: Rand,
    ) -> tuple[list[Row], int]:
        """What was said, unless nobody answered: (rows, end_ms)."""
        if status == S.NO_ANSWER:
            return [], 1000 * (20 + int(r() * 25))  # ringing until the carrier gives up
        if status == S.ANSWERING_MACHINE_MESSAGE_LEFT:
            voicemail = scripts.VOICEMAIL_MESSAGES
            spoken = voicemail.get(scenario, voicemail["general"]).format_map(ctx)
            offset = 9_000 + int(r() * 12_000)  # rings, greeting, beep
            duration = len(spoken) * SPEECH_MS_PER_CHAR
            return [(AGENT, spoken, offset, duration)], offset + duration + 600
        if status == S.ANSWERING_MACHINE_NO_MESSAGE_LEFT:
            offset = 9_000 + int(r() * 12_000)
            return [(SYSTEM, scripts.STATUS_SYSTEM_MESSAGES[status][0], offset, 0)], offset + 1_500
        if clip is not None:
            return list(clip.rows), clip.clip.duration_ms
        assert script is not None
        rows = self._render(script, ctx, platform, r)
        last = rows[-1]
        return rows, last[2] + last[3] + (1000 * int(r() * 4) if not is_voice else 400)

    def _render(self, script: CompiledScript, ctx: dict[str, str], platform: str, r: Rand) -> list[Row]:
        """Text turns with realistic delays (typing, reading, e-mail round trips)."""
        rows: list[Row] = []
        if platform in VOICE_PLATFORMS:
            offset = 300 + int(r() * 300)
            for role, template, formatted in script.turns:
                body = template.format_map(ctx) if formatted else template
                duration = 400 + len(body) * SPEECH_MS_PER_CHAR
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
        self, script: CompiledScript, platform: str, key: tuple[str, int, str]
    ) -> list[tuple[int, ...]]:
        """Message offsets (ms, whole seconds) for one script on one platform.

        Built on first use from their own seed, so the result never depends on
        which conversations were generated before.
        """
        rng = random.Random(f"{self._id_prefix}timings:{key}")
        c_min, c_span, a_min, a_span = TEXT_DELAYS[platform]
        timings = []
        for _ in range(TIMINGS_PER_SCRIPT):
            seconds, offsets = 0, []
            for i, (role, _, _) in enumerate(script.turns):
                if i:
                    seconds += a_min + int(rng.random() * a_span) if role == "agent" \
                        else c_min + int(rng.random() * c_span)
                offsets.append(seconds * 1000)
            timings.append(tuple(offsets))
        return timings


def _cut_short(
    rows: list[Row], calls: list[Call], status: str, is_voice: bool, r: Rand
) -> tuple[list[Row], list[Call], int]:
    """An abandoned, failed or handed-off conversation stops part way; a handoff says so."""
    keep = 1 + int(r() * (len(rows) - 1))
    if status == S.HUMAN_HANDOFF:
        keep = max(keep, 2)
    rows = rows[:keep]
    calls = [c for c in calls if c[0] < keep]
    last = rows[-1]
    end_ms = last[2] + last[3] + 2_000
    if status == S.HUMAN_HANDOFF:
        offset = end_ms
        rows.append((AGENT, _HANDOFF_LINE, offset, 46 * SPEECH_MS_PER_CHAR if is_voice else 0))
        calls.append((len(rows) - 1, "transfer_to_human", 1, 1))
        end_ms = offset + rows[-1][3] + 2_000
    return rows, calls, end_ms


def _add_system_line(
    rows: list[Row], end_ms: int, status: str, scenario: str, is_voice: bool, r: Rand
) -> int:
    """Append the platform's note on how the conversation ended, if any; returns the new end_ms."""
    system_lines = scripts.VOICE_SYSTEM_MESSAGES if is_voice else scripts.STATUS_SYSTEM_MESSAGES
    system_texts = system_lines.get(status)
    if system_texts and rows and status != S.ANSWERING_MACHINE_NO_MESSAGE_LEFT \
            and not (status == S.UNSUBSCRIBED and scenario == "unsubscribe"):
        sys_text = system_texts[int(r() * len(system_texts))]
        if sys_text.startswith("Session timed out"):
            end_ms += 600_000
        rows.append((SYSTEM, sys_text, end_ms, 0))
    return end_ms


def hostile_rows(rows: list[Row], variant: int) -> list[Row]:
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


def call_offset(rows: Sequence[Row], turn: int, slot: int, slots: int) -> int:
    """When a function runs: inside the pause after its turn, spread when several share it."""
    _, _, start, duration = rows[turn]
    end = start + duration
    nxt = rows[turn + 1][2] if turn + 1 < len(rows) else end + 1_000
    offset = end + (nxt - end) * slot // (slots + 1)
    return offset if duration else offset - offset % 1000  # text: whole seconds, like messages


def clip_offsets(clip: CompiledClip) -> Iterator[int]:
    """Offsets that recur in every conversation using the clip: messages, calls, the end."""
    for _, _, offset, _ in clip.rows:
        yield offset
    for turn, _, slot, slots in clip.script.calls if clip.script else ():
        if turn < len(clip.rows):
            yield call_offset(clip.rows, turn, slot, slots)
    yield clip.clip.duration_ms


def message_records(
    rows: list[Row], started_at: datetime, deltas: dict[int, timedelta]
) -> list[MessageRecord]:
    return [MessageRecord(role, body, started_at + (deltas.get(off) or ms(off)), off, dur)
            for role, body, off, dur in rows]


def function_call_records(
    calls: list[Call], rows: list[Row], messages: list[MessageRecord], started_at: datetime,
    deltas: dict[int, timedelta], ctx: dict[str, str], r: Rand,
) -> tuple[list[FunctionCallRecord], list[tuple[str, str]]]:
    """The calls made by the messages that exist, and the tags their results suggest."""
    functions = function_calls.FUNCTIONS
    out: list[FunctionCallRecord] = []
    tags: list[tuple[str, str]] = []
    count = len(messages)
    for turn, name, slot, slots in calls:
        if turn >= count:
            continue
        offset = call_offset(rows, turn, slot, slots)
        inp, outp, tag = functions[name](ctx, r()) if name in functions else ({}, {"ok": True}, None)
        out.append(FunctionCallRecord(name, inp, outp, started_at + (deltas.get(offset) or ms(offset)),
                                      offset, turn))
        if tag is not None:
            tags.append(tag)
    return out, tags
