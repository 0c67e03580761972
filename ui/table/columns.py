"""The conversations table's columns: title, sort key, and how a row shows in each.

One converter per column, chosen once, so that `data()` is a lookup and a call
(calibre's habit). Texts are plain: the delegates draw them without rich text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QLocale, Qt

from app import labels
from app.domain import Conversation, KeyValuePair, SortColumn, Status, TableColumn

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Column:
    key: TableColumn
    title: str
    sort: SortColumn | None  # None: not sortable (lists of values)
    text: Callable[[Conversation], str]
    tooltip: Callable[[Conversation], str]
    width: int  # default width in pixels at 96 dpi
    alignment: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def pairs_text(items: tuple[KeyValuePair, ...]) -> str:
    return "; ".join(f"{p.key}: {p.value}" for p in items)


def pairs_tooltip(items: tuple[KeyValuePair, ...]) -> str:
    return "\n".join(f"{p.key}: {p.value}" for p in items)


def local_time(at: datetime) -> QDateTime:
    """An aware instant in the user's time zone (Qt's, which follows the system's)."""
    return QDateTime.fromMSecsSinceEpoch((at - _EPOCH) // _MILLISECOND)


def local_date(at: datetime, *, now: datetime | None = None) -> str:
    """In the user's locale and time zone; relative for today ("14:03"), "Yesterday 09:12"."""
    local = local_time(at)
    today = QDateTime.currentDateTime().date() if now is None else local_time(now).date()
    locale = QLocale()
    time = locale.toString(local.time(), QLocale.FormatType.ShortFormat)
    days = local.date().daysTo(today)
    if days == 0:
        return time
    if days == 1:
        return f"Yesterday {time}"
    return locale.toString(local, QLocale.FormatType.ShortFormat)


def full_date(at: datetime) -> str:
    return QLocale().toString(local_time(at), QLocale.FormatType.LongFormat)


def _contact_tooltip(row: Conversation) -> str:
    return f"{row.contact}\nContact ID: {row.contact_id}"


def _status_tooltip(row: Conversation) -> str:
    lines = [labels.STATUS[row.status]]
    if row.status is Status.IN_PROGRESS:
        lines.append(labels.LIVE_STATE[row.live_state])
    if labels.SUPERVISOR_MODE[row.supervisor_mode]:
        lines.append(labels.SUPERVISOR_MODE[row.supervisor_mode])
    return "\n".join(lines)


_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter

COLUMNS: tuple[Column, ...] = (
    Column(TableColumn.ID, "ID", SortColumn.ID, lambda r: r.id, lambda r: r.id, 110),
    Column(
        TableColumn.PLATFORM,
        "Platform",
        SortColumn.PLATFORM,
        lambda r: labels.PLATFORM[r.platform],
        lambda r: (
            f"{labels.PLATFORM[r.platform]} · {labels.DIRECTION[r.direction]} · {labels.USED_FOR[r.used_for]}"
        ),
        110,
    ),
    Column(TableColumn.CONTACT, "Contact", SortColumn.CONTACT, lambda r: r.contact, _contact_tooltip, 150),
    Column(
        TableColumn.STATUS,
        "Status",
        SortColumn.STATUS,
        lambda r: labels.STATUS[r.status],
        _status_tooltip,
        176,
    ),
    Column(TableColumn.FLOW, "Flow", SortColumn.FLOW, lambda r: r.flow_name, lambda r: r.flow_name, 150),
    Column(
        TableColumn.DURATION,
        "Duration",
        SortColumn.DURATION,
        lambda r: labels.duration(r.duration_seconds),
        lambda r: f"{r.duration_seconds} seconds",
        80,
        _RIGHT,
    ),
    Column(
        TableColumn.LAST_MESSAGE,
        "Last Message",
        SortColumn.LAST_MESSAGE,
        lambda r: " ".join(r.last_message.split())[:300],
        lambda r: r.last_message[:2000],
        260,
    ),
    Column(
        TableColumn.DATE,
        "Date",
        SortColumn.DATE,
        lambda r: local_date(r.started_at),
        lambda r: full_date(r.started_at),
        150,
    ),
    Column(
        TableColumn.FLAGGED,
        "Flagged",
        SortColumn.FLAGGED,
        lambda r: "Flagged" if r.flagged else "",
        lambda r: "Flagged" if r.flagged else "Not flagged",
        64,
        _CENTER,
    ),
    Column(
        TableColumn.FUNCTIONS,
        "Functions",
        None,
        lambda r: ", ".join(r.functions),
        lambda r: "\n".join(r.functions),
        160,
    ),
    Column(
        TableColumn.PARAMETERS,
        "Parameters",
        None,
        lambda r: pairs_text(r.parameters),
        lambda r: pairs_tooltip(r.parameters),
        200,
    ),
    Column(
        TableColumn.TAGS, "Tags", None, lambda r: pairs_text(r.tags), lambda r: pairs_tooltip(r.tags), 220
    ),
)

BY_KEY = {column.key: column for column in COLUMNS}
