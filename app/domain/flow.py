"""Flows: the graphs that AI agents follow."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from app.domain.base import Record, Str
from app.domain.enums import FlowNodeKind


class FlowSummary(Record):
    id: Str
    name: Str
    description: Str
    node_count: Annotated[StrictInt, Field(ge=0)]


class FlowNode(Record):
    id: Str
    kind: FlowNodeKind
    label: Str


class FlowEdge(Record):
    source: Str
    target: Str
    condition: Str


class Flow(Record):
    """A whole flow graph (FlowOut in the contract)."""

    id: Str
    name: Str
    description: Str
    entry_node: Str
    nodes: tuple[FlowNode, ...]
    edges: tuple[FlowEdge, ...]

    def node(self, node_id: str) -> FlowNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)
