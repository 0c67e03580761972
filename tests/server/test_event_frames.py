"""How queued events are packed into WebSocket messages."""

from __future__ import annotations

import json

from server.events.relay import FRAME_BYTES, FRAME_EVENTS, Outgoing, frames


def _events(sizes: list[int]) -> list[Outgoing]:
    return [Outgoing(seq, json.dumps({"seq": seq, "pad": "x" * size})) for seq, size in enumerate(sizes, 1)]


def test_every_event_is_sent_once_in_order_within_the_limits() -> None:
    events = _events([10] * (2 * FRAME_EVENTS + 7) + [FRAME_BYTES // 3] * 7 + [10] * 3)
    messages = [json.loads(text) for text in frames(events)]
    assert [e["seq"] for message in messages for e in message] == [e.seq for e in events]
    assert all(1 <= len(message) <= FRAME_EVENTS for message in messages)
    sizes = [len(text) for text in frames(events)]
    assert all(size <= FRAME_BYTES + 2 for size in sizes)


def test_an_event_larger_than_a_frame_travels_alone() -> None:
    events = _events([10, FRAME_BYTES * 2, 10])
    assert [[e["seq"] for e in json.loads(text)] for text in frames(events)] == [[1], [2], [3]]


def test_nothing_to_send_makes_no_message() -> None:
    assert list(frames([])) == []
