"""Hostile and malformed requests: refused with a problem (4xx), never a 500, and the
platform keeps answering. Also: tenant isolation and authentication failures."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.platform import Platform, api_client
from tests.server.records import Json, assert_problem, search_all

SEARCH = "conversations/search"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def globex(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin", "globex") as client:
        yield client


@pytest.fixture(scope="module", autouse=True)
def log_start(platform: Platform) -> int:
    """Where the platform's log stood before this module: its tests must add no traceback."""
    return len(platform.log_text())


def still_answering(client: httpx.Client) -> None:
    response = client.post(SEARCH, json={"limit": 1})
    assert response.status_code == 200 and len(response.json()["items"]) == 1


# --- bodies -----------------------------------------------------------------------------------


def test_oversized_body_is_refused(readonly: httpx.Client) -> None:
    padding = "x" * (2 * MB)
    response = readonly.post(SEARCH, json={"filter": {"contact": padding}})
    assert_problem(response, 413)
    still_answering(readonly)


def test_oversized_body_without_length_is_refused(readonly: httpx.Client) -> None:
    """A chunked upload declares no length: the limit applies while it is read."""

    def chunks() -> Iterator[bytes]:
        yield b'{"filter": {"contact": "'
        for _ in range(32):
            yield b"x" * (64 * 1024)
        yield b'"}}'

    response = readonly.post(SEARCH, content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)
    still_answering(readonly)


@pytest.mark.parametrize(
    "body",
    [b"{", b"not json", b'{"filter": }', b"\xff\xfe\x00", b"[]", b"null", b'"text"', b"", b"{}}", b"NaN"],
    ids=repr,
)
def test_invalid_json_is_refused(readonly: httpx.Client, body: bytes) -> None:
    response = readonly.post(SEARCH, content=body, headers={"Content-Type": "application/json"})
    if body == b"\xff\xfe\x00":
        # Not text at all: FastAPI refuses bytes it cannot decode before parsing (400).
        assert_problem(response, response.status_code if response.status_code in (400, 422) else 422)
        return
    problem = assert_problem(response, 422)
    assert problem["errors"], problem


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"filter": {"bogus": 1}}, "filter.bogus"),
        ({"bogus": 1}, "bogus"),
        ({"filter": {"tags": [{"key": "a", "value": "b", "x": 1}]}}, "filter.tags.0.x"),
        ({"filter": {"repeat_contacts": {"min": 1, "avg": 2}}}, "filter.repeat_contacts.avg"),
        ({"sort": {"column": "date", "order": "asc"}}, "sort.order"),
    ],
)
def test_unknown_fields_are_named(readonly: httpx.Client, body: Json, field: str) -> None:
    problem = assert_problem(readonly.post(SEARCH, json=body), 422, mentions=field)
    assert field in {e["field"] for e in problem["errors"]}


WRONG: list[tuple[Json, str]] = [
    ({"filter": {"statuses": "x"}}, "filter.statuses"),
    ({"filter": {"statuses": ["x"]}}, "filter.statuses.0"),
    ({"filter": {"statuses": []}}, "filter.statuses"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"limit": -1}, "limit"),
    ({"limit": "10"}, "limit"),
    ({"limit": 1.5}, "limit"),
    ({"limit": True}, "limit"),
    ({"limit": 10**30}, "limit"),
    ({"filter": {"date_within": "7 days"}}, "filter.date_within"),
    ({"filter": {"date_within": "P"}}, "filter.date_within"),
    ({"filter": {"date_within": "PT"}}, "filter.date_within"),
    ({"filter": {"date_within": "P99999D"}}, "filter.date_within"),
    ({"filter": {"date_within": "-P7D"}}, "filter.date_within"),
    ({"filter": {"date_within": 7}}, "filter.date_within"),
    ({"filter": {"repeat_contacts": {"min": 3, "max": 2}}}, "filter.repeat_contacts"),
    ({"filter": {"repeat_contacts": {"min": 0}}}, "filter.repeat_contacts.min"),
    ({"filter": {"repeat_contacts": {"max": "2"}}}, "filter.repeat_contacts.max"),
    ({"filter": {"repeat_contacts": {"min": 2**70}}}, "filter.repeat_contacts.min"),
    ({"filter": {"flagged": 1}}, "filter.flagged"),
    ({"filter": {"flagged": "true"}}, "filter.flagged"),
    ({"filter": {"match_all_tags": "yes"}}, "filter.match_all_tags"),
    ({"filter": {"date_from": "2026-11-01T00:00:00"}}, "filter.date_from"),
    ({"filter": {"date_from": "yesterday"}}, "filter.date_from"),
    ({"filter": {"date_from": "2026-11-02T00:00:00Z", "date_to": "2026-11-01T00:00:00Z"}}, "filter"),
    ({"filter": {"date_within": "P7D", "date_from": "2026-11-01T00:00:00Z"}}, "filter"),
    ({"filter": {"ids": []}}, "filter.ids"),
    ({"filter": {"ids": "cnv_1"}}, "filter.ids"),
    ({"filter": {"ids": [1]}}, "filter.ids.0"),
    ({"filter": {"contact": ""}}, "filter.contact"),
    ({"filter": {"contact": ["a"]}}, "filter.contact"),
    ({"filter": {"tags": [{"key": "a"}]}}, "filter.tags.0.value"),
    ({"filter": {"tags": [{"key": "", "value": "b"}]}}, "filter.tags.0.key"),
    ({"filter": {"parameters": [["region", "apac"]]}}, "filter.parameters.0"),
    ({"filter": {"platforms": ["fax"]}}, "filter.platforms.0"),
    ({"filter": {"direction": "sideways"}}, "filter.direction"),
    ({"filter": {"used_for": "Production"}}, "filter.used_for"),
    ({"sort": {"column": "nope"}}, "sort.column"),
    ({"sort": {"column": "date", "descending": "no"}}, "sort.descending"),
    ({"cursor": 5}, "cursor"),
    ({"filter": []}, "filter"),
    ({"filter": None, "sort": None}, "filter"),
]


