"""Which flow a conversation follows and the path it took, spread over its transcript.

Paths are walked once per tenant (PATHS_PER_FLOW per flow, normal and ending in a
handoff); a conversation picks one that suits its length.
"""

from __future__ import annotations

import random
from bisect import bisect_right

from server.seed import text
from server.seed.enum_values import NO_TALK, P, S
from server.seed.flows import random_paths
from server.seed.records import FlowRecord, FlowStepRecord, MessageRecord
from server.seed.weights import Rand

PATHS_PER_FLOW = 48


class PathPool:
    """Precomputed paths through one flow, shortest first.

    A short transcript takes one of the shorter paths (at most about two steps per
    message), so flow paths stay plausible and cheap to build.
    """

    __slots__ = ("_fits", "paths")

    def __init__(self, paths: list[tuple[str, ...]]) -> None:
        self.paths = sorted(paths, key=len)
        lengths = [len(p) for p in self.paths]
        self._fits = [max(1, bisect_right(lengths, 2 * count + 4)) for count in range(64)]

    def fitting(self, messages: int) -> int:
        """How many of the first paths suit a transcript of this length."""
        return self._fits[messages] if messages < 64 else len(self.paths)


class FlowRoutes:
    __slots__ = ("_flow_for", "_paths", "_spread")

    def __init__(self, tenant_id: str, flows: list[FlowRecord], setup: random.Random) -> None:
        # Flows by scenario: the scenario's own flow, else one of the tenant's flows.
        by_slug = {f.id[len(tenant_id) + 1:]: f for f in flows}
        self._flow_for: dict[str, FlowRecord | None] = {}
        for i, scenario in enumerate(text.SCENARIO_FLOW):
            flow = by_slug.get(text.SCENARIO_FLOW[scenario])
            self._flow_for[scenario] = flow or (flows[i % len(flows)] if flows else None)
        self._paths: dict[str, tuple[PathPool, PathPool]] = {}  # flow id -> (normal, ending in a handoff)
        self._spread: dict[int, tuple[int, ...]] = {}  # steps * 1000 + messages -> message index per step
        for flow in flows:
            kinds = {n["id"]: n["kind"] for n in flow.graph["nodes"]}
            normal: list[tuple[str, ...]] = []
            handoff: list[tuple[str, ...]] = []
            for walked in random_paths(flow, setup, PATHS_PER_FLOW * 4, max_steps=24):
                path = tuple(walked)
                pool = handoff if kinds[path[-1]] == "handoff" else normal
                if len(pool) < PATHS_PER_FLOW:
                    pool.append(path)
            self._paths[flow.id] = (PathPool(normal or handoff), PathPool(handoff or normal))

    def route(
        self, platform: str, scenario: str, status: str, messages: list[MessageRecord], full_count: int,
        r: Rand,
    ) -> tuple[FlowRecord | None, list[FlowStepRecord]]:
        """The flow (if any) and its steps; `full_count` is the transcript length had it not been cut live."""
        # Human agents mostly work without a flow; AI conversations mostly follow one.
        has_flow = r() < (0.3 if platform == P.HUMAN_PHONE else 0.92)
        flow = self._flow_for.get(scenario) if has_flow else None
        if flow is None or not messages or status in NO_TALK:
            return flow, []
        normal, handoff = self._paths[flow.id]
        path_pool = handoff if status == S.HUMAN_HANDOFF else normal
        count = len(messages)
        path = path_pool.paths[int(r() * path_pool.fitting(count))]
        if status == S.IN_PROGRESS:  # only as far as the conversation got
            path = path[:max(1, len(path) * count // full_count)]
        steps = len(path)
        spread = self._spread.get(steps * 1000 + count)
        if spread is None:  # which message each step starts at: depends on the two lengths only
            spread = self._spread[steps * 1000 + count] = tuple(i * count // steps for i in range(steps))
        # map() runs the loop in C; the record constructor dominates anyway.
        return flow, list(map(FlowStepRecord, path, [messages[i].at for i in spread], spread))
