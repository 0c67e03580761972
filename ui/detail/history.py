"""Back and forward between the conversations opened, as a browser goes between pages.

Visiting a conversation drops what lay ahead of the current one; going back or forward skips
conversations that have been closed since (there is nothing to go back to).
"""

from __future__ import annotations

from collections.abc import Callable


class VisitHistory:
    def __init__(self) -> None:
        self._visits: list[str] = []  # conversation ids, oldest first
        self._at = -1  # the current one

    def visit(self, conversation_id: str) -> None:
        if self._at >= 0 and self._visits[self._at] == conversation_id:
            return
        del self._visits[self._at + 1 :]
        self._visits.append(conversation_id)
        self._at = len(self._visits) - 1

    def back(self, is_open: Callable[[str], bool]) -> str | None:
        """The conversation to go back to (and now the current one), or None."""
        return self._go(-1, is_open)

    def forward(self, is_open: Callable[[str], bool]) -> str | None:
        return self._go(1, is_open)

    def can_go(self, step: int, is_open: Callable[[str], bool]) -> bool:
        return self._next(step, is_open) is not None

    def _go(self, step: int, is_open: Callable[[str], bool]) -> str | None:
        at = self._next(step, is_open)
        if at is None:
            return None
        self._at = at
        return self._visits[at]

    def _next(self, step: int, is_open: Callable[[str], bool]) -> int | None:
        at = self._at + step
        current = self._visits[self._at] if self._at >= 0 else None
        while 0 <= at < len(self._visits):
            if is_open(self._visits[at]) and self._visits[at] != current:
                return at
            at += step
        return None
