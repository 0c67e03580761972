"""Fixtures for the window (ui/): widgets offscreen, one QApplication for the session (pytest-qt).

Helpers add their fixtures below, each in its own marked section.
"""

from __future__ import annotations

import os

# Before any Qt import: tests never need a screen (screenshots run under Xvfb instead).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
