"""What every benchmark shares: figures, scales, PostgreSQL databases, platform processes."""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql://convodesk:convodesk@127.0.0.1:5432/postgres"
SEED_VALUE = 1
AUDIO_CLIPS = 12
# A seeded database older than this is seeded again: the data is laid out relative
# to the time of seeding, so relative filters (date_within P7D) drift as it ages.
MAX_SEED_AGE = timedelta(days=2)


@dataclass(frozen=True)
class Scale:
    name: str
    conversations: int
    search_requests: int  # timed requests per search figure (after the warm-up)
    search_warmup: int
    search_case_seconds: float  # stop sampling a case after this long (with at least 10 samples)
    deep_pages: int
    events_seconds: float
    notify_seconds: float


SCALES = {
    "quick": Scale(
        "quick", 10_000, search_requests=25, search_warmup=3, search_case_seconds=4,
        deep_pages=50, events_seconds=5.0, notify_seconds=1.0,
    ),
    "full": Scale(
        "full", 1_000_000, search_requests=100, search_warmup=10, search_case_seconds=90,
        deep_pages=50, events_seconds=10.0, notify_seconds=3.0,
    ),
}


@dataclass
class Context:
    pg: str  # URL of any database on the server; benches create their own next to it
    scale: Scale
    reseed: bool = False
    keep: bool = False  # keep scratch databases after the run (for inspection)
    run_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="convodesk-bench-")))
    # Databases a bench of this run seeded at the scale, fresh enough to hand over.
    fresh_seeded: str | None = None


# --- output -----------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def emit(
    bench: str,
    value: float,
    unit: str,
    bound: float | None,
    goal: str,
    scale: int,
    ok: bool,
    *,
    ratio: float | None = None,
) -> dict[str, Any]:
    """One figure: one JSON line on stdout."""
    if ratio is None and bound and math.isfinite(value):
        ratio = value / bound
    if not math.isfinite(value):  # no samples: JSON has no NaN
        value, ratio, ok = math.nan, None, False
    figure = {
        "bench": bench,
        "value": _round(value) if math.isfinite(value) else None,
        "unit": unit,
        "bound": _round(bound) if bound is not None else None,
        "ratio": _round(ratio) if ratio is not None and math.isfinite(ratio) else None,
        "goal": goal,
        "scale": scale,
        "ok": bool(ok),
    }
    print(json.dumps(figure), flush=True)
    return figure


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    return round(value, digits)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); p99 of 100 samples is the 99th smallest."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"n={len(values)} p50={percentile(values, 50):.2f} p90={percentile(values, 90):.2f} "
        f"p99={percentile(values, 99):.2f} max={max(values):.2f}"
    )


# --- PostgreSQL databases -----------------------------------------------------


def db_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """psycopg wants a plain postgresql:// URL (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def admin(ctx: Context) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq_url(ctx.pg), autocommit=True) as connection:
        yield connection


def exists(ctx: Context, name: str) -> bool:
    with admin(ctx) as c:
        return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def drop_database(ctx: Context, name: str) -> None:
    with admin(ctx) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create_database(ctx: Context, name: str, *, template: str | None = None) -> str:
    """A fresh, empty database (dropped first if it exists); returns its URL."""
    drop_database(ctx, name)
    with admin(ctx) as c:
        if template:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
            c.execute(query.format(sql.Identifier(name), sql.Identifier(template)))
        else:
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return db_url(ctx.pg, name)


def rename_database(ctx: Context, old: str, new: str) -> None:
    drop_database(ctx, new)
    with admin(ctx) as c:
        c.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (old,),
        )
        c.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new)))


def schema_fingerprint() -> str:
    """Changes whenever a migration does: a database seeded under another schema is stale."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "server" / "db" / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_marker(ctx: Context, name: str) -> dict[str, Any] | None:
    with admin(ctx) as c:
        row = c.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    if not row or not row[0]:
        return None
    try:
        marker = json.loads(row[0])
    except ValueError:
        return None
    if not isinstance(marker, dict) or marker.get("convodesk_bench") != 1:
        return None
    return marker if marker.get("schema") == schema_fingerprint() else None


