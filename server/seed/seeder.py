"""`python -m server seed`: a deterministic demo platform, from 100 to 1,000,000+ conversations.

Generation runs in worker processes (each conversation depends only on the seed,
the tenant and its index); the parent writes what they return in order, so the
same seed always gives the same database.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from server.auth.demo_users import create_demo_users
from server.db.engine import Database
from server.db.migrate import upgrade
from server.db.models import Base, Blob, Contact, Conversation, Flow, Tenant, View
from server.db.models import Counter as SeqCounter
from server.seed.bulk import BulkWriter, copy_text
from server.seed.flows import make_flows
from server.seed.generator import TenantGenerator
from server.seed.media import VoiceClip, make_artifact_blobs, make_voice_clips
from server.seed.records import BlobRecord, FlowRecord
from server.seed.views import builtin_views
from server.store.rows import rows_for

log = logging.getLogger(__name__)

TENANTS = (("acme", "Acme Corp", 0.8), ("globex", "Globex", 0.2))
CHUNK = 2000

Progress = Callable[[int, int], None]


class AlreadySeeded(RuntimeError):
    pass


@dataclass(frozen=True)
class Plan:
    tenant_id: str
    seed: int
    count: int
    first_pk: int  # pks (and change-feed positions) of this tenant start here
    now: datetime
    flows: list[FlowRecord]
    clips: list[VoiceClip]
    artifacts: dict[str, list[BlobRecord]]


_plan: Plan | None = None
_generator: TenantGenerator | None = None


def _init_worker(plan: Plan) -> None:
    global _plan, _generator
    _plan = plan
    _generator = TenantGenerator(
        plan.tenant_id,
        plan.seed,
        now=plan.now,
        flows=plan.flows,
        voice_clips=plan.clips,
        artifact_blobs=plan.artifacts,
        contacts=max(50, plan.count // 3),
    )


TABLE_KEYS = (
    ("conversations", "conversation"),
    ("conversation_details", "detail"),
    ("conversation_search", "search"),
    ("conversation_tags", "tags"),
    ("conversation_parameters", "parameters"),
    ("conversation_functions", "functions"),
    ("artifacts", "artifacts"),
)


def _chunk(bounds: tuple[int, int, bool]) -> tuple[dict[str, Any], Counter[str], int]:
    """Generate conversations [start, stop) of the planned tenant, as table payloads."""
    start, stop, as_copy = bounds
    assert _plan is not None and _generator is not None
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in TABLE_KEYS}
    contacts: Counter[str] = Counter()
    for index in range(start, stop):
        record = _generator.conversation(index)
        pk = _plan.first_pk + index
        rows = rows_for(record, pk=pk, change_seq=pk)
        contacts[record.contact_id] += 1
        tables["conversations"].append(rows.conversation)
        tables["conversation_details"].append(rows.detail)
        tables["conversation_search"].append(rows.search)
        tables["conversation_tags"].extend(rows.tags)
        tables["conversation_parameters"].extend(rows.parameters)
        tables["conversation_functions"].extend(rows.functions)
        tables["artifacts"].extend(rows.artifacts)
    count = stop - start
    if not as_copy:
        return dict(tables), contacts, count
    return {name: copy_text(rows, _columns(name)) for name, rows in tables.items()}, contacts, count


def _columns(table: str) -> list[str]:
    return [c.name for c in Base.metadata.tables[table].columns]


def seed(
    db_url: str,
    conversations: int,
    seed_value: int,
    *,
    now: datetime | None = None,
    audio_clips: int = 12,
    processes: int = 2,
    replace: bool = False,
    progress: Progress | None = None,
) -> None:
    db = Database(db_url)
    try:
        upgrade(db.engine)
        _prepare(db, replace)
        now = now or datetime.now(UTC).replace(second=0, microsecond=0)
        rng = random.Random(seed_value)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="convodesk-seed-") as workdir:
            clips = make_voice_clips(audio_clips, random.Random(rng.random()), Path(workdir))
        artifacts = make_artifact_blobs(random.Random(rng.random()))
        _write_shared(db, clips, artifacts)
        log.info("recordings and artifact files made in %.1f s", time.perf_counter() - started)

        flows = {
            tenant_id: make_flows(tenant_id, random.Random(f"{seed_value}:{tenant_id}:flows"))
            for tenant_id, _, _ in TENANTS
        }
        with db.session() as session:
            for tenant_id, name, _ in TENANTS:
                _write_tenant(session, tenant_id, name, flows[tenant_id], now)
            create_demo_users(session)

        writer = BulkWriter(db.engine)
        done, first_pk = 0, 1
        with writer.fast_load():
            for tenant_id, _, share in TENANTS:
                count = _share(conversations, share, tenant_id == TENANTS[-1][0])
                plan = Plan(tenant_id, seed_value, count, first_pk, now, flows[tenant_id], clips, artifacts)
                contacts: Counter[str] = Counter()
                for payload, chunk_contacts, generated in _generate(plan, processes, writer.postgres):
                    if not writer.postgres:  # SQLite keeps its foreign keys during the load
                        _write_contact_ids(db, tenant_id, set(chunk_contacts) - set(contacts))
                    _write_payload(writer, payload)
                    contacts.update(chunk_contacts)
                    done += generated
                    if progress:
                        progress(done, conversations)
                _write_contacts(writer, tenant_id, contacts)
                first_pk += count
            log.info("conversations generated and loaded in %.1f s", time.perf_counter() - started)
        _finish(db, first_pk - 1)
    finally:
        db.dispose()


def _share(total: int, share: float, last: bool) -> int:
    """Each tenant's part of the total; the last takes the rounding remainder."""
    others = sum(round(total * s) for _, _, s in TENANTS[:-1])
    return total - others if last else round(total * share)


