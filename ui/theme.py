"""Light and dark themes: the Fusion style with hand-made palettes, on every platform.

Why Fusion everywhere: the native styles (Windows 11, macOS, GTK) each honour a different
subset of palette roles, and some ignore a dark palette altogether, so the same QPalette
would look different — or half-dark — from one OS to the next. Fusion draws everything
from the palette, so both themes look the same, and as designed, on every OS.

The semantic colours that a palette has no role for (status chips, banners, tints) live
in ui/palette_colors.py; the Base and Window colours here match the ones checked there.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

from ui import icons, palette_colors

Group = QPalette.ColorGroup
Role = QPalette.ColorRole


class ThemeChoice(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


# Active/Inactive colours per role; Disabled overrides below. Inactive equals Active so a
# window that loses focus keeps its selection colour (as modern mail clients do).
_LIGHT: dict[QPalette.ColorRole, str] = {
    Role.Window: palette_colors.LIGHT_WINDOW,
    Role.WindowText: "#1f2328",
    Role.Base: palette_colors.LIGHT_BASE,
    Role.AlternateBase: "#f7f8fa",
    Role.Text: "#1f2328",
    Role.PlaceholderText: "#6b7280",
    Role.Button: "#fbfbfc",
    Role.ButtonText: "#1f2328",
    Role.BrightText: "#ffffff",
    Role.Light: "#ffffff",
    Role.Midlight: "#e9ebef",
    Role.Mid: "#c4c9d1",
    Role.Dark: "#9aa1ac",
    Role.Shadow: "#5d6470",
    Role.Highlight: "#2563eb",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#1d5bd8",
    Role.LinkVisited: "#6d3fd1",
    Role.ToolTipBase: "#2b2f36",
    Role.ToolTipText: "#f3f4f6",
    Role.Accent: "#2563eb",
}
_LIGHT_DISABLED: dict[QPalette.ColorRole, str] = {
    Role.WindowText: "#9aa0a9",
    Role.Text: "#9aa0a9",
    Role.ButtonText: "#9aa0a9",
    Role.PlaceholderText: "#b4b9c1",
    Role.Button: "#f0f1f3",
    Role.Base: "#f3f4f6",
    Role.Highlight: "#c7cbd1",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#8fa9dc",
    Role.LinkVisited: "#a996d6",
    Role.Accent: "#9fb4df",
}

_DARK: dict[QPalette.ColorRole, str] = {
    Role.Window: palette_colors.DARK_WINDOW,
    Role.WindowText: "#e6e8eb",
    Role.Base: palette_colors.DARK_BASE,
    Role.AlternateBase: "#1c1f23",
    Role.Text: "#e6e8eb",
    Role.PlaceholderText: "#8a919c",
    Role.Button: "#2a2e34",
    Role.ButtonText: "#e6e8eb",
    Role.BrightText: "#ffffff",
    Role.Light: "#3a3f47",
    Role.Midlight: "#30343b",
    Role.Mid: "#464c55",
    Role.Dark: "#111316",
    Role.Shadow: "#000000",
    Role.Highlight: "#2f6fe0",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#6aa8ff",
    Role.LinkVisited: "#b39bff",
    Role.ToolTipBase: "#2d3139",
    Role.ToolTipText: "#e6e8eb",
    Role.Accent: "#4c8dff",
}
_DARK_DISABLED: dict[QPalette.ColorRole, str] = {
    Role.WindowText: "#6b717b",
    Role.Text: "#6b717b",
    Role.ButtonText: "#6b717b",
    Role.PlaceholderText: "#555b64",
    Role.Button: "#25282d",
    Role.Base: "#1b1d21",
    Role.Highlight: "#3a3f47",
    Role.HighlightedText: "#a5abb4",
    Role.Link: "#4b6a96",
    Role.LinkVisited: "#6c6096",
    Role.Accent: "#3d5a87",
}


def make_palette(dark: bool) -> QPalette:
    """The full palette of one theme: every role in every colour group."""
    active, disabled = (_DARK, _DARK_DISABLED) if dark else (_LIGHT, _LIGHT_DISABLED)
    palette = QPalette()
    for role, value in active.items():
        palette.setColor(Group.Active, role, QColor(value))
        palette.setColor(Group.Inactive, role, QColor(value))
        palette.setColor(Group.Disabled, role, QColor(disabled.get(role, value)))
    return palette


def _style_sheet(palette: QPalette) -> str:
    """The few things Fusion does not take from the palette: tooltips get a hairline
    border and some padding (without it they melt into a window of similar tone)."""
    return (
        "QToolTip {"
        f" color: {palette.color(Role.ToolTipText).name()};"
        f" background-color: {palette.color(Role.ToolTipBase).name()};"
        f" border: 1px solid {palette.color(Role.Mid).name()};"
        " padding: 4px 6px;"
        " }"
    )


class _Style(QProxyStyle):
    """Fusion, with check box and radio button outlines that show on a dark palette too
    (Fusion darkens the window colour for them, which vanishes on a dark window)."""

    _OUTLINED = (
        QStyle.PrimitiveElement.PE_IndicatorCheckBox,
        QStyle.PrimitiveElement.PE_IndicatorRadioButton,
    )

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in self._OUTLINED or option.palette.color(Role.Window).lightness() >= 128:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(option.palette.color(Role.PlaceholderText), 1))
        box = QRectF(option.rect).adjusted(0.5, 0.5, -1.5, -1.5)
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(box.adjusted(0.5, 0.5, -0.5, -0.5))
        else:
            painter.drawRoundedRect(box, 2, 2)
        painter.restore()


class ThemeManager(QObject):
    """Applies the user's theme choice to the application and follows the OS in SYSTEM."""

    # Emitted with `dark` once the new palette is in place, whenever the choice or the
    # look changed (not when apply() repeats the current state).
    changed = Signal(bool)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._choice: ThemeChoice | None = None
        self._dark = False
        self._style = _Style()
        app.setStyle(self._style)  # once: setStyle re-polishes every widget
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme)

    @property
    def choice(self) -> ThemeChoice:
        return self._choice or ThemeChoice.SYSTEM

    @property
    def dark(self) -> bool:
        return self._dark

    def apply(self, choice: ThemeChoice) -> None:
        choice = ThemeChoice(choice)
        hints = QGuiApplication.styleHints()
        # Tell Qt the scheme too, so native parts (title bars, file dialogs) match; in
        # SYSTEM, unset it first so that colorScheme() reports the OS's own again.
        if choice is ThemeChoice.SYSTEM:
            if hasattr(hints, "unsetColorScheme"):
                hints.unsetColorScheme()
            dark = self._system_dark()
        else:
            dark = choice is ThemeChoice.DARK
            if hasattr(hints, "setColorScheme"):
                hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
        self._set(choice, dark)

    @staticmethod
    def _system_dark() -> bool:
        # Unknown (no preference, or a platform that cannot tell) counts as light.
        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def _on_system_scheme(self, _scheme: Qt.ColorScheme) -> None:
        if self._choice is ThemeChoice.SYSTEM:
            self._set(ThemeChoice.SYSTEM, self._system_dark())

    def _set(self, choice: ThemeChoice, dark: bool) -> None:
        if choice is self._choice and dark == self._dark:
            return
        look_changed = self._choice is None or dark != self._dark
        self._choice, self._dark = choice, dark
        if look_changed:
            palette = make_palette(dark)
            self._app.setPalette(palette)
            self._app.setStyleSheet(_style_sheet(palette))
            icons.clear_cache()  # icons are tinted with the old WindowText
        self.changed.emit(dark)
