"""Text from workbooks made safe for where it goes (README#hostile-and-broken-input, outputs).

- :func:`printable`: for a terminal. Control characters (an ESC starting a colour or
  cursor sequence, a carriage return that hides the start of a line, a bell ...) are
  shown escaped, ``\\x1b``, so what a workbook holds cannot drive the terminal.
  Line feeds and tabs are escaped too when ``keep_lines`` is false (one line a message).
- :func:`csv_cell`: for a CSV file another person opens in a spreadsheet. A text that
  begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  ``'`` (OWASP's advice against CSV formula injection), so a spreadsheet shows it as
  text instead of running it. Numbers stay numbers; JSON is never changed.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_AND_LINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: "re.Match[str]") -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep_lines: bool = False) -> str:
    """``text`` with control characters escaped (``\\x1b``, ``\\u202e``); see the module doc."""
    pattern = _CONTROL if keep_lines else _CONTROL_AND_LINES
    return pattern.sub(_escape, text)


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
