"""The window's icons: monochrome SVGs in resources/icons/, tinted to the theme.

The SVGs are drawn in one colour and tinted when rendered (paint, then SourceIn with the
tint), so one file serves both themes and any semantic colour. An icon engine renders on
demand at the size and device pixel ratio asked for, so icons stay crisp on high-DPI
screens and at any size, instead of scaling a few prepared pixmaps.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

# The sizes an icon advertises (QIcon.availableSizes); it renders any other on demand.
SIZES: tuple[int, ...] = (16, 20, 24, 32, 48)
_APP_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256)
_DISABLED_OPACITY = 0.4


def resources_dir() -> Path:
    """The repository's resources/, or the bundle's when frozen by PyInstaller."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def _icons_dir() -> Path:
    return resources_dir() / "icons"


def names() -> list[str]:
    """Every available icon name, sorted."""
    return sorted(path.stem for path in _icons_dir().glob("*.svg"))


@cache
def _svg_data(name: str) -> bytes:
    path = _icons_dir() / f"{name}.svg"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyError(f"no icon named {name!r}") from None


def _render(data: bytes, size: QSize, scale: float, color: QColor | None, opacity: float) -> QPixmap:
    """The SVG at `size` logical pixels and `scale` device pixels per logical pixel."""
    device = QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
    image = QImage(device, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    renderer = QSvgRenderer(QByteArray(data))
    renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    if color is not None:
        # Keep the drawn shape's alpha and replace its colour with the tint.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(image.rect(), color)
    if opacity < 1.0:
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
        painter.fillRect(image.rect(), QColor(0, 0, 0, round(255 * opacity)))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(scale)
    return pixmap


class _SvgEngine(QIconEngine):
    """Renders one SVG at whatever size and scale a view asks for: in a fixed tint, in full
    colour (no tint), or in the application palette's WindowText of the moment (`themed`), so
    that a widget's icon follows a theme switch the next time it paints."""

    def __init__(
        self, data: bytes, color: QColor | None, sizes: tuple[int, ...], themed: bool = False
    ) -> None:
        super().__init__()
        self._data = data
        self._color = QColor(color) if color is not None else None
        self._sizes = sizes
        self._themed = themed
        self._pixmaps: dict[tuple[int, int, bool, float, int], QPixmap] = {}

    def _tint(self) -> QColor | None:
        return QGuiApplication.palette().color(QPalette.ColorRole.WindowText) if self._themed else self._color

    def _pixmap(self, size: QSize, mode: QIcon.Mode, scale: float) -> QPixmap:
        disabled = mode == QIcon.Mode.Disabled
        tint = self._tint()
        key = (size.width(), size.height(), disabled, scale, tint.rgba() if tint is not None else 0)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            opacity = _DISABLED_OPACITY if disabled else 1.0
            pixmap = _render(self._data, size, scale, tint, opacity)
            self._pixmaps[key] = pixmap
        return pixmap

    def forget_pixmaps(self) -> None:
        self._pixmaps.clear()

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        return self._pixmap(size, mode, scale)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self._pixmap(size, mode, _device_pixel_ratio())

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        pixmap = self._pixmap(rect.size(), mode, scale)
        painter.drawPixmap(QPoint(rect.x(), rect.y()), pixmap)

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size  # square SVGs scale to any size

    def availableSizes(
        self, mode: QIcon.Mode = QIcon.Mode.Normal, state: QIcon.State = QIcon.State.Off
    ) -> list[QSize]:
        return [QSize(s, s) for s in self._sizes]

    def isNull(self) -> bool:
        return not self._data

    def key(self) -> str:
        return "convodesk-svg"

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._data, self._color, self._sizes, self._themed)


def _device_pixel_ratio() -> float:
    app = QGuiApplication.instance()
    return app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0


# Icons and their engines, kept alive together: a QIcon calls back into its Python engine, so
# an engine must outlive every widget holding its icon. Retired ones are kept for that reason.
_tinted: dict[tuple[str, int], tuple[QIcon, _SvgEngine]] = {}
_themed: dict[str, tuple[QIcon, _SvgEngine]] = {}
_app_icon: list[tuple[QIcon, _SvgEngine]] = []
_retired: list[tuple[QIcon, _SvgEngine]] = []


def tinted(name: str, color: QColor) -> QIcon:
    """The icon `name` drawn in `color`; KeyError for an unknown name."""
    color = QColor(color)
    key = (name, color.rgba())
    entry = _tinted.get(key)
    if entry is None:
        engine = _SvgEngine(_svg_data(name), color, SIZES)
        entry = (QIcon(engine), engine)
        _tinted[key] = entry
    return entry[0]


def icon(name: str) -> QIcon:
    """The icon `name` in the palette's WindowText colour, which it follows across theme switches."""
    entry = _themed.get(name)
    if entry is None:
        engine = _SvgEngine(_svg_data(name), None, SIZES, themed=True)
        entry = (QIcon(engine), engine)
        _themed[name] = entry
    return entry[0]


def app_icon() -> QIcon:
    """The application's full-colour logo."""
    if not _app_icon:
        data = (resources_dir() / "convodesk.svg").read_bytes()
        engine = _SvgEngine(data, None, _APP_SIZES)
        _app_icon.append((QIcon(engine), engine))
    return _app_icon[0][0]


def clear_cache() -> None:
    """Forget rendered pixmaps (the theme changed) and hand out fresh icons from now on."""
    _retired.extend(_tinted.values())
    _tinted.clear()
    for _, engine in _themed.values():
        engine.forget_pixmaps()
    _svg_data.cache_clear()
