"""The filters panel (ui/filters), driven through its widgets as a user drives them.

Part A: the panel alone, offscreen: every filter's widget makes exactly its Filter field,
invalid input is marked and never emitted, typing is debounced, toggles, counts and
"Clear all" follow, a view's Filter is shown whole and read back unchanged, platform
text is shown literally, and Ctrl+F's focus_content lands in the Content field.

Part B: the real window against the real platform: filters set through the panel's
widgets list exactly what the platform's own search returns.
"""

from __future__ import annotations

import asyncio
import ctypes
import re
import sys
import time as clock
from collections.abc import Callable, Iterator
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
    Sort,
    Status,
    UsedFor,
)
from app.sync.offline import KeepOffline
from tests.platform import Platform as PlatformProcess
from tests.ui.conftest import until
from tests.ui.test_main_window import (  # noqa: F401 - first_run is a fixture
    FINISHED,
    _platform_ids,
    _signed_in_window,
    _synced,
    first_run,
)
from ui.application import Application
from ui.filters import FiltersPanel
from ui.filters.checklist import CheckList
from ui.filters.choices import MultiChoiceEditor, SingleChoiceEditor
from ui.filters.dates import DateRangeEditor
from ui.filters.editor import FilterEditor
from ui.filters.keyvalues import KeyValueEditor
from ui.filters.pickers import ChoiceListEditor
from ui.filters.repeat import RepeatEditor
from ui.filters.text import IdsEditor, TextEditor
from ui.main_window import MainWindow
from ui.table.model import RECORD_ROLE

E = TypeVar("E", bound=FilterEditor)

# PySide6 6.12.0 on CPython 3.11 drops a reference to None on every call of a void C++ method
# (setText, setChecked, ...) and to True/False on some emissions of a Signal(object); on 3.11
# these singletons are not immortal, so a run that makes enough such calls aborts at exit with
# "Fatal Python error: none_dealloc" / "bool_dealloc" after every test has passed. Spare
# references, never given back (a list would be freed at exit, just when the count runs out),
# keep this file's run alive; the dependency itself needs fixing.
if sys.version_info < (3, 12):
    _incref = ctypes.pythonapi.Py_IncRef
    _incref.argtypes = [ctypes.py_object]
    for _singleton in (None, True, False):
        for _ in range(100_000):
            _incref(_singleton)

WAIT_MS = 2000
QUIET_MS = 400  # longer than the panel's longest debounce (250 ms)

FLOWS = [
    FlowSummary(id="flow-1", name="Billing Assistant", description="Invoices and refunds", node_count=5),
    FlowSummary(id="flow-2", name="Order Status", description="Tracks orders", node_count=7),
    FlowSummary(id="flow-3", name="Appointments", description="", node_count=4),
]
FUNCTIONS = ["lookup_account", "refund", "check_order_status"]


# === helpers: what a user touches ===================================================================


@pytest.fixture
def panel(qtbot: Any) -> Iterator[FiltersPanel]:
    widget = FiltersPanel()
    qtbot.addWidget(widget)
    widget.resize(360, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


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


# === A3: typing is debounced ========================================================================


def test_typing_a_word_emits_one_filter_after_a_pause(panel: FiltersPanel, qtbot: Any) -> None:
    edit = _editor(panel, "content", TextEditor).edit
    emitted = _collect(panel)
    times: list[float] = []
    panel.filter_changed.connect(lambda _f: times.append(clock.monotonic()))
    edit.setFocus()
    for char in "hello":
        qtbot.keyClick(edit, char)
        qtbot.wait(60)  # a typist's pace: shorter than the pause the panel waits for
    last_key = clock.monotonic()
    assert emitted == []  # still typing
    assert panel.sections["content"].is_on()  # typing switched the filter on
    qtbot.waitUntil(lambda: len(emitted) == 1, timeout=WAIT_MS)
    assert times[0] - last_key >= 0.15  # it waited for the pause (250 ms after the last key)
    qtbot.wait(QUIET_MS)
    assert emitted == [Filter(content="hello")]


# === A4: toggles, counts and Clear all =============================================================


def test_toggle_counts_and_clear_all(panel: FiltersPanel, qtbot: Any) -> None:
    counts: list[int] = []
    panel.active_count_changed.connect(counts.append)
    assert panel.count_label.text() == "No filters" and not panel.clear_button.isEnabled()

    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS):
        _box(panel, "statuses", "Completed").click()
        _type(qtbot, _editor(panel, "contact", TextEditor).edit, "smith")
    assert panel.filter() == Filter(statuses=(Status.COMPLETED,), contact="smith")
    assert panel.active_count() == 2
    assert panel.count_label.text() == "2 filters on"
    assert panel.clear_button.isEnabled()
    assert counts == [1, 2]

    # An empty filter switched on is not counted and changes nothing.
    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        _switch_on(panel, "ids")
    assert panel.active_count() == 2 and panel.problems() == []

    status = panel.sections["statuses"]
    with (
        qtbot.waitSignal(panel.active_count_changed, timeout=WAIT_MS) as count_blocker,
        qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as filter_blocker,
    ):
        status.toggle.click()
    assert count_blocker.args == [1]
    assert filter_blocker.args == [Filter(contact="smith")]
    assert panel.filter().statuses is None
    assert panel.active_count() == 1 and panel.count_label.text() == "1 filter on"
    assert _box(panel, "statuses", "Completed").isChecked()  # the editor keeps what was chosen

    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        status.toggle.click()  # back on: the same choice applies again
    assert blocker.args == [Filter(statuses=(Status.COMPLETED,), contact="smith")]
    assert panel.active_count() == 2

    emitted = _collect(panel)
    with qtbot.waitSignal(panel.active_count_changed, timeout=WAIT_MS) as count_blocker:
        panel.clear_button.click()
    assert count_blocker.args == [0]
    qtbot.waitUntil(lambda: len(emitted) >= 1, timeout=WAIT_MS)
    qtbot.wait(QUIET_MS)
    assert emitted == [Filter()]
    assert panel.filter() == Filter()
    assert panel.active_count() == 0 and panel.count_label.text() == "No filters"
    assert not panel.clear_button.isEnabled()
    assert not any(section.is_on() for section in panel.sections.values())
    assert not _box(panel, "statuses", "Completed").isChecked()
    assert _editor(panel, "contact", TextEditor).edit.text() == ""
    assert counts == [1, 2, 1, 2, 0]


