"""Hostile-but-valid workbooks for issue 15's fuzz test: random formulas over recalc's registry
of Excel functions, written as real .xlsx packages.

Every choice goes through ``pick(n) -> 0..n-1``, so the same generator runs under hypothesis
(``data.draw``: failures shrink to a small book) or a seeded ``random.Random`` (long local runs).

    spec = book_spec(pick)          # cells, formulas, names: a plain description
    write_package(path, spec)       # hand-written parts: dynamic arrays, legacy arrays, shared formulas
    write_openpyxl(path, spec)      # the same book as openpyxl writes it
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union
from xml.sax.saxutils import escape

from kpisheet.excel.recalc.sheetxml import a1
from kpisheet.excel.recalc.writer import METADATA_XML
from kpisheet.excel.recalc.xlfuncs import FUNCTIONS

Pick = Callable[[int], int]

# Functions whose result depends on the clock, the machine or randomness still must not crash.
NAMES = sorted(FUNCTIONS)
SHEETS = ("Data", "Other Sheet")
DATA_ROWS, DATA_COLS = 8, 5           # A1:E8 of both sheets hold values
FORMULA_COL = 8                       # formulas go in H.. of Data, one a row
ERRORS = ("#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
NUMBERS = ("0", "1", "-1", "0.5", "2", "3", "10", "-2.5", "45000", "1E+300", "-1E+300", "1E-300",
           "2958465", "1E+15", "0.1", "99999999999")
TEXTS = ("", "a", "1", " 2 ", "TRUE", "2024-01-31", "#N/A", "x\"y", "ÄÖ€", "abc def", "1e5", "-", "12:30")
# Kinds Excel's own grammar has as operators
BINARY = ("+", "-", "*", "/", "^", "&", "=", "<>", "<", ">", "<=", ">=")

Value = Union[float, str, bool, None, "ErrorValue"]


@dataclass(frozen=True)
class ErrorValue:
    text: str


@dataclass
class FormulaCell:
    row: int
    col: int
    text: str
    style: str  # "normal" | "dynamic" (t=array with cm) | "legacy" (t=array, a CSE formula) | "shared"
    ref: str = ""  # an array formula's area as the file states it (stale on purpose)


@dataclass
class BookSpec:
    values: dict[str, dict[tuple[int, int], Value]] = field(default_factory=dict)
    formulas: list[FormulaCell] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def _value(pick: Pick) -> Value:
    k = pick(6)
    if k == 0:
        return None
    if k in (1, 2):
        return float(NUMBERS[pick(len(NUMBERS))])
    if k == 3:
        return TEXTS[pick(len(TEXTS))]
    if k == 4:
        return bool(pick(2))
    return ErrorValue(ERRORS[pick(len(ERRORS))])


def _sheet_prefix(pick: Pick) -> str:
    return "'Other Sheet'!" if pick(3) == 0 else ""


def _ref(pick: Pick) -> str:
    r, c = 1 + pick(DATA_ROWS + 2), 1 + pick(DATA_COLS + 1)
    dollar = "$" if pick(3) == 0 else ""
    return _sheet_prefix(pick) + dollar + a1(r, c)


def _range(pick: Pick) -> str:
    k = pick(8)
    sheet = _sheet_prefix(pick)
    if k == 0:
        return sheet + "A:A" if pick(2) else sheet + "B:C"   # whole columns
    if k == 1:
        return sheet + f"{1 + pick(3)}:{1 + pick(3) + pick(2)}"  # whole rows
    r1, c1 = 1 + pick(DATA_ROWS), 1 + pick(DATA_COLS)
    r2, c2 = r1 + pick(4), c1 + pick(3)
    return sheet + f"{a1(r1, c1)}:{a1(r2, c2)}"


def _array_constant(pick: Pick) -> str:
    rows, cols = 1 + pick(3), 1 + pick(3)
    items = ("1", "-2", "0.5", '"a"', '""', "TRUE", "FALSE", "#N/A", "#DIV/0!", "1E+300")
    return "{" + ";".join(",".join(items[pick(len(items))] for _ in range(cols)) for _ in range(rows)) + "}"


def _literal(pick: Pick) -> str:
    k = pick(5)
    if k == 0:
        return NUMBERS[pick(len(NUMBERS))]
    if k == 1:
        return '"' + TEXTS[pick(len(TEXTS))].replace('"', '""') + '"'
    if k == 2:
        return ("TRUE", "FALSE")[pick(2)]
    if k == 3:
        return ERRORS[pick(len(ERRORS))]
    return str(pick(5))


class _Gen:
    def __init__(self, pick: Pick, names: list[str], row: int) -> None:
        self.pick = pick
        self.names = names
        self.row = row  # the formula's own row: earlier formula cells can be read by spill refs

    def expr(self, depth: int) -> str:
        p = self.pick
        k = p(14) if depth > 0 else p(6)
        if k == 0:
            return _literal(p)
        if k == 1:
            return _ref(p)
        if k == 2:
            return _range(p)
        if k == 3:
            return _array_constant(p)
        if k == 4 and self.names:
            return self.names[p(len(self.names))]
        if k == 5 and self.row > 1:  # another formula's result, or its spill
            other = 1 + p(self.row - 1)
            return a1(other, FORMULA_COL) + ("#" if p(2) else "")
        if k in (6, 7, 8, 9):
            return self.call(depth - 1)
        if k == 10:
            return f"{self.expr(depth - 1)}{BINARY[p(len(BINARY))]}{self.expr(depth - 1)}"
        if k == 11:
            return ("-", "+")[p(2)] + self.expr(depth - 1) + ("%" if p(4) == 0 else "")
        if k == 12:
            return self.let_or_lambda(depth - 1)
        if k == 13:
            return "(" + self.expr(depth - 1) + ")"
        return _literal(p)

    def call(self, depth: int) -> str:
        p = self.pick
        name = NAMES[p(len(NAMES))]
        f = FUNCTIONS[name]
        most = min(f.max_args, f.min_args + 3)
        n = f.min_args + p(most - f.min_args + 1)
        args = [self.expr(depth) if p(8) else "" for _ in range(n)]  # "" is an omitted argument
        prefix = "_xlfn." if p(2) else ""
        return f"{prefix}{name}({','.join(args)})"

    def let_or_lambda(self, depth: int) -> str:
        p = self.pick
        body = self.expr(depth)
        k = p(3)
        if k == 0:
            return f"_xlfn.LET(_xlpm.x,{self.expr(depth)},_xlpm.x{BINARY[p(len(BINARY))]}{body})"
        if k == 1:
            return f"_xlfn.LAMBDA(_xlpm.x,_xlpm.x{BINARY[p(len(BINARY))]}{body})({self.expr(depth)})"
        helper = ("MAP", "BYROW", "BYCOL", "SCAN", "REDUCE", "MAKEARRAY")[p(6)]
        if helper in ("MAP", "BYROW", "BYCOL"):
            return f"_xlfn.{helper}({self.expr(depth)},_xlfn.LAMBDA(_xlpm.x,{_agg(p)}(_xlpm.x,{body})))"
        if helper in ("SCAN", "REDUCE"):
            return (f"_xlfn.{helper}({self.expr(depth)},{self.expr(depth)},"
                    f"_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b))")
        return f"_xlfn.MAKEARRAY({1 + p(3)},{1 + p(3)},_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*_xlpm.c))"


def _agg(pick: Pick) -> str:
    return ("SUM", "MAX", "COUNTA", "CONCAT")[pick(4)]


def book_spec(pick: Pick, formulas: int = 6, depth: int = 3) -> BookSpec:
    spec = BookSpec()
    for sheet in SHEETS:
        spec.values[sheet] = {(r, c): v for r in range(1, DATA_ROWS + 1) for c in range(1, DATA_COLS + 1)
                              if (v := _value(pick)) is not None}
    if pick(2):
        spec.names["Rate"] = "Data!$A$1"
    if pick(2):
        spec.names["Block"] = "'Other Sheet'!$A$1:$C$4"
    if pick(3) == 0:
        spec.names["Konst"] = _array_constant(pick)
    styles = ("normal", "normal", "dynamic", "dynamic", "legacy", "shared")
    row = 1
    for _ in range(formulas):
        gen = _Gen(pick, list(spec.names), row)
        text = gen.expr(depth)
        style = styles[pick(len(styles))]
        height, width = 1 + pick(3), 1 + pick(2)  # the stale area the file claims
        ref = a1(row, FORMULA_COL) if (height, width) == (1, 1) else \
            f"{a1(row, FORMULA_COL)}:{a1(row + height - 1, FORMULA_COL + width - 1)}"
        spec.formulas.append(FormulaCell(row, FORMULA_COL, text, style, ref if style in ("dynamic", "legacy") else ""))
        row += max(height, 1 + pick(4))  # areas never overlap, as in a file Excel saved; spills may collide
    return spec


# --- writing -----------------------------------------------------------------------------------

NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _cell_xml(ref: str, v: Value) -> str:
    if v is None:
        return f'<c r="{ref}"/>'
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, float):
        return f'<c r="{ref}"><v>{repr(v)}</v></c>'
    if isinstance(v, ErrorValue):
        return f'<c r="{ref}" t="e"><v>{v.text}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t></is></c>'


def _sheet_xml(cells: dict[tuple[int, int], str]) -> str:
    rows: dict[int, list[tuple[int, str]]] = {}
    for (r, c), xml in cells.items():
        rows.setdefault(r, []).append((c, xml))
    body = "".join(f'<row r="{r}">' + "".join(x for _, x in sorted(rows[r])) + "</row>" for r in sorted(rows))
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}><sheetData>{body}</sheetData></worksheet>'


def spec_row(ref: str) -> int:
    return int("".join(ch for ch in ref if ch.isdigit()))


def spec_col(ref: str) -> int:
    col = 0
    for ch in ref:
        if ch.isalpha():
            col = col * 26 + ord(ch.upper()) - 64
    return col


def write_package(path: Path, spec: BookSpec) -> Path:
    """The book as hand-written parts, the way Excel lays out what openpyxl cannot write: dynamic
    arrays (``cm`` and the metadata part), legacy array formulas, shared formulas."""
    sheets: list[dict[tuple[int, int], str]] = []
    for sheet in SHEETS:
        sheets.append({(r, c): _cell_xml(a1(r, c), v) for (r, c), v in spec.values[sheet].items()})
    shared_master: dict[int, int] = {}
    for f in spec.formulas:
        ref = a1(f.row, f.col)
        text = escape(f.text)
        if f.style == "dynamic":
            xml = f'<c r="{ref}" cm="1"><f t="array" ref="{f.ref}">{text}</f><v>0</v></c>'
        elif f.style == "legacy":
            xml = f'<c r="{ref}"><f t="array" ref="{f.ref}">{text}</f><v>0</v></c>'
        elif f.style == "shared":  # a master and a follower in the next column
            si = len(shared_master)
            shared_master[si] = f.row
            xml = f'<c r="{ref}"><f t="shared" ref="{ref}:{a1(f.row, f.col + 1)}" si="{si}">{text}</f><v>0</v></c>'
            sheets[0][(f.row, f.col + 1)] = f'<c r="{a1(f.row, f.col + 1)}"><f t="shared" si="{si}"/><v>0</v></c>'
        else:
            xml = f'<c r="{ref}"><f>{text}</f><v>0</v></c>'
        sheets[0][(f.row, f.col)] = xml
        if f.ref and ":" in f.ref:  # Excel writes a value in every other cell of an array's area
            last = f.ref.split(":")[1]
            for r in range(f.row, spec_row(last) + 1):
                for c in range(f.col, spec_col(last) + 1):
                    if (r, c) != (f.row, f.col):
                        sheets[0][(r, c)] = f'<c r="{a1(r, c)}"><v>0</v></c>'
    names = "".join(f'<definedName name="{n}">{escape(t)}</definedName>' for n, t in spec.names.items())
    names = f"<definedNames>{names}</definedNames>" if names else ""
    over = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT_MAIN}.worksheet+xml"/>'
                   for i in range(1, len(SHEETS) + 1))
    over += f'<Override PartName="/xl/workbook.xml" ContentType="{CT_MAIN}.sheet.main+xml"/>'
    over += f'<Override PartName="/xl/metadata.xml" ContentType="{CT_MAIN}.sheetMetadata+xml"/>'
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(SHEETS) + 1))
    rels += f'<Relationship Id="rId99" Type="{REL}/sheetMetadata" Target="metadata.xml"/>'
    sheet_list = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(SHEETS, 1))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
                   '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   f'ContentType="application/xml"/>{over}</Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                  f'relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                                  'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {NS}>'
                                      f'<sheets>{sheet_list}</sheets>{names}<calcPr calcId="191029"/></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                                                 f'2006/relationships">{rels}</Relationships>')
        for i, cells in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(cells))
        z.writestr("xl/metadata.xml", METADATA_XML)
    return path


def write_openpyxl(path: Path, spec: BookSpec) -> Path:
    """The book as openpyxl writes it (shared strings, its own part layout); array formulas as
    openpyxl's ArrayFormula, the rest as plain formulas."""
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.formula import ArrayFormula
    wb = Workbook()
    wss = [wb.active] + [wb.create_sheet() for _ in SHEETS[1:]]
    for ws, sheet in zip(wss, SHEETS):
        ws.title = sheet
        for (r, c), v in spec.values[sheet].items():
            if isinstance(v, ErrorValue):
                cell = ws.cell(r, c, v.text)
                cell.data_type = "e"
            elif isinstance(v, str) and v.startswith("="):
                ws.cell(r, c, " " + v)
            else:
                ws.cell(r, c, v)
    for f in spec.formulas:
        if f.style in ("dynamic", "legacy"):
            wss[0].cell(f.row, f.col).value = ArrayFormula(f.ref, "=" + f.text)
        else:
            wss[0].cell(f.row, f.col, "=" + f.text)
    for n, t in spec.names.items():
        dn = DefinedName(n, attr_text=t)
        if hasattr(wb.defined_names, "add"):
            wb.defined_names.add(dn)
        else:  # openpyxl < 3.1
            wb.defined_names.append(dn)
    wb.save(path)
    return path
