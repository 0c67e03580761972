"""Flows, views and sync positions in the cache, within a transaction the caller holds."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert

from app.cache.schema import flows, sync_state, views
from app.domain import Flow, FlowSummary, View

# --- flows -------------------------------------------------------------------------------


def upsert_flows(conn: Connection, tenant: str, items: Sequence[FlowSummary]) -> None:
    """The tenant's flow list; a cached graph stays until the flow is fetched again."""
    if not items:
        return
    stmt = insert(flows)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[flows.c.tenant, flows.c.id],
            set_={k: stmt.excluded[k] for k in ("name", "description", "node_count")},
        ),
        [
            {
                "tenant": tenant,
                "id": f.id,
                "name": f.name,
                "description": f.description,
                "node_count": f.node_count,
            }
            for f in items
        ],
    )


def write_flow(conn: Connection, tenant: str, flow: Flow) -> None:
    stmt = insert(flows).values(
        tenant=tenant,
        id=flow.id,
        name=flow.name,
        description=flow.description,
        node_count=len(flow.nodes),
        graph=flow.model_dump(mode="json"),
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[flows.c.tenant, flows.c.id],
            set_={k: stmt.excluded[k] for k in ("name", "description", "node_count", "graph")},
        )
    )


def flow_list(conn: Connection, tenant: str) -> list[FlowSummary]:
    rows = conn.execute(
        select(flows.c.id, flows.c.name, flows.c.description, flows.c.node_count)
        .where(flows.c.tenant == tenant)
        .order_by(flows.c.name, flows.c.id)
    ).mappings()
    return [FlowSummary.model_validate(dict(row)) for row in rows]


def flow(conn: Connection, tenant: str, flow_id: str) -> Flow | None:
    graph = conn.execute(
        select(flows.c.graph).where(flows.c.tenant == tenant, flows.c.id == flow_id)
    ).scalar_one_or_none()
    return None if graph is None else Flow.model_validate(graph)


# --- views -------------------------------------------------------------------------------


def replace_views(conn: Connection, tenant: str, items: Sequence[View]) -> None:
    """The tenant's views as the platform listed them (in its order); views gone from
    the list go from the cache. "Keep offline" marks survive."""
    pinned = set(conn.execute(select(views.c.id).where(views.c.tenant == tenant, views.c.pinned)).scalars())
    conn.execute(delete(views).where(views.c.tenant == tenant))
    if items:
        conn.execute(
            views.insert(),
            [
                {
                    "tenant": tenant,
                    "id": v.id,
                    "name": v.name,
                    "record": v.model_dump(mode="json"),
                    "position": position,
                    "pinned": v.id in pinned,
                }
                for position, v in enumerate(items)
            ],
        )


def view_list(conn: Connection, tenant: str) -> list[View]:
    records = conn.execute(
        select(views.c.record).where(views.c.tenant == tenant).order_by(views.c.position)
    ).scalars()
    return [View.model_validate(r) for r in records]


def pinned_views(conn: Connection, tenant: str) -> list[str]:
    query = select(views.c.id).where(views.c.tenant == tenant, views.c.pinned).order_by(views.c.position)
    return list(conn.execute(query).scalars())


def pin_view(conn: Connection, tenant: str, view_id: str, pinned: bool) -> bool:
    result = conn.execute(
        views.update().where(views.c.tenant == tenant, views.c.id == view_id).values(pinned=pinned)
    )
    return result.rowcount > 0


# --- sync positions ----------------------------------------------------------------------


def cursors(conn: Connection, tenant: str) -> tuple[str | None, str | None]:
    """(changes cursor, events cursor) of the tenant."""
    row = conn.execute(
        select(sync_state.c.changes_cursor, sync_state.c.events_cursor).where(sync_state.c.tenant == tenant)
    ).one_or_none()
    return (None, None) if row is None else (row[0], row[1])


def set_changes_cursor(conn: Connection, tenant: str, cursor: str | None, *, now_us: int) -> None:
    """None starts the next sync from the beginning (e.g. after the events' retention lapsed)."""
    _set(conn, tenant, {"changes_cursor": cursor, "synced_at": now_us})


def set_events_cursor(conn: Connection, tenant: str, cursor: str | None) -> None:
    _set(conn, tenant, {"events_cursor": cursor})


def _set(conn: Connection, tenant: str, values: dict[str, object]) -> None:
    stmt = insert(sync_state).values(tenant=tenant, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=[sync_state.c.tenant], set_=values))
