"""The Dashboard sheet of an example workbook, built only from SPEC §4's functions.

    write_dashboard(workbook, example, config, engine)

Layout (one landscape page):

    A1   title and subtitle
    A4   headline KPIs: KPI, why it matters, KPI(), KPI_TARGET(), KPI_STATUS(), KPI_TREND()
    J4   the key account: IS_KEY_ACCOUNT(), ACCOUNT_TIER(), ACCOUNT_SCORE()
    A..  =KPI_TABLE()      (spills: every KPI at the latest period)
    J..  =KEY_ACCOUNTS()   (spills: every account by score, those without a row in the period last)
    A..  a line chart fed by the KPI_SERIES() spills beside it, in J..

Every formula cell is written with the value SPEC §4's function gives today (through
:func:`kpisheet.excel.functions.invoke`, the code ``kpisheet recalc`` runs), so the chart's
cached data agree with the cells; ``kpisheet recalc`` then confirms or corrects them.
Status cells get red/amber/green conditional formatting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from examplegen import Example
from kpisheet.config.model import Config
from kpisheet.excel.functions import invoke
from kpisheet.xlerrors import XlError

SHEET = "Dashboard"
STATUS_COLOURS = {"green": ("#C6EFCE", "#006100"), "amber": ("#FFEB9C", "#9C5700"), "red": ("#FFC7CE", "#9C0006")}
KEY_COLOURS = ("#DDEBF7", "#1F4E78")
WIDTHS = {0: 24.0, 2: 9.0, 3: 13.0, 4: 13.0, 5: 9.0, 6: 7.0, 7: 9.0, 8: 3.0, 9: 25.0, 10: 10.0, 11: 11.0,
          12: 10.0}
CRITERION_WIDTH = 14.0
ACCOUNT_COL = 9  # J: the key-account card, KEY_ACCOUNTS() and the KPI_SERIES() spills
CHART_ROWS = 20
SPILL_SLACK = 6  # rows below a spilled table that keep its formatting when the config grows


def formula(func: str, *args: Optional[str]) -> str:
    """``KPI("revenue","latest","Client A")``: text arguments quoted as Excel quotes them."""
    parts = ['"' + a.replace('"', '""') + '"' if a is not None else "" for a in args]
    while parts and not parts[-1]:
        parts.pop()
    return f"={func}({','.join(parts)})"


def _cached(value: Any) -> Any:
    """A registry result as XlsxWriter writes a formula's cached value."""
    if isinstance(value, XlError):
        return value.text
    if value is None:
        return ""
    return value


@dataclass
class _Formats:
    title: Format
    subtitle: Format
    section: Format
    header: Format
    label: Format
    subtle: Format
    text: Format
    centre: Format
    wb: Workbook
    cache: dict[tuple[str, bool], Format]

    def number(self, num_format: str, bold: bool = False) -> Format:
        key = (num_format, bold)
        if key not in self.cache:
            self.cache[key] = self.wb.add_format({"num_format": num_format, "bold": bold, "font_size": 10})
        return self.cache[key]


def _formats(wb: Workbook) -> _Formats:
    base = {"font_size": 10}
    return _Formats(
        title=wb.add_format({"bold": True, "font_size": 18, "font_color": "#1F4E78"}),
        subtitle=wb.add_format({"italic": True, "font_size": 10, "font_color": "#595959"}),
        section=wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E78", "bottom": 2,
                               "bottom_color": "#1F4E78"}),
        header=wb.add_format({"bold": True, "font_size": 10, "bg_color": "#D9E1F2", "bottom": 1}),
        label=wb.add_format({"bold": True, **base}),
        subtle=wb.add_format({"italic": True, "font_color": "#7F7F7F", **base}),
        text=wb.add_format(base),
        centre=wb.add_format({"align": "center", **base}),
        wb=wb,
        cache={},
    )


