"""Saved views and flows as the API returns them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.domain import TABLE_COLUMNS, FlowNodeKind
from server.schemas.filter import Filter, Short, Sort, Text

COLUMNS = TABLE_COLUMNS
Column = Literal[COLUMNS]  # type: ignore[valid-type]


class ViewScope(StrEnum):
    BUILTIN = "builtin"  # All Conversations, Production Calls, Test Calls
    ORG = "org"  # shared with the whole tenant
    PERSONAL = "personal"  # visible to its owner only


class ViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Short  # no NUL: PostgreSQL text cannot hold one
    scope: Literal[ViewScope.ORG, ViewScope.PERSONAL] | None = Field(
        default=None, description="New views default to personal; an update without it keeps the scope."
    )
    filter: Filter = Filter()
    sort: Sort = Sort()
    columns: Annotated[list[Column], Field(min_length=1, max_length=len(COLUMNS))] = list(COLUMNS)


class ViewOut(BaseModel):
    id: str
    name: str
    scope: ViewScope
    owner_user_id: str | None
    filter: Filter
    sort: Sort
    columns: list[str]
    is_default: bool
    created_at: datetime
    updated_at: datetime


class DefaultViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    view_id: Annotated[Text, Field(min_length=1, max_length=64)]


class FlowNode(BaseModel):
    id: str
    kind: FlowNodeKind
    label: str


class FlowEdge(BaseModel):
    source: str
    target: str
    condition: str


class FlowSummary(BaseModel):
    id: str
    name: str
    description: str
    node_count: int


class FlowOut(BaseModel):
    id: str
    name: str
    description: str
    entry_node: str
    nodes: list[FlowNode]
    edges: list[FlowEdge]
