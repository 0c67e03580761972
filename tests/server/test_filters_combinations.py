"""Combinations of filter fields drawn by hypothesis from real conversations; see filter_oracle."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.platform import Platform, api_client
from tests.server.filter_oracle import PLATFORMS, STATUSES, TENANT, Conv, Corpus, check, read_corpus
from tests.server.records import Json, iso


@pytest.fixture(scope="module")
def globex(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin", TENANT) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(globex: httpx.Client) -> Corpus:
    return read_corpus(globex)


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

