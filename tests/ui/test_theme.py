"""Themes, semantic colours and icons (ui/theme.py, ui/palette_colors.py, ui/icons.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QProxyStyle

from app.connectivity import Link
from app.domain import Platform, Status
from ui import icons, palette_colors
from ui.palette_colors import contrast
from ui.theme import ThemeChoice, ThemeManager, make_palette

Role = QPalette.ColorRole
THEMES = pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])


@pytest.fixture
def theme(qapp: Any) -> Iterator[ThemeManager]:
    """A ThemeManager on the session's QApplication, whose look is restored afterwards."""
    palette, sheet, style = QPalette(qapp.palette()), qapp.styleSheet(), qapp.style().name()
    manager = ThemeManager(qapp)
    yield manager
    manager.setParent(None)
    manager.deleteLater()
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "unsetColorScheme"):
        hints.unsetColorScheme()
    if style:  # empty when a style sheet wraps the style
        qapp.setStyle(style)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    icons.clear_cache()


def base(dark: bool) -> QColor:
    return make_palette(dark).color(Role.Base)


# --- contrast ---------------------------------------------------------------------------------


def test_contrast_follows_wcag() -> None:
    assert contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#777777")) == pytest.approx(1.0)
    # Symmetric, and the well-known value for #767676 on white (the lightest AA grey).
    assert contrast(QColor("white"), QColor("#767676")) == pytest.approx(4.54, abs=0.01)
    assert contrast(QColor("#767676"), QColor("white")) == contrast(QColor("white"), QColor("#767676"))


# --- semantic colours -------------------------------------------------------------------------


@THEMES
@pytest.mark.parametrize("status", list(Status))
def test_status_chip_text_is_readable(status: Status, dark: bool) -> None:
    fill, text = palette_colors.status_colors(status, dark)
    assert contrast(fill, text) >= 4.5


@THEMES
def test_status_chips_tell_the_main_outcomes_apart(dark: bool) -> None:
    fills = {s: palette_colors.status_colors(s, dark)[0].name() for s in Status}
    main = [Status.IN_PROGRESS, Status.COMPLETED, Status.FAILED, Status.HUMAN_HANDOFF, Status.ABANDONED]
    assert len({fills[s] for s in main}) == len(main)
    # The fills lie on the right side of the base: pale on light, dim on dark.
    for status in Status:
        lightness = palette_colors.status_colors(status, dark)[0].lightness()
        assert (lightness < 100) if dark else (lightness > 200), status


@THEMES
def test_neutral_chip_text_is_readable(dark: bool) -> None:
    assert contrast(*palette_colors.chip_colors(dark)) >= 4.5


@THEMES
@pytest.mark.parametrize("kind", ["info", "warning", "error", "offline"])
def test_banner_text_is_readable(kind: str, dark: bool) -> None:
    background, border, text = palette_colors.banner_colors(kind, dark)
    assert contrast(background, text) >= 4.5
    assert border != background


def test_unknown_banner_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        palette_colors.banner_colors("nonsense", False)


@THEMES
@pytest.mark.parametrize("platform", list(Platform))
def test_platform_tint_stands_out_on_base(platform: Platform, dark: bool) -> None:
    assert contrast(palette_colors.platform_color(platform, dark), base(dark)) >= 3.0


@THEMES
def test_platform_tints_differ(dark: bool) -> None:
    assert len({palette_colors.platform_color(p, dark).name() for p in Platform}) == len(Platform)


@THEMES
def test_flag_stands_out_on_base(dark: bool) -> None:
    assert contrast(palette_colors.flag_color(dark), base(dark)) >= 3.0


@THEMES
@pytest.mark.parametrize("link", list(Link))
def test_link_tint_stands_out_on_window(link: Link, dark: bool) -> None:
    window = make_palette(dark).color(Role.Window)
    assert contrast(palette_colors.link_color(link.value, dark), window) >= 3.0


