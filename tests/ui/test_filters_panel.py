"""The filters panel (ui/filters), driven through its widgets as a user drives them.

The panel alone, offscreen: every filter's widget makes exactly its Filter field,
and invalid input is marked and never emitted. Its state (debounce, toggles, views'
filters, plain text, focus): tests/ui/test_filters_panel_state.py.

The same widgets in the real window against the platform: tests/ui/test_filters_in_window.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QPlainTextEdit, QRadioButton, QWidget

from app.domain import (
    Direction,
    Filter,
    FlowSummary,
    KeyValue,
    Platform,
    RepeatRange,
    Status,
    UsedFor,
)
from tests.ui.test_main_window import (  # noqa: F401 - first_run is a fixture
    FINISHED,
    _platform_ids,
    _signed_in_window,
    _synced,
    first_run,
)
from ui.filters import FiltersPanel
from ui.filters.checklist import CheckList
from ui.filters.choices import MultiChoiceEditor, SingleChoiceEditor
from ui.filters.dates import DateRangeEditor
from ui.filters.editor import FilterEditor
from ui.filters.keyvalues import KeyValueEditor
from ui.filters.pickers import ChoiceListEditor
from ui.filters.repeat import RepeatEditor
from ui.filters.text import IdsEditor, TextEditor

E = TypeVar("E", bound=FilterEditor)

WAIT_MS = 2000
QUIET_MS = 400  # longer than the panel's longest debounce (250 ms)

FLOWS = [
    FlowSummary(id="flow-1", name="Billing Assistant", description="Invoices and refunds", node_count=5),
    FlowSummary(id="flow-2", name="Order Status", description="Tracks orders", node_count=7),
    FlowSummary(id="flow-3", name="Appointments", description="", node_count=4),
]
FUNCTIONS = ["lookup_account", "refund", "check_order_status"]


# === helpers: what a user touches ===================================================================


def _editor(panel: FiltersPanel, key: str, kind: type[E]) -> E:
    editor = panel.sections[key].editor
    assert isinstance(editor, kind)
    return editor


def _switch_on(panel: FiltersPanel, key: str) -> None:
    """A click on the section's toggle (which also unfolds it)."""
    toggle = panel.sections[key].toggle
    assert not toggle.isChecked()
    toggle.click()
    assert panel.sections[key].is_on() and panel.sections[key].is_expanded()


def _box(panel: FiltersPanel, key: str, label: str) -> QCheckBox:
    editor = _editor(panel, key, MultiChoiceEditor)
    return next(box for box in editor.boxes.values() if box.text() == label)


def _radio(panel: FiltersPanel, key: str, label: str) -> QRadioButton:
    editor = _editor(panel, key, SingleChoiceEditor)
    return next(button for button in editor.buttons if button.text() == label)


