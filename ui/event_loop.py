"""Qt's event loop as the asyncio loop (qasync), with async generators finalised as asyncio does.

qasync runs Qt's loop in place of asyncio's but does not install asyncio's async-generator
hooks. Without them an async generator left part-way — an HTTP body whose reader stopped,
as the recording relay's does on every seek — is closed by the garbage collector outside
the loop, and httpcore's stream generators cannot close that way (they leak the connection
and log "async generator ignored GeneratorExit"). With the hooks the loop closes them as
tasks, and `close()` closes those still alive.
"""

from __future__ import annotations

import sys
from typing import Any

import qasync


class EventLoop(qasync.QEventLoop):  # type: ignore[misc]
    def run_forever(self) -> Any:
        previous = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter_hook, finalizer=self._asyncgen_finalizer_hook
        )
        try:
            return super().run_forever()
        finally:
            sys.set_asyncgen_hooks(*previous)

    def close(self) -> None:
        if not self.is_closed() and not self.is_running():
            self.run_until_complete(self.shutdown_asyncgens())
        super().close()