@THEMES
def test_palette_text_and_links_are_readable(dark: bool) -> None:
    palette = make_palette(dark)
    assert contrast(palette.color(Role.Text), palette.color(Role.Base)) >= 7.0
    assert contrast(palette.color(Role.WindowText), palette.color(Role.Window)) >= 7.0
    assert contrast(palette.color(Role.Link), palette.color(Role.Base)) >= 4.5
    assert contrast(palette.color(Role.PlaceholderText), palette.color(Role.Base)) >= 4.5
    assert contrast(palette.color(Role.HighlightedText), palette.color(Role.Highlight)) >= 4.5
    assert contrast(palette.color(Role.ToolTipText), palette.color(Role.ToolTipBase)) >= 4.5
    disabled = palette.color(QPalette.ColorGroup.Disabled, Role.Text)
    assert disabled != palette.color(Role.Text)
    # The Base/Window the semantic colours were checked against are the palette's own.
    assert palette.color(Role.Base).name() == (
        palette_colors.DARK_BASE if dark else palette_colors.LIGHT_BASE
    )


# --- the theme manager ------------------------------------------------------------------------


def test_apply_light_and_dark_switch_the_application(theme: ThemeManager, qapp: Any, qtbot: Any) -> None:
    with qtbot.waitSignal(theme.changed, timeout=1000) as dark_signal:
        theme.apply(ThemeChoice.DARK)
    assert dark_signal.args == [True]
    assert theme.choice is ThemeChoice.DARK
    assert theme.dark is True
    assert qapp.palette().color(Role.Window).lightness() < 64
    sheet = qapp.styleSheet()
    assert "QToolTip" in sheet
    qapp.setStyleSheet("")  # a style sheet wraps the style in an unnamed QStyleSheetStyle
    style = qapp.style()  # Fusion, behind the theme's outline-drawing proxy
    assert isinstance(style, QProxyStyle) and style.baseStyle().name() == "fusion"
    qapp.setStyleSheet(sheet)

    with qtbot.waitSignal(theme.changed, timeout=1000) as light_signal:
        theme.apply(ThemeChoice.LIGHT)
    assert light_signal.args == [False]
    assert theme.choice is ThemeChoice.LIGHT
    assert theme.dark is False
    assert qapp.palette().color(Role.Window).lightness() > 230
    # It stays so once pending events (a colour-scheme change, say) have been handled.
    qapp.processEvents()
    assert qapp.palette().color(Role.Window).lightness() > 230


def test_repeating_the_current_choice_emits_nothing(theme: ThemeManager, qtbot: Any) -> None:
    theme.apply(ThemeChoice.DARK)
    with qtbot.assertNotEmitted(theme.changed):
        theme.apply(ThemeChoice.DARK)


def test_system_follows_the_color_scheme(theme: ThemeManager, qapp: Any) -> None:
    theme.apply(ThemeChoice.DARK)
    theme.apply(ThemeChoice.SYSTEM)
    system_dark = QGuiApplication.styleHints().colorScheme().name == "Dark"
    assert theme.choice is ThemeChoice.SYSTEM
    assert theme.dark is system_dark
    assert (qapp.palette().color(Role.Window).lightness() < 128) is system_dark


def test_theme_change_refreshes_window_text_icons(theme: ThemeManager) -> None:
    theme.apply(ThemeChoice.LIGHT)
    light = icons.icon("close").pixmap(16, 16).toImage()
    theme.apply(ThemeChoice.DARK)
    dark = icons.icon("close").pixmap(16, 16).toImage()
    assert opaque_colours(light) == {make_palette(False).color(Role.WindowText).rgb()}
    assert opaque_colours(dark) == {make_palette(True).color(Role.WindowText).rgb()}


# --- icons ------------------------------------------------------------------------------------