class _Writer:
    def __init__(self, wb: Workbook, ws: Worksheet, example: Example, config: Config, engine: Any) -> None:
        self.wb, self.ws, self.ex, self.config, self.engine = wb, ws, example, config, engine
        self.f = _formats(wb)

    def value(self, func: str, *args: Optional[str]) -> Any:
        return invoke(func, self.engine, list(args), raise_input_errors=True)

    def kpi_format(self, name: str) -> str:
        if name in self.ex.formats:
            return self.ex.formats[name]
        kpi = self.config.kpis.get(name)
        unit = kpi.unit if kpi is not None else None
        return {"%": "0.0%", "EUR": "#,##0"}.get(unit or "", "#,##0")

    def cell(self, row: int, col: int, fmt: Optional[Format], func: str, *args: Optional[str]) -> Any:
        value = self.value(func, *args)
        self.ws.write_formula(row, col, formula(func, *args), fmt, _cached(value))
        return value

    def key_flag(self, row: int, col: int, fmt: Optional[Format], account: str) -> None:
        """``=IF(IS_KEY_ACCOUNT(account),"yes","no")``: a text result, which a viewer without
        kpisheet shows from the cache. LibreOffice recomputes a formula whose cached result is a
        boolean (and knows no kpisheet function: #NAME?), but keeps a cached text."""
        value = self.value("IS_KEY_ACCOUNT", account)
        cached = value.text if isinstance(value, XlError) else ("yes" if value else "no")
        test = formula("IS_KEY_ACCOUNT", account)[1:]
        self.ws.write_formula(row, col, f'=IF({test},"yes","no")', fmt, cached)

    def spill(self, row: int, col: int, func: str, args: Sequence[Optional[str]],
              formats: Sequence[Sequence[Optional[Format]]]) -> list[list[Any]]:
        """A dynamic array at (row, col), its cached values and a format for each cell."""
        table = self.value(func, *args)
        if not isinstance(table, list):
            raise SystemExit(f"{self.ex.name}: {formula(func, *args)} gives {table!r}, not a table")
        height, width = len(table), max(len(r) for r in table)

        def fmt(i: int, j: int) -> Optional[Format]:
            return formats[i][j] if i < len(formats) and j < len(formats[i]) else None

        self.ws.write_dynamic_array_formula(row, col, row + height - 1, col + width - 1, formula(func, *args),
                                            fmt(0, 0), _cached(table[0][0]))
        for i, values in enumerate(table):
            for j, v in enumerate(values):
                if (i, j) == (0, 0):
                    continue
                if isinstance(v, XlError):  # no plain error cells in XlsxWriter: recalc writes them
                    self.ws.write_blank(row + i, col + j, None, fmt(i, j))
                elif isinstance(v, bool):
                    self.ws.write_boolean(row + i, col + j, v, fmt(i, j))
                elif isinstance(v, (int, float)):
                    self.ws.write_number(row + i, col + j, v, fmt(i, j))
                elif v in (None, ""):
                    self.ws.write_blank(row + i, col + j, None, fmt(i, j))
                else:
                    self.ws.write_string(row + i, col + j, str(v), fmt(i, j))
        return table

    def status_colours(self, first_row: int, last_row: int, col: int) -> None:
        for status, (fill, font) in STATUS_COLOURS.items():
            fmt = self.wb.add_format({"bg_color": fill, "font_color": font, "bold": True})
            self.ws.conditional_format(first_row, col, last_row, col,
                                       {"type": "cell", "criteria": "==", "value": f'"{status}"', "format": fmt})

    def key_colours(self, first_row: int, last_row: int, col: int, value: str) -> None:
        fmt = self.wb.add_format({"bg_color": KEY_COLOURS[0], "font_color": KEY_COLOURS[1], "bold": True})
        self.ws.conditional_format(first_row, col, last_row, col,
                                   {"type": "cell", "criteria": "==", "value": value, "format": fmt})

    # --- the sections ------------------------------------------------------------------------

    def columns(self) -> None:
        descriptions = [len(k.description or "") for k in self.config.kpis.values()]
        self.widths = dict(WIDTHS)
        self.widths[1] = min(70.0, max(36.0, 0.92 * max(descriptions, default=30) + 2))
        ka = self.config.key_accounts
        for j in range(len(ka.criteria) if ka is not None else 0):
            self.widths[13 + j] = CRITERION_WIDTH
        for col, width in self.widths.items():
            self.ws.set_column(col, col, width)

    def headline(self, row: int) -> int:
        ws, f = self.ws, self.f
        ws.write(row, 0, "Headline KPIs, latest period", f.section)
        for col in range(1, 8):
            ws.write_blank(row, col, None, f.section)
        head = ["KPI", "What it tells", "", "Value", "Target", "Status", "Trend", ""]
        for col, text in enumerate(head):
            ws.write(row + 1, col, text, f.header)
        for i, h in enumerate(self.ex.headline):
            r = row + 2 + i
            number = self.f.number(self.kpi_format(h.kpi))
            period = "latest" if h.account else None
            ws.write(r, 0, h.kpi, f.label)
            ws.write(r, 1, h.label, f.text)
            self.cell(r, 3, self.f.number(self.kpi_format(h.kpi), bold=True), "KPI", h.kpi, period, h.account)
            self.cell(r, 4, number, "KPI_TARGET", h.kpi, period, h.account)
            self.cell(r, 5, f.centre, "KPI_STATUS", h.kpi, period, h.account)
            self.cell(r, 6, f.centre, "KPI_TREND", h.kpi, period, h.account)
        self.status_colours(row + 2, row + 1 + len(self.ex.headline), 5)
        return row + 2 + len(self.ex.headline)

    def key_account_card(self, row: int) -> None:
        ws, f, name = self.ws, self.f, self.ex.key_account
        col = ACCOUNT_COL
        ws.write(row, col, f"Key account: {name}", f.section)
        for c in range(col + 1, col + 4):
            ws.write_blank(row, c, None, f.section)
        ws.write(row + 1, col, "Key account?", f.label)
        self.key_flag(row + 1, col + 1, f.centre, name)
        self.key_colours(row + 1, row + 1, col + 1, '"yes"')
        ws.write(row + 2, col, "Tier", f.label)
        self.cell(row + 2, col + 1, f.centre, "ACCOUNT_TIER", name)
        ws.write(row + 3, col, "Score (0-100)", f.label)
        self.cell(row + 3, col + 1, self.f.number("0.0", bold=True), "ACCOUNT_SCORE", name)
        for i, line in enumerate(self.ex.card):
            ws.write(row + 4 + i, col, line.label, f.label)
            self.cell(row + 4 + i, col + 1, self.f.number(self.kpi_format(line.kpi), bold=True), "KPI", line.kpi,
                      "latest", line.account)
            ws.write(row + 4 + i, col + 2, line.kpi, f.subtle)

    def kpi_table(self, row: int) -> int:
        f = self.f
        self.ws.write(row, 0, "All KPIs, latest period", f.section)
        for col in range(1, 8):
            self.ws.write_blank(row, col, None, f.section)
        kpis = list(self.config.kpis)
        formats: list[list[Optional[Format]]] = [[f.header] * 8]
        for name in kpis:
            number = f.number(self.kpi_format(name))
            formats.append([f.label, f.text, f.centre, f.number(self.kpi_format(name), bold=True), number,
                            f.centre, f.centre, f.centre])
        table = self.spill(row + 1, 0, "KPI_TABLE", [], formats)
        self.status_colours(row + 2, row + len(table) + SPILL_SLACK, 5)
        return row + 1 + len(table)

    def key_accounts(self, row: int) -> int:
        f, col = self.f, ACCOUNT_COL
        ka = self.config.key_accounts
        assert ka is not None
        self.ws.write(row, col, "Key accounts, latest period", f.section)
        criteria = list(ka.criteria)
        for c in range(col + 1, col + 4 + len(criteria)):
            self.ws.write_blank(row, c, None, f.section)
        body = [f.label, f.number("0.0", bold=True), f.centre, f.centre,
                *(f.number(self.ex.formats.get(c, "0.00")) for c in criteria)]
        width = 4 + len(criteria)
        formats = [[f.header] * width] + [body] * len(self.engine.key_accounts())
        table = self.spill(row + 1, col, "KEY_ACCOUNTS", [], formats)
        last = row + len(table) + SPILL_SLACK
        self.key_colours(row + 2, last, col + 3, "TRUE")
        top_tier = ka.tiers[0][0]
        self.key_colours(row + 2, last, col + 2, f'"{top_tier}"')
        return row + 1 + len(table)

    def trend(self, row: int) -> int:
        f, ws, ex = self.f, self.ws, self.ex
        ws.write(row, 0, "Trend", f.section)
        for col in range(1, 8):
            ws.write_blank(row, col, None, f.section)
        chart = self.wb.add_chart({"type": "line"})
        last = row
        for k, s in enumerate(ex.series):
            col = ACCOUNT_COL + 2 * k
            ws.write(row, col, s.label, f.label)
            number = f.number(self.kpi_format(s.kpi))
            formats = [[f.header, f.header]] + [[f.centre, number]] * 400
            table = self.spill(row + 1, col, "KPI_SERIES", [s.kpi, ex.first_period, ex.last_period, s.account],
                               formats)
            n = len(table) - 1
            chart.add_series({
                "name": [SHEET, row, col],
                "categories": [SHEET, row + 2, col, row + 1 + n, col],
                "values": [SHEET, row + 2, col + 1, row + 1 + n, col + 1],
                "line": {"width": 2.25},
                "marker": {"type": "circle", "size": 4},
                "y2_axis": s.secondary_axis,
            })
            last = max(last, row + 1 + n)
        chart.set_title({"name": ex.chart_title, "name_font": {"size": 11, "bold": True}})
        chart.set_x_axis({"num_font": {"rotation": -45, "size": 8}})
        chart.set_y_axis({"num_format": ex.chart_format, "major_gridlines": {"visible": True,
                                                                            "line": {"color": "#D9D9D9"}}})
        if any(s.secondary_axis for s in ex.series):
            chart.set_y2_axis({"num_format": "0.00"})
        chart.set_legend({"position": "bottom"})
        width = sum(int(self.widths.get(c, 8.43) * 7 + 5) for c in range(0, 8))
        chart.set_size({"width": width, "height": CHART_ROWS * 20})
        ws.insert_chart(row + 1, 0, chart, {"x_offset": 2, "y_offset": 4, "object_position": 1})
        return max(last, row + 1 + CHART_ROWS)


