"""One meaning, two engines: the same Filter on the platform and on the offline cache.

Every conversation of tenant acme is read from the running platform (summaries by
paging, then every full record) into a cache file. Then each Filter — every field
alone with several values, hostile text included, hypothesis-generated combinations,
every sort column in both directions — must give the identical list of ids in the
identical order from the platform's `conversations/search` (paged to the end) and
from the cache's search (keyset-paged to the end, and as one id list).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cache import CacheStore
from app.domain import ConversationDetail, Filter, Platform, Sort, SortColumn, Status
from tests.client.conftest import TenantCorpus, search_pages

TENANT = "acme"
Json = dict[str, Any]


# --- the two engines ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cache(acme_corpus: TenantCorpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CacheStore]:
    store = CacheStore.open(tmp_path_factory.mktemp("parity") / "cache.sqlite3")
    for detail in acme_corpus.details:
        store.write_detail(TENANT, detail)
    try:
        yield store
    finally:
        store.close()


def platform_ids(http: httpx.Client, f: Filter, sort: Sort, limit: int = 500) -> list[str]:
    return [item.id for page in search_pages(http, f, sort, limit) for item in page.items]


def cache_ids(store: CacheStore, f: Filter, sort: Sort, now: datetime, limit: int = 37) -> list[str]:
    """Keyset-paged to the end; the one-list answer must agree with the pages."""
    ids: list[str] = []
    page = store.search(TENANT, f, sort, now=now, limit=limit)
    ids += page.ids
    while page.next is not None:
        page = store.search(TENANT, f, sort, now=now, limit=limit, after=page.next)
        ids += page.ids
    assert store.all_ids(TENANT, f, sort, now=now) == ids
    assert store.count(TENANT, f, now=now) == len(ids)
    return ids


def same(http: httpx.Client, store: CacheStore, f: Filter | Json, sort: Sort | None = None) -> list[str]:
    """Both engines give the same ids in the same order; returns them.

    The platform resolves a relative date range against its own clock, read between
    `before` and `after` here. The cache is asked at both instants: they must agree
    (the durations used put the boundary between conversations), so the platform's
    answer has only one right value.
    """
    f = f if isinstance(f, Filter) else Filter.model_validate(f)
    sort = sort or Sort()
    before = datetime.now(UTC)
    online = platform_ids(http, f, sort)
    after = datetime.now(UTC)
    offline = cache_ids(store, f, sort, before)
    if f.date_within is not None:
        assert cache_ids(store, f, sort, after) == offline, "the date boundary fell between two instants"
    assert len(set(online)) == len(online)
    assert offline == online, f"filter {f!r} sort {sort!r}: platform {online[:8]}… cache {offline[:8]}…"
    return online


# --- each field alone -------------------------------------------------------------------------


def test_the_cache_holds_the_whole_tenant(
    acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus
) -> None:
    ids = same(acme_http, cache, Filter())
    assert len(ids) == len(acme_corpus.details) > 400
    size = cache.size()
    assert size.conversations == size.full_conversations == len(ids)


def test_ids(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    all_ids = [d.id for d in acme_corpus.details]
    assert same(acme_http, cache, {"ids": all_ids[::9]})
    assert same(acme_http, cache, {"ids": [all_ids[5]]}) == [all_ids[5]]
    assert same(acme_http, cache, {"ids": [all_ids[5].upper(), "cnv_%", "' OR 1=1 --", "\\", "_"]}) == []


def test_statuses(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    present = Counter(d.status for d in acme_corpus.details)
    for status in Status:
        assert len(same(acme_http, cache, {"statuses": [status]})) == present[status]
    assert same(acme_http, cache, {"statuses": [s for s, _ in present.most_common(3)]})


def test_absolute_dates(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    starts = sorted(d.started_at for d in acme_corpus.details)
    low, mid, high = starts[len(starts) // 4], starts[len(starts) // 2], starts[3 * len(starts) // 4]
    eastern = timezone_of("-05:00")
    for f in (
        {"date_from": mid},
        {"date_to": mid},
        {"date_from": mid, "date_to": mid},
        {"date_from": low, "date_to": high},
        {"date_from": mid + timedelta(microseconds=1)},
        {"date_to": mid - timedelta(microseconds=1)},
        {"date_to": mid.astimezone(eastern)},  # the same instant at another offset
        {"date_from": starts[-1] + timedelta(seconds=1)},
        {"date_to": starts[0] - timedelta(seconds=1)},
    ):
        same(acme_http, cache, f)
    assert same(acme_http, cache, {"date_from": mid, "date_to": mid})  # both ends inclusive


def timezone_of(offset: str) -> Any:
    return datetime.fromisoformat(f"2000-01-01T00:00:00{offset}").tzinfo


def within_gaps(acme_corpus: TenantCorpus, now: datetime, count: int) -> list[str]:
    """Durations whose boundary (now − duration, to the minute) lies in the middle of a
    gap of over ten minutes between two conversations: no clock read during the test
    can put a conversation on the other side."""
    starts = sorted(d.started_at for d in acme_corpus.details)
    gaps = [(b - a, a + (b - a) / 2) for a, b in itertools.pairwise(starts) if b - a > timedelta(minutes=10)]
    picked = [middle for _, middle in sorted(gaps, reverse=True)[:count]]
    durations = []
    for middle in picked:
        minutes = round((now - middle) / timedelta(minutes=1))
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        durations.append(f"P{days}DT{hours}H{minutes}M")
    return durations


def test_relative_dates(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    assert len(same(acme_http, cache, {"date_within": "P3650D"})) == len(acme_corpus.details)
    assert same(acme_http, cache, {"date_within": "PT1M"}) == []
    for within in ("P7D", "P2W", "P30D", "P8W", "P10DT12H", *within_gaps(acme_corpus, datetime.now(UTC), 6)):
        same(acme_http, cache, {"date_within": within})


def test_platforms(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    present = Counter(d.platform for d in acme_corpus.details)
    for platform in Platform:
        assert len(same(acme_http, cache, {"platforms": [platform]})) == present[platform]
    same(acme_http, cache, {"platforms": ["voice", "email", "human_phone"]})


def test_flows_direction_used_for_flagged(
    acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus
) -> None:
    flows = sorted({d.flow_id for d in acme_corpus.details if d.flow_id})
    assert len(flows) >= 2
    for flow_id in flows:
        assert same(acme_http, cache, {"flow_ids": [flow_id]})
    same(acme_http, cache, {"flow_ids": [*flows[:2], "no-such-flow", "%"]})
    for field, values in (
        ("direction", ["inbound", "outbound"]),
        ("used_for", ["production", "test"]),
        ("flagged", [True, False]),
    ):
        for value in values:
            assert same(acme_http, cache, {field: value})


def test_repeat_contacts(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    per_contact = Counter(d.contact_id for d in acme_corpus.details)
    top = max(per_contact.values())
    assert top >= 3
    for bounds in ({"min": 1}, {"min": 2}, {"max": 1}, {"min": 2, "max": 3}, {"min": top}, {"min": top + 1}):
        hits = same(acme_http, cache, {"repeat_contacts": bounds})
        low, high = bounds.get("min", 1), bounds.get("max", 10**6)
        assert len(hits) == sum(n for n in per_contact.values() if low <= n <= high)


HOSTILE_TEXT = ["%", "_", "\\", "'", '"', "%_\\", "' OR 1=1 --", "<script>", "😡", "\u202e"]


def test_contact(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    contact = acme_corpus.details[0].contact
    needles = [
        contact,
        contact[1:4],
        contact.upper(),
        contact.lower(),
        "@",
        "+1",
        "a",
        "Ä",
        "straße",
        "STRASSE",
        "ﬁ",
        "İ",
        *HOSTILE_TEXT,
        *{d.contact[:3] for d in acme_corpus.details if not d.contact.isascii()},
    ]
    matched = [needle for needle in needles if same(acme_http, cache, {"contact": needle})]
    assert contact in matched and "@" in matched


CONTENT_QUERIES = [
    "refund",
    "REFUND invoice",
    '"thank you"',
    '"thank you" refund',
    '"you thank"',
    "café",
    "CAFÉ",
    "Straße",
    "e-mail",
    "order#123",
    'refund "',
    '"',
    "!!!",
    "and",
    "AND OR NOT",
    "NEAR",
    "*",
    "^x",
    "a_b",
    "x'y",
    "%",
    "x" * 65,
    "x" * 64,
    "😡 مرحبا",
    "שלום",
    "script alert",
    "<script>alert(1)</script>",
    "DROP TABLE",
    '"drop table conversations"',
    "ﬁne",
    "²",
]


def test_content(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    # Phrases taken from real transcripts, including ones that span two messages.
    first = next(d for d in acme_corpus.details if len(d.messages) >= 3)
    tail = first.messages[0].text.split()[-2:]
    head = first.messages[1].text.split()[:2]
    queries = [*CONTENT_QUERIES, f'"{" ".join(tail + head)}"', " ".join(head), f'"{first.messages[2].text}"']
    found = {q: same(acme_http, cache, {"content": q}) for q in queries}
    assert found["refund"] and found['"thank you"'] and found["café"] == found["CAFÉ"]
    assert found["!!!"] == [] and found['"'] == []
    # Coaching is never searched.
    coached = [n.text for d in acme_corpus.details for n in d.coaching]
    for note in coached[:3]:
        same(acme_http, cache, {"content": note})


def test_functions(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    names = sorted({n for d in acme_corpus.details for n in d.functions})
    for name in names:
        assert same(acme_http, cache, {"functions": [name]})
    same(acme_http, cache, {"functions": [*names[:3], "no_such_function", "%", "Lookup_Account"]})


def test_tags_and_parameters(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    tags = Counter((t.key, t.value) for d in acme_corpus.details for t in d.tags)
    params = Counter((p.key, p.value) for d in acme_corpus.details for p in d.parameters)
    for (key, value), _ in [*tags.most_common(8), *tags.most_common()[-4:]]:
        assert same(acme_http, cache, {"tags": [{"key": key, "value": value}]})
    for (key, value), _ in [*params.most_common(8), *params.most_common()[-4:]]:
        assert same(acme_http, cache, {"parameters": [{"key": key, "value": value}]})
    multi = next(d for d in acme_corpus.details if len(d.tags) >= 2 and len(d.parameters) >= 2)
    pairs = [{"key": t.key, "value": t.value} for t in multi.tags[:2]]
    assert multi.id in same(acme_http, cache, {"tags": pairs, "match_all_tags": True})
    assert multi.id in same(acme_http, cache, {"tags": [*pairs, {"key": "x", "value": "%"}]})
    assert (
        same(acme_http, cache, {"tags": [*pairs, {"key": "x", "value": "%"}], "match_all_tags": True}) == []
    )
    both = [{"key": p.key, "value": p.value} for p in multi.parameters[:2]]
    assert multi.id in same(acme_http, cache, {"parameters": both})
    key, value = both[0]["key"], both[0]["value"]
    for hostile in (
        {"key": key.upper(), "value": value},
        {"key": key, "value": value + " "},
        {"key": "%", "value": "_"},
    ):
        same(acme_http, cache, {"parameters": [hostile]})
        same(acme_http, cache, {"tags": [hostile]})


# --- sorting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("column", list(SortColumn))
def test_sorting(
    acme_http: httpx.Client,
    cache: CacheStore,
    acme_corpus: TenantCorpus,
    column: SortColumn,
    descending: bool,
) -> None:
    sort = Sort(column=column, descending=descending)
    f = Filter()
    before = datetime.now(UTC)
    online = platform_ids(acme_http, f, sort, limit=41)  # the platform's keyset paging too
    assert online == cache_ids(cache, f, sort, before, limit=13)
    assert len(online) == len(acme_corpus.details)
    for narrowed in ({"platforms": [acme_corpus.details[0].platform]}, {"content": "account"}):
        same(acme_http, cache, narrowed, sort)


# --- combinations -----------------------------------------------------------------------------

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


def _draw(
    data: st.DataObject, corpus: TenantCorpus, name: str, pick: ConversationDetail, now: datetime
) -> Json:
    """One field whose value the conversation `pick` satisfies (so that combinations
    match something), widened with more values at random."""
    convs = corpus.details
    if name == "ids":
        more = data.draw(st.lists(st.sampled_from(convs), min_size=3, max_size=60))
        return {"ids": [pick.id, *(c.id for c in more)]}
    if name == "statuses":
        return {"statuses": [pick.status, *data.draw(st.lists(st.sampled_from(list(Status)), max_size=3))]}
    if name == "dates":
        other = data.draw(st.sampled_from(convs))
        low, high = sorted((pick.started_at, other.started_at))
        which = data.draw(st.sampled_from(["from", "to", "both"]))
        return {
            "from": {"date_from": low},
            "to": {"date_to": high},
            "both": {"date_from": low, "date_to": high},
        }[which]
    if name == "date_within":
        return {"date_within": data.draw(st.sampled_from(["P3650D", "PT1M", *within_gaps(corpus, now, 4)]))}
    if name == "platforms":
        return {
            "platforms": [pick.platform, *data.draw(st.lists(st.sampled_from(list(Platform)), max_size=2))]
        }
    if name == "flow_ids":
        flows = sorted({c.flow_id for c in convs if c.flow_id})
        mine = [pick.flow_id] if pick.flow_id else []
        return {
            "flow_ids": mine + data.draw(st.lists(st.sampled_from(flows), min_size=1 - len(mine), max_size=3))
        }
    if name in ("direction", "used_for", "flagged"):
        return {name: getattr(pick, name)}
    if name == "repeat_contacts":
        repeat = sum(c.contact_id == pick.contact_id for c in convs)
        low = data.draw(st.integers(1, repeat))
        high = data.draw(st.one_of(st.none(), st.integers(repeat, repeat + 2)))
        return {"repeat_contacts": {"min": low} | ({"max": high} if high is not None else {})}
    if name == "contact":
        start = data.draw(st.integers(0, max(0, len(pick.contact) - 1)))
        needle = pick.contact[start : start + data.draw(st.integers(1, 5))] or pick.contact
        return {"contact": data.draw(st.sampled_from([needle, needle.upper(), needle.lower()]))}
    if name == "content":
        texts = [m.text.split() for m in pick.messages if m.text.split() and m.role != "coaching"]
        words = data.draw(st.sampled_from(texts or [["order"]]))
        i = data.draw(st.integers(0, len(words) - 1))
        run = words[i : i + data.draw(st.integers(1, 3))]
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
        tags = sorted({(t.key, t.value) for c in convs for t in c.tags})
        own = sorted({(t.key, t.value) for t in pick.tags}) or tags[:1]
        every = data.draw(st.booleans())
        chosen = data.draw(st.lists(st.sampled_from(own), min_size=1, max_size=2, unique=True))
        if not every:
            chosen += data.draw(st.lists(st.sampled_from(tags), max_size=2))
        return {"tags": [{"key": k, "value": v} for k, v in chosen], "match_all_tags": every}
    if name == "parameters":
        own = sorted({(p.key, p.value) for p in pick.parameters}) or [("region", "us-east")]
        chosen = data.draw(st.lists(st.sampled_from(own), min_size=1, max_size=2, unique=True))
        return {"parameters": [{"key": k, "value": v} for k, v in chosen]}
    raise AssertionError(name)


def test_combinations(acme_http: httpx.Client, cache: CacheStore, acme_corpus: TenantCorpus) -> None:
    sizes: list[int] = []
    now = datetime.now(UTC)

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def combination(data: st.DataObject) -> None:
        names = data.draw(st.lists(st.sampled_from(FIELDS), min_size=2, max_size=5, unique=True))
        if "dates" in names and "date_within" in names:
            names.remove("dates")
        pick = data.draw(st.sampled_from(acme_corpus.details))
        f: Json = {}
        for name in names:
            f |= _draw(data, acme_corpus, name, pick, now)
        sort = Sort(column=data.draw(st.sampled_from(list(SortColumn))), descending=data.draw(st.booleans()))
        sizes.append(len(same(acme_http, cache, f, sort)))

    combination()
    assert sum(n > 1 for n in sizes) >= len(sizes) // 4, f"combinations too narrow to test much: {sizes}"
