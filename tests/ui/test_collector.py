"""ui.collector: the survivors of a full collection are frozen, and a sweep still reclaims
garbage cycles among frozen objects (real collections of this process's heap)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ui import collector as collector_module
from ui.collector import Collector


class _Node:
    """A tracked object that can sit in a cycle and be watched through a weak reference."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _frozen_garbage(collector: Collector) -> weakref.ref[_Node]:
    """A cycle frozen by the collector while alive, then dropped: garbage that only a sweep
    can see. Returns a weak reference to one of its nodes."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    gc.collect()
    collector.check()
    return weakref.ref(a)


@pytest.fixture
def collector(qapp: Any) -> Iterator[Collector]:
    gc.disable()  # only the tests' own collections: an automatic one would freeze too soon
    made = Collector(qapp)
    try:
        yield made
    finally:
        made.deleteLater()
        gc.unfreeze()  # leave the test process's heap as it was
        gc.enable()


def _tracked(obj: object) -> bool:
    """Whether a (non-frozen) collection would walk `obj`."""
    return any(o is obj for o in gc.get_objects())


def test_what_survives_a_full_collection_is_frozen_at_the_next_check(collector: Collector) -> None:
    survivor = _Node()
    collector.check()  # nothing to do yet: no full collection since the collector started
    assert _tracked(survivor)
    gc.collect()
    collector.check()
    assert not _tracked(survivor)  # frozen: later full collections skip it
    assert gc.get_freeze_count() > 0
    newer = _Node()
    collector.check()  # no full collection since: the new object stays young
    assert _tracked(newer)


def test_a_sweep_reclaims_a_cycle_that_died_frozen(collector: Collector) -> None:
    watched = _frozen_garbage(collector)
    gc.collect()
    assert watched() is not None  # frozen garbage: full collections do not see it
    collector.sweep()
    assert watched() is None
    assert gc.get_freeze_count() > 0  # what is alive is frozen again


def test_leaving_the_app_sweeps_unless_it_swept_a_moment_ago(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = _frozen_garbage(collector)
    collector._state_changed(Qt.ApplicationState.ApplicationInactive)
    assert watched() is not None  # the collector swept (started) less than a minute ago
    monkeypatch.setattr(collector_module, "SWEEP_AT_LEAST_S", 0.0)
    collector._state_changed(Qt.ApplicationState.ApplicationActive)
    assert watched() is not None  # coming back is no quiet moment
    collector._state_changed(Qt.ApplicationState.ApplicationInactive)
    assert watched() is None


def test_a_user_who_never_leaves_gets_a_sweep_every_half_hour(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = _frozen_garbage(collector)
    monkeypatch.setattr(collector_module, "SWEEP_AT_MOST_S", 0.0)
    collector.check()
    assert watched() is None