def opaque_colours(image: QImage) -> set[int]:
    """The RGB of every clearly drawn pixel (alpha ≥ 50%; edges round their colour)."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    found = set()
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() >= 128:
                found.add(pixel.rgb())
    return found


def close_to(rgb: int, colour: QColor, tolerance: int = 3) -> bool:
    c = QColor.fromRgb(rgb)
    return all(
        abs(a - b) <= tolerance
        for a, b in zip(
            (c.red(), c.green(), c.blue()), (colour.red(), colour.green(), colour.blue()), strict=True
        )
    )


EXPECTED = [
    "voice", "sms", "web", "email", "slack", "human_phone", "flag", "flag_outline", "filter", "view",
    "save", "export", "sync", "online", "offline", "warning", "error", "info", "search", "clear",
    "close", "columns", "settings", "sign_in", "sign_out", "link", "copy", "flow", "delete", "plus",
    "minus", "calendar", "user", "live", "theme", "chevron_down", "chevron_right", "new_items",
    "rename", "star", "download", "refresh",
]  # fmt: skip


def test_every_needed_icon_exists() -> None:
    assert set(EXPECTED) <= set(icons.names())
    # Every platform has its icon (the table draws icons.tinted(platform.value, ...)).
    assert {p.value for p in Platform} <= set(icons.names())


@pytest.mark.parametrize("name", icons.names())
def test_icon_svg_is_valid_and_tinted(name: str, qapp: Any) -> None:
    path = icons.resources_dir() / "icons" / f"{name}.svg"
    renderer = QSvgRenderer(QByteArray(path.read_bytes()))
    assert renderer.isValid()
    assert renderer.viewBox().size().toTuple() == (24, 24)

    tint = QColor("#c0392b")
    for size in (16, 32):
        pixmap = icons.tinted(name, tint).pixmap(QSize(size, size))
        assert not pixmap.isNull()
        image = pixmap.toImage()
        assert image.width() >= size
        colours = opaque_colours(image)
        assert colours, f"{name} draws nothing at {size}px"
        assert all(close_to(rgb, tint) for rgb in colours), f"{name} at {size}px is not all tint"

    window_text = qapp.palette().color(Role.WindowText)
    assert all(
        close_to(rgb, window_text) for rgb in opaque_colours(icons.icon(name).pixmap(16, 16).toImage())
    )


def test_icons_render_at_device_pixel_ratio(qapp: Any) -> None:
    pixmap = icons.tinted("close", QColor("red")).pixmap(QSize(16, 16), 2.0)
    assert pixmap.devicePixelRatio() == 2.0
    assert pixmap.width() == 32


def test_icons_are_cached_until_cleared() -> None:
    tint = QColor("#336699")
    first = icons.tinted("plus", tint)
    assert icons.tinted("plus", QColor("#336699")).cacheKey() == first.cacheKey()
    icons.clear_cache()
    assert icons.tinted("plus", tint).cacheKey() != first.cacheKey()


def test_disabled_icons_are_fainter() -> None:
    icon = icons.tinted("plus", QColor("black"))
    normal = icon.pixmap(QSize(24, 24), QIcon.Mode.Normal).toImage()
    disabled = icon.pixmap(QSize(24, 24), QIcon.Mode.Disabled).toImage()
    assert max(normal.pixelColor(x, 12).alpha() for x in range(24)) == 255
    assert 0 < max(disabled.pixelColor(x, 12).alpha() for x in range(24)) < 128


def test_unknown_icon_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no icon named 'no_such_icon'"):
        icons.icon("no_such_icon")
    with pytest.raises(KeyError):
        icons.tinted("no_such_icon", QColor("red"))


def test_app_icon_is_full_colour(qapp: Any) -> None:
    icon = icons.app_icon()
    assert not icon.isNull()
    image = icon.pixmap(QSize(64, 64)).toImage()
    assert not image.isNull()
    centre_ish = image.pixelColor(image.width() // 8, image.height() // 2)  # the blue rounded square
    assert centre_ish.alpha() == 255
    assert centre_ish.blue() > centre_ish.red() + 60
    assert len(opaque_colours(image)) > 10  # a gradient and white, not one tint
    assert QSize(256, 256) in icon.availableSizes()


def test_system_reapplies_when_the_os_scheme_changes(
    theme: ThemeManager, qapp: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import Qt

    theme.apply(ThemeChoice.SYSTEM)
    os_dark = not theme.dark
    monkeypatch.setattr(ThemeManager, "_system_dark", staticmethod(lambda: os_dark))
    scheme = Qt.ColorScheme.Dark if os_dark else Qt.ColorScheme.Light
    with qtbot.waitSignal(theme.changed, timeout=1000) as signal:
        QGuiApplication.styleHints().colorSchemeChanged.emit(scheme)
    assert signal.args == [os_dark]
    assert theme.dark is os_dark
    assert (qapp.palette().color(Role.Window).lightness() < 128) is os_dark

    # A choice made by the user is not overridden by the OS.
    theme.apply(ThemeChoice.LIGHT)
    monkeypatch.setattr(ThemeManager, "_system_dark", staticmethod(lambda: True))
    with qtbot.assertNotEmitted(theme.changed):
        QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.dark is False
