"""Every Filter field, and every sort column, against an independent computation.

Tenant globex only (no test mutates it). The whole tenant is read once through
the API (summaries by paging, then every full record); the expected answer of a
filter is computed here in plain Python from those records and compared with
what `conversations/search` returns over all its pages.
"""

from __future__ import annotations

import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.platform import Platform, api_client
from tests.server.records import Json, iso, parse_time, search_all, search_ids

TENANT = "globex"
SEARCHABLE_ROLES = {"customer", "agent", "system", "supervisor"}
MAX_WORD = 64
STATUSES = [
    "completed",
    "abandoned",
    "failed",
    "human_handoff",
    "in_progress",
    "reported",
    "restarted",
    "unsubscribed",
    "no_answer",
    "answering_machine_message_left",
    "answering_machine_no_message_left",
]
PLATFORMS = ["voice", "sms", "web", "email", "slack", "human_phone"]


# --- an independent reading of the content rules -------------------------------------


def tokens(text: str) -> list[str]:
    """NFKD, drop combining marks, case-fold; words are runs of letters and digits."""
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    ).casefold()
    out: list[str] = []
    word: list[str] = []
    for ch in [*folded, " "]:
        if ch.isalnum():
            word.append(ch)
        elif word:
            out.append("".join(word))
            word = []
    return [w for w in out if len(w) <= MAX_WORD]


def content_query(query: str) -> tuple[set[str], list[tuple[str, ...]]]:
    """(words that must occur, phrases that must occur as consecutive words)."""
    parts = query.split('"')
    single: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for i, part in enumerate(parts):
        quoted = i % 2 == 1 and i < len(parts) - 1  # an odd part with a closing quote after it
        found = tokens(part)
        if quoted and len(found) > 1:
            phrases.append(tuple(found))
        else:
            single.extend(found)
    return set(single), phrases


