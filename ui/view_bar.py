"""The view selector and its menu: choose, save, rename, delete, make default, copy a link.

Views live on the platform (the cache mirrors them for offline use), so changing one needs a
connection; the platform enforces the roles, and the menu only spares the user a refusal by
disabling what their role cannot do, saying why. The selected view is marked as modified
("•") once the filters, sort or columns differ from what it holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import DEFAULT_COLUMNS, Filter, Role, Sort, TableColumn, View, ViewIn, ViewScope
from app.links import filter_link, view_link
from app.workspace import Workspace
from ui import icons
from ui.tasks import spawn

Query = tuple[Filter, Sort, tuple[TableColumn, ...]]
SCOPE_ORDER = {ViewScope.BUILTIN: 0, ViewScope.ORG: 1, ViewScope.PERSONAL: 2}
MODIFIED = " •"


class ViewNameDialog(QDialog):
    """Asks a view's name and, for a new one, whether the organisation shares it."""

    def __init__(
        self,
        title: str,
        name: str,
        *,
        share: bool | None,
        share_reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.name = QLineEdit(name, self)
        self.name.setAccessibleName("View name")
        self.name.setMaxLength(200)
        self.name.selectAll()
        self.share = QCheckBox("Share with the organisation", self)
        self.share.setAccessibleName("Share with the organisation")
        self.share.setVisible(share is not None)
        self.share.setEnabled(not share_reason)
        self.share.setToolTip(share_reason or "Everyone in the organisation sees an organisation view")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._save = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.name.textChanged.connect(lambda text: self._save.setEnabled(bool(text.strip())))
        self._save.setEnabled(bool(name.strip()))
        form = QFormLayout()
        form.addRow("Name", self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.share)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    def value(self) -> tuple[str, bool]:
        return self.name.text().strip(), self.share.isChecked()


class ViewBar(QWidget):
    view_chosen = Signal(object)  # the View to show
    problem = Signal(object)  # an exception, for the window's one place that explains errors
    message = Signal(str)  # a short confirmation for the status bar

    def __init__(
        self, workspace: Workspace, current: Callable[[], Query], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._current = current
        self._views: list[View] = []
        self._selected: View | None = None
        self.combo = QComboBox(self)
        self.combo.setAccessibleName("View")
        self.combo.setMinimumWidth(250)
        self.combo.setToolTip("Saved views: a named set of filters, sort and columns")
        self.combo.activated.connect(self._activated)
        self.menu = QMenu(self)
        self.menu.setToolTipsVisible(True)  # disabled actions say why in their tooltip
        self.menu.aboutToShow.connect(self._update_actions)
        self.save_new = self._action("save", "Save as new view…", self._save_new)
        self.save_changes = self._action("save", "Save changes", self._save_changes)
        self.rename = self._action("rename", "Rename…", self._rename)
        self.delete = self._action("delete", "Delete…", self._delete)
        self.menu.addSeparator()
        self.make_default = self._action("star", "Make organisation default", self._make_default)
        self.menu.addSeparator()
        self.copy_view = self._action("link", "Copy link to this view", self._copy_view_link)
        self.copy_filter = self._action("link", "Copy link to these filters", self._copy_filter_link)
        self.button = QToolButton(self)
        self.button.setIcon(icons.icon("chevron_down"))
        self.button.setText("Views")
        self.button.setAccessibleName("View actions")
        self.button.setToolTip("Save, rename, delete or share views")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.button.setMenu(self.menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.combo)
        layout.addWidget(self.button)

    def _action(self, icon: str, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(icons.icon(icon), text, self)
        action.triggered.connect(lambda _=False: slot())
        self.menu.addAction(action)
        return action

    # --- what it shows --------------------------------------------------------------------

    @property
    def views(self) -> list[View]:
        return list(self._views)

    @property
    def selected(self) -> View | None:
        return self._selected

    def set_views(self, views: Sequence[View], select: str | None = None) -> View | None:
        """List the views; select `select` (an id), else the current one, else the default.
        Returns the selected view (None when there are none)."""
        self._views = sorted(views, key=lambda v: (SCOPE_ORDER.get(v.scope, 3), v.name.casefold()))
        wanted = select or (self._selected.id if self._selected else None)
        chosen = next((v for v in self._views if v.id == wanted), None)
        chosen = chosen or next((v for v in self._views if v.is_default), None)
        chosen = chosen or (self._views[0] if self._views else None)
        self.combo.blockSignals(True)
        self.combo.clear()
        previous: ViewScope | None = None
        for view in self._views:
            if previous is not None and view.scope != previous:
                self.combo.insertSeparator(self.combo.count())
            previous = view.scope
            self.combo.addItem(icons.icon("star" if view.is_default else "view"), view.name, view.id)
            self.combo.setItemData(self.combo.count() - 1, _scope_text(view), Qt.ItemDataRole.ToolTipRole)
        self.combo.blockSignals(False)
        self._select(chosen)
        return chosen

    def _select(self, view: View | None) -> None:
        self._selected = view
        if view is not None:
            self.combo.setCurrentIndex(self.combo.findData(view.id))
        self.show_modified()

    def show_modified(self) -> None:
        """Mark the selected view when what the window shows differs from it."""
        view = self._selected
        if view is None:
            return
        index = self.combo.findData(view.id)
        name = view.name + (MODIFIED if self.is_modified() else "")
        if self.combo.itemText(index) != name:
            self.combo.setItemText(index, name)

    def is_modified(self) -> bool:
        view = self._selected
        if view is None:
            return False
        f, sort, columns = self._current()
        return (f, sort, columns) != (view.filter, view.sort, view.known_columns)

    def _activated(self, index: int) -> None:
        view = next((v for v in self._views if v.id == self.combo.itemData(index)), None)
        if view is not None:
            self._selected = view
            self.view_chosen.emit(view)
            self.show_modified()

    # --- what the user may do -------------------------------------------------------------

    def _role(self) -> Role | None:
        membership = self.workspace.membership
        return membership.known_role if membership else None

    def _why_not_edit(self, view: View | None) -> str:
        """Why the selected view cannot be changed by this user ("" when it can)."""
        if not self.workspace.connectivity.state.online:
            return "Views are kept on the platform: changing one needs a connection"
        if view is None:
            return "No view is selected"
        if view.scope is ViewScope.BUILTIN:
            return "Built-in views cannot be changed: save a new view instead"
        if view.scope is ViewScope.ORG and self._role() not in (Role.ADMIN, Role.SUPERVISOR):
            return "Read-only users cannot change organisation views"
        return ""

    def _why_not_default(self, view: View | None) -> str:
        if not self.workspace.connectivity.state.online:
            return "Choosing the default needs a connection"
        if self._role() is not Role.ADMIN:
            return "Only administrators choose the organisation's default view"
        if view is None or view.scope is ViewScope.PERSONAL:
            return "A personal view cannot be the organisation's default: share it first"
        if view.is_default:
            return "This is already the organisation's default view"
        return ""

    def _update_actions(self) -> None:
        view = self._selected
        online = self.workspace.connectivity.state.online
        _allow(self.save_new, "" if online else "Saving a view needs a connection")
        edit = self._why_not_edit(view)
        _allow(
            self.save_changes,
            edit or ("" if self.is_modified() else "Nothing has changed since it was saved"),
        )
        self.save_changes.setText(f"Save changes to “{view.name}”" if view else "Save changes")
        _allow(self.rename, edit)
        _allow(self.delete, edit)
        _allow(self.make_default, self._why_not_default(view))
        _allow(self.copy_view, "" if view is not None else "No view is selected")

    # --- doing it ---------------------------------------------------------------------------

    def _run(self, work: Awaitable[object]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception as exc:  # explained by the window's banner
                self.problem.emit(exc)

        spawn(guarded())

    def _query_as(self, name: str, scope: str | None) -> ViewIn:
        f, sort, columns = self._current()
        return ViewIn(name=name, scope=scope, filter=f, sort=sort, columns=columns)  # type: ignore[arg-type]

    def _save_new(self) -> None:
        can_share = self._role() in (Role.ADMIN, Role.SUPERVISOR)
        reason = "" if can_share else "Read-only users cannot share views"
        dialog = ViewNameDialog("Save view", "", share=False, share_reason=reason, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._run(self.save_as(*dialog.value()))

    def _save_changes(self) -> None:
        self._run(self.save_changes_to_selected())

    def _rename(self) -> None:
        if self._selected is None:
            return
        dialog = ViewNameDialog("Rename view", self._selected.name, share=None, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._run(self.rename_selected(dialog.value()[0]))

    def _delete(self) -> None:
        view = self._selected
        if view is None:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete view", "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # a view's name is anyone's text
        box.setText(f"Delete the view “{view.name}”?")
        everyone = view.scope is ViewScope.ORG
        box.setInformativeText(
            "Everyone in the organisation loses it." if everyone else "This cannot be undone."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.exec()
        if box.clickedButton() is delete:
            self._run(self.delete_selected())

    def _make_default(self) -> None:
        self._run(self.make_selected_default())

    # The operations behind the menu (awaitable, for the menu and for tests).

    async def save_as(self, name: str, share: bool) -> View:
        return await self._saved(
            self.workspace.save_view(self._query_as(name, "org" if share else "personal"))
        )

    async def save_changes_to_selected(self) -> View:
        view = self._require_selected()
        return await self._saved(self.workspace.update_view(view.id, self._query_as(view.name, None)))

    async def rename_selected(self, name: str) -> View:
        view = self._require_selected()
        columns = view.known_columns or DEFAULT_COLUMNS
        renamed = ViewIn(name=name, filter=view.filter, sort=view.sort, columns=columns)
        return await self._saved(self.workspace.update_view(view.id, renamed))

    async def make_selected_default(self) -> View:
        return await self._saved(self.workspace.set_default_view(self._require_selected().id))

    async def delete_selected(self) -> None:
        view = self._require_selected()
        await self._deleted(view)

    def _require_selected(self) -> View:
        if self._selected is None:
            raise LookupError("No view is selected.")
        return self._selected

    async def _saved(self, change: Awaitable[View]) -> View:
        view = await change
        self.set_views(await self.workspace.views(), select=view.id)
        self.message.emit(f"Saved the view “{view.name}”")
        return view

    async def _deleted(self, view: View) -> None:
        await self.workspace.delete_view(view.id)
        self._selected = None
        chosen = self.set_views(await self.workspace.views())
        self.message.emit(f"Deleted the view “{view.name}”")
        if chosen is not None:
            self.view_chosen.emit(chosen)

    def _copy_view_link(self) -> None:
        view, tenant = self._selected, self.workspace.tenant
        if view is not None and tenant is not None:
            self._copy(view_link(self.workspace.settings.server_url, tenant, view.id), "view")

    def _copy_filter_link(self) -> None:
        tenant = self.workspace.tenant
        if tenant is not None:
            f, sort, _ = self._current()
            self._copy(filter_link(self.workspace.settings.server_url, tenant, f, sort), "filters")

    def _copy(self, link: str, what: str) -> None:
        QGuiApplication.clipboard().setText(link)
        self.message.emit(
            f"Copied a link to these {what}" if what == "filters" else "Copied a link to this view"
        )


def _allow(action: QAction, reason: str) -> None:
    action.setEnabled(not reason)
    action.setToolTip(reason or action.text().rstrip("…"))


def _scope_text(view: View) -> str:
    scope = {
        ViewScope.BUILTIN: "Built-in view",
        ViewScope.ORG: "Organisation view",
        ViewScope.PERSONAL: "Your view",
    }
    text = scope.get(view.scope, "View")
    return text + (" — the organisation's default" if view.is_default else "")
