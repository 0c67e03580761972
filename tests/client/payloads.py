"""Malformed payloads for the hostile-input tests: a valid one with one field changed."""

from __future__ import annotations

import copy
from typing import Any

Json = dict[str, Any]


def altered(item: Json, path: str, value: Any) -> Json:
    """A deep copy of `item` with the field at a dotted path set (or removed with ...)."""
    copied = copy.deepcopy(item)
    *parents, last = path.split(".")
    target: Any = copied
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is ...:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return copied
