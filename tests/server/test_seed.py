"""`python -m server seed`: deterministic, refuses to overwrite, realistic and hostile data;
recordings and artifacts served with ranges and safe headers."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from server.db.models import Artifact, Conversation
from server.seed.hostile_samples import (
    HOSTILE_HTML,
    HOSTILE_LONG,
    HOSTILE_MESSAGES,
    HOSTILE_NAMES,
    HOSTILE_RTL,
    HOSTILE_TAG_VALUES,
)
from tests.platform import ROOT, Platform, api_client
from tests.server.records import Json, assert_problem, database, search_all

NOW = "2026-11-20T12:00:00+00:00"
SMALL = 150
BIG = 2000
STATUSES = {
    "completed",
    "abandoned",
    "failed",
    "human_handoff",
    "in_progress",
    "reported",
    "restarted",
    "unsubscribed",
    "no_answer",
    "answering_machine_message_left",
    "answering_machine_no_message_left",
}
PLATFORMS = {"voice", "sms", "web", "email", "slack", "human_phone"}
# Table → columns that identify a row (every column is compared).
TABLES = {
    "tenants": "id",
    "flows": "id",
    "contacts": "id",
    "conversations": "pk",
    "conversation_details": "conversation_pk",
    "conversation_tags": "conversation_pk, key, value",
    "conversation_parameters": "conversation_pk, key, value",
    "conversation_functions": "conversation_pk, name",
    "artifacts": "id",
    "views": "id",
    "counters": "name",
}


def seed_command(path: Path, *, seed: int, conversations: int, replace: bool = False) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "server",
        "seed",
        "--db",
        f"sqlite:///{path}",
        "--conversations",
        str(conversations),
        "--seed",
        str(seed),
        "--audio-clips",
        "1",
        "--now",
        NOW,
    ]
    return [*command, "--replace"] if replace else command


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@dataclass(frozen=True)
class Replaced:
    seeded: dict[str, list[tuple[object, ...]]]  # the database before
    refused: subprocess.CompletedProcess[str]  # `seed` into it without --replace
    after_refusal: dict[str, list[tuple[object, ...]]]
    replaced: subprocess.CompletedProcess[str]  # `seed --replace` with another seed
    after: dict[str, list[tuple[object, ...]]]
    path: Path


@dataclass(frozen=True)
class Seeding:
    """Fresh SQLite databases, seeded in the background while the HTTP tests run."""

    first: Future[Path]  # seed 7
    second: Future[Path]  # seed 7 again
    big: Future[Path]  # seed 7, BIG conversations
    replaced: Future[Replaced]  # a copy of `first`, seeded again


def _seeded(path: Path, seed: int, conversations: int) -> Path:
    result = run(seed_command(path, seed=seed, conversations=conversations))
    assert result.returncode == 0, result.stderr[-3000:]
    return path


def _refuse_then_replace(first: Future[Path], path: Path) -> Replaced:
    path.write_bytes(first.result().read_bytes())
    seeded = dump(path)
    refused = run(seed_command(path, seed=8, conversations=SMALL))
    after_refusal = dump(path)
    replaced = run(seed_command(path, seed=8, conversations=SMALL, replace=True))
    return Replaced(seeded, refused, after_refusal, replaced, dump(path), path)


@pytest.fixture(scope="module", autouse=True)
def seeding(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeding]:
    root = tmp_path_factory.mktemp("seeds")
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(_seeded, root / "a.db", 7, SMALL)
        yield Seeding(
            first=first,
            second=pool.submit(_seeded, root / "b.db", 7, SMALL),
            big=pool.submit(_seeded, root / "big.db", 7, BIG),
            replaced=pool.submit(_refuse_then_replace, first, root / "again.db"),
        )


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        tables = {
            name: connection.execute(f"SELECT * FROM {name} ORDER BY {key}").fetchall()
            for name, key in TABLES.items()
        }
        blobs = connection.execute(
            "SELECT sha256, media_type, size, data FROM blobs ORDER BY sha256"
        ).fetchall()
    for sha, _, size, data in blobs:
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == size
    tables["blobs"] = [(sha, media_type, size) for sha, media_type, size, _ in blobs]
    return tables


# --- the session platform's data over HTTP ------------------------------------------------


@pytest.fixture(scope="module")
def globex(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin", "globex") as client:
        yield client


@pytest.fixture(scope="module")
def recorded(globex: httpx.Client) -> Json:
    items, _ = search_all(globex, {"platforms": ["voice"]})
    item = next(i for i in items if i["has_audio"])
    detail: Json = globex.get(f"conversations/{item['id']}").json()
    return detail


def test_voice_recordings_are_wav(globex: httpx.Client, recorded: Json) -> None:
    items, _ = search_all(globex, {"platforms": ["voice"], "statuses": ["completed"]})
    assert items and all(i["has_audio"] for i in items)
    audio = recorded["audio"]
    assert audio["media_type"] == "audio/wav" and audio["channels"] == ["customer", "agent"]
    assert audio["duration_ms"] > 1000
    response = globex.get(f"conversations/{recorded['id']}/audio")
    assert response.status_code == 200
    body = response.content
    assert response.headers["content-type"] == "audio/wav"
    assert int(response.headers["content-length"]) == len(body) == audio["size"]
    assert response.headers["accept-ranges"] == "bytes"
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"
    assert int.from_bytes(body[4:8], "little") == len(body) - 8
    channels, rate = int.from_bytes(body[22:24], "little"), int.from_bytes(body[24:28], "little")
    assert channels == 2 and rate >= 8000
    # The recording lasts as long as the record says.
    data_bytes = len(body) - 44
    assert abs(data_bytes / (rate * 2 * 2) * 1000 - audio["duration_ms"]) < 250


def test_audio_ranges(globex: httpx.Client, recorded: Json) -> None:
    url = f"conversations/{recorded['id']}/audio"
    full = globex.get(url).content
    size = len(full)
    cases = {
        "bytes=0-99": (0, 99),
        "bytes=-100": (size - 100, size - 1),
        "bytes=100-": (100, size - 1),
        "bytes=0-0": (0, 0),
        f"bytes=10-{size + 5000}": (10, size - 1),
        f"bytes=-{size + 10}": (0, size - 1),
    }
    for header, (start, end) in cases.items():
        response = globex.get(url, headers={"Range": header})
        assert response.status_code == 206, (header, response.status_code)
        assert response.headers["content-range"] == f"bytes {start}-{end}/{size}", header
        assert response.content == full[start : end + 1], header
        assert int(response.headers["content-length"]) == end - start + 1
    for header in ("bytes=999999999-", f"bytes={size}-", "bytes=-0"):
        response = globex.get(url, headers={"Range": header})
        assert_problem(response, 416)
        assert response.headers["content-range"] == f"bytes */{size}"
    for ignored in ("bytes=0-1,5-9", "items=0-5", "bytes=abc"):
        response = globex.get(url, headers={"Range": ignored})
        assert response.status_code == 200 and response.content == full


def test_no_recording_is_404(globex: httpx.Client) -> None:
    items, _ = search_all(globex, {"platforms": ["sms", "web", "email"]}, limit=5)
    assert_problem(globex.get(f"conversations/{items[0]['id']}/audio"), 404)
    live, _ = search_all(globex, {"statuses": ["in_progress", "no_answer"]})
    for item in live[:3]:
        assert not item["has_audio"]
        assert_problem(globex.get(f"conversations/{item['id']}/audio"), 404)


MAGIC = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n"}


def _artifacts(client: httpx.Client, db_url: str) -> list[tuple[str, Json]]:
    """(conversation id, artifact) of every globex artifact; the database says which
    conversations have some, the API describes them."""
    with database(db_url) as db, db.session() as session:
        ids = session.scalars(
            select(Conversation.id)
            .join(Artifact, Artifact.conversation_pk == Conversation.pk)
            .where(Conversation.tenant_id == "globex")
            .distinct()
        ).all()
    out = []
    for conversation_id in ids:
        detail = client.get(f"conversations/{conversation_id}").json()
        out.extend((conversation_id, artifact) for artifact in detail["artifacts"])
    return out


def test_artifacts_download_safely(globex: httpx.Client, db_url: str) -> None:
    artifacts = _artifacts(globex, db_url)
    assert {a["kind"] for _, a in artifacts} == {"csv", "image", "pdf"}
    names = {a["name"] for _, a in artifacts}
    assert "../../etc/passwd" in names or any("/" in n or n.startswith(".") for n in names)
    for conversation_id, artifact in artifacts:
        response = globex.get(f"conversations/{conversation_id}/artifacts/{artifact['id']}")
        assert response.status_code == 200
        headers = response.headers
        disposition = headers["content-disposition"]
        assert disposition.startswith("attachment;"), disposition
        fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert "/" not in fallback and "\\" not in fallback and fallback.isascii()
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["content-type"].split(";")[0] == artifact["media_type"]
        assert len(response.content) == artifact["size"] == int(headers["content-length"])
        if artifact["media_type"] in MAGIC:
            assert response.content.startswith(MAGIC[artifact["media_type"]])
        else:
            assert artifact["media_type"] == "text/csv" and b"," in response.content.splitlines()[0]
    conversation_id, artifact = artifacts[0]
    assert_problem(globex.get(f"conversations/{conversation_id}/artifacts/art_nope"), 404)
    other = (
        next(c for c, _ in artifacts if c != conversation_id) if len({c for c, _ in artifacts}) > 1 else None
    )
    if other:
        assert_problem(globex.get(f"conversations/{other}/artifacts/{artifact['id']}"), 404)


def test_hostile_conversations_are_returned_verbatim(globex: httpx.Client, supervisor: httpx.Client) -> None:
    texts: list[str] = []
    contacts: set[str] = set()
    for client in (globex, supervisor):
        for item in search_all(client, {"ids": _hostile_ids(client)})[0]:  # summaries as listed
            contacts.add(item["contact"])
            texts.extend(m["text"] for m in client.get(f"conversations/{item['id']}").json()["messages"])
    assert any(len(t) > 10_000 for t in texts)
    assert HOSTILE_LONG in texts and HOSTILE_RTL in texts and HOSTILE_HTML[0] in texts
    assert {t for t in HOSTILE_MESSAGES if t in texts} == set(HOSTILE_MESSAGES)
    assert any("<script>" in c for c in contacts) and contacts & set(HOSTILE_NAMES)
    # A contact search for markup finds the conversation and returns the name untouched.
    found, _ = search_all(globex, {"contact": "<script>"})
    found += search_all(supervisor, {"contact": "<script>"})[0]
    assert found and all("<script>alert(1)</script>" in i["contact"] for i in found)


def _hostile_ids(client: httpx.Client) -> list[str]:
    """Conversations whose Issue tag carries a hostile marker (the generator adds one to each)."""
    markers = [{"key": "Issue", "value": v} for v in HOSTILE_TAG_VALUES]
    ids = [i["id"] for i in search_all(client, {"tags": markers})[0]]
    assert ids
    return ids


# --- fresh databases -------------------------------------------------------------------------


def test_same_seed_gives_the_same_database(seeding: Seeding) -> None:
    first, second = dump(seeding.first.result()), dump(seeding.second.result())
    assert len(first["conversations"]) == SMALL
    for table in first:
        assert first[table], f"{table} is empty"
        assert len(first[table]) == len(second[table]), table
        for a, b in zip(first[table], second[table], strict=True):
            assert a == b, f"{table} differs: {a!r:.300} != {b!r:.300}"


def test_seeding_a_seeded_database_is_refused_and_replace_starts_over(seeding: Seeding) -> None:
    outcome = seeding.replaced.result()
    before, refused = outcome.seeded, outcome.refused
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "already holds platform data" in refused.stderr and "--replace" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert outcome.after_refusal == before

    assert outcome.replaced.returncode == 0, outcome.replaced.stderr[-2000:]
    after = outcome.after
    # Another seed: other conversations, nothing left of the first seeding.
    old_ids = {row[1] for row in before["conversations"]}
    new_ids = {row[1] for row in after["conversations"]}
    assert len(new_ids) == SMALL and not old_ids & new_ids
    assert after["conversation_details"] != before["conversation_details"]
    assert len(after["conversation_details"]) == SMALL
    assert {row[0] for row in after["tenants"]} == {"acme", "globex"}
    assert after["counters"] == before["counters"]  # SMALL change positions handed out, as before
    with sqlite3.connect(outcome.path) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone() == (0,)
        orphans = db.execute(
            "SELECT count(*) FROM contacts WHERE id NOT IN (SELECT contact_id FROM conversations)"
        ).fetchone()
        assert orphans == (0,)
        counted = db.execute("SELECT sum(conversation_count) FROM contacts").fetchone()
        assert counted == (SMALL,)


def test_seeding_the_platform_database_again_is_refused(platform: Platform, seeded_db: str) -> None:
    result = run(
        [
            sys.executable,
            "-m",
            "server",
            "seed",
            "--db",
            seeded_db,
            "--conversations",
            "10",
            "--seed",
            "1",
            "--audio-clips",
            "1",
            "--now",
            NOW,
        ]
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "--replace" in result.stderr


def test_big_seed_is_realistic(seeding: Seeding) -> None:
    with sqlite3.connect(seeding.big.result()) as db:
        rows = db.execute(
            "SELECT tenant_id, platform, status, direction, used_for, flagged, contact_id, "
            "audio_blob, started_at FROM conversations"
        ).fetchall()
        contact_counts = dict(db.execute("SELECT id, conversation_count FROM contacts").fetchall())
        artifacts = db.execute("SELECT count(*) FROM artifacts").fetchone()[0]
    assert len(rows) == BIG
    tenants = Counter(r[0] for r in rows)
    assert tenants == {"acme": BIG * 4 // 5, "globex": BIG // 5}
    platforms = Counter(r[1] for r in rows)
    statuses = Counter(r[2] for r in rows)
    assert set(platforms) == PLATFORMS and set(statuses) == STATUSES
    share = {k: v / BIG for k, v in platforms.items()}
    assert 0.35 < share["voice"] < 0.55 and 0.12 < share["sms"] < 0.28 and share["human_phone"] < 0.05
    assert platforms.most_common(1)[0][0] == "voice"
    # With a single recording every answered voice call plays the same script (which may end in a
    # hand-off), so these two are judged together.
    assert 0.45 < (statuses["completed"] + statuses["human_handoff"]) / BIG < 0.85
    assert {s for s, _ in statuses.most_common(2)} == {"completed", "human_handoff"}
    assert 0 < statuses["in_progress"] < BIG * 0.02
    assert 0.1 < sum(r[3] == "outbound" for r in rows) / BIG < 0.5
    assert 0.03 < sum(r[4] == "test" for r in rows) / BIG < 0.15
    assert 0.01 < sum(bool(r[5]) for r in rows) / BIG < 0.1
    assert 0 < artifacts < BIG * 0.2
    # Voice calls that were answered and are over have a recording; nothing else has one.
    for _, platform, status, _, _, _, _, audio, _ in rows:
        if audio:
            assert platform in ("voice", "human_phone") and status != "in_progress"
    answered = [r for r in rows if r[1] == "voice" and r[2] in ("completed", "human_handoff")]
    assert answered and all(r[7] for r in answered)
    # Contact counts are what the Repeat filter reads: exact, and with a heavy tail.
    per_contact = Counter(r[6] for r in rows)
    assert per_contact == {k: v for k, v in contact_counts.items() if v}
    assert max(per_contact.values()) >= 5 and sum(n == 1 for n in per_contact.values()) > 50
    # Busier recent days: the last 30 days hold more than a sixth of 180 days of history.
    recent = sum(r[8] >= "2026-10-21" for r in rows)
    assert recent > BIG / 6
