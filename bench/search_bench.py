"""search: first-page and deep-page latency of `POST /conversations/search` over HTTP.

For each built-in view and each filter field alone, the first page (limit 100,
date descending) is requested repeatedly through a running platform (one
worker); the figure is the p99 in ms. The bound is the same work as raw SQL:
the statements the server's own search code emits for that request (captured
from server.search.service.search run in this process, as the API runs it: in
autocommit, so: the page query, the capped count and, past 1,000 matches, the
planner estimate) replayed through psycopg, without HTTP, JSON or the ORM. HTTP
and raw samples are interleaved so that both see the same machine load.

Deep pages follow next_cursor about 50 pages down and time those pages; the
bound there is the first page of the same view (keyset paging should make
page 50 as cheap as page 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
from sqlalchemy import create_engine, event

from bench.common import BenchPlatform, Context, emit, libpq_url, log, percentile, seeded_database, summary
from server.db.engine import PG_OPTIONS

TENANT = "acme"
LIMIT = 100
DATE_DESC = {"column": "date", "descending": True}
GOAL_MS = 50.0
GOAL = "<= 50 ms p99 and <= 2x bound"
DEEP_GOAL = "<= 50 ms p99 and <= 2x first page p99"
# Cases whose deep pages are measured too (figure search.deep_page[.<case>]).
DEEP_CASES = ("view.all", "status", "content")
MIN_SAMPLES = 10  # a case stops early (Scale.search_case_seconds) only past this many samples


def filter_cases(ids: list[str], flow_id: str) -> dict[str, dict[str, Any]]:
    """Each filter field alone (figure search.first_page.<name>)."""
    return {
        "ids": {"ids": ids},
        "status": {"statuses": ["reported"]},
        "date_within": {"date_within": "P7D"},
        "platform": {"platforms": ["slack"]},
        "flow": {"flow_ids": [flow_id]},
        "direction": {"direction": "outbound"},
        "used_for": {"used_for": "test"},
        "flagged": {"flagged": True},
        "repeat_contacts": {"repeat_contacts": {"min": 5}},
        "contact": {"contact": "555"},
        "content": {"content": "refund"},
        "content_phrase": {"content": '"thank you"'},
        "function": {"functions": ["send_sms"]},
        "tag": {"tags": [{"key": "Language", "value": "Spanish"}]},
        "parameter": {"parameters": [{"key": "region", "value": "us-east"}]},
    }


def run(ctx: Context) -> None:
    url = seeded_database(ctx)
    ids, flow_id = _sample_values(url)
    with BenchPlatform(url, ctx.run_dir, workers=1) as platform:
        token = platform.tenant_token("supervisor", TENANT)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"{platform.url}/api/v1/{TENANT}/", headers=headers, timeout=60) as http:
            cases = {f"view.{v['id'].removeprefix(TENANT + '-')}": _request(v["filter"], v["sort"])
                     for v in _builtin_views(http)}
            cases |= {name: _request(f, DATE_DESC) for name, f in filter_cases(ids, flow_id).items()}
            _run_cases(ctx, url, http, cases)


def _run_cases(ctx: Context, url: str, http: httpx.Client, cases: dict[str, dict[str, Any]]) -> None:
    scale = ctx.scale
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    first_p99: dict[str, float] = {}
    try:
        with psycopg.connect(libpq_url(url), autocommit=True, options=PG_OPTIONS) as raw:
            for name, body in cases.items():
                statements = capture(engine, body)
                post = _poster(http, body)
                replay = _replayer(raw, statements)
                first = _page(post)
                for _ in range(scale.search_warmup):
                    post()
                    replay()
                http_ms, raw_ms = [], []
                deadline = time.monotonic() + scale.search_case_seconds
                for i in range(scale.search_requests):
                    if i >= MIN_SAMPLES and time.monotonic() > deadline:
                        break
                    http_ms.append(_timed(post))
                    raw_ms.append(_timed(replay))
                p99, bound = percentile(http_ms, 99), percentile(raw_ms, 99)
                first_p99[name] = p99
                log(
                    f"search {name}: total={first['total']:,}{'~' if first['total_is_estimate'] else ''} "
                    f"http[{summary(http_ms)}] raw[{summary(raw_ms)}] ({len(statements)} statements)"
                )
                emit(f"search.first_page.{name}", p99, "ms", bound, GOAL, scale.conversations,
                     p99 <= GOAL_MS and p99 <= 2 * bound)
            for name in DEEP_CASES:
                _deep(ctx, http, name, cases[name], first_p99[name])
    finally:
        engine.dispose()


def _deep(ctx: Context, http: httpx.Client, name: str, body: dict[str, Any], first_p99: float) -> None:
    scale = ctx.scale
    cursors: list[str] = []
    page = _page(_poster(http, body))
    depth = 1
    while depth < scale.deep_pages and page["next_cursor"]:
        cursor = page["next_cursor"]
        page = _page(_poster(http, {**body, "cursor": cursor}))
        depth += 1
        cursors.append(cursor)
    cursors = cursors[-5:]  # the last five pages reached: "page 50-ish"
    if not cursors:
        log(f"search deep {name}: only one page of results; no deep-page figure")
        return
    posts = [_poster(http, {**body, "cursor": c}) for c in cursors]
    for i in range(scale.search_warmup):
        posts[i % len(posts)]()
    samples: list[float] = []
    deadline = time.monotonic() + scale.search_case_seconds
    for i in range(scale.search_requests):
        if i >= MIN_SAMPLES and time.monotonic() > deadline:
            break
        samples.append(_timed(posts[i % len(posts)]))
    p99 = percentile(samples, 99)
    log(f"search deep {name}: pages {depth - len(cursors) + 1}..{depth} [{summary(samples)}]")
    figure = "search.deep_page" if name == "view.all" else f"search.deep_page.{name}"
    ok = p99 <= GOAL_MS and p99 <= 2 * first_p99
    emit(figure, p99, "ms", first_p99, DEEP_GOAL, scale.conversations, ok)


# --- HTTP side -------------------------------------------------------------------------


def _request(filter_: dict[str, Any], sort: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in filter_.items() if v is not None and not (k == "match_all_tags" and v is False)}
    return {"filter": clean, "sort": sort, "limit": LIMIT}


def _builtin_views(http: httpx.Client) -> list[dict[str, Any]]:
    response = http.get("views")
    response.raise_for_status()
    return [v for v in response.json() if v["scope"] == "builtin"]


def _poster(http: httpx.Client, body: dict[str, Any]) -> Callable[[], httpx.Response]:
    """A request of the search; timed, it covers sending it and reading the whole answer
    (the client's decoding of the JSON is left out)."""

    def post() -> httpx.Response:
        response = http.post("conversations/search", json=body)
        if response.status_code != 200:
            raise RuntimeError(f"search {body} answered {response.status_code}: {response.text[:500]}")
        return response

    return post


def _page(post: Callable[[], httpx.Response]) -> dict[str, Any]:
    return post().json()  # type: ignore[no-any-return]


def _timed(call: Callable[[], object]) -> float:
    """Milliseconds."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


# --- raw SQL side ------------------------------------------------------------------------


def capture(engine: Any, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """The statements (and bound parameters) the server's search code executes for `body`."""
    from server.schemas.conversations import SearchRequest
    from server.search import service

    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            service.search(connection, TENANT, SearchRequest.model_validate(body))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def _replayer(raw: psycopg.Connection[Any], statements: list[tuple[str, Any]]) -> Callable[[], None]:
    def replay() -> None:
        with raw.cursor() as cursor:
            for statement, parameters in statements:
                cursor.execute(statement, parameters or None)
                cursor.fetchall()

    return replay


def _sample_values(url: str) -> tuple[list[str], str]:
    """Ten ids spread over the tenant's conversations, and its first flow."""
    with psycopg.connect(libpq_url(url)) as c:
        query = "SELECT min(pk), max(pk) FROM conversations WHERE tenant_id = %s"
        lo, hi = c.execute(query, (TENANT,)).fetchone()
        pks = [lo + (hi - lo) * i // 9 for i in range(10)]
        ids = [r[0] for r in c.execute(
            "SELECT id FROM conversations WHERE tenant_id = %s AND pk = ANY(%s) ORDER BY pk", (TENANT, pks)
        )]
        if len(ids) < 10:
            ids += [r[0] for r in c.execute(
                "SELECT id FROM conversations WHERE tenant_id = %s ORDER BY pk DESC LIMIT %s",
                (TENANT, 10 - len(ids)),
            )]
        query = "SELECT id FROM flows WHERE tenant_id = %s ORDER BY id LIMIT 1"
        flow = c.execute(query, (TENANT,)).fetchone()
    return ids, flow[0]
