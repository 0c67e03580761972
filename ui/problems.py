"""The one place where what went wrong is explained to the user.

Every error the core raises is typed and carries a plain message (ApiError, CacheError,
ExportError); here it becomes what the window shows — a banner with the message, the
technical detail behind a "Details" button, and what the user can do about it. Anything
untyped is a bug: it is logged with its traceback and shown as such, never as a
traceback dialog.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from enum import StrEnum

from app.api.errors import ApiError, Offline, SignInRequired
from app.api.secrets import KeyringUnavailable
from app.cache.errors import CacheCorrupt, CacheError
from app.export.csv_table import ExportError
from app.links import LinkError

log = logging.getLogger(__name__)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    OFFLINE = "offline"


class Remedy(StrEnum):
    NONE = ""
    SIGN_IN = "sign_in"
    RETRY = "retry"


@dataclass(frozen=True)
class Explanation:
    message: str
    detail: str = ""
    severity: Severity = Severity.ERROR
    remedy: Remedy = Remedy.NONE


def explain(problem: BaseException) -> Explanation:
    if isinstance(problem, SignInRequired):
        return Explanation(problem.message, problem.detail or "", Severity.WARNING, Remedy.SIGN_IN)
    if isinstance(problem, KeyringUnavailable):
        return Explanation(problem.message, problem.detail or "", Severity.WARNING)
    if isinstance(problem, Offline):
        return Explanation(problem.message, problem.detail or "", Severity.OFFLINE, Remedy.RETRY)
    if isinstance(problem, ApiError):
        return Explanation(problem.message, problem.detail or "", Severity.ERROR)
    if isinstance(problem, CacheCorrupt):
        return Explanation(problem.message, getattr(problem, "detail", ""), Severity.WARNING)
    if isinstance(problem, CacheError):
        return Explanation(problem.message, getattr(problem, "detail", ""), Severity.ERROR)
    if isinstance(problem, ExportError):
        return Explanation(problem.message, problem.detail, Severity.ERROR)
    if isinstance(problem, LinkError):
        return Explanation(str(problem), "", Severity.WARNING)
    message = getattr(problem, "message", None)
    if isinstance(message, str):  # another typed error of the core
        return Explanation(message, "", Severity.ERROR)
    log.error("unexpected error", exc_info=problem)
    return Explanation(
        "Something unexpected went wrong. Convodesk keeps working; the log has the details.",
        f"{type(problem).__name__}: {problem}",
    )


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` as it is: Qt renders a tooltip that looks like HTML as HTML,
    so the text is escaped inside an explicit rich-text wrapper."""
    return "<qt><p style='white-space:pre-wrap'>" + html.escape(text) + "</p></qt>"
