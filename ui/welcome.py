"""The first-run dialog: which platform, sign in through the browser, which organisation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import Me
from app.settings import ClientSettings
from ui import icons
from ui.problems import explain
from ui.tasks import spawn

SignIn = Callable[[str], Awaitable[Me]]  # server URL -> who signed in


class WelcomeDialog(QDialog):
    """Accepted once signed in and an organisation is chosen: read `tenant`."""

    def __init__(self, server_url: str, sign_in: SignIn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Convodesk")
        self.setWindowIcon(icons.app_icon())
        self.setMinimumWidth(480)
        self._sign_in = sign_in
        self._task: asyncio.Future[None] | None = None
        self.tenant: str | None = None
        logo = QLabel()
        logo.setPixmap(icons.app_icon().pixmap(56, 56))
        title = QLabel("Review and supervise your AI agents' conversations")
        title.setTextFormat(Qt.TextFormat.PlainText)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        intro = QLabel(
            "Enter the address of your contact-center platform, then sign in with your browser. "
            "Convodesk keeps what you review in an offline cache on this computer."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.url = QLineEdit(server_url)
        self.url.setAccessibleName("Platform address")
        self.url.setPlaceholderText("https://platform.example.com")
        self.sign_in_button = QPushButton(icons.icon("sign_in"), "Sign in with browser")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._start_sign_in)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Sign-in status")
        self.tenants = QComboBox()
        self.tenants.setAccessibleName("Organisation")
        self.tenants_label = QLabel("Organisation")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Open")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self._open)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Platform", self.url)
        form.addRow("", self.sign_in_button)
        form.addRow(self.tenants_label, self.tenants)
        self.tenants.hide()
        self.tenants_label.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(logo)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _start_sign_in(self) -> None:
        try:
            url = ClientSettings(server_url=self.url.text()).server_url
        except ValidationError:
            self.status.setText("Enter an http:// or https:// address, such as https://platform.example.com.")
            self.url.setFocus()
            return
        self._task = spawn(self._signing_in(url))

    async def _signing_in(self, url: str) -> None:
        self.sign_in_button.setEnabled(False)
        self.url.setEnabled(False)
        self.status.setText("Waiting for you to sign in in your browser…")
        try:
            me = await self._sign_in(url)
        except Exception as exc:  # explained here, the dialog stays to try again
            self.status.setText(explain(exc).message)
            self.sign_in_button.setEnabled(True)
            self.url.setEnabled(True)
            return
        self.tenants.clear()
        for tenant in me.tenants:
            self.tenants.addItem(f"{tenant.name} ({tenant.role})", tenant.id)
        if not me.tenants:
            self.status.setText(
                f"Signed in as {me.display_name}, but you belong to no organisation on this platform."
            )
            return
        several = len(me.tenants) > 1
        self.tenants.setVisible(several)
        self.tenants_label.setVisible(several)
        self.status.setText(
            f"Signed in as {me.display_name}." + (" Choose the organisation to open." if several else "")
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        if not several:
            self._open()

    def _open(self) -> None:
        self.tenant = self.tenants.currentData()
        if self.tenant is not None:
            self.accept()
