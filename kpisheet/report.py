"""Formatted Excel reports: ``evaluate`` and ``accounts`` with ``--format xlsx -o report.xlsx``.

A report is one sheet a finance user can mail as it is: a header naming what was asked
(the period, the config, the workbook), then the table with a frozen, filterable header row,
number formats taken from each KPI's ``unit``, green/amber/red fills on the status, column
widths that fit the content, and print settings (landscape, one page wide, the header row
repeated, the period and config in the page header).

Values are written as numbers and errors as real error cells (``#N/A``, ``#DIV/0!``), so the
report can be computed with; text is always written as text, never as a formula, whatever it
begins with (an account called ``=HYPERLINK(...)`` stays that text), and control characters,
which a worksheet cannot hold, are written as ``\x01``.

:func:`kpi_report` and :func:`accounts_report` return the ``.xlsx`` file's bytes; the CLI
writes them. Nothing here reads workbooks or evaluates: it formats results it is given.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import __version__
from .errors import EvaluationError
from .expr.ast import Call, Name
from .output import format_number

if TYPE_CHECKING:
    from .config.model import Config
    from .engine.accounts import AccountResult
    from .engine.core import Result

__all__ = ["ReportInfo", "STATUS_FILLS", "accounts_report", "criterion_units", "kpi_report", "number_format",
           "report_file", "report_info"]

#: Currency signs written before the number; three-letter codes (ISO 4217) go after it.
_SIGNS = frozenset({"€", "$", "£", "¥"})
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")

#: Excel's own "Good", "Neutral" and "Bad" cell styles: (fill colour, font colour).
STATUS_FILLS: dict[str, tuple[str, str]] = {
    "green": ("C6EFCE", "006100"),
    "amber": ("FFEB9C", "9C5700"),
    "red": ("FFC7CE", "9C0006"),
}

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_MAX_WIDTH = 60
_MIN_WIDTH = 6


@dataclass(frozen=True)
class ReportInfo:
    """What the report's header says: what was asked, of which config and workbook."""

    title: str
    period: str  # as asked: "latest" or period text
    config: str  # the config file or folder, as the user named it
    workbook: Optional[str]


def report_info(title: str, config: str | Path, workbook: Optional[str], period: Optional[str],
                shown: Sequence[str]) -> ReportInfo:
    """The header of a report: the period as asked, and what ``latest`` stood for.

    ``shown`` are the periods the results name; when they differ from what was asked
    (``latest``, or KPIs at several grains) they follow in brackets: ``latest (2026-10)``.
    """
    periods = sorted(set(shown))
    asked = period or "latest"
    text = asked if periods == [asked] or not periods else f"{asked} ({', '.join(periods)})"
    return ReportInfo(title, text, str(config), workbook)


def report_file(out: Optional[str]) -> Path:
    """Where a report goes: ``-o FILE``; an xlsx report is never written to a terminal."""
    if not out:
        raise EvaluationError("an xlsx report is a file: add -o report.xlsx", place="--format")
    return Path(out)


def number_format(unit: Optional[str], whole: bool = False) -> str:
    """The Excel number format for values of ``unit``.

    ``%`` is a ratio shown as a percentage (``0.1688`` → ``16.9%``); a three-letter
    currency code or a currency sign gives a currency with two decimals
    (``#,##0.00 "EUR"``, ``"$"#,##0.00``); any other unit is a count or a measure:
    thousands separators, no decimals when every value is ``whole``, else two.
    """
    if unit == "%":
        return "0.0%"
    if unit is not None and (unit in _SIGNS or _CURRENCY_CODE.match(unit)):
        return f'"{unit}"#,##0.00' if unit in _SIGNS else f'#,##0.00 "{unit}"'
    return "#,##0" if whole else "#,##0.00"


def _is_whole(values: Sequence[Any]) -> bool:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return all(float(v).is_integer() for v in numbers)


def _put(cell: Cell, value: Any, error: Optional[str] = None) -> None:
    """Write a value: numbers and booleans as such, ``error`` as an error cell, text as text."""
    if error is not None:
        cell.value = error  # openpyxl writes a known error text as an error cell
        if cell.data_type != "e":
            cell.data_type = "s"
        return
    if isinstance(value, float) and not math.isfinite(value):  # no such number in a worksheet
        _put(cell, None, "#NUM!")
        return
    if isinstance(value, str):  # control characters (from a workbook's cells) cannot be stored: shown as \x01
        value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula or an error, whatever the text begins with


