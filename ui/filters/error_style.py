"""How the panel marks a field in error, and its few colours (derived from the palette).

A marked widget carries the dynamic property `error=true`, so that a theme's style sheet
can restyle it; `panel_style_sheet` is the default look until one does.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

ERROR_PROPERTY = "error"


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def error_color(palette: QPalette) -> QColor:
    """The error red, readable on this palette's window colour (one place to swap it)."""
    return QColor("#ff7a70") if is_dark(palette) else QColor("#c42b1c")


def secondary_color(palette: QPalette) -> QColor:
    """Captions and counts: the palette's placeholder text, which both light and dark set."""
    return palette.color(QPalette.ColorRole.PlaceholderText)


def mark(widget: QWidget, in_error: bool) -> None:
    if bool(widget.property(ERROR_PROPERTY)) == in_error:
        return
    widget.setProperty(ERROR_PROPERTY, in_error)
    # A dynamic property takes effect in a style sheet only once the widget is polished again.
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def panel_style_sheet(palette: QPalette) -> str:
    red = error_color(palette).name()
    grey = secondary_color(palette).name()
    rule = palette.color(QPalette.ColorRole.Midlight if is_dark(palette) else QPalette.ColorRole.Mid).name()
    return f"""
QLineEdit[error="true"], QAbstractSpinBox[error="true"], QAbstractScrollArea[error="true"],
QFrame#choiceGroup[error="true"] {{
    border: 1px solid {red}; border-radius: 3px;
}}
QLineEdit[error="true"] {{ padding: 1px 3px; }}
*[role="reason"] {{ color: {red}; }}
*[role="caption"], *[role="count"] {{ color: {grey}; }}
QFrame#filterRule {{ border: none; background: {rule}; max-height: 1px; min-height: 1px; }}
"""
