"""Work-arounds for defects of the Qt binding that would otherwise take the app down.

PySide6 6.12.0 drops a reference to None on every call of a void C++ method (setText,
setChecked, …) and to True/False on emissions of a Signal(object). From CPython 3.12
these singletons are immortal and the lost references do no harm; on 3.11 their count
runs down until the interpreter aborts ("Fatal Python error: none_dealloc"), after some
ten thousand such calls: minutes of a busy window. Giving them a vast spare count makes
them as good as immortal there too. They are never freed before the interpreter ends in
any case, so the spare count changes nothing else.
"""

from __future__ import annotations

import ctypes
import sys

SPARE_REFERENCES = 1 << 50  # more than any session can lose (a loss per call, 10^9 calls a day)


def keep_singletons_alive() -> None:
    """Make None, True and False immortal on CPython before 3.12 (a no-op elsewhere)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    if hasattr(sys, "gettotalrefcount"):  # a debug build: the count is not the first field
        incref = ctypes.pythonapi.Py_IncRef
        incref.argtypes = [ctypes.py_object]
        for singleton in (None, True, False):
            for _ in range(1_000_000):
                incref(singleton)
        return
    for singleton in (None, True, False):
        # ob_refcnt, the first field of every object (Include/object.h).
        ctypes.c_ssize_t.from_address(id(singleton)).value += SPARE_REFERENCES
