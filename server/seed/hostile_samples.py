"""Hostile samples that a handful of generated conversations carry on purpose:
huge messages, right-to-left text and emoji, HTML, spreadsheet formulas, SQL,
control characters and odd artifact names. The client must show them safely."""

from __future__ import annotations

# -- hostile samples --------------------------------------------------------------

_LONG_UNIT = (
    "I have been a loyal customer for eleven years and I want to explain, in full detail, everything "
    "that went wrong with my account this month, because every time I call I have to start over. "
)


def _long_message(length: int = 20_000) -> str:
    """A wall of text about the length some customers really paste in."""
    parts: list[str] = []
    total = 0
    n = 1
    while total < length:
        piece = f"({n}) {_LONG_UNIT}"
        parts.append(piece)
        total += len(piece)
        n += 1
    return "".join(parts)[:length]


HOSTILE_LONG = _long_message()
HOSTILE_RTL = "مرحبا، لدي مشكلة في فاتورتي 😡🔥 שלום, ההזמנה שלי לא הגיעה 📦👩🏽‍💻 ok?"
HOSTILE_HTML = ("<script>alert(1)</script>", "<b>bold</b><img src=x onerror=alert(1)>")
HOSTILE_FORMULAS = ('=HYPERLINK("http://evil","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3")
HOSTILE_SQL = "'; DROP TABLE conversations; --"
HOSTILE_CONTROL = "invoice\u202efdp.exe \u200bzero\u200bwidth\u2066isolate\u2069 tab\there bell\x07 end"

HOSTILE_MESSAGES: tuple[str, ...] = (
    HOSTILE_LONG, HOSTILE_RTL, *HOSTILE_HTML, *HOSTILE_FORMULAS, HOSTILE_SQL, HOSTILE_CONTROL,
)

HOSTILE_NAMES: tuple[str, ...] = (
    "<script>alert(1)</script>",
    "محمد 😀 כהן",
    '=HYPERLINK("http://evil","click")',
    "Robert'); DROP TABLE conversations; --",
    "\u202eevil.exe",
    "<b>bold</b><img src=x onerror=alert(1)>",
)

HOSTILE_TAG_VALUES: tuple[str, ...] = (
    "<script>alert(1)</script>", "@SUM(1+1)", "שלום 👋", "'; DROP TABLE conversations; --", "-2+3",
)

# (artifact kind, file name)
HOSTILE_ARTIFACT_NAMES: tuple[tuple[str, str], ...] = (
    ("csv", "../../etc/passwd"),
    ("csv", "CON.csv"),
    ("pdf", "report.pdf.exe"),
    ("image", ".hidden.png"),
    ("csv", "名前 with spaces ✓.csv"),
    ("pdf", ("quarterly_report_" * 20)[:296] + ".pdf"),  # 300 characters
)
