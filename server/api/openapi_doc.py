"""The OpenAPI document: what FastAPI derives from the routes, plus what it
cannot know — the problem+json error responses, the bearer scheme, and the
WebSocket channel (OpenAPI has no way to describe one, so it is prose)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from server.api.problems import MEDIA_TYPE, ProblemDetail

DESCRIPTION = """\
The contract between Convodesk and a contact-center platform. Every error is an
RFC 9457 problem (`application/problem+json`).

**Authentication.** OAuth 2.0 authorization code with PKCE (S256) for the public
client `convodesk-desktop` (discovery at `/.well-known/openid-configuration`),
then an RFC 8693 token exchange to a tenant-scoped access token
(`audience` = tenant id). Every `/api/v1/{tenant}/…` operation takes that token
as `Authorization: Bearer …`.

**Live events (WebSocket).** `GET /api/v1/{tenant}/events` upgraded to a
WebSocket, with the same bearer header. Optional query `cursor`: the `cursor`
of the last event received; everything after it is replayed first, then live
events follow, each exactly once and in order. Each message is a JSON array of
one or more events in order (several when they come in a burst); an event is
`{"seq", "cursor", "type", "conversation_id", "at", "data"}` where `type` is one
of `conversation.started`, `conversation.updated`, `conversation.message`,
`conversation.ended`, `conversation.deleted`; `data.conversation` is the
conversation summary after the change and `data.message` the new message.
Close codes: 4401 unauthenticated, 4403 wrong tenant, 4422 invalid cursor,
4410 cursor older than the event retention (7 days; resync through `changes`),
4408 the client read too slowly (reconnect with its cursor).

**Counts.** `total` is exact up to 1,000 matches; above that it is the
database's estimate and `total_is_estimate` is true.
"""

ERROR_DESCRIPTIONS = {
    "400": "The request body is not readable (e.g. not UTF-8 JSON)",
    "401": "Missing, expired or invalid access token",
    "403": "The token's tenant or role does not allow this",
    "404": "No such resource in this tenant",
    "409": "The resource is not in a state that allows this",
    "413": "Request body too large",
    "416": "Range not satisfiable",
    "422": "Invalid request; `errors` names each field",
}
API_ERRORS = ("401", "403", "404", "413", "422")


def customise(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version="3.1.0",
            summary=app.summary,
            description=DESCRIPTION,
            routes=app.routes,
        )
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas["ProblemDetail"] = ProblemDetail.model_json_schema()
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        components["securitySchemes"] = {
            "tenantToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                _errors(path, operation)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _errors(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if path.startswith("/oauth/"):
        return  # OAuth endpoints answer with RFC 6749 error objects, documented by their routes
    if path.startswith("/api/v1/{tenant}/"):
        operation["security"] = [{"tenantToken": []}]
        for status in API_ERRORS:
            responses.setdefault(status, {})
        if "requestBody" in operation:
            responses.setdefault("400", {})
    problem = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}}
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            response["description"] = response.get("description") or ERROR_DESCRIPTIONS.get(status, "Error")
            if status == "422" and response["description"] == "Validation Error":
                response["description"] = ERROR_DESCRIPTIONS["422"]
            response["content"] = problem
