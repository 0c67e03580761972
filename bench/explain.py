"""EXPLAIN ANALYZE of the statements the server's search runs for each search bench case.

    python -m bench.explain [CASE ...] [--scale quick|full] [--pg URL] [--cursor-pages N]

Uses the seeded database of the scale (convodesk_bench_<scale>, see bench/__main__.py);
CASE names are those of the search.first_page.<case> figures (default: all).
With --cursor-pages N, the page reached after following next_cursor N times is
explained instead of the first.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import psycopg
from sqlalchemy import create_engine

from bench.common import DEFAULT_PG, SCALES, Context, db_url, libpq_url, shared_name
from bench.search_bench import DATE_DESC, TENANT, _request, _sample_values, capture, filter_cases
from server.db.engine import PG_OPTIONS

VIEWS = {
    "view.all": {},
    "view.production": {"used_for": "production"},
    "view.test": {"used_for": "test"},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explain", description=__doc__)
    parser.add_argument("cases", nargs="*")
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--pg", default=os.environ.get("CONVODESK_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--db", default=None, help="explain against this database instead")
    parser.add_argument("--cursor-pages", type=int, default=0)
    args = parser.parse_args(argv)
    ctx = Context(pg=args.pg, scale=SCALES[args.scale])
    url = args.db or db_url(ctx.pg, shared_name(ctx.scale))
    ids, flow_id = _sample_values(url)
    cases = {name: _request(f, DATE_DESC) for name, f in (VIEWS | filter_cases(ids, flow_id)).items()}
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with psycopg.connect(libpq_url(url), autocommit=True, options=PG_OPTIONS) as raw:
            for name in args.cases or list(cases):
                body = cases[name]
                if args.cursor_pages:
                    body = {**body, "cursor": _cursor_after(engine, body, args.cursor_pages)}
                print(f"==== {name}: {body}")
                for statement, parameters in capture(engine, body):
                    if statement.lstrip().upper().startswith("EXPLAIN"):
                        continue
                    print(f"-- {statement}\n-- {parameters}")
                    explain = f"EXPLAIN (ANALYZE, BUFFERS) {statement}"
                    plan = raw.execute(explain, parameters or None).fetchall()
                    print("\n".join(row[0] for row in plan))
                    print()
    finally:
        engine.dispose()
    return 0


def _cursor_after(engine: Any, body: dict[str, Any], pages: int) -> str:
    from server.schemas.conversations import SearchRequest
    from server.search import service

    cursor = None
    with engine.connect() as connection:
        for _ in range(pages):
            request = SearchRequest.model_validate({**body, "cursor": cursor})
            page = service.search(connection, TENANT, request)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    if cursor is None:
        print("only one page", file=sys.stderr)
        raise SystemExit(1)
    return cursor


if __name__ == "__main__":
    raise SystemExit(main())
