"""Saved views and who may do what with them, against the real platform.

Views created here are deleted at the end and the org-wide default is put
back to acme-all; globex is only read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, update

from server.db.models import Tenant, View
from tests.platform import Platform, api_client
from tests.server import live

BUILTINS = {"acme-all": "All Conversations", "acme-production": "Production Calls", "acme-test": "Test Calls"}
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def created(db_url: str) -> Iterator[list[str]]:
    ids: list[str] = []
    yield ids
    with live.database(db_url).session() as session:
        session.execute(update(Tenant).where(Tenant.id == "acme").values(default_view_id="acme-all"))
        if ids:
            session.execute(delete(View).where(View.id.in_(ids)))


@pytest.fixture()
def restore_default(admin: httpx.Client) -> Iterator[None]:
    yield
    response = admin.put("views/default", json={"view_id": "acme-all"})
    assert response.status_code == 200, response.text


def save(
    client: httpx.Client, created: list[str], name: str, scope: str = "personal", **extra: Any
) -> dict[str, Any]:
    response = client.post("views", json={"name": name, "scope": scope, **extra})
    assert response.status_code == 201, response.text
    view: dict[str, Any] = response.json()
    created.append(view["id"])
    return view


def listed(client: httpx.Client) -> dict[str, dict[str, Any]]:
    response = client.get("views")
    assert response.status_code == 200, response.text
    return {v["id"]: v for v in response.json()}


def defaults(client: httpx.Client) -> list[str]:
    return [view_id for view_id, view in listed(client).items() if view["is_default"]]


def forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


def test_builtin_views_and_the_initial_default(supervisor: httpx.Client, readonly: httpx.Client) -> None:
    for client in (supervisor, readonly):
        views = listed(client)
        builtins = {i: v for i, v in views.items() if v["scope"] == "builtin"}
        assert {i: v["name"] for i, v in builtins.items()} == BUILTINS
        assert all(v["owner_user_id"] is None for v in builtins.values())
        assert builtins["acme-production"]["filter"]["used_for"] == "production"
        assert builtins["acme-test"]["filter"]["used_for"] == "test"
        assert defaults(client) == ["acme-all"]
        one = client.get("views/acme-all")
        assert one.status_code == 200 and one.json()["is_default"] is True


def test_supervisor_saves_personal_and_org_views(
    supervisor: httpx.Client, readonly: httpx.Client, admin: httpx.Client, created: list[str]
) -> None:
    personal = save(
        supervisor,
        created,
        "My failed voice calls",
        filter={"statuses": ["failed"], "platforms": ["voice"]},
        sort={"column": "duration", "descending": False},
        columns=["id", "status", "duration"],
    )
    assert (personal["scope"], personal["owner_user_id"], personal["is_default"]) == (
        "personal",
        "u-supervisor",
        False,
    )
    assert personal["filter"]["statuses"] == ["failed"]
    assert personal["sort"] == {"column": "duration", "descending": False}
    assert personal["columns"] == ["id", "status", "duration"]
    assert supervisor.get(f"views/{personal['id']}").json() == personal

    org = save(supervisor, created, "Flagged production", scope="org", filter={"flagged": True})
    assert (org["scope"], org["owner_user_id"]) == ("org", None)
    for client in (supervisor, readonly, admin):
        assert org["id"] in listed(client)

    renamed = supervisor.put(f"views/{org['id']}", json={"name": "Flagged (all)", "scope": "org"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Flagged (all)"
    assert renamed.json()["filter"].get("flagged") is None  # PUT replaces the whole view
    assert renamed.json()["updated_at"] >= org["updated_at"]


def test_readonly_may_save_personal_views_only(
    supervisor: httpx.Client, readonly: httpx.Client, created: list[str]
) -> None:
    mine = save(readonly, created, "Rita's view", filter={"contact": "smith"})
    assert mine["owner_user_id"] == "u-readonly"
    forbidden(readonly.post("views", json={"name": "Everyone's", "scope": "org"}))
    # Nor may a personal view be promoted to org-wide.
    forbidden(readonly.put(f"views/{mine['id']}", json={"name": "Everyone's", "scope": "org"}))

    org = save(supervisor, created, "Team view", scope="org")
    forbidden(readonly.put(f"views/{org['id']}", json={"name": "Hijacked", "scope": "org"}))
    forbidden(readonly.put(f"views/{org['id']}", json={"name": "Mine now", "scope": "personal"}))
    forbidden(readonly.delete(f"views/{org['id']}"))
    assert supervisor.get(f"views/{org['id']}").json()["name"] == "Team view"

    # Its own personal view it may change and delete.
    changed = readonly.put(f"views/{mine['id']}", json={"name": "Rita's renamed view"})
    assert changed.status_code == 200 and changed.json()["name"] == "Rita's renamed view"
    assert readonly.delete(f"views/{mine['id']}").status_code == 204
    assert readonly.get(f"views/{mine['id']}").status_code == 404


def test_builtin_views_cannot_be_changed(admin: httpx.Client, supervisor: httpx.Client) -> None:
    for view_id in BUILTINS:
        forbidden(admin.put(f"views/{view_id}", json={"name": "Renamed", "scope": "org"}))
        forbidden(admin.delete(f"views/{view_id}"))
        forbidden(supervisor.delete(f"views/{view_id}"))
    assert {i: v["name"] for i, v in listed(admin).items() if v["scope"] == "builtin"} == BUILTINS


def test_personal_views_are_invisible_to_others(
    supervisor: httpx.Client, readonly: httpx.Client, admin: httpx.Client, created: list[str]
) -> None:
    secret = save(supervisor, created, "Sam's private view")
    for other in (readonly, admin):
        assert secret["id"] not in listed(other)
        assert other.get(f"views/{secret['id']}").status_code == 404
        assert other.put(f"views/{secret['id']}", json={"name": "x"}).status_code == 404
        assert other.delete(f"views/{secret['id']}").status_code == 404
    assert admin.put("views/default", json={"view_id": secret["id"]}).status_code == 404
    assert supervisor.get(f"views/{secret['id']}").json()["name"] == "Sam's private view"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "filter": {"bogus": 1}},
        {"name": "x", "filter": {"statuses": ["nope"]}},
        {"name": "x", "filter": {"statuses": []}},
        {"name": "x", "filter": {"date_within": "7 days"}},
        {"name": "x", "filter": {"date_within": "P7D", "date_from": "2026-01-01T00:00:00Z"}},
        {"name": "x", "filter": {"date_from": "2026-01-01T00:00:00"}},  # no offset
        {"name": "x", "filter": {"repeat_contacts": {"min": 5, "max": 2}}},
        {"name": "x", "sort": {"column": "bogus"}},
        {"name": "x", "columns": []},
        {"name": "x", "columns": ["id", "secret_column"]},
        {"name": "x", "scope": "builtin"},
        {"name": "x", "owner_user_id": "u-admin"},
        {"name": ""},
        {"filter": {}},
    ],
)
def test_view_filters_are_validated(supervisor: httpx.Client, body: dict[str, Any]) -> None:
    before = set(listed(supervisor))
    response = supervisor.post("views", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["errors"]
    assert set(listed(supervisor)) == before


def test_invalid_filter_on_update_is_rejected(supervisor: httpx.Client, created: list[str]) -> None:
    view = save(supervisor, created, "Valid view", filter={"flagged": True})
    response = supervisor.put(f"views/{view['id']}", json={"name": "x", "filter": {"unknown_field": True}})
    assert response.status_code == 422, response.text
    assert supervisor.get(f"views/{view['id']}").json()["filter"]["flagged"] is True


@pytest.mark.usefixtures("restore_default")
def test_only_admins_set_the_default(
    supervisor: httpx.Client, readonly: httpx.Client, admin: httpx.Client, created: list[str]
) -> None:
    forbidden(supervisor.put("views/default", json={"view_id": "acme-production"}))
    forbidden(readonly.put("views/default", json={"view_id": "acme-production"}))
    assert defaults(admin) == ["acme-all"]

    response = admin.put("views/default", json={"view_id": "acme-production"})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "acme-production" and response.json()["is_default"] is True
    for client in (supervisor, readonly, admin):
        assert defaults(client) == ["acme-production"]

    org = save(supervisor, created, "Org default candidate", scope="org")
    assert admin.put("views/default", json={"view_id": org["id"]}).status_code == 200
    assert defaults(readonly) == [org["id"]]

    personal = save(admin, created, "Ada's own")
    forbidden(admin.put("views/default", json={"view_id": personal["id"]}))
    assert admin.put("views/default", json={"view_id": "view_missing"}).status_code == 404
    assert admin.put("views/default", json={}).status_code == 422
    assert defaults(admin) == [org["id"]]


def test_relative_dates_stay_relative(supervisor: httpx.Client, created: list[str]) -> None:
    view = save(supervisor, created, "Last week", filter={"date_within": "P7D", "platforms": ["voice"]})
    assert view["filter"]["date_within"] == "P7D"
    assert view["filter"].get("date_from") is None and view["filter"].get("date_to") is None
    again = supervisor.get(f"views/{view['id']}").json()
    assert again["filter"]["date_within"] == "P7D"
    assert again["filter"].get("date_from") is None
    assert listed(supervisor)[view["id"]]["filter"]["date_within"] == "P7D"
    updated = supervisor.put(
        f"views/{view['id']}", json={"name": "Last 12 hours", "filter": {"date_within": "PT12H"}}
    )
    assert updated.status_code == 200 and updated.json()["filter"]["date_within"] == "PT12H"
    # Absolute dates stay absolute.
    fixed = save(supervisor, created, "November", filter={"date_from": "2026-11-01T00:00:00+00:00"})
    assert fixed["filter"]["date_from"].startswith("2026-11-01T00:00:00")
    assert fixed["filter"].get("date_within") is None


@pytest.mark.usefixtures("restore_default")
def test_deleting_the_default_view_clears_the_default(
    supervisor: httpx.Client, admin: httpx.Client, created: list[str]
) -> None:
    org = save(supervisor, created, "Soon the default", scope="org")
    assert admin.put("views/default", json={"view_id": org["id"]}).status_code == 200
    assert supervisor.delete(f"views/{org['id']}").status_code == 204
    assert defaults(supervisor) == []
    assert supervisor.get(f"views/{org['id']}").status_code == 404


@pytest.mark.usefixtures("restore_default")
def test_making_the_default_personal_clears_the_default(
    supervisor: httpx.Client, admin: httpx.Client, readonly: httpx.Client, created: list[str]
) -> None:
    org = save(supervisor, created, "Shared then taken back", scope="org")
    assert admin.put("views/default", json={"view_id": org["id"]}).status_code == 200
    response = supervisor.put(f"views/{org['id']}", json={"name": "Sam's now", "scope": "personal"})
    assert response.status_code == 200, response.text
    assert (response.json()["scope"], response.json()["owner_user_id"]) == ("personal", "u-supervisor")
    assert response.json()["is_default"] is False
    assert defaults(readonly) == []
    assert readonly.get(f"views/{org['id']}").status_code == 404


def test_acme_views_are_not_found_on_globex(
    platform: Platform, supervisor: httpx.Client, created: list[str]
) -> None:
    org = save(supervisor, created, "Acme only", scope="org")
    with api_client(platform.url, "admin", tenant="globex") as globex:
        globex_views = listed(globex)
        assert org["id"] not in globex_views
        assert not any(view_id.startswith("acme-") for view_id in globex_views)
        for view_id in (org["id"], "acme-all"):
            assert globex.get(f"views/{view_id}").status_code == 404
            assert globex.put(f"views/{view_id}", json={"name": "x", "scope": "org"}).status_code == 404
            assert globex.delete(f"views/{view_id}").status_code == 404
            assert globex.put("views/default", json={"view_id": view_id}).status_code == 404
        assert defaults(globex) == ["globex-all"]
    assert supervisor.get(f"views/{org['id']}").json()["name"] == "Acme only"
