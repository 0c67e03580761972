"""The filters panel's state, driven through its widgets: typing is debounced, toggles, counts
and "Clear all" follow, a view's Filter is shown whole and read back unchanged, platform text is
shown literally, and Ctrl+F's focus_content lands in the Content field (what each filter's widget
makes, and invalid input: tests/ui/test_filters_panel.py)."""

import time as clock
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

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
from tests.ui.test_filters_panel import (
    FLOWS,
    FUNCTIONS,
    QUIET_MS,
    WAIT_MS,
    _box,
    _collect,
    _editor,
    _item,
    _local,
    _radio,
    _switch_on,
    _type,
)
from tests.ui.test_main_window import (  # noqa: F401 - first_run is a fixture
    FINISHED,
    _platform_ids,
    _signed_in_window,
    _synced,
    first_run,
)
from ui.filters import FiltersPanel
from ui.filters.choices import MultiChoiceEditor, SingleChoiceEditor
from ui.filters.dates import DateRangeEditor
from ui.filters.keyvalues import KeyValueEditor
from ui.filters.pickers import ChoiceListEditor
from ui.filters.repeat import RepeatEditor
from ui.filters.text import IdsEditor, TextEditor

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
