"""Where a flow's nodes go when drawn: a layered (Sugiyama) layout by grandalf.

Pure computation, run off the GUI thread. Layers go top to bottom from the entry node;
cycles (a question asked again) are broken by grandalf's feedback edges; separate parts of
a graph sit side by side. Coordinates are in layout units (a node is NODE_W × NODE_H).
"""

from __future__ import annotations

from dataclasses import dataclass

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

from app.domain import Flow

NODE_W, NODE_H = 180.0, 44.0  # room for a label under each node
X_SPACE, Y_SPACE = 30.0, 90.0  # between nodes of a layer, and between layers
GAP = 60.0  # between parts of a graph that are not connected


@dataclass(frozen=True)
class FlowLayout:
    positions: dict[str, tuple[float, float]]  # node id -> centre (y grows downwards)
    edges: tuple[tuple[str, str], ...]  # the edges drawn (between laid-out nodes)


class _Box:
    """What grandalf needs of a vertex's view: its size, and where it put it."""

    def __init__(self) -> None:
        self.w, self.h = NODE_W, NODE_H
        self.xy = (0.0, 0.0)


def layered(flow: Flow) -> FlowLayout:
    vertices = {node.id: Vertex(node.id) for node in flow.nodes}
    for vertex in vertices.values():
        vertex.view = _Box()
    kept = tuple(
        (e.source, e.target)
        for e in flow.edges
        if e.source in vertices and e.target in vertices and e.source != e.target
    )
    graph = Graph(list(vertices.values()), [Edge(vertices[a], vertices[b]) for a, b in dict.fromkeys(kept)])
    positions: dict[str, tuple[float, float]] = {}
    left = 0.0
    for part in graph.C:  # each connected part on its own, then side by side
        layout = SugiyamaLayout(part)
        layout.xspace, layout.yspace = X_SPACE, Y_SPACE
        entry = vertices.get(flow.entry_node)
        first = entry if entry is not None and entry in part.sV else next(iter(part.sV))
        # Roots: whatever has no way in once the cycles are turned around (the entry, usually).
        layout.init_all(roots=[], inverted_edges=_closing_cycles(part, first))
        layout.draw()
        placed = {v.data: v.view.xy for v in part.sV}
        xs = [x for x, _ in placed.values()]
        shift = left - min(xs) + NODE_W / 2
        positions.update({node: (x + shift, y) for node, (x, y) in placed.items()})
        left = max(x for x, _ in positions.values()) + NODE_W / 2 + GAP
    return FlowLayout(positions, tuple(dict.fromkeys(kept)))


def _closing_cycles(part: Graph, first: Vertex) -> list[Edge]:
    """The edges that close a cycle, found walking depth first from `first` (then from any node
    not reached): turned around, they leave a graph the layers can be built on."""
    on_path, done = 1, 2
    state: dict[int, int] = {}
    closing = []
    for start in [first, *part.sV]:
        if id(start) in state:
            continue
        state[id(start)] = on_path
        path = [(start, iter(start.e_out()))]
        while path:
            vertex, edges = path[-1]
            for edge in edges:
                target = edge.v[1]
                seen = state.get(id(target))
                if seen is None:
                    state[id(target)] = on_path
                    path.append((target, iter(target.e_out())))
                    break
                if seen == on_path:
                    closing.append(edge)
            else:
                state[id(vertex)] = done
                path.pop()
    return closing
