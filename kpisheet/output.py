"""Turning results into text: tables for people, JSON and CSV for programs.

Files are written atomically: a temporary file beside the target, then a rename,
so a reader never sees half a file and a failure leaves the old one as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

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
    writer.writerows(["" if v is None else v for v in row] for row in rows)
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
            text = "" if cell is None else str(cell)
            style = (styles or {}).get(i, {}).get(text)
            cells.append(f"[{style}]{text}[/{style}]" if style and color else text.replace("[", "\\["))
        table.add_row(*cells)
    console = Console(file=io.StringIO(), width=width, force_terminal=color, color_system="standard" if color else None)
    console.print(table)
    return console.file.getvalue()  # type: ignore[attr-defined]


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a whole file, or nothing: temporary file in the same folder, then rename."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
