"""Headers as the readers match them: a cell's header text, the folded form names are matched
in, and the columns to read when a config reads only some (issue 12). Pure functions, no
pandas: :mod:`.prefetch` finds a CSV file's columns with them while pandas imports."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Optional


def fold(text: str) -> str:
    """A header as matched: case and runs of whitespace ignored."""
    return " ".join(text.split()).casefold()


def header_text(value: Any) -> str:
    """A header cell as its text: spaces and line breaks run together, a number or date as Excel
    shows it plainly (``2026-01-31``, ``3``), blank for nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split())


def read_positions(headers: list[str], wanted: frozenset[str], columns: Mapping[str, str]) -> Optional[list[int]]:
    """The positions of the columns to read when only those named ``wanted`` are (config names,
    mapped to headers by ``columns``, or header texts): each whose header matches one (ignoring
    case and spaces, so a repeated header is found twice), and each with a blank header; None
    where all must be read (a name such as ``column F``, which only a blank header gives)."""
    if any(" (column " in name or name.startswith("column ") for name in wanted):
        return None
    folded = {fold(columns.get(name, name)) for name in wanted}
    return [p for p, h in enumerate(headers) if not h or fold(h) in folded]