# === A5: showing a view's Filter ====================================================================

RICH = Filter(
    ids=("c-1", "c-2"),
    statuses=(Status.FAILED, Status.COMPLETED),
    date_within="P14D",
    platforms=(Platform.WEB, Platform.SMS),
    flow_ids=("flow-2",),
    direction=Direction.OUTBOUND,
    used_for=UsedFor.TEST,
    flagged=False,
    repeat_contacts=RepeatRange(min=2, max=5),
    contact="smith",
    content='"thank you" refund',
    functions=("refund", "escalate_now"),
    tags=(KeyValue(key="tier", value="gold"), KeyValue(key="lang", value="fr")),
    match_all_tags=True,
    parameters=(KeyValue(key="order_id", value="123456"),),
)


def _checked(editor: MultiChoiceEditor) -> list[Any]:
    return [value for value, box in editor.boxes.items() if box.isChecked()]


def _radio_text(editor: SingleChoiceEditor) -> str:
    return next(button.text() for button in editor.buttons if button.isChecked())


def _rows(editor: KeyValueEditor) -> list[tuple[str, str]]:
    return [row.pair() for row in editor.rows]


def test_set_filter_shows_every_field_and_reads_back_unchanged(panel: FiltersPanel, qtbot: Any) -> None:
    panel.set_flows(FLOWS)
    panel.set_functions(FUNCTIONS)
    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        panel.set_filter(RICH)
    assert panel.filter() == RICH
    assert all(s.is_on() and s.is_expanded() for s in panel.sections.values())
    assert panel.active_count() == 14 and panel.count_label.text() == "14 filters on"
    assert panel.problems() == []

    assert _editor(panel, "ids", IdsEditor).ids() == ["c-1", "c-2"]
    assert set(_checked(_editor(panel, "statuses", MultiChoiceEditor))) == {Status.FAILED, Status.COMPLETED}
    dates = _editor(panel, "dates", DateRangeEditor)
    assert dates.preset.currentText() == "Last 14 days"
    assert dates.custom.isHidden()
    assert set(_checked(_editor(panel, "platforms", MultiChoiceEditor))) == {Platform.WEB, Platform.SMS}
    flows = _editor(panel, "flows", ChoiceListEditor).checklist
    assert _item(flows, "flow-2").checkState() == Qt.CheckState.Checked
    assert _item(flows, "flow-1").checkState() == Qt.CheckState.Unchecked
    assert _radio_text(_editor(panel, "direction", SingleChoiceEditor)) == "Outbound"
    assert _radio_text(_editor(panel, "used_for", SingleChoiceEditor)) == "Test"
    assert _radio_text(_editor(panel, "flagged", SingleChoiceEditor)) == "Not flagged"
    repeat = _editor(panel, "repeat_contacts", RepeatEditor)
    assert (repeat.minimum.value(), repeat.maximum.value()) == (2, 5)
    assert _editor(panel, "contact", TextEditor).edit.text() == "smith"
    assert _editor(panel, "content", TextEditor).edit.text() == '"thank you" refund'
    functions = _editor(panel, "functions", ChoiceListEditor).checklist
    assert functions.chosen() == ["refund", "escalate_now"]
    assert _item(functions, "refund").checkState() == Qt.CheckState.Checked
    assert _item(functions, "escalate_now").checkState() == Qt.CheckState.Checked  # not known, still listed
    assert _item(functions, "lookup_account").checkState() == Qt.CheckState.Unchecked
    tags = _editor(panel, "tags", KeyValueEditor)
    assert _rows(tags) == [("tier", "gold"), ("lang", "fr")]
    assert tags.match_all is not None and tags.match_all.isChecked()
    assert _rows(_editor(panel, "parameters", KeyValueEditor)) == [("order_id", "123456")]

    # What the widgets hold (not only the Filter kept verbatim) is that Filter: switch every
    # section off and on again, so that each reads its widgets, and nothing changes.
    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        for section in panel.sections.values():
            section.toggle.click()
            section.toggle.click()
        assert panel.filter() == RICH
    assert panel.problems() == []

    # Then one edit changes exactly that field.
    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        _radio(panel, "direction", "Inbound").click()
    assert blocker.args == [RICH.model_copy(update={"direction": Direction.INBOUND})]

    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        panel.set_filter(Filter())
    assert panel.filter() == Filter() and panel.active_count() == 0
    assert not any(s.is_on() for s in panel.sections.values())
    assert dates.preset.findText("Last 14 days") == -1  # the view's own preset went with it


