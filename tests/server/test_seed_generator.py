"""The seed generator: deterministic, plausible, internally consistent data."""

from __future__ import annotations

import csv
import io
import math
import random
import shutil
import wave
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from PIL import Image

from server.domain import FlowNodeKind, Platform, Status
from server.seed import function_calls, hostile_samples, scripts, text
from server.seed.flows import make_flows, random_path
from server.seed.generator import TenantGenerator
from server.seed.media import VoiceClip, make_artifact_blobs, make_voice_clips, sha256_blob
from server.seed.records import BlobRecord, ConversationRecord, FlowRecord

NOW = datetime(2025, 6, 2, 15, 30, tzinfo=UTC)
TENANT = "acme"
SAMPLE = 5000


def _fake_clips() -> list[VoiceClip]:
    """Clips with the real scripts and timing but silent audio, so these tests need no espeak-ng."""
    rng = random.Random(5)
    clips = []
    for script in scripts.VOICE_SCRIPTS:
        ctx = function_calls.scenario_context(rng) | {"first": "Ana", "last": "Costa", "agent": "Ava",
                                            "company": "Acme", "phone": "+12015550100",
                                            "email": "ana.costa@example.com"}
        turns, cursor = [], 400
        for role, template in script.turns:
            spoken = template.format_map(ctx)
            duration = 300 + 60 * len(spoken)
            turns.append((role, spoken, cursor, duration))
            cursor += duration + 500
        clips.append(VoiceClip(sha256_blob(script.key.encode(), "audio/wav"), turns, cursor, script.key, ctx))
    return clips


@cache
def _inputs() -> tuple[list[FlowRecord], list[VoiceClip], dict[str, list[BlobRecord]]]:
    return make_flows(TENANT, random.Random(1)), _fake_clips(), make_artifact_blobs(random.Random(2))