def _generate(
    plan: Plan, processes: int, as_copy: bool
) -> Iterator[tuple[dict[str, Any], Counter[str], int]]:
    bounds = [(s, min(s + CHUNK, plan.count), as_copy) for s in range(0, plan.count, CHUNK)]
    if processes <= 1 or plan.count <= CHUNK:
        _init_worker(plan)
        yield from map(_chunk, bounds)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_init_worker, initargs=(plan,)) as pool:
        yield from pool.imap(_chunk, bounds)


def _write_payload(writer: BulkWriter, payload: dict[str, Any]) -> None:
    for table, _ in TABLE_KEYS:
        if writer.postgres:
            writer.write_copy(table, _columns(table), payload[table])
        else:
            writer.write_rows(table, payload[table])


def _write_contact_ids(db: Database, tenant_id: str, ids: set[str]) -> None:
    if ids:
        with db.session() as session:
            session.execute(
                insert(Contact),
                [{"id": i, "tenant_id": tenant_id, "conversation_count": 0} for i in sorted(ids)],
            )


def _write_contacts(writer: BulkWriter, tenant_id: str, contacts: Counter[str]) -> None:
    rows = [
        {"id": cid, "tenant_id": tenant_id, "conversation_count": n} for cid, n in sorted(contacts.items())
    ]
    if writer.postgres:
        writer.write_copy("contacts", _columns("contacts"), copy_text(rows, _columns("contacts")))
        return
    with writer.engine.begin() as connection:
        connection.execute(
            update(Contact).where(Contact.id == bindparam("cid")).values(conversation_count=bindparam("n")),
            [{"cid": r["id"], "n": r["conversation_count"]} for r in rows],
        )


def _prepare(db: Database, replace: bool) -> None:
    with db.session() as session:
        existing = session.scalar(select(func.count()).select_from(Tenant))
        if existing and not replace:
            raise AlreadySeeded("the database already holds platform data; pass --replace to start over")
        if existing:
            for table in ("events", "tombstones", "audit_log", "refresh_tokens", "authorization_codes"):
                session.execute(text(f"DELETE FROM {table}"))
            session.execute(update(Tenant).values(default_view_id=None))
            for model in (View, Conversation, Contact, Flow, Blob, Tenant):
                session.execute(delete(model))
            session.execute(update(SeqCounter).values(value=0))


def _write_shared(db: Database, clips: list[VoiceClip], artifacts: dict[str, list[BlobRecord]]) -> None:
    blobs = {c.blob.sha256: c.blob for c in clips} | {
        b.sha256: b for pool in artifacts.values() for b in pool
    }
    with db.session() as session:
        for blob in blobs.values():
            session.add(
                Blob(sha256=blob.sha256, media_type=blob.media_type, size=len(blob.data), data=blob.data)
            )


def _write_tenant(
    session: Session, tenant_id: str, name: str, flows: list[FlowRecord], now: datetime
) -> None:
    session.add(Tenant(id=tenant_id, name=name, default_view_id=f"{tenant_id}-all"))
    session.flush()
    session.add_all(
        Flow(
            id=flow.id,
            tenant_id=tenant_id,
            name=flow.name,
            description=flow.description,
            entry_node=flow.entry_node,
            graph=flow.graph,
        )
        for flow in flows
    )
    session.add_all(builtin_views(tenant_id, now))
    session.flush()


def _finish(db: Database, last_seq: int) -> None:
    """Hand the change sequence and the pk sequence over to live traffic."""
    with db.session() as session:
        session.execute(update(SeqCounter).where(SeqCounter.name == "seq").values(value=last_seq))
        if db.dialect == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('conversations', 'pk'), :v, true)"),
                {"v": max(last_seq, 1)},
            )