def test_set_filter_shows_a_custom_range(panel: FiltersPanel, qtbot: Any) -> None:
    f = Filter(
        date_from=datetime(2024, 2, 1, 6, 15).astimezone(), date_to=datetime(2024, 2, 3, 20, 0).astimezone()
    )
    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        panel.set_filter(f)
    dates = _editor(panel, "dates", DateRangeEditor)
    assert dates.preset.currentText() == "Custom range…"
    assert dates.from_on.isChecked() and dates.to_on.isChecked()
    assert dates.from_edit.dateTime() == _local(2024, 2, 1, 6, 15)
    assert dates.to_edit.dateTime() == _local(2024, 2, 3, 20, 0)
    panel.sections["dates"].toggle.click()
    panel.sections["dates"].toggle.click()
    assert panel.filter() == f


# === A6: platform text is shown as plain text =======================================================


def test_flow_and_function_names_show_literally(panel: FiltersPanel, qtbot: Any) -> None:
    bold = "<b>bold</b>"
    panel.set_flows([FlowSummary(id="f-x", name=bold, description="<i>slanted</i> & more", node_count=1)])
    panel.set_functions([bold])
    flow = _item(_editor(panel, "flows", ChoiceListEditor).checklist, "f-x")
    function = _item(_editor(panel, "functions", ChoiceListEditor).checklist, bold)
    for item in (flow, function):
        assert item.text() == bold
        tip = item.toolTip()
        assert "&lt;b&gt;bold&lt;/b&gt;" in tip and bold not in tip
    assert "&lt;i&gt;slanted&lt;/i&gt; &amp; more" in flow.toolTip()

    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        flow.setCheckState(Qt.CheckState.Checked)
        function.setCheckState(Qt.CheckState.Checked)
    assert blocker.args == [Filter(flow_ids=("f-x",), functions=(bold,))]
    for key in ("flows", "functions"):
        section = panel.sections[key]
        section.set_expanded(False)
        assert section.summary.text() == bold  # the folded header shows the name as typed


# === A7: Ctrl+F lands in Content ====================================================================


def test_focus_content_switches_content_on_and_focuses_it(panel: FiltersPanel, qtbot: Any) -> None:
    panel.activateWindow()
    section = panel.sections["content"]
    edit = _editor(panel, "content", TextEditor).edit
    with qtbot.assertNotEmitted(panel.filter_changed, wait=QUIET_MS):
        panel.focus_content()
    assert section.is_on() and section.is_expanded()
    qtbot.waitUntil(edit.hasFocus, timeout=WAIT_MS)
    assert QApplication.focusWidget() is edit
    assert section.reason() == "" and panel.problems() == []  # empty is not yet an error
    assert panel.filter() == Filter()

    with qtbot.waitSignal(panel.filter_changed, timeout=WAIT_MS) as blocker:
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClicks(focused, "refund")  # typed where the focus is
    assert blocker.args == [Filter(content="refund")]


# === B: the real window against the real platform ===================================================


def _listed_ids(window: MainWindow) -> list[str | None]:
    """The listing's ids, asking for each row's record as the view's paint does (None: not loaded)."""
    model = window.model
    records = [model.index(row, 0).data(RECORD_ROLE) for row in range(model.rowCount())]
    return [record.id if record is not None else None for record in records]


