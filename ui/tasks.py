"""Background work of the window on the asyncio loop (which is Qt's, through qasync).

`spawn` keeps a reference to each task until it ends (asyncio holds only weak ones, so
an unreferenced task can vanish mid-way) and logs a failure no one awaited, so that no
exception disappears silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from PySide6.QtWidgets import QDialog

log = logging.getLogger(__name__)

T = TypeVar("T")

_running: set[asyncio.Task[Any]] = set()


def spawn(work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    task = asyncio.ensure_future(work)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("background work failed", exc_info=task.exception())


async def dialog_result(dialog: QDialog) -> int:
    """Open `dialog` window-modal and wait for its result without a nested event loop (so that
    the window, its timers and its tasks go on meanwhile)."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda code: done.done() or done.set_result(code))
    dialog.open()
    return await done
