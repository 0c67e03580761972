"""Plain SQL of the live writes, run in the session's transaction.

A live write runs two statements; going through SQLAlchemy's execution layer cost
about as much CPU as PostgreSQL spent running them. These statements are fixed text
with simple parameters, so on PostgreSQL they go to psycopg directly, on the
session's connection (its commit or rollback covers them). SQLite, which serves
the demo and tests, keeps SQLAlchemy's text().
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@cache
def driver_sql(sql: str) -> str:
    """`:name` parameters (SQLAlchemy's text()) as psycopg's `%(name)s`."""
    if "%" in sql:
        raise ValueError("a literal % would need escaping")
    return _NAMED.sub(r"%(\1)s", sql)


def fetch_one(session: Session, sql: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """Run `sql` (`:name` parameters) and return its one row. On PostgreSQL, parameters
    for JSON columns must come wrapped by `json_value`."""
    if session.get_bind().dialect.name != "postgresql":
        return tuple(session.connection().execute(_text(sql), params).one())
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        row = cursor.execute(driver_sql(sql), params).fetchone()
    finally:
        cursor.close()
    if row is None:
        raise LookupError("the statement returned no row")
    return tuple(row)


def execute(session: Session, sql: str, params: Mapping[str, Any]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        session.connection().execute(_text(sql), params)
        return
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(driver_sql(sql), params)
    finally:
        cursor.close()


def json_value(value: Any) -> Jsonb:
    return Jsonb(value)


@cache
def _text(sql: str) -> TextClause:
    return text(sql)
