"""Flow graphs: the paths an AI agent can take through a conversation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from server.api.deps import DbSession
from server.api.problems import not_found
from server.auth.dependencies import TenantPrincipal
from server.db.models import Flow
from server.schemas.views import FlowOut, FlowSummary

router = APIRouter(tags=["flows"])


@router.get("/flows", summary="The tenant's flows")
def list_flows(principal: TenantPrincipal, session: DbSession) -> list[FlowSummary]:
    flows = session.scalars(select(Flow).where(Flow.tenant_id == principal.tenant_id).order_by(Flow.name))
    return [
        FlowSummary(id=f.id, name=f.name, description=f.description, node_count=len(f.graph["nodes"]))
        for f in flows
    ]


@router.get("/flows/{flow_id}", summary="One flow's graph")
def get_flow(
    flow_id: Annotated[str, Path(min_length=1, max_length=100)],
    principal: TenantPrincipal,
    session: DbSession,
) -> FlowOut:
    flow = session.get(Flow, flow_id)
    if flow is None or flow.tenant_id != principal.tenant_id:
        raise not_found(f"flow {flow_id}")
    return FlowOut(
        id=flow.id,
        name=flow.name,
        description=flow.description,
        entry_node=flow.entry_node,
        nodes=flow.graph["nodes"],
        edges=flow.graph["edges"],
    )
