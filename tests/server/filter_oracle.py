"""The filter oracle: the globex tenant read through the API, and an independent reading of the rules.

Tenant globex only (no test mutates it). The whole tenant is read once per test
module through the API (summaries by paging, then every full record); the
expected answer of a filter is computed here in plain Python from those records
and compared with what `conversations/search` returns over all its pages.
Used by the test_filters_*.py modules.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from tests.server.records import Json, parse_time, search_all, search_ids

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


def read_corpus(globex: httpx.Client) -> Corpus:
    """The whole tenant: summaries by paging, then every full record."""
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