@pytest.mark.parametrize(("body", "field"), WRONG, ids=[f for _, f in WRONG])
def test_wrong_values_are_named(readonly: httpx.Client, body: Json, field: str) -> None:
    problem = assert_problem(readonly.post(SEARCH, json=body), 422, mentions=field)
    assert field in {e["field"] for e in problem["errors"]}, problem["errors"]
    assert all(isinstance(e["message"], str) and e["message"] for e in problem["errors"])


@pytest.mark.parametrize(
    "f",
    [
        {"date_from": "0001-01-01T00:00:00+01:00"},
        {"date_from": "0001-01-01T00:00:00Z"},
        {"date_to": "9999-12-31T23:59:59-01:00"},
        {"date_to": "9999-12-31T23:59:59.999999Z"},
        {"date_from": "1970-01-01T00:00:00+14:00", "date_to": "2100-01-01T00:00:00-12:00"},
        {"date_within": "P5000W"},
        {"date_within": "P36600D"},
        {"date_within": "PT9999999M"},
    ],
    ids=repr,
)
def test_extreme_dates_never_fail(readonly: httpx.Client, f: Json) -> None:
    response = readonly.post(SEARCH, json={"filter": f, "limit": 5})
    if response.status_code != 200:
        assert_problem(response, 422, mentions="filter")
    still_answering(readonly)


# --- injection-looking strings ------------------------------------------------------------

NASTY = [
    "' OR 1=1 --",
    "'; DROP TABLE conversations; --",
    "' UNION SELECT password_hash FROM users --",
    "%",
    "_",
    "%_%",
    "\\",
    "\\%",
    '"',
    '""',
    'a" OR "b',
    "*",
    "NEAR(",
    "NEAR(a b)",
    "a AND b OR NOT c",
    "col:value",
    "^start",
    "!&|():*",
    "'a' & 'b'",
    "<script>",
    "<script>alert(1)</script>",
    "\x00",
    "a\x00b",
    "\u202eevil",
    "😀",
    "$1",
    ":tsq",
    "{}[]",
]

# field → (filter for a value, whether a returned summary satisfies it)
Check = Callable[[Json], bool]
FIELDS: dict[str, tuple[Callable[[str], Json], Callable[[str], Check]]] = {
    "ids": (lambda v: {"ids": [v]}, lambda v: lambda item: item["id"] == v),
    "contact": (lambda v: {"contact": v}, lambda v: lambda item: v.casefold() in item["contact"].casefold()),
    "content": (lambda v: {"content": v}, lambda v: lambda item: True),
    "content_phrase": (lambda v: {"content": f'"{v} order"'}, lambda v: lambda item: True),
    "flow_ids": (lambda v: {"flow_ids": [v]}, lambda v: lambda item: item["flow_id"] == v),
    "functions": (lambda v: {"functions": [v]}, lambda v: lambda item: v in item["functions"]),
    "tag_key": (
        lambda v: {"tags": [{"key": v, "value": "English"}]},
        lambda v: lambda item: {"key": v, "value": "English"} in item["tags"],
    ),
    "tag_value": (
        lambda v: {"tags": [{"key": "Language", "value": v}], "match_all_tags": True},
        lambda v: lambda item: {"key": "Language", "value": v} in item["tags"],
    ),
    "parameter_key": (
        lambda v: {"parameters": [{"key": v, "value": "apac"}]},
        lambda v: lambda item: {"key": v, "value": "apac"} in item["parameters"],
    ),
    "parameter_value": (
        lambda v: {"parameters": [{"key": "region", "value": v}]},
        lambda v: lambda item: {"key": "region", "value": v} in item["parameters"],
    ),
}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("views", {"name": "before\x00after"}),
        ("views/default", {"view_id": "acme-\x00all"}),
        ("conversations/cnv_any/actions/coach", {"text": "whisper\x00"}),
    ],
    ids=["view name", "default view", "coaching text"],
)
def test_text_with_nul_is_refused_not_stored(supervisor: httpx.Client, path: str, body: Json) -> None:
    """PostgreSQL text cannot hold NUL: a field that would be stored refuses it up front
    (422), instead of failing at the database (500)."""
    response = supervisor.request("PUT" if path == "views/default" else "POST", path, json=body)
    problem = assert_problem(response, 422)
    assert [error["field"] for error in problem["errors"]] == list(body), problem
    assert "NUL" in problem["errors"][0]["message"], problem