def _type(qtbot: Any, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def _paste(widget: QPlainTextEdit, text: str, *, replace: bool = False) -> None:
    """Ctrl+V of `text` (Ctrl+A first with `replace`)."""
    widget.setFocus()
    QApplication.clipboard().setText(text)
    if replace:
        QTest.keySequence(widget, QKeySequence.StandardKey.SelectAll)
    QTest.keySequence(widget, QKeySequence.StandardKey.Paste)
    assert text in widget.toPlainText()


def _choose_preset(panel: FiltersPanel, text: str) -> DateRangeEditor:
    editor = _editor(panel, "dates", DateRangeEditor)
    index = editor.preset.findText(text)
    assert index >= 0, f"no preset {text!r}"
    editor.preset.setCurrentIndex(index)
    return editor


def _item(checklist: CheckList, value: str) -> Any:
    item = checklist.item_for(value)
    assert item is not None, f"{value!r} is not listed"
    return item


def _local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> QDateTime:
    return QDateTime(QDate(y, mo, d), QTime(h, mi))


def _collect(panel: FiltersPanel) -> list[Filter]:
    emitted: list[Filter] = []
    panel.filter_changed.connect(emitted.append)
    return emitted


def _readable(reason: str) -> None:
    """One sentence for a person: capitalised, one line, no validator jargon."""
    assert reason and reason[0].isupper(), reason
    assert "\n" not in reason
    for jargon in ("Value error", "type=", "pydantic", "loc", "input_value", "[", "{"):
        assert jargon not in reason, reason


def _in_error(widget: QWidget) -> bool:
    return widget.property("error") is True


# === A1: each filter through its widget =============================================================


def _ids(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "ids")
    _paste(_editor(panel, "ids", IdsEditor).edit, "a, b\nc")


def _statuses(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "statuses")
    for label in ("Failed", "Completed", "Abandoned", "No Answer"):
        _box(panel, "statuses", label).click()
    _box(panel, "statuses", "No Answer").click()  # unticked again


def _today(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "dates")
    _choose_preset(panel, "Today")


def _last_7(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "dates")
    _choose_preset(panel, "Today")
    _choose_preset(panel, "Last 7 days")


def _last_30(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "dates")
    _choose_preset(panel, "Last 30 days")


def _custom(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "dates")
    editor = _choose_preset(panel, "Custom range…")
    assert editor.from_on.isChecked() and not editor.to_on.isChecked()
    editor.from_edit.setDateTime(_local(2024, 3, 1, 8, 0))
    editor.to_on.click()
    assert editor.to_edit.isEnabled()
    editor.to_edit.setDateTime(_local(2024, 3, 31, 18, 30))


def _custom_until(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "dates")
    editor = _choose_preset(panel, "Custom range…")
    editor.from_on.click()  # no start
    editor.to_on.click()
    editor.to_edit.setDateTime(_local(2025, 1, 15, 12, 0))


def _platforms(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "platforms")
    _box(panel, "platforms", "SMS").click()
    _box(panel, "platforms", "Voice").click()


def _flows(panel: FiltersPanel, qtbot: Any) -> None:
    panel.set_flows(FLOWS)
    _switch_on(panel, "flows")
    checklist = _editor(panel, "flows", ChoiceListEditor).checklist
    assert _item(checklist, "flow-2").text() == "Order Status"
    _item(checklist, "flow-2").setCheckState(Qt.CheckState.Checked)


def _direction(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "direction")
    _radio(panel, "direction", "Outbound").click()


def _used_for(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "used_for")
    _radio(panel, "used_for", "Test").click()


def _flagged(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "flagged")
    assert _radio(panel, "flagged", "Flagged").isChecked()  # the first choice, picked on switching on


def _not_flagged(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "flagged")
    _radio(panel, "flagged", "Not flagged").click()


def _repeat(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "repeat_contacts")
    editor = _editor(panel, "repeat_contacts", RepeatEditor)
    editor.minimum.setValue(3)
    editor.maximum.setValue(10)


def _repeat_at_most(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "repeat_contacts")
    editor = _editor(panel, "repeat_contacts", RepeatEditor)
    editor.minimum.setValue(editor.minimum.minimum())  # "no minimum"
    assert editor.minimum.text() == "no minimum"
    editor.maximum.setValue(4)


def _contact(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "contact")
    _type(qtbot, _editor(panel, "contact", TextEditor).edit, "Smith 555")


def _content(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "content")
    _type(qtbot, _editor(panel, "content", TextEditor).edit, '"thank you" refund')


def _functions(panel: FiltersPanel, qtbot: Any) -> None:
    panel.set_functions(FUNCTIONS)
    _switch_on(panel, "functions")
    checklist = _editor(panel, "functions", ChoiceListEditor).checklist
    _item(checklist, "refund").setCheckState(Qt.CheckState.Checked)


def _custom_function(panel: FiltersPanel, qtbot: Any) -> None:
    panel.set_functions(FUNCTIONS)
    _switch_on(panel, "functions")
    checklist = _editor(panel, "functions", ChoiceListEditor).checklist
    _item(checklist, "refund").setCheckState(Qt.CheckState.Checked)
    assert not checklist.add_button.isEnabled()  # nothing typed yet
    _type(qtbot, checklist.search, "escalate_now")
    assert checklist.add_button.isEnabled()
    checklist.add_button.click()
    assert checklist.search.text() == ""
    assert _item(checklist, "escalate_now").checkState() == Qt.CheckState.Checked


def _tags(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "tags")
    editor = _editor(panel, "tags", KeyValueEditor)
    _type(qtbot, editor.rows[0].key, "tier")
    _type(qtbot, editor.rows[0].value, "gold")
    editor.add_button.click()
    assert len(editor.rows) == 2
    _type(qtbot, editor.rows[1].key, "lang")
    _type(qtbot, editor.rows[1].value, "fr")
    assert editor.match_all is not None
    editor.match_all.click()


def _parameters(panel: FiltersPanel, qtbot: Any) -> None:
    _switch_on(panel, "parameters")
    editor = _editor(panel, "parameters", KeyValueEditor)
    _type(qtbot, editor.rows[0].key, "order_id")
    _type(qtbot, editor.rows[0].value, "123456")
    editor.add_button.click()  # a blank row is ignored


def _local_midnight() -> datetime:
    return datetime.combine(date.today(), time()).astimezone()


CASES: list[tuple[str, Callable[[FiltersPanel, Any], None], Callable[[], Filter]]] = [
    ("ids", _ids, lambda: Filter(ids=("a", "b", "c"))),
    (
        "statuses",
        _statuses,
        lambda: Filter(statuses=(Status.FAILED, Status.COMPLETED, Status.ABANDONED)),
    ),
    ("today", _today, lambda: Filter(date_from=_local_midnight())),
    ("last-7-days", _last_7, lambda: Filter(date_within="P7D")),
    ("last-30-days", _last_30, lambda: Filter(date_within="P30D")),
    (
        "custom-range",
        _custom,
        lambda: Filter(
            date_from=datetime(2024, 3, 1, 8, 0).astimezone(),
            date_to=datetime(2024, 3, 31, 18, 30).astimezone(),
        ),
    ),
    ("custom-until", _custom_until, lambda: Filter(date_to=datetime(2025, 1, 15, 12, 0).astimezone())),
    ("platforms", _platforms, lambda: Filter(platforms=(Platform.SMS, Platform.VOICE))),
    ("flows", _flows, lambda: Filter(flow_ids=("flow-2",))),
    ("direction", _direction, lambda: Filter(direction=Direction.OUTBOUND)),
    ("used-for", _used_for, lambda: Filter(used_for=UsedFor.TEST)),
    ("flagged", _flagged, lambda: Filter(flagged=True)),
    ("not-flagged", _not_flagged, lambda: Filter(flagged=False)),
    ("repeat", _repeat, lambda: Filter(repeat_contacts=RepeatRange(min=3, max=10))),
    ("repeat-at-most", _repeat_at_most, lambda: Filter(repeat_contacts=RepeatRange(max=4))),
    ("contact", _contact, lambda: Filter(contact="Smith 555")),
    ("content", _content, lambda: Filter(content='"thank you" refund')),
    ("functions", _functions, lambda: Filter(functions=("refund",))),
    ("custom-function", _custom_function, lambda: Filter(functions=("refund", "escalate_now"))),
    (
        "tags",
        _tags,
        lambda: Filter(
            tags=(KeyValue(key="tier", value="gold"), KeyValue(key="lang", value="fr")), match_all_tags=True
        ),
    ),
    ("parameters", _parameters, lambda: Filter(parameters=(KeyValue(key="order_id", value="123456"),))),
]


@pytest.mark.parametrize(("use", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_each_filter_through_its_widget_gives_its_field(
    panel: FiltersPanel, qtbot: Any, use: Callable[[FiltersPanel, Any], None], expected: Callable[[], Filter]
) -> None:
    emitted = _collect(panel)
    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        use(panel, qtbot)
    want = expected()
    assert blocker.args == [want]
    assert panel.filter() == want
    assert panel.problems() == []
    assert panel.active_count() == 1
    assert panel.count_label.text() == "1 filter on"
    qtbot.wait(QUIET_MS)
    assert emitted == [want]  # the whole gesture is one query


# === A2: invalid input is marked, listed, and never emitted ========================================


def test_repeat_minimum_above_maximum_is_marked_and_not_emitted(panel: FiltersPanel, qtbot: Any) -> None:
    section = panel.sections["repeat_contacts"]
    editor = _editor(panel, "repeat_contacts", RepeatEditor)
    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS):
        _switch_on(panel, "repeat_contacts")
        editor.minimum.setValue(5)
    assert panel.filter() == Filter(repeat_contacts=RepeatRange(min=5))

    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        editor.maximum.setValue(3)
    reason = section.reason()
    assert reason == "The minimum (5) is above the maximum (3)"
    _readable(reason)
    assert _in_error(editor.maximum) and not _in_error(editor.minimum)
    assert section.reason_label.text() == reason and section.reason_label.isVisible()
    assert panel.problems() == [("Repeat contacts", reason)]
    assert panel.filter() == Filter(repeat_contacts=RepeatRange(min=5))  # the last valid value
    section.set_expanded(False)
    assert section.summary.text() == f"⚠ {reason}"  # a folded section still says why
    section.set_expanded(True)

    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        editor.maximum.setValue(8)
    assert blocker.args == [Filter(repeat_contacts=RepeatRange(min=5, max=8))]
    assert section.reason() == "" and not _in_error(editor.maximum)
    assert section.reason_label.isHidden()
    assert panel.problems() == []


def test_custom_start_after_end_is_marked_and_not_emitted(panel: FiltersPanel, qtbot: Any) -> None:
    section = panel.sections["dates"]
    start = datetime(2024, 5, 10, 9, 0).astimezone()
    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS):
        _switch_on(panel, "dates")
        editor = _choose_preset(panel, "Custom range…")
        editor.from_edit.setDateTime(_local(2024, 5, 10, 9, 0))
        editor.to_on.click()
        editor.to_edit.setDateTime(_local(2024, 5, 20, 17, 0))
    good = Filter(date_from=start, date_to=datetime(2024, 5, 20, 17, 0).astimezone())
    assert panel.filter() == good

    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        editor.to_edit.setDateTime(_local(2024, 5, 1, 9, 0))
    reason = section.reason()
    assert reason == "The start is after the end"
    _readable(reason)
    assert _in_error(editor.to_edit)
    assert panel.problems() == [("Date range", reason)]
    assert panel.filter() == good

    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        editor.to_edit.setDateTime(_local(2024, 5, 11, 9, 0))
    assert blocker.args == [Filter(date_from=start, date_to=datetime(2024, 5, 11, 9, 0).astimezone())]
    assert section.reason() == "" and not _in_error(editor.to_edit)
    assert panel.problems() == []


def test_an_id_longer_than_200_characters_is_marked_and_not_emitted(panel: FiltersPanel, qtbot: Any) -> None:
    section = panel.sections["ids"]
    edit = _editor(panel, "ids", IdsEditor).edit
    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        _switch_on(panel, "ids")
        _paste(edit, "ok-1, " + "x" * 201)
    reason = section.reason()
    assert reason == "ID 2: at most 200 characters"
    assert reason[0].isupper() and "200" in reason and "Value error" not in reason
    assert _in_error(edit)
    assert panel.problems() == [("ID", reason)]
    assert panel.filter() == Filter()  # nothing valid yet: the filter stays off
    assert panel.active_count() == 0

    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        _paste(edit, "ok-1, ok-2", replace=True)
    assert edit.toPlainText() == "ok-1, ok-2"
    assert blocker.args == [Filter(ids=("ok-1", "ok-2"))]
    assert section.reason() == "" and not _in_error(edit)
    assert panel.problems() == []
    assert panel.active_count() == 1


def test_a_tag_value_without_a_key_is_marked_and_not_emitted(panel: FiltersPanel, qtbot: Any) -> None:
    section = panel.sections["tags"]
    editor = _editor(panel, "tags", KeyValueEditor)
    row = editor.rows[0]
    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        _switch_on(panel, "tags")
        assert section.reason() == ""  # an empty filter just switched on is not yet wrong
        _type(qtbot, row.value, "gold")
    reason = section.reason()
    assert reason == "Tag 1 key: must not be empty"
    assert reason[0].isupper() and "Value error" not in reason and "string_too_short" not in reason
    assert _in_error(row.key) and not _in_error(row.value)
    assert panel.problems() == [("Tags", reason)]
    assert panel.filter() == Filter()

    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        _type(qtbot, row.key, "tier")
    assert blocker.args == [Filter(tags=(KeyValue(key="tier", value="gold"),))]
    assert section.reason() == "" and not _in_error(row.key)
    assert panel.problems() == []