def _generator(seed: int = 42, contacts: int = SAMPLE // 3) -> TenantGenerator:
    flows, clips, blobs = _inputs()
    return TenantGenerator(TENANT, seed, now=NOW, flows=flows, voice_clips=clips, artifact_blobs=blobs,
                           contacts=contacts)


@cache
def _sample() -> list[ConversationRecord]:
    return list(_generator().conversations(0, SAMPLE))


# -- determinism ---------------------------------------------------------------------


def test_same_seed_same_records_and_different_seed_differs() -> None:
    a = list(_generator(7).conversations(0, 300))
    b = list(_generator(7).conversations(0, 300))
    c = list(_generator(8).conversations(0, 300))
    assert a == b
    assert [r.id for r in a] != [r.id for r in c]
    assert sum(x.status != y.status or x.platform != y.platform for x, y in zip(a, c, strict=True)) > 100


def test_each_index_is_independent_of_the_others() -> None:
    forward = list(_generator(11).conversations(0, 200))
    other = _generator(11)
    backward = [other.conversation(i) for i in reversed(range(200))][::-1]
    assert forward == backward
    assert _generator(11).conversation(150) == forward[150]
    assert list(other.conversations(120, 130)) == forward[120:130]
    assert len({r.id for r in forward}) == 200
    assert all(r.id.startswith("cnv_") and len(r.id) == 20 for r in forward)


# -- proportions and status rules -------------------------------------------------------


def _share(records: list[ConversationRecord], predicate: Callable[[ConversationRecord], bool]) -> float:
    return sum(1 for r in records if predicate(r)) / len(records)


def test_proportions_are_plausible() -> None:
    records = _sample()
    platforms = Counter(r.platform for r in records)
    assert set(platforms) == {p.value for p in Platform}
    for platform, expected in (("voice", 0.45), ("sms", 0.20), ("web", 0.18), ("email", 0.10),
                               ("slack", 0.05), ("human_phone", 0.02)):
        assert abs(platforms[platform] / SAMPLE - expected) < 0.03, platform
    statuses = Counter(r.status for r in records)
    assert set(statuses) == {s.value for s in Status}
    assert 0.45 < statuses["completed"] / SAMPLE < 0.65
    assert statuses.most_common(1)[0][0] == "completed"
    assert statuses["reported"] / SAMPLE < 0.03
    assert 0.65 < _share(records, lambda r: r.direction == "inbound") < 0.75
    assert 0.05 < _share(records, lambda r: r.used_for == "test") < 0.11
    assert 0.02 < _share(records, lambda r: r.flagged) < 0.07
    assert 0.8 < _share(records, lambda r: r.flow_id is not None) < 0.97
    assert 0.01 < _share(records, lambda r: bool(r.coaching)) < 0.06
    assert 0.03 < _share(records, lambda r: bool(r.artifacts)) < 0.08


def test_statuses_fit_platform_direction_and_time() -> None:
    for r in _sample():
        assert r.started_at.tzinfo is not None and r.started_at.utcoffset() == timedelta(0)
        assert NOW - timedelta(days=182) < r.started_at <= NOW
        if r.status.startswith("answering_machine"):
            assert (r.platform, r.direction) == ("voice", "outbound")
        if r.status == "no_answer":
            assert r.platform in ("voice", "human_phone") and r.direction == "outbound"
            assert not r.messages and r.audio_blob_sha256 is None
        if r.status == "in_progress":
            assert r.ended_at is None
            assert r.started_at >= NOW - timedelta(minutes=30)
            assert r.messages and r.summary == ""
        else:
            assert r.ended_at is not None and r.started_at <= r.ended_at <= NOW
    unsubscribed = Counter(r.platform for r in _sample() if r.status == "unsubscribed")
    assert unsubscribed["sms"] + unsubscribed["email"] > unsubscribed["voice"]


def test_messages_calls_and_texts_are_consistent() -> None:
    for r in _sample():
        offsets = [m.offset_ms for m in r.messages]
        assert offsets == sorted(offsets)
        for m in r.messages:
            assert m.at == r.started_at + timedelta(milliseconds=m.offset_ms)
            assert m.role in ("customer", "agent", "system")
        for call in r.function_calls:
            assert 0 <= call.message_index < len(r.messages)
            msg = r.messages[call.message_index]
            assert call.offset_ms >= msg.offset_ms + msg.duration_ms
            if call.message_index + 1 < len(r.messages):
                assert call.offset_ms <= r.messages[call.message_index + 1].offset_ms
            assert call.at == r.started_at + timedelta(milliseconds=call.offset_ms)
        assert 1 <= len(r.tags) <= 4 and len(set(r.tags)) == len(r.tags)
        assert len(r.parameters) <= 3 and len(set(r.parameters)) == len(r.parameters)
        assert len(r.sentiment) == 3
        scores = [s for _, s in r.sentiment]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        assert r.reason
        assert r.voice is None or r.platform == "voice"
        for art in r.artifacts:
            assert art.id.startswith("art_") and art.kind in ("csv", "image", "pdf") and art.size > 0
        for note in r.coaching:
            assert note.author == "supervisor" and r.ended_at is not None and note.at >= r.ended_at
    assert any(r.summary for r in _sample())
    assert {c.name for r in _sample() for c in r.function_calls} >= {
        "lookup_account", "check_order_status", "book_appointment", "send_sms", "create_ticket",
        "transfer_to_human", "verify_identity"}
    tag_keys = {k for r in _sample() for k, _ in r.tags}
    assert {"Call Reason", "Language", "Issue", "Order Status"} <= tag_keys


def test_voice_transcripts_match_their_clip() -> None:
    clips = {c.blob.sha256: c for c in _inputs()[1]}
    with_audio = [r for r in _sample() if r.audio_blob_sha256]
    assert len(with_audio) > SAMPLE * 0.3
    for r in with_audio:
        assert r.platform in ("voice", "human_phone") and r.audio_blob_sha256
        clip = clips[r.audio_blob_sha256]
        spoken = [(m.role, m.text, m.offset_ms, m.duration_ms) for m in r.messages if m.role != "system"]
        assert spoken == clip.turns
        assert r.audio_duration_ms == clip.duration_ms
        assert r.ended_at == r.started_at + timedelta(milliseconds=clip.duration_ms)


# -- flows ---------------------------------------------------------------------------


def test_flows_are_connected_graphs_of_the_right_size() -> None:
    flows = make_flows(TENANT, random.Random(3))
    assert 5 <= len(flows) <= 7 and len({f.id for f in flows}) == len(flows)
    kinds = {k.value for k in FlowNodeKind}
    for flow in flows:
        assert flow.id.startswith(f"{TENANT}-") and flow.tenant_id == TENANT
        nodes = {n["id"]: n for n in flow.graph["nodes"]}
        assert 8 <= len(nodes) <= 30
        assert {n["kind"] for n in nodes.values()} <= kinds
        assert nodes[flow.entry_node]["kind"] == "start"
        out = defaultdict(list)
        for e in flow.graph["edges"]:
            assert e["source"] in nodes and e["target"] in nodes and isinstance(e["condition"], str)
            out[e["source"]].append(e["target"])
        seen, todo = {flow.entry_node}, [flow.entry_node]
        while todo:
            for nxt in out[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert seen == set(nodes)
        assert any(e["condition"] == "else" for e in flow.graph["edges"])
        rng = random.Random(4)
        for _ in range(50):
            path = random_path(flow, rng)
            assert path[0] == flow.entry_node and nodes[path[-1]]["kind"] in ("end", "handoff")
            assert all(b in out[a] for a, b in pairwise(path))


def test_flow_paths_follow_edges_and_the_transcript() -> None:
    flows = {f.id: f for f in _inputs()[0]}
    checked = 0
    for r in _sample():
        if r.flow_id is None:
            assert r.flow_name == "" and not r.flow_path
            continue
        flow = flows[r.flow_id]
        assert r.flow_name == flow.name
        if not r.flow_path:
            continue
        checked += 1
        edges = {(e["source"], e["target"]) for e in flow.graph["edges"]}
        nodes = [s.node_id for s in r.flow_path]
        assert nodes[0] == flow.entry_node
        assert all((a, b) in edges for a, b in pairwise(nodes))
        indices = [s.message_index for s in r.flow_path]
        assert indices[0] == 0 and indices == sorted(indices) and indices[-1] < len(r.messages)
        assert all(s.at == r.messages[s.message_index].at for s in r.flow_path)
    assert checked > SAMPLE * 0.7


# -- contacts ------------------------------------------------------------------------


_DISPLAY_KIND = {"voice": "phone", "sms": "phone", "human_phone": "phone", "email": "email"}


def test_contacts_repeat_and_stay_consistent() -> None:
    records = _sample()
    per_contact = Counter(r.contact_id for r in records)
    assert len(per_contact) < len(records) * 0.7
    assert per_contact.most_common(1)[0][1] >= 5
    displays: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in records:
        kind = _DISPLAY_KIND.get(r.platform, "name")
        displays[(r.contact_id, kind)].add(r.contact_display)
        if kind == "phone":
            assert r.contact_display.startswith("+1") and r.contact_display[5:8] == "555"
        if kind == "email":
            assert r.contact_display.split("@")[1] in text.EMAIL_DOMAINS
    assert all(len(v) == 1 for v in displays.values())
    gen = _generator(contacts=20_000)
    people = [gen.contact(n) for n in range(20_000)]
    assert len({phone for _, phone, _ in people}) == len({email for _, _, email in people}) == 20_000
    assert len({name for name, _, _ in people[:3600]}) == 3600
    assert len({gen.contact_id(n) for n in range(20_000)}) == 20_000


# -- hostile samples -----------------------------------------------------------------


def test_small_seeds_contain_every_hostile_sample() -> None:
    records = list(_generator(seed=3, contacts=50).conversations(0, 10))
    texts = [m.text for r in records for m in r.messages]
    assert any(len(t) >= 20_000 for t in texts)
    blob = "\n".join(texts)
    for needle in ("<script>alert(1)</script>", "onerror=alert(1)", "=HYPERLINK(", "+cmd|", "@SUM(1+1)",
                   "DROP TABLE conversations", "\u202e", "😡", "مرحبا", "שלום"):
        assert needle in blob, needle
    names = {a.name for r in records for a in r.artifacts}
    assert {name for _, name in hostile_samples.HOSTILE_ARTIFACT_NAMES} <= names
    assert any(len(n) == 300 for n in names)
    assert any(r.contact_display in hostile_samples.HOSTILE_NAMES for r in records)
    assert any(v in hostile_samples.HOSTILE_TAG_VALUES for r in records for _, v in r.tags)
    assert any(v in hostile_samples.HOSTILE_FORMULAS for r in records for _, v in r.parameters)
    assert any(any(m in r.summary for m in hostile_samples.HOSTILE_TAG_VALUES) for r in records)
    assert sum(r.status == "in_progress" for r in records) >= 3  # and a few live ones


# -- media ---------------------------------------------------------------------------


def test_artifact_blobs_are_real_files_and_reproducible() -> None:
    blobs = make_artifact_blobs(random.Random(9))
    again = make_artifact_blobs(random.Random(9))
    assert {k: [b.sha256 for b in v] for k, v in blobs.items()} == {
        k: [b.sha256 for b in v] for k, v in again.items()}
    assert set(blobs) == {"csv", "image", "pdf"} and all(3 <= len(v) <= 5 for v in blobs.values())
    formula_cells = 0
    for b in blobs["csv"]:
        assert b.media_type == "text/csv"
        rows = list(csv.reader(io.StringIO(b.data.decode("utf-8"))))
        assert 10 <= len(rows) - 1 <= 200 and all(len(row) == len(rows[0]) for row in rows)
        formula_cells += sum(1 for row in rows[1:] for cell in row if cell[:1] in ("=", "+", "-", "@"))
    assert formula_cells > 0
    for b in blobs["image"]:
        assert b.media_type == "image/png"
        with Image.open(io.BytesIO(b.data)) as img:
            img.verify()
            assert img.format == "PNG" and img.size == (600, 400)
    for b in blobs["pdf"]:
        assert b.media_type == "application/pdf"
        assert b.data.startswith(b"%PDF-") and b.data.rstrip().endswith(b"%%EOF")


def _rms(samples: array[int]) -> float:
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                    reason="espeak-ng and sox are needed to synthesize voice clips")
def test_voice_clips_are_stereo_speech_matching_their_turns(tmp_path: Path) -> None:
    clips = make_voice_clips(2, random.Random(1), tmp_path)
    assert len(clips) == 2
    again = make_voice_clips(2, random.Random(1), tmp_path / "again")
    assert [c.blob.sha256 for c in clips] == [c.blob.sha256 for c in again]  # reproducible bytes
    for clip in clips:
        assert clip.blob.media_type == "audio/wav"
        assert 6 <= len(clip.turns) <= 12 and 20_000 <= clip.duration_ms <= 70_000
        with wave.open(io.BytesIO(clip.blob.data)) as w:
            assert w.getnchannels() == 2 and w.getsampwidth() == 2 and w.getframerate() in (8000, 16000)
            rate = w.getframerate()
            length_ms = w.getnframes() * 1000 / rate
            frames = array("h", w.readframes(w.getnframes()))
        assert abs(length_ms - clip.duration_ms) <= 20
        left, right = frames[0::2], frames[1::2]
        end = 0
        for role, spoken, offset, duration in clip.turns:
            assert spoken and role in ("customer", "agent") and offset >= end
            end = offset + duration
            a, b = offset * rate // 1000, end * rate // 1000
            speaker, other = (left, right) if role == "customer" else (right, left)
            assert _rms(speaker[a:b]) > 100 and _rms(other[a:b]) == 0  # each party on its own channel
        assert end <= clip.duration_ms
        assert {role for role, *_ in clip.turns} == {"customer", "agent"}