@pytest.mark.parametrize("field", list(FIELDS))
def test_injection_strings_are_plain_values(readonly: httpx.Client, field: str) -> None:
    """Every nasty value is either refused (422) or taken literally: whatever comes back
    satisfies the filter as plain text, and SQL/LIKE/FTS syntax in it has no effect."""
    make, satisfied = FIELDS[field]
    everything = readonly.post(SEARCH, json={"limit": 1}).json()["total"]
    for value in NASTY:
        response = readonly.post(SEARCH, json={"filter": make(value), "limit": 500})
        if response.status_code == 422:
            assert_problem(response, 422, mentions="filter")
            continue
        assert response.status_code == 200, (field, value, response.status_code, response.text[:300])
        page = response.json()
        assert page["total"] == len(page["items"]) < everything, (field, value)
        assert all(satisfied(value)(item) for item in page["items"]), (field, value)
    still_answering(readonly)


def test_like_wildcards_are_literal_in_contact(readonly: httpx.Client) -> None:
    contacts = {item["contact"] for item in search_all(readonly, {})[0]}
    for value in ("%", "_", "\\", "%_%", "_a", "a%"):
        found = {i["contact"] for i in search_all(readonly, {"contact": value})[0]}
        assert found == {c for c in contacts if value.casefold() in c.casefold()}, value


def test_content_operators_are_plain_words(readonly: httpx.Client) -> None:
    """FTS/tsquery syntax is reduced to words: `order OR nothing` needs all three words."""
    plain = {i["id"] for i in search_all(readonly, {"content": "order"})[0]}
    assert plain
    assert {i["id"] for i in search_all(readonly, {"content": "order*"})[0]} == plain
    assert {i["id"] for i in search_all(readonly, {"content": "order:*"})[0]} == plain
    assert {i["id"] for i in search_all(readonly, {"content": "(order)"})[0]} == plain
    assert {i["id"] for i in search_all(readonly, {"content": "order OR zzqxnotaword"})[0]} == set()
    assert {i["id"] for i in search_all(readonly, {"content": "order NOT zzqxnotaword"})[0]} == set()


# --- lengths ----------------------------------------------------------------------------------


def many_words(n: int) -> str:
    """Exactly n characters of distinct short words ("w0 w1 w2 ...")."""
    text = " ".join(f"w{i}" for i in range(n))[:n]
    return text if not text.endswith(" ") else text[:-1] + "x"


LIMITS: list[tuple[str, Callable[[int], Json], int]] = [
    ("ids.item", lambda n: {"ids": ["i" * n]}, 200),
    ("ids.count", lambda n: {"ids": [f"cnv_{i:06d}" for i in range(n)]}, 1000),
    ("contact", lambda n: {"contact": "c" * n}, 200),
    ("content", lambda n: {"content": "w" * n}, 500),
    ("content.words", lambda n: {"content": many_words(n)}, 500),
    ("flow_ids.item", lambda n: {"flow_ids": ["f" * n]}, 200),
    ("flow_ids.count", lambda n: {"flow_ids": [f"flow-{i}" for i in range(n)]}, 200),
    ("functions.count", lambda n: {"functions": [f"fn_{i}" for i in range(n)]}, 100),
    ("tags.count", lambda n: {"tags": [{"key": f"k{i}", "value": "v"} for i in range(n)]}, 50),
    ("tags.key", lambda n: {"tags": [{"key": "k" * n, "value": "v"}]}, 200),
    ("tags.value", lambda n: {"tags": [{"key": "k", "value": "v" * n}], "match_all_tags": True}, 1000),
    ("parameters.count", lambda n: {"parameters": [{"key": f"k{i}", "value": "v"} for i in range(n)]}, 50),
    ("parameters.value", lambda n: {"parameters": [{"key": "k", "value": "v" * n}]}, 1000),
    ("date_within", lambda n: {"date_within": "P" + "0" * (n - 2) + "1D"}, 40),
]


