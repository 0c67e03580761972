"""Each filter field alone, against the oracle in filter_oracle (content: test_filters_content)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from tests.platform import Platform, api_client
from tests.server.filter_oracle import PLATFORMS, STATUSES, TENANT, Corpus, check, read_corpus
from tests.server.records import Json, iso


@pytest.fixture(scope="module")
def globex(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin", TENANT) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(globex: httpx.Client) -> Corpus:
    return read_corpus(globex)


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