def _shown_width(value: Any, fmt: Optional[str], unit: Optional[str]) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = format_number(value, "%" if fmt and fmt.endswith("%") else None)
        return len(text) + (len(unit) + 1 if unit and unit != "%" else 0)
    return len("" if value is None else str(value))


class _Sheet:
    """One report sheet: header block, table, formats; remembers widths as it goes."""

    def __init__(self, ws: Worksheet, info: ReportInfo) -> None:
        self.ws = ws
        self.info = info
        self.widths: dict[int, int] = {}
        self.row = 1
        self._header_block()

    def _note(self, col: int, width: int) -> None:
        self.widths[col] = max(self.widths.get(col, 0), width)

    def _header_block(self) -> None:
        ws, info = self.ws, self.info
        _put(ws.cell(1, 1), info.title)
        ws.cell(1, 1).font = _TITLE
        lines = [("Period", info.period), ("Config", info.config)]
        if info.workbook:
            lines.append(("Workbook", info.workbook))
        lines.append(("Made by", f"kpisheet {__version__}"))
        for i, (label, text) in enumerate(lines, start=2):
            _put(ws.cell(i, 1), label)
            ws.cell(i, 1).font = _BOLD
            _put(ws.cell(i, 2), text)
        self.row = len(lines) + 3  # one blank row, then the table
        ws.oddHeader.center.text = f"{info.title}: {info.period}"
        ws.oddHeader.right.text = info.config
        ws.oddFooter.center.text = "Page &P of &N"

    def table(self, header: Sequence[str]) -> None:
        for col, name in enumerate(header, start=1):
            cell = self.ws.cell(self.row, col)
            _put(cell, name)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(vertical="center")
            self._note(col, len(name) + 3)  # room for the filter button
        self.header_row = self.row
        self.columns = len(header)
        self.row += 1

    def add(self, values: Sequence[Any], formats: Mapping[int, str] | None = None,
            errors: Mapping[int, str] | None = None, units: Mapping[int, Optional[str]] | None = None) -> int:
        """Append one row; ``formats``, ``errors`` and ``units`` are keyed by 0-based column."""
        formats, errors, units = formats or {}, errors or {}, units or {}
        for i, value in enumerate(values):
            cell = self.ws.cell(self.row, i + 1)
            _put(cell, value, errors.get(i))
            if i in formats:
                cell.number_format = formats[i]
            shown = errors.get(i, value)
            self._note(i + 1, _shown_width(shown, formats.get(i), units.get(i)) + 2)
        self.row += 1
        return self.row - 1

    def fill(self, row: int, col: int, status: Optional[str]) -> None:
        colours = STATUS_FILLS.get(status or "")
        if colours is not None:
            cell = self.ws.cell(row, col + 1)
            cell.fill = PatternFill("solid", fgColor=colours[0])
            cell.font = Font(color=colours[1])

    def finish(self) -> bytes:
        ws = self.ws
        last_col = get_column_letter(self.columns)
        last_row = max(self.row - 1, self.header_row)
        ws.freeze_panes = ws.cell(self.header_row + 1, 1).coordinate
        ws.auto_filter.ref = f"A{self.header_row}:{last_col}{last_row}"
        for col, width in self.widths.items():
            ws.column_dimensions[get_column_letter(col)].width = max(_MIN_WIDTH, min(width, _MAX_WIDTH))
            if width > _MAX_WIDTH:  # long text (descriptions, reasons) wraps inside its column
                for row in range(self.header_row + 1, last_row + 1):
                    ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
        ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        ws.print_area = f"A1:{last_col}{last_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        buf = io.BytesIO()
        ws.parent.save(buf)
        return buf.getvalue()


def _new_sheet(title: str, info: ReportInfo) -> _Sheet:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    wb.properties.title = f"{info.title}: {info.period}"
    wb.properties.creator = f"kpisheet {__version__}"
    return _Sheet(ws, info)