@pytest.mark.parametrize(("name", "make", "limit"), LIMITS, ids=[n for n, _, _ in LIMITS])
def test_documented_maximum_lengths(
    readonly: httpx.Client, name: str, make: Callable[[int], Json], limit: int
) -> None:
    at = readonly.post(SEARCH, json={"filter": make(limit), "limit": 10})
    if name == "date_within":  # the pattern allows few digits: refused at any length, but as a 422
        assert_problem(at, 422, mentions="filter.date_within")
    else:
        assert at.status_code == 200, at.text[:500]
        assert at.json()["items"] == [] and at.json()["total"] == 0
    over = readonly.post(SEARCH, json={"filter": make(limit + 1), "limit": 10})
    assert_problem(over, 422, mentions="filter")
    still_answering(readonly)


def test_long_cursor_is_refused(readonly: httpx.Client) -> None:
    assert_problem(readonly.post(SEARCH, json={"cursor": "A" * 2001}), 422, mentions="cursor")
    assert_problem(readonly.post(SEARCH, json={"cursor": "A" * 2000}), 422, mentions="cursor")


# --- conversations by id ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "conversations/cnv_does_not_exist",
        "conversations/cnv_does_not_exist/audio",
        "conversations/cnv_does_not_exist/artifacts/art_x",
        "conversations/%00",
        "conversations/a%00b/audio",
        "conversations/a%00b/artifacts/x",
        "flows/%00",
        "views/%00",
        "conversations/' OR 1=1 --",
        "conversations/%25",
        "conversations/" + "x" * 64,
    ],
)
def test_unknown_conversation_is_404(readonly: httpx.Client, path: str) -> None:
    assert_problem(readonly.get(path), 404)


def test_overlong_conversation_id_is_422(readonly: httpx.Client) -> None:
    assert_problem(readonly.get("conversations/" + "x" * 65), 422, mentions="conversation_id")


def test_conversation_of_another_tenant_is_not_found(
    readonly: httpx.Client, globex: httpx.Client, supervisor: httpx.Client
) -> None:
    acme = search_all(supervisor, {"platforms": ["voice"]})[0]
    theirs = next(i for i in acme if i["has_audio"])
    for path in (f"conversations/{theirs['id']}", f"conversations/{theirs['id']}/audio"):
        problem = assert_problem(globex.get(path), 404)
        assert theirs["contact"] not in str(problem)
    assert_problem(globex.delete(f"conversations/{theirs['id']}"), 404)
    assert supervisor.get(f"conversations/{theirs['id']}").status_code == 200
    found = globex.post(SEARCH, json={"filter": {"ids": [theirs["id"]]}}).json()
    assert found["items"] == [] and found["total"] == 0


# --- authentication ----------------------------------------------------------------------------


def _call(platform: Platform, headers: dict[str, str], tenant: str = "acme") -> httpx.Response:
    return httpx.post(f"{platform.url}/api/v1/{tenant}/{SEARCH}", json={"limit": 1}, headers=headers)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer garbage",
        "Bearer a b",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
    ],
)
def test_bad_or_missing_token_is_401(platform: Platform, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = _call(platform, headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_tampered_token_is_401(platform: Platform, readonly: httpx.Client) -> None:
    token = readonly.headers["authorization"].split(" ", 1)[1]
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for forged in (f"{header}.{payload}.{flipped}", f"{header}.{payload[:-4]}abcd.{signature}"):
        response = _call(platform, {"Authorization": f"Bearer {forged}"})
        assert_problem(response, 401)
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("tenant", ["globex", "nope", "ACME"])
def test_token_of_another_tenant_is_403(platform: Platform, readonly: httpx.Client, tenant: str) -> None:
    response = _call(platform, {"Authorization": readonly.headers["authorization"]}, tenant)
    assert_problem(response, 403)
    for path in ("conversations/x", "changes", "flows"):
        other = httpx.get(
            f"{platform.url}/api/v1/{tenant}/{path}",
            headers={"Authorization": readonly.headers["authorization"]},
        )
        assert_problem(other, 403)


def test_unknown_routes_and_methods_are_problems(readonly: httpx.Client) -> None:
    assert_problem(readonly.get("no-such-thing"), 404)
    response = readonly.put(SEARCH, json={})
    assert_problem(response, 405)
    assert "POST" in response.headers["allow"]


def test_the_platform_survived(platform: Platform, readonly: httpx.Client, log_start: int) -> None:
    assert httpx.get(f"{platform.url}/healthz").status_code == 200
    still_answering(readonly)
    assert platform.process is not None and platform.process.poll() is None
    logged = platform.log_text()[log_start:]
    assert "Traceback" not in logged, logged[-3000:]
