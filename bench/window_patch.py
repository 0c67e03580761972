"""The one-line fix the window bench can apply in its own processes, until ui/ has it.

As the window is, rows never arrive by themselves: ConversationsModel reads a block of
rows only when asked for a row's DisplayRole or RECORD_ROLE, but the table's delegate
first asks STATE_ROLE and, while the row is LOADING, paints a placeholder and returns
without asking anything else; nothing on screen ever asks for the row, so the
placeholders stay (tests and screenshots ask RECORD_ROLE themselves, which hides it).
With CONVODESK_BENCH_WINDOW_PATCH=rows-on-state the bench makes asking for a loading
row's state ask for the row too (what the proposed fix in ui/table/model.py does), so
that the window's other figures can be measured meanwhile; such figures are named
`….patched`. Nothing is patched otherwise.
"""

from __future__ import annotations

import os
from typing import Any

VARIABLE = "CONVODESK_BENCH_WINDOW_PATCH"
ROWS_ON_STATE = "rows-on-state"


def wanted() -> bool:
    value = os.environ.get(VARIABLE, "")
    if value not in ("", ROWS_ON_STATE):
        raise SystemExit(f"{VARIABLE}={value!r}: the only patch is {ROWS_ON_STATE!r}")
    return value == ROWS_ON_STATE


def suffix() -> str:
    return ".patched" if wanted() else ""


def apply() -> bool:
    """Patch ConversationsModel in this process when asked to; returns whether it did."""
    if not wanted():
        return False
    from ui.table import model

    original = model.ConversationsModel._data
    if getattr(original, "bench_patch", False):
        return True

    def _data(self: Any, index: Any, role: int) -> Any:
        value = original(self, index, role)
        if role == model.STATE_ROLE and value == model.RowState.LOADING:
            original(self, index, model.RECORD_ROLE)  # asks for the row's block, as painting should
        return value

    _data.bench_patch = True  # type: ignore[attr-defined]
    model.ConversationsModel._data = _data  # type: ignore[method-assign]
    return True