def kpi_report(results: Sequence["Result"], info: ReportInfo) -> bytes:
    """``evaluate``'s results as a formatted ``.xlsx`` report (one sheet, ``KPIs``).

    Columns: KPI, Description, Period, [Account,] Value, Target, Status, Trend, Unit. The
    Value and Target of each row carry the number format of the KPI's unit (whole KPIs
    without decimals), the Status cell its fill; an error value is an error cell.
    """
    sheet = _new_sheet("KPIs", info)
    with_account = any(r.account is not None for r in results)
    header = ["KPI", "Description", "Period"] + (["Account"] if with_account else []) + [
        "Value", "Target", "Status", "Trend", "Unit"]
    sheet.table(header)
    value_col, target_col, status_col = header.index("Value"), header.index("Target"), header.index("Status")
    whole = {name: _is_whole([r.value for r in results if r.kpi == name] + [r.target for r in results if r.kpi == name])
             for name in {r.kpi for r in results}}
    for r in results:
        row: list[Any] = [r.kpi, r.description or "", r.period] + ([r.account or "(all)"] if with_account else [])
        row += [r.value, r.target, r.status, r.trend, r.unit or ""]
        fmt = number_format(r.unit, whole[r.kpi])
        errors = {value_col: r.error.text} if r.error is not None else {}
        at = sheet.add(row, {value_col: fmt, target_col: fmt}, errors, {value_col: r.unit, target_col: r.unit})
        sheet.fill(at, status_col, r.status)
    return sheet.finish()


def criterion_units(config: "Config") -> dict[str, Optional[str]]:
    """The unit each key-account criterion's values are in, where the formula says it.

    A criterion that is a KPI's name has that KPI's unit; ``share``, ``pareto`` and
    ``top_share`` give ratios (``%``); any other formula has no known unit.
    """
    ka = config.key_accounts
    if ka is None:
        return {}
    out: dict[str, Optional[str]] = {}
    for name, crit in ka.criteria.items():
        node = crit.formula.node
        if isinstance(node, Name) and node.id in config.kpis:
            out[name] = config.kpis[node.id].unit
        elif isinstance(node, Call) and node.func.lower() in ("share", "pareto", "top_share"):
            out[name] = "%"
        else:
            out[name] = None
    return out


_MOVEMENT = {"new": "green", "up": "green", "lost": "red", "down": "red"}


def accounts_report(rows: Sequence["AccountResult"], info: ReportInfo,
                    units: Mapping[str, Optional[str]] | None = None) -> bytes:
    """``accounts``' table as a formatted ``.xlsx`` report (one sheet, ``Key accounts``).

    Columns: Account, Period, Score, Tier, Key (``yes``/``no``: text any viewer shows alike),
    Previous tier, Movement, then for each criterion its value and its points, then Reason.
    Key accounts have a green Key cell;
    movement ``new``/``up`` is green, ``lost``/``down`` red. Criterion values carry the
    number format of their unit (see :func:`criterion_units`); points and the score one
    decimal.
    """
    units = units or {}
    sheet = _new_sheet("Key accounts", info)
    criteria = list(rows[0].criteria) if rows else []
    header = ["Account", "Period", "Score", "Tier", "Key", "Previous tier", "Movement"]
    for c in criteria:
        header += [c, f"{c} points"]
    header.append("Reason")
    sheet.table(header)
    first_crit = 7
    whole = {c: _is_whole([r.criteria[c].value for r in rows if c in r.criteria]) for c in criteria}
    for r in rows:
        values: list[Any] = [r.account, r.period, r.score, r.tier or "", "yes" if r.key else "no",
                              r.previous_tier or "", r.movement]
        formats: dict[int, str] = {2: "0.0"}
        errors: dict[int, str] = {}
        shown_units: dict[int, Optional[str]] = {}
        for i, c in enumerate(criteria):
            got = r.criteria.get(c)
            col = first_crit + 2 * i
            value = got.value if got is not None else None
            values += [value, got.points if got is not None else None]
            if got is not None and got.error is not None:
                errors[col] = got.error.text
            formats[col] = number_format(units.get(c), whole[c])
            formats[col + 1] = "0.0"
            shown_units[col] = units.get(c)
        values.append(r.reason)
        at = sheet.add(values, formats, errors, shown_units)
        sheet.fill(at, 4, "green" if r.key else None)
        sheet.fill(at, 6, _MOVEMENT.get(r.movement))
    return sheet.finish()
