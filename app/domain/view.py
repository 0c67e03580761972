"""Saved views: a named Filter, Sort and column layout, kept on the platform."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool

from app.domain.base import Input, Instant, Record, Str
from app.domain.enums import TableColumn, ViewScope
from app.domain.filter import Filter, Sort

DEFAULT_COLUMNS: tuple[TableColumn, ...] = tuple(TableColumn)


class View(Record):
    """A view as the platform returns it (ViewOut in the contract).

    Its Filter is validated like one the client builds: a filter with a field this
    client does not know is refused rather than applied without that field (which
    would silently show more than the view means)."""

    id: Str
    name: Str
    scope: ViewScope
    owner_user_id: Str | None
    filter: Filter
    sort: Sort
    # Plain text in the contract: a column added later is skipped by the table, not an error.
    columns: tuple[Str, ...]
    is_default: StrictBool
    created_at: Instant
    updated_at: Instant

    @property
    def known_columns(self) -> tuple[TableColumn, ...]:
        values = {c.value for c in TableColumn}
        return tuple(TableColumn(c) for c in self.columns if c in values)


class ViewIn(Input):
    """A view to create or update. Without `scope`, a new view is personal and an
    update keeps its scope."""

    name: Annotated[Str, Field(min_length=1, max_length=200)]
    scope: Literal["org", "personal"] | None = None
    filter: Filter = Filter()
    sort: Sort = Sort()
    columns: Annotated[tuple[TableColumn, ...], Field(min_length=1, max_length=12)] = DEFAULT_COLUMNS
