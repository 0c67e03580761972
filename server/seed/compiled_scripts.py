"""Scripts and recordings prepared once per tenant, so a conversation only picks and formats.

A compiled script knows which turns need formatting and, for every function call,
how many calls share its turn; fallbacks between styles and directions are resolved
here rather than per conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.seed import scripts, text
from server.seed.enum_values import AGENT, CUSTOMER, INBOUND, OUTBOUND
from server.seed.media import VoiceClip

Row = tuple[str, str, int, int]  # (role, text, offset_ms, duration_ms)
Call = tuple[int, str, int, int]  # (message index it follows, function name, slot, slots after that message)
ScriptKey = tuple[str, str, str, bool]  # (style, scenario, direction, whether the bot greets first)


@dataclass(frozen=True, slots=True)
class CompiledScript:
    """A script ready to render: turns, and calls as (turn, name, slot, slots at that turn)."""

    key: str
    scenario: str
    turns: tuple[tuple[str, str, bool], ...]  # (role, template, whether it has placeholders)
    calls: tuple[Call, ...]
    handoff: bool


@dataclass(frozen=True, slots=True)
class CompiledClip:
    """A recording with the script it was spoken from (None for a recording of no known script)."""

    clip: VoiceClip
    script: CompiledScript | None
    rows: tuple[Row, ...]
    direction: str


def compile_script(script: scripts.Script, greeting: bool = False) -> CompiledScript:
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
    return CompiledScript(
        key=script.key,
        scenario=script.scenario,
        turns=tuple((str(r), t, "{" in t) for r, t in turns),
        calls=tuple(calls),
        handoff=script.handoff,
    )


def compile_scripts() -> dict[ScriptKey, list[CompiledScript]]:
    """Every (style, scenario, direction, greeting) the generator may ask for, fallbacks resolved."""
    by_key: dict[tuple[str, str, str], list[scripts.Script]] = {}
    for script in scripts.VOICE_SCRIPTS + scripts.CHAT_SCRIPTS + scripts.EMAIL_SCRIPTS:
        by_key.setdefault((script.style, script.scenario, script.direction), []).append(script)
    scenarios = set(text.SCENARIO_FLOW)
    out: dict[ScriptKey, list[CompiledScript]] = {}
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
                    out[(style, scenario, direction, greeting)] = [compile_script(s, greeting) for s in found]
    return out


def compile_clips(voice_clips: list[VoiceClip]) -> list[CompiledClip]:
    scripts_by_key = {s.key: s for s in scripts.VOICE_SCRIPTS}
    out = []
    for clip in voice_clips:
        script = scripts_by_key.get(clip.script)
        compiled = compile_script(script) if script else None
        out.append(CompiledClip(clip, compiled, tuple(clip.turns), script.direction if script else INBOUND))
    return out


def clips_by_direction(clips: list[CompiledClip]) -> dict[str, list[CompiledClip]]:
    """Recordings by direction; a direction without any falls back to all of them."""
    out: dict[str, list[CompiledClip]] = {INBOUND: [], OUTBOUND: []}
    for clip in clips:
        out[clip.direction].append(clip)
    for direction in out:
        out[direction] = out[direction] or list(clips)
    return out