def write_dashboard(wb: Workbook, example: Example, config: Config, engine: Any) -> Worksheet:
    """Add the Dashboard sheet (call before adding the data sheets: it comes first)."""
    ws = wb.add_worksheet(SHEET)
    w = _Writer(wb, ws, example, config, engine)
    w.columns()
    ws.hide_gridlines(2)
    ws.set_tab_color("#1F4E78")
    ws.write(0, 0, example.title, w.f.title)
    ws.set_row(0, 26)
    ws.write(1, 0, example.subtitle, w.f.subtitle)
    end = w.headline(3)
    w.key_account_card(3)
    row = max(end, 3 + 4 + len(example.card)) + 1
    kpis_end = w.kpi_table(row)
    accounts_end = w.key_accounts(row)
    last = w.trend(max(kpis_end, accounts_end) + 1)
    ka = example_criteria_count(config)
    last_col = max(ACCOUNT_COL + 3 + ka, ACCOUNT_COL + 2 * len(example.series) - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 1)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_column(last_col + 1, last_col + 1, 3)  # a margin on the right of the page
    ws.print_area(0, 0, last, last_col + 1)
    ws.activate()
    return ws


def example_criteria_count(config: Config) -> int:
    return len(config.key_accounts.criteria) if config.key_accounts is not None else 0
