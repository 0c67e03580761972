"""Short full garbage collections on the GUI thread.

CPython's full collection walks every tracked object that is not frozen. Once the user
has scrolled and filtered, the window holds tens of thousands of long-lived ones (rows
read into the table's blocks, the cache's decoded tags shared between rows), and a full
collection over them took 60–100 ms: a frozen frame every few seconds while live calls
update the table. So what survives a full collection is frozen too (`gc.freeze`): later
full collections walk only what has lived long since, a few milliseconds.

Frozen objects are still freed when their last reference goes; only garbage *cycles*
among them wait. A sweep reclaims those: everything is unfrozen, collected once and
frozen again. The sweep takes as long as the old full collections did, so it runs when
it costs the user nothing, when Convodesk stops being the active application, or, if the
user never leaves it, once every SWEEP_AT_MOST_S.
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

CHECK_MS = 1000  # how soon the survivors of a full collection are frozen
SWEEP_AT_LEAST_S = 60.0  # no sweep sooner than this after the last one
SWEEP_AT_MOST_S = 30 * 60.0  # and never longer without one


def full_collections() -> int:
    """How many full (generation 2) collections this process has run."""
    return int(gc.get_stats()[2]["collections"])


class Collector(QObject):
    """Freezes the survivors of each full collection; sweeps the frozen heap at quiet moments."""

    def __init__(self, app: QGuiApplication) -> None:
        super().__init__(app)
        self._seen = full_collections()
        self._swept = time.monotonic()
        self._check = QTimer(self, interval=CHECK_MS)
        self._check.timeout.connect(self.check)
        self._check.start()
        app.applicationStateChanged.connect(self._state_changed)

    def check(self) -> None:
        """Freeze what the full collections since the last check left (and sweep if overdue)."""
        if time.monotonic() - self._swept >= SWEEP_AT_MOST_S:
            self.sweep()
            return
        done = full_collections()
        if done != self._seen:
            self._seen = done
            gc.freeze()

    def sweep(self) -> None:
        """Collect the whole heap once, frozen objects included, and freeze the rest again."""
        started = time.perf_counter()
        gc.unfreeze()
        collected = gc.collect()
        gc.freeze()
        self._seen = full_collections()
        self._swept = time.monotonic()
        log.debug(
            "swept the heap in %.0f ms: %d objects collected, %d frozen",
            (time.perf_counter() - started) * 1000,
            collected,
            gc.get_freeze_count(),
        )

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state != Qt.ApplicationState.ApplicationActive and (
            time.monotonic() - self._swept >= SWEEP_AT_LEAST_S
        ):
            self.sweep()
