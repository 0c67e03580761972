"""The inline banner above the table: where problems and the offline state are told.

One banner, the latest news first; "Details" shows the technical detail in place (no
dialog), and a remedy button (Sign in, Retry) when there is something to do.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui import icons, palette_colors
from ui.problems import Explanation, Remedy, Severity

_REMEDY_TEXT = {Remedy.SIGN_IN: "Sign in…", Remedy.RETRY: "Try again"}
_ICON = {
    Severity.INFO: "info",
    Severity.WARNING: "warning",
    Severity.ERROR: "error",
    Severity.OFFLINE: "offline",
}


class Banner(QFrame):
    remedy_requested = Signal(str)  # a Remedy value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._look: tuple[object, bool] | None = None  # (severity, dark) the style sheet was made for
        self.setObjectName("banner")
        self.setAccessibleName("Notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._explanation: Explanation | None = None
        self._icon = QLabel()
        self._message = QLabel()
        self._message.setTextFormat(Qt.TextFormat.PlainText)
        self._message.setWordWrap(True)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._detail = QLabel()
        self._detail.setTextFormat(Qt.TextFormat.PlainText)
        self._detail.setWordWrap(True)
        self._detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._detail.hide()
        self._details_button = QPushButton("Details")
        self._details_button.setCheckable(True)
        self._details_button.toggled.connect(self._detail.setVisible)
        self._remedy = QPushButton()
        self._remedy.clicked.connect(self._remedy_clicked)
        close = QToolButton()
        close.setIcon(icons.icon("close"))
        close.setAccessibleName("Dismiss")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        row = QHBoxLayout()
        row.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._message, 1)
        row.addWidget(self._details_button)
        row.addWidget(self._remedy)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addLayout(row)
        layout.addWidget(self._detail)
        self.hide()

    @property
    def explanation(self) -> Explanation | None:
        """What the banner says now (None when dismissed)."""
        return self._explanation

    def show_explanation(self, explanation: Explanation) -> None:
        self._explanation = explanation
        self._message.setText(explanation.message)
        self._detail.setText(explanation.detail)
        self._details_button.setVisible(bool(explanation.detail))
        self._details_button.setChecked(False)
        self._remedy.setVisible(explanation.remedy is not Remedy.NONE)
        self._remedy.setText(_REMEDY_TEXT.get(explanation.remedy, ""))
        self._restyle()
        self.show()

    def dismiss(self) -> None:
        self._explanation = None
        self.hide()

    def _remedy_clicked(self) -> None:
        if self._explanation is not None:
            self.remedy_requested.emit(self._explanation.remedy.value)

    def _restyle(self) -> None:
        if self._explanation is None:
            return
        # The application's palette decides (the banner's own follows its style sheet, and
        # setting that sheet changes the palette again: restyling must not feed on itself).
        dark = QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
        look = (self._explanation.severity, dark)
        if look == self._look:
            return
        self._look = look
        background, border, text = palette_colors.banner_colors(self._explanation.severity.value, dark)
        self.setStyleSheet(
            f"QFrame#banner {{ background: {background.name()}; border: 1px solid {border.name()};"
            f" border-radius: 6px; }} QFrame#banner QLabel {{ color: {text.name()}; }}"
        )
        self._icon.setPixmap(icons.tinted(_ICON[self._explanation.severity], text).pixmap(18, 18))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the theme switched
            self._restyle()
