"""Semantic colours the QPalette has no role for: status chips, platform tints, banners.

Every pair of text on fill meets WCAG AA (contrast ≥ 4.5:1) in both themes, and every
tint drawn on the table's Base meets the 3:1 asked of non-text graphics; tests/ui/test_theme.py
holds each value to it, so a colour can be tuned here without checking by eye.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from app.domain import Platform, Status

# The palettes' Base and Window colours (ui/theme.py uses the same values): tints are
# checked against them.
LIGHT_BASE = "#ffffff"
DARK_BASE = "#17191d"
LIGHT_WINDOW = "#f5f6f8"
DARK_WINDOW = "#1f2227"


def _luminance(color: QColor) -> float:
    """WCAG 2.x relative luminance of an opaque colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours, from 1.0 (same) to 21.0 (black on white)."""
    la, lb = _luminance(a), _luminance(b)
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


# (fill, text) per status and theme: soft tinted fills with a deep ink of the same hue in
# light; dim fills with a pale ink in dark. Hues: blue running, green done, red failed,
# violet handed to a human, teal restarted, orange reported, amber unanswered, grey ended
# without result.
_BLUE = (("#dbe8fd", "#1a4397"), ("#1b3152", "#b9d3fb"))
_GREEN = (("#d9f2e1", "#17603a"), ("#163a26", "#a9e6c0"))
_RED = (("#fde2e1", "#9b1c1c"), ("#45191b", "#ffc4c2"))
_VIOLET = (("#ebe5fd", "#5426a8"), ("#2e2350", "#d5c8fd"))
_TEAL = (("#d5f1f2", "#13565e"), ("#133a3e", "#a3e3e8"))
_ORANGE = (("#feead9", "#96370e"), ("#43251a", "#ffcfae"))
_AMBER = (("#fcf0cf", "#7a4b00"), ("#3b3013", "#f5d98f"))
_GREY = (("#eceef1", "#454c57"), ("#2b2f36", "#c9ced6"))
_STONE = (("#efece8", "#544b40"), ("#322e29", "#d6cec4"))

_STATUS: dict[Status, tuple[tuple[str, str], tuple[str, str]]] = {
    Status.IN_PROGRESS: _BLUE,
    Status.COMPLETED: _GREEN,
    Status.FAILED: _RED,
    Status.HUMAN_HANDOFF: _VIOLET,
    Status.RESTARTED: _TEAL,
    Status.REPORTED: _ORANGE,
    Status.NO_ANSWER: _AMBER,
    Status.ANSWERING_MACHINE_MESSAGE_LEFT: _AMBER,
    Status.ANSWERING_MACHINE_NO_MESSAGE_LEFT: _AMBER,
    Status.ABANDONED: _GREY,
    Status.UNSUBSCRIBED: _STONE,
}


def status_colors(status: Status, dark: bool) -> tuple[QColor, QColor]:
    """(chip fill, chip text) for a conversation's status."""
    fill, text = _STATUS[status][dark]
    return QColor(fill), QColor(text)


# (light, dark) icon tints per platform, each ≥ 3:1 on its theme's Base.
_PLATFORM: dict[Platform, tuple[str, str]] = {
    Platform.VOICE: ("#16803c", "#4fd584"),
    Platform.SMS: ("#2563eb", "#6aa8ff"),
    Platform.WEB: ("#0e7490", "#3ccfe6"),
    Platform.EMAIL: ("#7c3aed", "#ad92ff"),
    Platform.SLACK: ("#a3238f", "#ec86dc"),
    Platform.HUMAN_PHONE: ("#c2410c", "#fb9550"),
}


def platform_color(platform: Platform, dark: bool) -> QColor:
    """Tint of a platform's icon in the table."""
    return QColor(_PLATFORM[platform][dark])


def chip_colors(dark: bool) -> tuple[QColor, QColor]:
    """(fill, text) of a neutral chip: tags, parameters, functions."""
    fill, text = _GREY[dark]
    return QColor(fill), QColor(text)


def flag_color(dark: bool) -> QColor:
    """The flag icon: a warm orange-red that reads as "look at this" in both themes."""
    return QColor("#ff7a45" if dark else "#d9480f")


# (background, border, text) per banner kind and theme.
_BANNER: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "info": (("#e8f1fe", "#b3cdf6", "#1a3f8a"), ("#16263d", "#2c4a75", "#c7dcff")),
    "warning": (("#fff5db", "#ecd08a", "#6e4300"), ("#33290f", "#665020", "#ffe0a3")),
    "error": (("#fdecec", "#f0b4b4", "#921b1b"), ("#3a1719", "#713033", "#ffcaca")),
    "offline": (("#eef0f3", "#cdd2da", "#363d48"), ("#262a30", "#3d434c", "#d5dae1")),
}

BANNER_KINDS: tuple[str, ...] = tuple(_BANNER)


def banner_colors(kind: str, dark: bool) -> tuple[QColor, QColor, QColor]:
    """(background, border, text) of a banner; kind is "info", "warning", "error" or "offline"."""
    try:
        background, border, text = _BANNER[kind][dark]
    except KeyError:
        raise ValueError(f"no banner kind {kind!r}; expected one of {', '.join(_BANNER)}") from None
    return QColor(background), QColor(border), QColor(text)


# (light, dark) tints of the status bar's connectivity icon, drawn on the Window colour.
_LINK: dict[str, tuple[str, str]] = {
    "connecting": ("#a15c00", "#f0b545"),
    "online": ("#16803c", "#4fd584"),
    "offline": ("#c62828", "#ff7b7b"),
    "signed_out": ("#5b6472", "#a5adb9"),
}

LINK_STATES: tuple[str, ...] = tuple(_LINK)


def link_color(link: str, dark: bool) -> QColor:
    """Tint of the connectivity icon; link is an app.connectivity.Link value."""
    try:
        return QColor(_LINK[link][dark])
    except KeyError:
        raise ValueError(f"no link state {link!r}; expected one of {', '.join(_LINK)}") from None
