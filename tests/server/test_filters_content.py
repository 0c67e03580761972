"""The content filter: words, phrases (also across two turns), what is not searched; see filter_oracle."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.platform import Platform, api_client
from tests.server.filter_oracle import TENANT, Corpus, check, contains_run, read_corpus, tokens


@pytest.fixture(scope="module")
def globex(platform: Platform) -> Iterator[httpx.Client]:
    with api_client(platform.url, "admin", TENANT) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(globex: httpx.Client) -> Corpus:
    return read_corpus(globex)


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

