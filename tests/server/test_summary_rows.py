"""The search page's direct row → JSON path says exactly what ConversationSummary says."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from server.db.models import Conversation
from server.search import summary_rows
from server.search.summaries import summary_of
from tests.server.conftest import SEEDED_CONVERSATIONS


def test_every_seeded_summary_matches_the_schema_record(seeded_db: str) -> None:
    engine = create_engine(seeded_db.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with Session(engine) as session:
            rows = session.execute(select(*summary_rows.COLUMNS))
            fast = {row[0]: summary_rows.summary(row) for row in rows}
            records = {c.id: summary_of(c) for c in session.scalars(select(Conversation))}
    finally:
        engine.dispose()
    assert len(fast) >= SEEDED_CONVERSATIONS // 2  # other tests delete a few
    assert fast.keys() == records.keys()
    for conversation_id, record in records.items():
        # The same JSON text, byte for byte (instants included: orjson writes them).
        assert summary_rows.dumps(fast[conversation_id]) == record.model_dump_json().encode(), conversation_id
