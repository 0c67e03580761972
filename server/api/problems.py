"""RFC 9457 problem details: every error the API returns has this shape."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"


class ProblemDetail(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None


class Problem(Exception):
    """Raise anywhere in a request; becomes a problem+json response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type: str = "about:blank",
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.type = status, title, detail, type
        self.headers = headers or {}
        self.errors = errors


def not_found(what: str) -> Problem:
    return Problem(404, "Not found", f"{what} does not exist")


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def conflict(detail: str) -> Problem:
    return Problem(409, "Conflict", detail)


def response(problem: Problem) -> JSONResponse:
    body = ProblemDetail(
        type=problem.type,
        title=problem.title,
        status=problem.status,
        detail=problem.detail,
        errors=problem.errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
            for e in exc.errors()
        ]
        names = ", ".join(dict.fromkeys(e["field"] for e in errors))
        return response(Problem(422, "Invalid request", f"invalid value for: {names}", errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return response(Problem(exc.status_code, _title(exc.status_code), str(exc.detail), headers=headers))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return response(Problem(500, "Internal server error", "the platform could not complete the request"))


def _allowed_methods(request: Request) -> list[str]:
    """The methods the contract documents at this path (Starlette names only the
    first matching route's). A literal segment wins over a parameter, as it does
    for the resource: `conversations/search` is not the conversation "search"."""
    matches = [
        (params, methods)
        for pattern, params, methods in _method_table(request.app)
        if pattern.fullmatch(request.url.path)
    ]
    if not matches:
        return []
    fewest = min(params for params, _ in matches)
    return sorted({m for params, methods in matches if params == fewest for m in methods})


def _method_table(app: Any) -> list[tuple[re.Pattern[str], int, set[str]]]:
    table: list[tuple[re.Pattern[str], int, set[str]]] | None = getattr(app.state, "method_table", None)
    if table is None:
        table = []
        for template, operations in app.openapi()["paths"].items():
            pattern = re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)))
            table.append((pattern, template.count("{"), {m.upper() for m in operations}))
        app.state.method_table = table
    return table


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
