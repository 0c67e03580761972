"""The layered layout of flows: every node placed apart, layers downwards, cycles and parts."""

from __future__ import annotations

import random
from typing import Any

from app.domain import Flow
from app.flow_layout import NODE_H, layered


def flow(nodes: int, edges: list[tuple[int, int]], entry: int = 0) -> Flow:
    data: dict[str, Any] = {
        "id": "f",
        "name": "F",
        "description": "",
        "entry_node": f"n{entry}",
        "nodes": [
            {"id": f"n{i}", "kind": "start" if i == entry else "message", "label": f"N{i}"}
            for i in range(nodes)
        ],
        "edges": [{"source": f"n{a}", "target": f"n{b}", "condition": ""} for a, b in edges],
    }
    return Flow.model_validate(data)


def _apart(positions: dict[str, tuple[float, float]]) -> bool:
    return len(set(positions.values())) == len(positions)


def test_a_chain_goes_down_in_layers_from_its_entry() -> None:
    layout = layered(flow(4, [(0, 1), (1, 2), (2, 3)]))
    ys = [layout.positions[f"n{i}"][1] for i in range(4)]
    assert ys == sorted(ys) and ys[1] - ys[0] >= NODE_H
    assert layout.edges == (("n0", "n1"), ("n1", "n2"), ("n2", "n3"))


def test_cycles_self_loops_unknown_ends_and_separate_parts_are_laid_out() -> None:
    edges = [(0, 1), (1, 2), (2, 0), (2, 2), (3, 4), (4, 3)]
    f = flow(6, edges)
    f = f.model_copy(update={"edges": (*f.edges, f.edges[0].model_copy(update={"target": "ghost"}))})
    layout = layered(f)
    assert set(layout.positions) == {f"n{i}" for i in range(6)} and _apart(layout.positions)
    assert ("n2", "n2") not in layout.edges and all("ghost" not in e for e in layout.edges)
    xs = {n: layout.positions[n][0] for n in layout.positions}
    one, other = [xs[f"n{i}"] for i in range(3)], [xs["n3"], xs["n4"]]
    assert max(one) < min(other) or max(other) < min(one)  # side by side, not overlapping


def test_a_large_tangled_flow_places_every_node_apart() -> None:
    rng = random.Random(3)
    edges = [(i, rng.randrange(i + 1, 300)) for i in range(299)] + [
        (rng.randrange(300), rng.randrange(300)) for _ in range(60)
    ]
    layout = layered(flow(300, edges))
    assert len(layout.positions) == 300 and _apart(layout.positions)
