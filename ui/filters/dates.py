"""The Date range editor: relative presets (they stay relative in a saved view), Today, or a
custom range whose ends are instants in the local time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateTimeEdit, QGridLayout, QVBoxLayout, QWidget

from app.domain import Filter, parse_duration
from ui.filters.editor import FilterEditor
from ui.filters.validation import Invalid, Location, validated

TODAY = "today"
CUSTOM = "custom"
PRESETS = (
    (TODAY, "Today", "From midnight today, local time (a saved view keeps that date)"),
    ("P7D", "Last 7 days", "Relative: a saved view keeps “the last 7 days”"),
    ("P30D", "Last 30 days", "Relative: a saved view keeps “the last 30 days”"),
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FORMAT = "yyyy-MM-dd HH:mm"


def aware(moment: QDateTime) -> datetime:
    """A QDateTime as an aware datetime in the local zone, to the millisecond."""
    msecs = moment.toMSecsSinceEpoch()
    return (_EPOCH + timedelta(milliseconds=msecs)).astimezone()


def qdatetime(moment: datetime) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch((moment - _EPOCH) // timedelta(milliseconds=1))


def local_midnight() -> datetime:
    return aware(QDateTime(QDate.currentDate(), QTime(0, 0)))


def _plural(count: int, unit: str) -> str:
    return f"{count:,} {unit}" if count == 1 else f"{count:,} {unit}s"


def relative_label(duration: str) -> str:
    """ "Last 14 days", "Last 12 hours", "Last 1 day 6 hours 30 minutes" for an ISO 8601 duration."""
    minutes = parse_duration(duration) // timedelta(minutes=1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [_plural(n, unit) for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    return "Last " + " ".join(parts)


class DateRangeEditor(FilterEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = ("date_from", "date_to", "date_within")
        self.preset = QComboBox(self)
        self.preset.setAccessibleName("Date range")
        for key, label, tip in PRESETS:
            self.preset.addItem(label, key)
            self.preset.setItemData(self.preset.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.preset.addItem("Custom range…", CUSTOM)
        self.preset.setItemData(
            self.preset.count() - 1, "From and to, local time", Qt.ItemDataRole.ToolTipRole
        )
        self.preset.currentIndexChanged.connect(self._preset_changed)

        self.custom = QWidget(self)
        grid = QGridLayout(self.custom)
        grid.setContentsMargins(0, 2, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        self.from_on, self.from_edit = self._end("From", 0, grid)
        self.to_on, self.to_edit = self._end("To", 1, grid)
        grid.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.preset)
        layout.addWidget(self.custom)
        self.clear()

    def _end(self, name: str, row: int, grid: QGridLayout) -> tuple[QCheckBox, QDateTimeEdit]:
        on = QCheckBox(name, self.custom)
        on.setAccessibleName(f"Use a {name.lower()} date")
        edit = QDateTimeEdit(self.custom)
        edit.setAccessibleName(f"{name} date and time")
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(_FORMAT)
        edit.setToolTip("Local time")
        on.toggled.connect(edit.setEnabled)
        on.toggled.connect(self._user_edit)
        edit.dateTimeChanged.connect(self._user_edit)
        grid.addWidget(on, row, 0)
        grid.addWidget(edit, row, 1)
        return on, edit

    def key(self) -> str:
        return str(self.preset.currentData())

    def _preset_changed(self) -> None:
        self.custom.setVisible(self.key() == CUSTOM)
        self.preset.setToolTip(str(self.preset.currentData(Qt.ItemDataRole.ToolTipRole) or ""))
        self._user_edit()

    def _select(self, key: str) -> None:
        self.preset.setCurrentIndex(self.preset.findData(key))
        self._preset_changed()

    def _set_relative(self, duration: str | None) -> None:
        """The one extra item for a relative range the presets do not name (from a view)."""
        known = {key for key, _, _ in PRESETS} | {CUSTOM}
        for index in reversed(range(self.preset.count())):
            if self.preset.itemData(index) not in known:
                self.preset.removeItem(index)
        if duration is not None and duration not in known:
            at = self.preset.count() - 1
            self.preset.insertItem(at, relative_label(duration), duration)
            self.preset.setItemData(
                at, f"Relative ({duration}): a saved view keeps it", Qt.ItemDataRole.ToolTipRole
            )

    # -- the editor ------------------------------------------------------------------------
    def value(self) -> dict[str, Any]:
        key = self.key()
        if key == TODAY:
            fields: dict[str, Any] = {"date_from": local_midnight()}
        elif key != CUSTOM:
            fields = {"date_within": key}
        else:
            start = aware(self.from_edit.dateTime()) if self.from_on.isChecked() else None
            end = aware(self.to_edit.dateTime()) if self.to_on.isChecked() else None
            if start is None and end is None:
                raise Invalid("Choose a start, an end or both", self.from_edit)
            if start is not None and end is not None and start > end:
                raise Invalid("The start is after the end", self.to_edit)
            fields = {"date_from": start, "date_to": end}

        def describe(loc: Location) -> tuple[str, QWidget | None]:
            widget = self.to_edit if loc[:1] == ("date_to",) else self.from_edit
            return ("Date range", widget if key == CUSTOM else self.preset)

        return validated(fields, self.fields, describe)

    def show_filter(self, f: Filter) -> None:
        self._set_relative(f.date_within)
        if f.date_within is not None:
            self._select(f.date_within)
        elif f.date_from is not None and f.date_to is None and f.date_from == local_midnight():
            self._select(TODAY)
        elif f.date_from is not None or f.date_to is not None:
            self.from_on.setChecked(f.date_from is not None)
            self.to_on.setChecked(f.date_to is not None)
            if f.date_from is not None:
                self.from_edit.setDateTime(qdatetime(f.date_from))
            if f.date_to is not None:
                self.to_edit.setDateTime(qdatetime(f.date_to))
            self._select(CUSTOM)
        else:
            self.clear()

    def clear(self) -> None:
        self._set_relative(None)
        today = QDate.currentDate()
        self.from_edit.setDateTime(QDateTime(today, QTime(0, 0)))
        self.to_edit.setDateTime(QDateTime(today, QTime(23, 59, 59)))
        self.from_on.setChecked(True)
        self.to_on.setChecked(False)
        self.to_edit.setEnabled(False)
        self._select("P7D")

    def summary(self) -> str:
        if self.key() != CUSTOM:
            return self.preset.currentText()
        start = self.from_edit.date().toString("yyyy-MM-dd") if self.from_on.isChecked() else ""
        end = self.to_edit.date().toString("yyyy-MM-dd") if self.to_on.isChecked() else ""
        return (
            f"{start} – {end}".strip(" –")
            if start and end
            else (f"from {start}" if start else f"until {end}")
        )

    def focus_widget(self) -> QWidget:
        return self.preset
