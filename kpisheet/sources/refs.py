"""What a config says about one source, and the A1 notation sources use."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from .. import limits

MAX_ROW = limits.MAX_ROWS  # Excel's grid, named once in kpisheet.limits
MAX_COL = limits.MAX_COLS  # XFD


def col_letter(number: int) -> str:
    """``1`` → ``A``, ``27`` → ``AA``."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def col_number(letters: str) -> int:
    """``A`` → ``1``, ``aa`` → ``27``."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


@dataclass(frozen=True)
class CsvOptions:
    """How a CSV file writes its cells (README#your-data); ``delimiter`` None: sniffed among ``, ; TAB |``."""

    delimiter: Optional[str] = None
    decimal: str = "."
    thousands: Optional[str] = None
    encoding: str = "utf-8"
    quotechar: str = '"'


@dataclass(frozen=True)
class SourceRef:
    """One source as the config describes it.

    ``sheet``, ``table`` and ``range`` are mutually exclusive; with none of them the
    first sheet of the workbook is read (a CSV file has one sheet, named after the file).
    ``header_row`` is the row number Excel shows for the header (sheet sources only);
    when it is 1 and row 1 is empty, the first row with anything in it is the header.
    ``columns`` maps kpisheet names to header texts; headers are matched ignoring case
    and runs of spaces, as Excel matches names. ``csv`` says how a CSV file writes its
    cells; ``date_format`` how text dates are written (strftime codes). ``usecols`` names
    the columns (config names or header texts) that the config reads from the source: a
    reader may leave the others out and type-check none of them (CSV files do).
    """

    name: str
    path: Path
    sheet: Optional[str] = None
    table: Optional[str] = None
    range: Optional[str] = None
    header_row: int = 1
    columns: Mapping[str, str] = field(default_factory=dict)
    csv: CsvOptions = field(default_factory=CsvOptions)  # for CSV files; workbooks ignore it
    date_format: Optional[str] = None  # strftime codes of text dates (README#your-data)
    usecols: Optional[frozenset[str]] = None  # the columns something reads (None: all); a reader may give more

    def __post_init__(self) -> None:
        if not isinstance(self.path, Path):
            object.__setattr__(self, "path", Path(self.path))
        given = [k for k, v in (("sheet", self.sheet), ("table", self.table), ("range", self.range)) if v is not None]
        if len(given) > 1:
            raise ValueError(f"source '{self.name}': give one of sheet, table, range (got {', '.join(given)})")


@dataclass(frozen=True)
class CellRange:
    """A rectangle of cells, 1-based and inclusive, maybe on a named sheet."""

    sheet: Optional[str]
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def __str__(self) -> str:
        a1 = f"{col_letter(self.first_col)}{self.first_row}:{col_letter(self.last_col)}{self.last_row}"
        if self.sheet is None:
            return a1
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", self.sheet):
            return f"{self.sheet}!{a1}"
        return "'" + self.sheet.replace("'", "''") + "'!" + a1


_CELLS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d*):\$?([A-Za-z]{1,3})\$?(\d*)")
_QUOTED = re.compile(r"'((?:[^']|'')+)'!(.*)")


def parse_range(text: str) -> CellRange:
    """Read ``Sales!A1:F500``, ``'My Sheet'!$A$1:$F$500``, ``Sales!A:F`` or ``A1:F500``.

    Raises ValueError saying what is wrong; the sheet is None when the text names none.
    """
    text = text.strip()
    sheet: Optional[str] = None
    quoted = _QUOTED.fullmatch(text)
    if quoted:
        sheet, cells = quoted.group(1).replace("''", "'"), quoted.group(2)
    elif "!" in text:
        sheet, _, cells = text.rpartition("!")
        sheet = sheet.strip()
        if not sheet or "'" in sheet:
            raise ValueError("the sheet name is missing or badly quoted")
    else:
        cells = text
    m = _CELLS.fullmatch(cells.strip())
    if not m:
        raise ValueError("expected cells such as A1:F500 or A:F")
    c1, r1, c2, r2 = col_number(m.group(1)), m.group(2), col_number(m.group(3)), m.group(4)
    if bool(r1) != bool(r2):
        raise ValueError("give a row number on both sides (A1:F500) or on neither (A:F)")
    row1, row2 = (int(r1), int(r2)) if r1 else (1, MAX_ROW)
    if not (1 <= row1 <= MAX_ROW and 1 <= row2 <= MAX_ROW) or c1 > MAX_COL or c2 > MAX_COL:
        raise ValueError("beyond the last cell of a sheet (XFD1048576)")
    if row1 > row2 or c1 > c2:
        raise ValueError("the first cell must be above and left of the last")
    if row1 == row2:
        raise ValueError("a range needs a header row and at least one row below it")
    return CellRange(sheet, row1, c1, row2, c2)
