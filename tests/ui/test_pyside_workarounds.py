"""The binding's lost references to None/True/False no longer take a busy window down."""

from __future__ import annotations

import subprocess
import sys

from tests.platform import ROOT

# What a busy window does for a few minutes: void setters and Signal(object) emissions.
BUSY_WINDOW = """
import sys
{setup}
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel

app = QApplication([])
label, box = QLabel(), QCheckBox()

class News(QObject):
    said = Signal(object)

news = News()
news.said.connect(lambda value: None)
for i in range(60_000):
    label.setText(str(i))
    box.setChecked(i % 2 == 0)
    news.said.emit(True)
    news.said.emit(False)
    news.said.emit(None)
print("survived")
"""


def _run(setup: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BUSY_WINDOW.format(setup=setup)],
        cwd=ROOT,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_busy_window_survives_with_the_workaround() -> None:
    done = _run("from ui.pyside_workarounds import keep_singletons_alive; keep_singletons_alive()")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "survived"


def test_the_workaround_is_still_needed() -> None:
    """When this fails, the binding is mended: drop ui/pyside_workarounds.py."""
    done = _run("")
    if sys.version_info >= (3, 12):
        assert done.returncode == 0  # immortal singletons: nothing to mend
    else:
        assert done.returncode != 0 and "_dealloc" in done.stderr
