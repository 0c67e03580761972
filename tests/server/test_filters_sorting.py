"""Every sort column, both directions, over all pages and under a filter; see filter_oracle."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.platform import Platform, api_client
from tests.server.filter_oracle import TENANT, Conv, Corpus, read_corpus
from tests.server.records import search_all


@pytest.fixture(scope="module")
def globex(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin", TENANT) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(globex: httpx.Client) -> Corpus:
    return read_corpus(globex)


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