def write_marker(ctx: Context, name: str, conversations: int, seeded_at: datetime) -> None:
    marker = {
        "convodesk_bench": 1,
        "conversations": conversations,
        "seed": SEED_VALUE,
        "audio_clips": AUDIO_CLIPS,
        "seeded_at": seeded_at.isoformat(),
        "schema": schema_fingerprint(),
    }
    with admin(ctx) as c:
        query = sql.SQL("COMMENT ON DATABASE {} IS {}")
        c.execute(query.format(sql.Identifier(name), sql.Literal(json.dumps(marker))))


def run_seed(url: str, conversations: int, *, audio_clips: int = AUDIO_CLIPS) -> float:
    """`python -m server seed` into an empty database; returns the wall time (s)."""
    command = [
        sys.executable, "-m", "server", "seed", "--db", url, "--conversations", str(conversations),
        "--seed", str(SEED_VALUE), "--audio-clips", str(audio_clips),
    ]
    started = time.perf_counter()
    # The seeder's progress goes to stderr, which is ours too; stdout must stay figures only.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    subprocess.run(command, cwd=ROOT, check=True, stdout=sys.stderr, env=env)
    return time.perf_counter() - started


def shared_name(scale: Scale) -> str:
    return f"convodesk_bench_{scale.name}"


def seeded_database(ctx: Context, *, name: str | None = None, conversations: int | None = None) -> str:
    """URL of a database seeded with the scale's conversations (reused when marked and fresh)."""
    name = name or shared_name(ctx.scale)
    conversations = conversations or ctx.scale.conversations
    marker = read_marker(ctx, name)
    if marker and not ctx.reseed and marker.get("conversations") == conversations:
        age = datetime.now(UTC) - datetime.fromisoformat(marker["seeded_at"])
        if age <= MAX_SEED_AGE:
            log(f"reusing database {name} ({conversations:,} conversations, seeded {_age(age)} ago)")
            return db_url(ctx.pg, name)
        log(f"database {name} was seeded {_age(age)} ago: seeding it again")
    url = create_database(ctx, name)
    log(f"seeding {name} with {conversations:,} conversations")
    seeded_at = datetime.now(UTC)
    seconds = run_seed(url, conversations)
    write_marker(ctx, name, conversations, seeded_at)
    log(f"seeded {name} in {seconds:.1f} s")
    return url


def _age(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} h" if hours >= 1 else f"{age.total_seconds() / 60:.0f} min"


# --- platform processes ---------------------------------------------------------


class BenchPlatform:
    """`python -m server serve` with tokens that outlive a long run."""

    def __init__(self, db: str, log_dir: Path, *, workers: int = 1, simulate: int = 0) -> None:
        from tests.platform import Platform

        self._platform = Platform(db, workers=workers, simulate=simulate)
        self._log_dir = log_dir
        self.url = self._platform.url

    @property
    def pid(self) -> int:
        assert self._platform.process is not None
        return self._platform.process.pid

    def __enter__(self) -> BenchPlatform:
        p = self._platform
        p.log_path = self._log_dir / f"platform-{p.port}.log"
        command = [
            sys.executable, "-m", "server", "serve", "--db", p.db_url, "--port", str(p.port),
            "--workers", str(p.workers), "--access-token-seconds", "7200",
        ]
        if p.simulate:
            command += ["--simulate-live", str(p.simulate)]
        with open(p.log_path, "wb") as out:
            p.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            p.wait_ready(60.0)
        except BaseException:
            p.stop()
            raise
        log(f"platform up at {self.url} ({p.workers} worker(s); log {p.log_path})")
        return self

    def __exit__(self, *_: object) -> None:
        started = time.perf_counter()
        self._platform.stop()
        log(f"platform at {self.url} stopped in {time.perf_counter() - started:.1f} s")

    def tenant_token(self, username: str = "supervisor", tenant: str = "acme") -> str:
        from tests.platform import sign_in, tenant_token

        user = sign_in(self.url, username)
        return tenant_token(self.url, user["access_token"], tenant)