def contains_run(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


# --- the tenant, read through the API ------------------------------------------------------


@dataclass(frozen=True)
class Conv:
    summary: Json
    id: str
    status: str
    platform: str
    direction: str
    used_for: str
    flagged: bool
    flow_id: str | None
    contact_id: str
    contact: str
    started_at: datetime
    last_message_at: datetime
    duration: int
    functions: frozenset[str]
    tags: frozenset[tuple[str, str]]
    parameters: frozenset[tuple[str, str]]
    messages: tuple[list[str], ...]  # words of each searchable message, in order
    coaching: tuple[str, ...]  # coaching notes and coaching-role messages (not searched)
    repeat: int

    @property
    def words(self) -> set[str]:
        return {w for m in self.messages for w in m}

    @property
    def transcript(self) -> list[str]:
        """The words of all searchable messages in order (a phrase may span two messages)."""
        return [w for m in self.messages for w in m]


@dataclass(frozen=True)
class Corpus:
    convs: list[Conv]
    texts: list[str]  # every searchable message text, for drawing content queries

    def by_date(self, keep: Callable[[Conv], bool]) -> list[str]:
        chosen = [c for c in self.convs if keep(c)]
        return [c.id for c in sorted(chosen, key=lambda c: (c.started_at, c.id), reverse=True)]


@pytest.fixture(scope="module")
def globex(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin", TENANT) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(globex: httpx.Client) -> Corpus:
    summaries, _ = search_all(globex, {}, limit=50)
    assert len(summaries) >= 100
    details = {}
    for s in summaries:
        response = globex.get(f"conversations/{s['id']}")
        assert response.status_code == 200, response.text[:500]
        details[s["id"]] = response.json()
    per_contact = Counter(s["contact_id"] for s in summaries)
    convs, texts = [], []
    for s in summaries:
        d = details[s["id"]]
        searchable = [m["text"] for m in d["messages"] if m["role"] in SEARCHABLE_ROLES]
        texts.extend(searchable)
        convs.append(
            Conv(
                summary=s,
                id=s["id"],
                status=s["status"],
                platform=s["platform"],
                direction=s["direction"],
                used_for=s["used_for"],
                flagged=s["flagged"],
                flow_id=s["flow_id"],
                contact_id=s["contact_id"],
                contact=s["contact"],
                started_at=parse_time(s["started_at"]),
                last_message_at=parse_time(s["last_message_at"]),
                duration=s["duration_seconds"],
                functions=frozenset(call["name"] for call in d["function_calls"]),
                tags=frozenset((t["key"], t["value"]) for t in s["tags"]),
                parameters=frozenset((p["key"], p["value"]) for p in s["parameters"]),
                messages=tuple(tokens(t) for t in searchable),
                coaching=tuple(
                    [m["text"] for m in d["messages"] if m["role"] == "coaching"]
                    + [n["text"] for n in d["coaching"]]
                ),
                repeat=per_contact[s["contact_id"]],
            )
        )
    return Corpus(convs, texts)


# --- the oracle ---------------------------------------------------------------------------


def _duration(value: str) -> timedelta:
    """P<n>W, P<n>D, PT<n>H, PT<n>M and combinations (the forms these tests send)."""
    body = value.removeprefix("P")
    date_part, _, time_part = body.partition("T")
    total = timedelta()
    number = ""
    for part, units in (
        (date_part, {"W": timedelta(weeks=1), "D": timedelta(days=1)}),
        (time_part, {"H": timedelta(hours=1), "M": timedelta(minutes=1)}),
    ):
        for ch in part:
            if ch.isdigit():
                number += ch
            else:
                total += int(number) * units[ch]
                number = ""
    return total


def matches(c: Conv, f: Json, now: datetime) -> bool:
    checks: list[bool] = []
    if "ids" in f:
        checks.append(c.id in f["ids"])
    if "statuses" in f:
        checks.append(c.status in f["statuses"])
    if "date_from" in f:
        checks.append(c.started_at >= parse_time(f["date_from"]))
    if "date_to" in f:
        checks.append(c.started_at <= parse_time(f["date_to"]))
    if "date_within" in f:
        checks.append(c.started_at >= now - _duration(f["date_within"]))
    if "platforms" in f:
        checks.append(c.platform in f["platforms"])
    if "flow_ids" in f:
        checks.append(c.flow_id is not None and c.flow_id in f["flow_ids"])
    if "direction" in f:
        checks.append(c.direction == f["direction"])
    if "used_for" in f:
        checks.append(c.used_for == f["used_for"])
    if "flagged" in f:
        checks.append(c.flagged is f["flagged"])
    if "repeat_contacts" in f:
        low, high = f["repeat_contacts"].get("min"), f["repeat_contacts"].get("max")
        checks.append((low is None or c.repeat >= low) and (high is None or c.repeat <= high))
    if "contact" in f:
        checks.append(f["contact"].casefold() in c.contact.casefold())
    if "content" in f:
        words, phrases = content_query(f["content"])
        found = (words or phrases) and words <= c.words
        checks.append(bool(found) and all(contains_run(c.transcript, p) for p in phrases))
    if "functions" in f:
        checks.append(bool(c.functions & set(f["functions"])))
    if "tags" in f:
        wanted = [(t["key"], t["value"]) for t in f["tags"]]
        test = all if f.get("match_all_tags") else any
        checks.append(test(pair in c.tags for pair in wanted))
    if "parameters" in f:
        checks.append(all((p["key"], p["value"]) in c.parameters for p in f["parameters"]))
    return all(checks)


def check(client: httpx.Client, corpus: Corpus, f: Json) -> list[str]:
    """The API's answer (all pages, date descending) is the oracle's; returns it.

    A relative date range is resolved against the server's clock, which lies
    between the two instants read here: the answer must include what matches
    for the later instant and nothing that fails for the earlier one.
    """
    before = datetime.now(UTC)
    actual = search_ids(client, f)
    after = datetime.now(UTC)
    loose = corpus.by_date(lambda c: matches(c, f, before))
    tight = set(corpus.by_date(lambda c: matches(c, f, after)))
    got = set(actual)
    assert len(got) == len(actual), f"an id is listed twice for {f}"
    assert tight <= got <= set(loose), (
        f"filter {f}: missing {sorted(tight - got)[:10]}, unexpected {sorted(got - set(loose))[:10]}"
    )
    assert actual == [i for i in loose if i in got], f"order differs for {f}"
    return actual


# --- each field alone ----------------------------------------------------------------------


def test_no_filter_lists_the_whole_tenant(globex: httpx.Client, corpus: Corpus) -> None:
    ids = check(globex, corpus, {})
    assert len(ids) == len(corpus.convs)
    assert all(c.summary["id"].startswith("cnv_") for c in corpus.convs)


def test_ids(globex: httpx.Client, corpus: Corpus) -> None:
    some = [c.id for c in corpus.convs[::7]]
    assert check(globex, corpus, {"ids": some}) != []
    assert check(globex, corpus, {"ids": [corpus.convs[0].id]}) == [corpus.convs[0].id]
    assert check(globex, corpus, {"ids": ["cnv_does_not_exist", corpus.convs[3].id.upper()]}) == []


def test_ids_of_another_tenant_are_not_found(
    globex: httpx.Client, corpus: Corpus, supervisor: httpx.Client
) -> None:
    acme_ids = [
        item["id"] for item in supervisor.post("conversations/search", json={"limit": 20}).json()["items"]
    ]
    assert acme_ids
    assert check(globex, corpus, {"ids": acme_ids}) == []


def test_statuses(globex: httpx.Client, corpus: Corpus) -> None:
    present = Counter(c.status for c in corpus.convs)
    for status in STATUSES:
        assert len(check(globex, corpus, {"statuses": [status]})) == present[status]
    common = [s for s, _ in present.most_common(3)]
    assert len(check(globex, corpus, {"statuses": common})) == sum(present[s] for s in common)
    assert len(check(globex, corpus, {"statuses": STATUSES})) == len(corpus.convs)


def test_absolute_dates(globex: httpx.Client, corpus: Corpus) -> None:
    starts = sorted(c.started_at for c in corpus.convs)
    low, mid, high = starts[len(starts) // 4], starts[len(starts) // 2], starts[3 * len(starts) // 4]
    # Bounds equal to a real start time: both ends are inclusive.
    assert corpus.by_date(lambda c: c.started_at == mid)
    for f in (
        {"date_from": iso(mid)},
        {"date_to": iso(mid)},
        {"date_from": iso(low), "date_to": iso(high)},
        {"date_from": iso(mid), "date_to": iso(mid)},
        {"date_from": iso(mid + timedelta(microseconds=1))},
        {"date_to": iso(mid - timedelta(microseconds=1))},
        {"date_from": iso(starts[-1] + timedelta(seconds=1))},
        {"date_to": iso(starts[0] - timedelta(seconds=1))},
    ):
        check(globex, corpus, f)
    # Another offset names the same instant.
    shifted = mid.astimezone(datetime.fromisoformat("2000-01-01T00:00:00-05:00").tzinfo).isoformat()
    assert check(globex, corpus, {"date_to": shifted}) == check(globex, corpus, {"date_to": iso(mid)})


def test_relative_dates(globex: httpx.Client, corpus: Corpus) -> None:
    assert len(check(globex, corpus, {"date_within": "P3650D"})) == len(corpus.convs)
    assert check(globex, corpus, {"date_within": "PT1M"}) == []
    # The data is pinned around 2026-11-20; these cut through it (or not) depending on today.
    for within in ("P7D", "P2W", "P10DT12H", "PT12H", "P30D"):
        check(globex, corpus, {"date_within": within})


def test_platforms(globex: httpx.Client, corpus: Corpus) -> None:
    present = Counter(c.platform for c in corpus.convs)
    for platform in PLATFORMS:
        assert len(check(globex, corpus, {"platforms": [platform]})) == present[platform]
    assert check(globex, corpus, {"platforms": ["voice", "email"]})


def test_flow_ids(globex: httpx.Client, corpus: Corpus) -> None:
    flows = Counter(c.flow_id for c in corpus.convs if c.flow_id)
    assert len(flows) >= 2 and any(c.flow_id is None for c in corpus.convs)
    for flow_id in flows:
        assert len(check(globex, corpus, {"flow_ids": [flow_id]})) == flows[flow_id]
    assert check(globex, corpus, {"flow_ids": list(flows)[:2]})
    assert check(globex, corpus, {"flow_ids": ["no-such-flow"]}) == []


@pytest.mark.parametrize(
    "f",
    [
        {"direction": "inbound"},
        {"direction": "outbound"},
        {"used_for": "production"},
        {"used_for": "test"},
        {"flagged": True},
        {"flagged": False},
    ],
)
def test_single_valued_fields(globex: httpx.Client, corpus: Corpus, f: Json) -> None:
    assert check(globex, corpus, f), f"no {f} conversation in the data"


def test_repeat_contacts(globex: httpx.Client, corpus: Corpus) -> None:
    counts = Counter(c.repeat for c in corpus.convs)
    assert max(counts) >= 3, "the data has no repeat contacts"
    for f in (
        {"min": 1},
        {"min": 2},
        {"min": 3},
        {"max": 1},
        {"max": 2},
        {"min": 2, "max": 2},
        {"min": 2, "max": 4},
        {"min": max(counts)},
        {"min": max(counts) + 1},
    ):
        check(globex, corpus, {"repeat_contacts": f})


def test_contact(globex: httpx.Client, corpus: Corpus) -> None:
    name = next(c.contact for c in corpus.convs if c.platform == "web" and " " in c.contact)
    phone = next(c.contact for c in corpus.convs if c.contact.startswith("+"))
    email = next(c.contact for c in corpus.convs if "@" in c.contact)
    for needle in (
        name,
        name.upper(),
        name.split()[0].lower(),
        name[1:4],
        phone,
        phone[2:6],
        "+1",
        email,
        email.split("@")[1],
        "@",
        ".",
        "555",
        "<script>",
        "DROP",
        "no such contact",
    ):
        check(globex, corpus, {"contact": needle})
    assert check(globex, corpus, {"contact": name.swapcase()})


def test_content(globex: httpx.Client, corpus: Corpus) -> None:
    sentence = next(t for t in corpus.texts if len(tokens(t)) >= 6)
    words = tokens(sentence)
    rare = min(corpus.convs[0].words, key=lambda w: sum(w in c.words for c in corpus.convs))
    queries = [
        words[0],
        words[0].upper(),
        f"{words[1]} {words[3]}",
        f'"{words[1]} {words[2]} {words[3]}"',
        f'"{words[3]} {words[2]}"',  # reversed: only where it happens to occur so
        f'{words[0]} "{words[2]} {words[3]}" {words[5]}',
        f'"{words[2]}"',
        f'unbalanced "{words[0]}',
        rare,
        "Ordér",  # accents are ignored
        "ORDER NUMBER",
        "anything zzzznotaword",
        "!!! ??? ---",  # nothing searchable: matches nothing
        '""',
        "مرحبا",
        "שלום",
        "script alert",
        "drop table conversations",
        "hyperlink evil",
    ]
    hits = [len(check(globex, corpus, {"content": q})) for q in queries]
    assert hits[0] > 0 and hits[3] > 0 and hits[8] > 0
    assert hits[queries.index("!!! ??? ---")] == 0


def test_phrase_may_span_two_consecutive_messages(globex: httpx.Client, corpus: Corpus) -> None:
    """docs/filters.md: a phrase matches within one message or across the boundary
    of two consecutive messages (the end of one turn and the start of the next)."""
    inside = {tuple(m[i : i + 2]) for c in corpus.convs for m in c.messages for i in range(len(m) - 1)}
    spanning = [
        (c, (first[-1], second[0]))
        for c in corpus.convs
        for first, second in zip(c.messages, c.messages[1:], strict=False)
        if first and second and (first[-1], second[0]) not in inside
    ]
    assert spanning, "every turn boundary also occurs inside some message"
    for conv, (a, b) in spanning[:5]:
        assert conv.id in check(globex, corpus, {"content": f'"{a} {b}"'})
        # Reversed, it is not a phrase of that conversation (unless it occurs elsewhere in it).
        if not contains_run(conv.transcript, (b, a)):
            assert conv.id not in check(globex, corpus, {"content": f'"{b} {a}"'})


def test_coaching_notes_are_not_searched(globex: httpx.Client, corpus: Corpus) -> None:
    noted = [(c, note) for c in corpus.convs for note in c.coaching]
    if not noted:
        pytest.skip("no coaching notes in this tenant's data")
    checked = 0
    for conv, note in noted[:8]:
        only_in_note = [w for w in tokens(note) if w not in conv.words]
        if only_in_note:
            assert conv.id not in check(globex, corpus, {"content": only_in_note[0]})
            assert conv.id not in check(globex, corpus, {"content": " ".join(only_in_note[:3])})
            checked += 1
    assert checked, "every coaching word also occurs in its transcript"


def test_functions(globex: httpx.Client, corpus: Corpus) -> None:
    names = Counter(n for c in corpus.convs for n in c.functions)
    assert len(names) >= 3
    for name in names:
        assert len(check(globex, corpus, {"functions": [name]})) == names[name]
    assert check(globex, corpus, {"functions": list(names)[:3]})
    assert check(globex, corpus, {"functions": ["no_such_function"]}) == []


def test_tags(globex: httpx.Client, corpus: Corpus) -> None:
    pairs = Counter(t for c in corpus.convs for t in c.tags)
    multi = next(c for c in corpus.convs if len(c.tags) >= 3)
    chosen = [{"key": k, "value": v} for k, v in sorted(multi.tags)]
    for k, v in list(pairs)[:12]:
        assert len(check(globex, corpus, {"tags": [{"key": k, "value": v}]})) == pairs[(k, v)]
    any_hits = check(globex, corpus, {"tags": chosen, "match_all_tags": False})
    all_hits = check(globex, corpus, {"tags": chosen, "match_all_tags": True})
    assert multi.id in all_hits and set(all_hits) <= set(any_hits) and len(any_hits) > len(all_hits)
    # Keys and values are matched exactly.
    k, v = sorted(multi.tags)[0]
    assert multi.id not in check(globex, corpus, {"tags": [{"key": k.lower(), "value": v.upper()}]})
    assert check(globex, corpus, {"tags": [{"key": k, "value": v + " "}]}) == []


def test_parameters(globex: httpx.Client, corpus: Corpus) -> None:
    pairs = Counter(p for c in corpus.convs for p in c.parameters)
    assert pairs
    for k, v in list(pairs)[:12]:
        assert len(check(globex, corpus, {"parameters": [{"key": k, "value": v}]})) == pairs[(k, v)]
    multi = next(c for c in corpus.convs if len(c.parameters) >= 2)
    both = [{"key": k, "value": v} for k, v in sorted(multi.parameters)]
    assert multi.id in check(globex, corpus, {"parameters": both})
    mixed = [both[0], {"key": "region", "value": "nowhere"}]
    assert check(globex, corpus, {"parameters": mixed}) == []


# --- combinations -------------------------------------------------------------------------

FIELDS = (
    "ids",
    "statuses",
    "dates",
    "date_within",
    "platforms",
    "flow_ids",
    "direction",
    "used_for",
    "flagged",
    "repeat_contacts",
    "contact",
    "content",
    "functions",
    "tags",
    "parameters",
)


def _draw(data: st.DataObject, corpus: Corpus, name: str, pick: Conv) -> Json:
    """One filter field whose value `pick` (a real conversation) satisfies, so that
    combinations match something; values are widened with more data to match more."""
    convs = corpus.convs
    if name == "ids":
        more = data.draw(st.lists(st.sampled_from(convs), min_size=5, max_size=80))
        return {"ids": [pick.id, *(c.id for c in more)]}
    if name == "statuses":
        return {"statuses": [pick.status, *data.draw(st.lists(st.sampled_from(STATUSES), max_size=3))]}
    if name == "dates":
        other: Conv = data.draw(st.sampled_from(convs))
        low, high = sorted((pick.started_at, other.started_at))
        which = data.draw(st.sampled_from(["from", "to", "both"]))
        if which == "from":
            return {"date_from": iso(low)}
        if which == "to":
            return {"date_to": iso(high)}
        return {"date_from": iso(low), "date_to": iso(high)}
    if name == "date_within":
        return {"date_within": data.draw(st.sampled_from(["P3650D", "P7D", "P8D", "P2W", "P6DT12H", "PT1M"]))}
    if name == "platforms":
        return {"platforms": [pick.platform, *data.draw(st.lists(st.sampled_from(PLATFORMS), max_size=2))]}
    if name == "flow_ids":
        flows = sorted({c.flow_id for c in convs if c.flow_id})
        mine = [pick.flow_id] if pick.flow_id else []
        return {
            "flow_ids": mine + data.draw(st.lists(st.sampled_from(flows), min_size=1 - len(mine), max_size=3))
        }
    if name in ("direction", "used_for", "flagged"):
        return {name: getattr(pick, name)}
    if name == "repeat_contacts":
        low = data.draw(st.integers(1, pick.repeat))
        high = data.draw(st.one_of(st.none(), st.integers(pick.repeat, pick.repeat + 2)))
        return {"repeat_contacts": {"min": low} | ({"max": high} if high is not None else {})}
    if name == "contact":
        start = data.draw(st.integers(0, max(0, len(pick.contact) - 1)))
        size = data.draw(st.integers(1, 5))
        needle = pick.contact[start : start + size]
        return {"contact": data.draw(st.sampled_from([needle, needle.upper(), needle.lower()]))}
    if name == "content":
        message = data.draw(st.sampled_from([m for m in pick.messages if m] or [["order"]]))
        i = data.draw(st.integers(0, len(message) - 1))
        run = message[i : i + data.draw(st.integers(1, 3))]
        if data.draw(st.booleans()) and len(run) > 1:
            return {"content": f'"{" ".join(run)}"'}
        return {"content": " ".join(data.draw(st.permutations(run)))}
    if name == "functions":
        names = sorted({n for c in convs for n in c.functions})
        mine = sorted(pick.functions)[:1]
        return {
            "functions": mine
            + data.draw(st.lists(st.sampled_from(names), min_size=1 - len(mine), max_size=2))
        }
    if name == "tags":
        tags = sorted({t for c in convs for t in c.tags})
        every = data.draw(st.booleans())
        chosen = data.draw(st.lists(st.sampled_from(sorted(pick.tags)), min_size=1, max_size=2, unique=True))
        if not every:
            chosen += data.draw(st.lists(st.sampled_from(tags), max_size=2))
        return {"tags": [{"key": k, "value": v} for k, v in chosen], "match_all_tags": every}
    if name == "parameters":
        params = sorted(pick.parameters) or [("region", "us-east")]
        chosen = data.draw(st.lists(st.sampled_from(params), min_size=1, max_size=2, unique=True))
        return {"parameters": [{"key": k, "value": v} for k, v in chosen]}
    raise AssertionError(name)


def test_combinations(globex: httpx.Client, corpus: Corpus) -> None:
    seen: list[int] = []

    @settings(max_examples=40, deadline=None, derandomize=False, database=None)
    @given(data=st.data())
    def combination(data: st.DataObject) -> None:
        names = data.draw(st.lists(st.sampled_from(FIELDS), min_size=2, max_size=4, unique=True))
        if "dates" in names and "date_within" in names:
            names.remove("dates")
        pick: Conv = data.draw(st.sampled_from(corpus.convs))
        f: Json = {}
        for name in names:
            f |= _draw(data, corpus, name, pick)
        seen.append(len(check(globex, corpus, f)))

    combination()
    assert sum(n > 1 for n in seen) >= len(seen) // 4, f"combinations too narrow to test much: {seen}"


# --- sorting ------------------------------------------------------------------------------

SORT_KEYS: dict[str, Callable[[Conv], Any]] = {
    "id": lambda c: c.id,
    "platform": lambda c: c.platform,
    "contact": lambda c: c.contact,
    "status": lambda c: c.status,
    "flow": lambda c: c.summary["flow_name"],
    "duration": lambda c: c.duration,
    "last_message": lambda c: c.last_message_at,
    "date": lambda c: c.started_at,
    "flagged": lambda c: c.flagged,
}


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("column", list(SORT_KEYS))
def test_sorting(globex: httpx.Client, corpus: Corpus, column: str, descending: bool) -> None:
    sort = {"column": column, "descending": descending}
    key = SORT_KEYS[column]
    expected = [c.id for c in sorted(corpus.convs, key=lambda c: (key(c), c.id), reverse=descending)]
    items, pages = search_all(globex, {}, sort=sort, limit=17)
    assert [i["id"] for i in items] == expected
    assert all(p["total"] == len(expected) and p["total_is_estimate"] is False for p in pages)
    # A filtered listing keeps the same order.
    platform = corpus.convs[0].platform
    filtered, _ = search_all(globex, {"platforms": [platform]}, sort=sort, limit=9)
    subset = {c.id for c in corpus.convs if c.platform == platform}
    assert [i["id"] for i in filtered] == [i for i in expected if i in subset]


def test_sort_order_uses_code_points(globex: httpx.Client, corpus: Corpus) -> None:
    """Contacts with non-ASCII, upper and lower case letters sort by code point, as in Python."""
    contacts = {c.contact for c in corpus.convs}
    assert any(not ch.isascii() for name in contacts for ch in name), "no non-ASCII contact in the data"
    assert any(ch in string.ascii_uppercase for name in contacts for ch in name)
    items, _ = search_all(globex, {}, sort={"column": "contact", "descending": False})
    keys = [(i["contact"], i["id"]) for i in items]
    assert keys == sorted(keys)
