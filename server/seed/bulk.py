"""Bulk writing of generated rows: COPY on PostgreSQL, executemany on SQLite.

On PostgreSQL the secondary indexes and foreign keys of the bulk tables are
dropped for the load and rebuilt after it (one sort per index instead of a
million random inserts, one validation pass per key).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, text

from server.db.models import Base

log = logging.getLogger(__name__)

BULK_TABLES = (
    "conversations",
    "conversation_details",
    "conversation_search",
    "conversation_tags",
    "conversation_parameters",
    "conversation_functions",
    "artifacts",
    "contacts",
)


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text_value = str(value)
    if "\\" in text_value or "\t" in text_value or "\n" in text_value or "\r" in text_value:
        text_value = (
            text_value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        )
    return text_value


def copy_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows in PostgreSQL's COPY text format."""
    return "".join("\t".join(_copy_field(row[c]) for c in columns) + "\n" for row in rows)


class BulkWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def write_copy(self, table: str, columns: Sequence[str], payload: str) -> None:
        """PostgreSQL only: load a COPY text payload."""
        if not payload:
            return
        raw = self.engine.raw_connection()
        try:
            with raw.cursor() as cursor:  # type: ignore[attr-defined]
                # A lost load is simply re-run: no need to wait for each commit's flush.
                # lz4 compresses the large transcript documents several times faster than pglz.
                cursor.execute("SET LOCAL synchronous_commit TO off")
                cursor.execute("SET LOCAL default_toast_compression TO 'lz4'")
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(payload)
            raw.commit()
        finally:
            raw.close()

    def write_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        with self.engine.begin() as connection:
            connection.execute(insert(Base.metadata.tables[table]), list(rows))

    @contextmanager
    def fast_load(self) -> Iterator[None]:
        """Drop secondary indexes and foreign keys of the bulk tables for the load."""
        if not self.postgres:
            yield
            return
        with self.engine.begin() as connection:
            names = ", ".join(f"'{t}'" for t in BULK_TABLES)
            indexes = connection.execute(
                text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                    f"WHERE i.tablename IN ({names}) AND i.schemaname = current_schema() "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
                )
            ).all()
            fkeys = connection.execute(
                text(
                    "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                    "FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
                    f"WHERE c.contype = 'f' AND r.relname IN ({names})"
                )
            ).all()
            for table, name, _ in fkeys:
                connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            for name, _ in indexes:
                connection.execute(text(f'DROP INDEX "{name}"'))
        try:
            yield
        finally:
            started = time.perf_counter()
            with self.engine.begin() as connection:
                connection.execute(text("SET maintenance_work_mem = '512MB'"))
                for _, definition in indexes:
                    connection.execute(text(definition))
                for table, name, definition in fkeys:
                    connection.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
            log.info("indexes and keys rebuilt in %.1f s", time.perf_counter() - started)
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                # VACUUM also sets the visibility map, so index-only scans work from the start.
                connection.execute(text(f"VACUUM (ANALYZE) {', '.join(BULK_TABLES)}"))