async def _lists_as_the_platform(
    window: MainWindow, platform: PlatformProcess, expected: Filter
) -> list[str]:
    await until(lambda: window.listing.filter == expected, 10, f"the panel's filter {expected!r}")
    ids = _platform_ids(platform, expected, window.listing.sort)
    assert ids, f"the platform has nothing for {expected!r}: the test would prove nothing"
    try:
        await until(lambda: _listed_ids(window) == ids, 30, f"the listing of {expected!r}")
    except AssertionError as exc:
        got = _listed_ids(window)
        missing, extra = sorted(set(ids) - set(got))[:5], sorted(set(got) - set(ids), key=str)[:5]
        raise AssertionError(
            f"{exc}: {len(got)} rows listed, {len(ids)} on the platform; missing {missing}, extra {extra}"
        ) from None
    assert window.model.rowCount() == len(ids)
    assert window.status.count.text() == (f"{len(ids)} conversations" if len(ids) != 1 else "1 conversation")
    return ids


async def _close(app: Application, window: MainWindow) -> None:
    await app.workspace.close()
    window.close()
    window.deleteLater()  # and its listing's timers with it
    await asyncio.sleep(0.1)


@pytest.mark.usefixtures("secret_service")
def test_choices_in_the_panel_list_what_the_platform_finds(
    first_run: Application,  # noqa: F811
    ui_platform: PlatformProcess,
    run: Callable[..., Any],
) -> None:
    async def scenario() -> None:
        window = await _signed_in_window(first_run)
        await _synced(window)
        panel = window.filters
        assert window.listing.sort == Sort()

        _box(panel, "statuses", "Completed").click()
        _box(panel, "statuses", "Failed").click()
        finished = await _lists_as_the_platform(window, ui_platform, FINISHED)

        _box(panel, "platforms", "Voice").click()
        voice = Filter(statuses=FINISHED.statuses, platforms=(Platform.VOICE,))
        voice_ids = await _lists_as_the_platform(window, ui_platform, voice)
        assert set(voice_ids) < set(finished)

        _switch_on(panel, "flagged")  # "Flagged" is picked first
        flagged_ids = await _lists_as_the_platform(
            window, ui_platform, voice.model_copy(update={"flagged": True})
        )
        _radio(panel, "flagged", "Not flagged").click()
        unflagged_ids = await _lists_as_the_platform(
            window, ui_platform, voice.model_copy(update={"flagged": False})
        )
        assert sorted(flagged_ids + unflagged_ids) == sorted(voice_ids)

        panel.sections["platforms"].toggle.click()  # platform off again
        await _lists_as_the_platform(window, ui_platform, FINISHED.model_copy(update={"flagged": False}))
        await _close(first_run, window)

    run(scenario(), 180)


@pytest.mark.usefixtures("secret_service")
def test_typed_contact_and_content_list_what_the_platform_finds(
    first_run: Application,  # noqa: F811
    ui_platform: PlatformProcess,
    run: Callable[..., Any],
) -> None:
    async def scenario() -> None:
        window = await _signed_in_window(first_run)
        await _synced(window)
        panel = window.filters
        _box(panel, "statuses", "Completed").click()
        _box(panel, "statuses", "Failed").click()
        finished = await _lists_as_the_platform(window, ui_platform, FINISHED)

        # Part of a real contact, in another case (contact compares case-folded).
        contacts = [window.model.record(row).contact for row in range(len(finished))]  # type: ignore[union-attr]
        part = next(m.group(0) for c in contacts if (m := re.search(r"[A-Za-z]{4,}", c)))[:5].upper()
        QTest.keyClicks(_editor(panel, "contact", TextEditor).edit, part)
        by_contact = await _lists_as_the_platform(
            window, ui_platform, Filter(statuses=FINISHED.statuses, contact=part)
        )
        assert set(by_contact) <= set(finished)

        # The cache searches the transcripts it holds: keep the finished conversations offline
        # ("Keep offline"), so that content search in the window has them all to search.
        store, tenant = first_run.workspace.store, first_run.workspace.tenant
        assert store is not None and tenant is not None
        kept = await KeepOffline(first_run.workspace.api, store, tenant).matching(FINISHED)
        assert (kept.done, kept.total, kept.failed) == (len(finished), len(finished), ())

        panel.sections["contact"].toggle.click()  # contact off, content on
        QTest.keyClicks(_editor(panel, "content", TextEditor).edit, '"thank you"')
        by_content = await _lists_as_the_platform(
            window, ui_platform, Filter(statuses=FINISHED.statuses, content='"thank you"')
        )
        assert len(by_content) < len(finished)
        await _close(first_run, window)

    run(scenario(), 180)
