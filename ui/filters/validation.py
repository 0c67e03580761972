"""Turning what an editor holds into Filter fields, or into a reason shown at the field.

The rules are the Filter's own (app.domain.filter): an editor builds the fields it owns,
the pydantic model checks them, and its first error becomes one readable sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError
from PySide6.QtWidgets import QWidget

from app.domain import Filter

Location = tuple[int | str, ...]
# Where an error's location points: a label for the sentence ("Tag 2 key") and the widget to mark.
Describe = Callable[[Location], tuple[str, QWidget | None]]


class Invalid(Exception):
    """What is wrong with an editor's input, and which of its widgets to mark."""

    def __init__(self, reason: str, widget: QWidget | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.widget = widget


def rule(error: Mapping[str, Any]) -> str:
    """The rule an input broke, in words (a pydantic error, see ValidationError.errors())."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    # A length bound on an Annotated Str (AfterValidator before Field) is checked after the
    # validators and reported as the generic too_short/too_long of a "Value", not string_*.
    if kind in ("too_short", "too_long") and ctx.get("field_type") == "Value":
        kind = f"string_{kind}"
    if kind == "string_too_short":
        return (
            "must not be empty" if ctx.get("min_length") == 1 else f"at least {ctx['min_length']} characters"
        )
    if kind == "string_too_long":
        return f"at most {ctx['max_length']:,} characters"
    if kind == "too_short":
        return "needs at least one"
    if kind == "too_long":
        return f"at most {ctx['max_length']:,} allowed"
    if kind == "greater_than_equal":
        return f"at least {ctx['ge']:,}"
    if kind == "less_than_equal":
        return f"at most {ctx['le']:,}"
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def validated(fields: Mapping[str, Any], owned: tuple[str, ...], describe: Describe) -> dict[str, Any]:
    """The typed values of `owned` once the Filter accepts `fields`; else Invalid with a reason."""
    try:
        checked = Filter.model_validate(dict(fields))
    except ValidationError as exc:
        error = exc.errors()[0]
        label, widget = describe(tuple(error["loc"]))
        text = rule(error)
        raise Invalid(f"{label}: {text}" if label else text[:1].upper() + text[1:], widget) from None
    return {name: getattr(checked, name) for name in owned}
