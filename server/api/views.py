"""Saved views: built-in, org-wide and personal; one org-wide default."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.api.deps import DbSession
from server.api.problems import forbidden, not_found
from server.auth.dependencies import TenantPrincipal, require_admin
from server.auth.principal import Principal
from server.db.models import Tenant, View
from server.schemas.views import DefaultViewIn, ViewIn, ViewOut, ViewScope

router = APIRouter(tags=["views"])

ViewId = Annotated[str, Path(min_length=1, max_length=64)]


def _out(view: View, default_id: str | None) -> ViewOut:
    return ViewOut(
        id=view.id,
        name=view.name,
        scope=ViewScope(view.scope),
        owner_user_id=view.owner_user_id,
        filter=view.filter,  # type: ignore[arg-type]
        sort=view.sort,  # type: ignore[arg-type]
        columns=view.columns,
        is_default=view.id == default_id,
        created_at=view.created_at,
        updated_at=view.updated_at,
    )


def _visible(session: Session, principal: Principal, view_id: str) -> View:
    view = session.get(View, view_id)
    if (
        view is None
        or view.tenant_id != principal.tenant_id
        or (view.scope == ViewScope.PERSONAL and view.owner_user_id != principal.user_id)
    ):
        raise not_found(f"view {view_id}")
    return view


def _editable(session: Session, principal: Principal, view_id: str) -> View:
    view = _visible(session, principal, view_id)
    if view.scope == ViewScope.BUILTIN:
        raise forbidden("built-in views cannot be changed")
    if view.scope == ViewScope.ORG and not principal.can_act:
        raise forbidden("read-only users cannot change org-wide views")
    return view


def _default_id(session: Session, tenant_id: str) -> str | None:
    return session.get_one(Tenant, tenant_id).default_view_id


@router.get("/views", summary="Views visible to the caller: built-in, org-wide and own")
def list_views(principal: TenantPrincipal, session: DbSession) -> list[ViewOut]:
    views = session.scalars(
        select(View)
        .where(
            View.tenant_id == principal.tenant_id,
            or_(View.scope != ViewScope.PERSONAL, View.owner_user_id == principal.user_id),
        )
        .order_by(View.scope, View.name, View.id)
    )
    default_id = _default_id(session, principal.tenant_id)
    return [_out(v, default_id) for v in views]


@router.post("/views", status_code=201, summary="Save a view")
def create_view(body: ViewIn, principal: TenantPrincipal, session: DbSession) -> ViewOut:
    scope = body.scope or ViewScope.PERSONAL
    if scope == ViewScope.ORG and not principal.can_act:
        raise forbidden("read-only users cannot save org-wide views")
    now = datetime.now(UTC)
    view = View(
        id=f"view_{secrets.token_hex(8)}",
        tenant_id=principal.tenant_id,
        scope=scope.value,
        owner_user_id=principal.user_id if scope == ViewScope.PERSONAL else None,
        name=body.name,
        filter=body.filter.model_dump(mode="json", exclude_none=True),
        sort=body.sort.model_dump(mode="json"),
        columns=list(body.columns),
        created_at=now,
        updated_at=now,
    )
    session.add(view)
    session.flush()
    return _out(view, _default_id(session, principal.tenant_id))


@router.put("/views/default", summary="Set the org-wide default view (admins)")
def set_default(body: DefaultViewIn, principal: TenantPrincipal, session: DbSession) -> ViewOut:
    require_admin(principal)
    view = _visible(session, principal, body.view_id)
    if view.scope == ViewScope.PERSONAL:
        raise forbidden("a personal view cannot be the org-wide default")
    session.get_one(Tenant, principal.tenant_id).default_view_id = view.id
    return _out(view, view.id)


@router.get("/views/{view_id}", summary="One view")
def get_view(view_id: ViewId, principal: TenantPrincipal, session: DbSession) -> ViewOut:
    return _out(_visible(session, principal, view_id), _default_id(session, principal.tenant_id))


@router.put("/views/{view_id}", summary="Replace a view")
def update_view(view_id: ViewId, body: ViewIn, principal: TenantPrincipal, session: DbSession) -> ViewOut:
    view = _editable(session, principal, view_id)
    if body.scope is not None and body.scope != view.scope:
        if body.scope == ViewScope.ORG and not principal.can_act:
            raise forbidden("read-only users cannot save org-wide views")
        view.owner_user_id = principal.user_id if body.scope == ViewScope.PERSONAL else None
        view.scope = body.scope.value
    view.name = body.name
    view.filter = body.filter.model_dump(mode="json", exclude_none=True)
    view.sort = body.sort.model_dump(mode="json")
    view.columns = list(body.columns)
    view.updated_at = datetime.now(UTC)
    tenant = session.get_one(Tenant, principal.tenant_id)
    if view.scope == ViewScope.PERSONAL and tenant.default_view_id == view.id:
        tenant.default_view_id = None
    return _out(view, tenant.default_view_id)


@router.delete("/views/{view_id}", status_code=204, summary="Delete a view")
def delete_view(view_id: ViewId, principal: TenantPrincipal, session: DbSession) -> Response:
    view = _editable(session, principal, view_id)
    tenant = session.get_one(Tenant, principal.tenant_id)
    if tenant.default_view_id == view.id:
        tenant.default_view_id = None
    session.delete(view)
    return Response(status_code=204)
