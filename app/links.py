"""`convodesk://` links: a saved view, or a filter and sort, that open the same result.

    convodesk://open?server=https://platform.example&tenant=acme&view=VIEW_ID
    convodesk://open?server=...&tenant=acme&filter=BASE64URL_JSON&sort=date:desc

The filter travels as the contract's own JSON (docs/filters.md), so a link means the same
on any copy of the app, online or offline. A link is input from anywhere (a chat message,
a web page): it is parsed strictly, its filter validated like any other, and it names the
platform it belongs to, so that the app can refuse to apply it to a different one.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from pydantic import ValidationError

from app.domain import Filter, Sort, SortColumn
from app.filters.query import filter_json

SCHEME = "convodesk"
MAX_LENGTH = 16_000  # longer than any filter the panel can build; refuses a flood


class LinkError(ValueError):
    """A link that cannot be opened; the message says why, for the user."""


@dataclass(frozen=True)
class ConvodeskLink:
    server: str
    tenant: str
    view_id: str | None = None
    filter: Filter | None = None
    sort: Sort | None = None


def view_link(server: str, tenant: str, view_id: str) -> str:
    return _build({"server": server, "tenant": tenant, "view": view_id})


def filter_link(server: str, tenant: str, f: Filter, sort: Sort) -> str:
    body = json.dumps(filter_json(f), separators=(",", ":"), ensure_ascii=False).encode()
    encoded = base64.urlsafe_b64encode(body).decode().rstrip("=")
    order = "desc" if sort.descending else "asc"
    return _build(
        {"server": server, "tenant": tenant, "filter": encoded, "sort": f"{sort.column.value}:{order}"}
    )


def _build(query: dict[str, str]) -> str:
    return f"{SCHEME}://open?{urlencode(query)}"


def parse_link(text: str) -> ConvodeskLink:
    if len(text) > MAX_LENGTH:
        raise LinkError("This link is too long to be a Convodesk link.")
    parts = urlsplit(text.strip())
    if parts.scheme != SCHEME or parts.netloc != "open":
        raise LinkError("This is not a Convodesk link (they begin with convodesk://open?).")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    if any(len(values) != 1 for values in query.values()):
        raise LinkError("This link repeats a part; it may have been altered.")
    values = {key: vals[0] for key, vals in query.items()}
    server, tenant = values.get("server", ""), values.get("tenant", "")
    if not server or not tenant:
        raise LinkError("This link does not say which platform and organisation it belongs to.")
    if "view" in values:
        if not values["view"] or {"filter", "sort"} & values.keys():
            raise LinkError("This link names a view in a form Convodesk does not know.")
        return ConvodeskLink(server, tenant, view_id=values["view"])
    if "filter" not in values:
        raise LinkError("This link names neither a view nor a filter.")
    return ConvodeskLink(server, tenant, filter=_filter(values["filter"]), sort=_sort(values.get("sort", "")))


def _filter(encoded: str) -> Filter:
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        return Filter.model_validate_json(raw)
    except (binascii.Error, ValueError, ValidationError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else "it is not readable"
        raise LinkError(f"The filter in this link cannot be used: {first}.") from None


def _sort(text: str) -> Sort:
    if not text:
        return Sort()
    column, _, order = text.partition(":")
    if column not in {c.value for c in SortColumn} or order not in ("asc", "desc"):
        raise LinkError("The sort order in this link is not one Convodesk knows.")
    return Sort(column=SortColumn(column), descending=order == "desc")
