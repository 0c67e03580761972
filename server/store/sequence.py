"""The platform-wide change sequence.

Change-feed positions, tombstones and live events all take their numbers from
one counter row. Taking a number locks that row until the transaction ends, so
numbers become visible in order: a reader that has seen N never later finds a
smaller number committed behind it.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from server.db.models import Counter

# The same, as SQL text for statements that take a number among other writes.
TAKE_ONE_SQL = "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value"


def take(session: Session, count: int = 1) -> int:
    """Reserve `count` consecutive numbers; returns the first."""
    last = session.execute(
        update(Counter)
        .where(Counter.name == "seq")
        .values(value=Counter.value + count)
        .returning(Counter.value)
    ).scalar_one()
    return int(last) - count + 1
