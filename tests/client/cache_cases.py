"""What the cache tests share: the tenant, a moment, and ways to look inside a cache (the
`store` fixture, a fresh cache, is in conftest)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from app.domain import Conversation
from tests.client.conftest import TenantCorpus

TENANT = "acme"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def summaries(corpus: TenantCorpus) -> list[Conversation]:
    return [d.summary_record() for d in corpus.details]


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [
            "conversations",
            "conversation_functions",
            "conversation_tags",
            "conversation_parameters",
            "contact_counts",
            "messages",
            "function_calls",
            "artifacts",
            "conversation_search",
            "files",
        ]
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
