"""Turning results into text: tables for people, JSON and CSV for programs.

Files are written with :func:`kpisheet.atomic.write_atomic` (re-exported here): all or
nothing, and never over a file that changed since it was read. CSV cells that a
spreadsheet would run as formulas, and control characters in tables for a terminal, are
made safe by :mod:`kpisheet.safetext` (README#hostile-and-broken-input, outputs).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Optional, Sequence

from .safetext import csv_cell, printable

STATUS_STYLE = {"green": "green", "amber": "yellow", "red": "red"}


def format_number(value: Any, unit: Optional[str]) -> str:
    """Numbers as a finance reader expects them: 12.5%, 1,234,567.89, 42."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if unit == "%":
        return f"{value * 100:,.1f}%"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def to_json(rows: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(rows), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else csv_cell(v) for v in row] for row in rows)
    return buf.getvalue()


def render_table(title: Optional[str], header: Sequence[str], rows: Iterable[Sequence[Any]],
                 styles: Optional[dict[int, dict[str, str]]] = None, color: bool = False, width: int = 160) -> str:
    """A rich table as text; ``styles`` maps a column to {cell text: style}."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold", show_lines=False)
    for i, name in enumerate(header):
        table.add_column(name, justify="right" if name in ("Value", "Target", "Score") else "left")
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = "" if cell is None else printable(str(cell))
            style = (styles or {}).get(i, {}).get(text)
            cells.append(f"[{style}]{text}[/{style}]" if style and color else text.replace("[", "\\["))
        table.add_row(*cells)
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=color, color_system="standard" if color else None)
    console.print(table)
    return out.getvalue()
