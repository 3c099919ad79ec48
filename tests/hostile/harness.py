"""Hostile inputs made in the test, and the command run on them in a bounded subprocess.

:func:`run_bounded` runs ``python -m kpisheet ...`` with an address space of 2 GB and
60 s of CPU (``resource.setrlimit``), so a test that would blow up memory fails instead
of eating the machine; :func:`assert_clean` checks SPEC §9's promise: exit 0, 1 or 2,
no traceback, and on 2 exactly one ``error:`` line.
"""

from __future__ import annotations

import os
import struct
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional
from xml.sax.saxutils import escape

LIMIT_AS = 2 << 30  # 2 GiB of address space
LIMIT_CPU = 60  # seconds


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))
    resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_CPU, LIMIT_CPU))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_bounded(*args: str, cwd: Optional[Path] = None, timeout: float = 120) -> Run:
    """``python -m kpisheet *args`` within LIMIT_AS and LIMIT_CPU. With KPISHEET_HOSTILE_LOG set
    to a file, each run's command, exit code, seconds and peak memory (GNU time) are added to it:
    the measured outcome of each case, for the issue's report."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200"}
    env.pop("KPISHEET_CONFIG", None)
    log = env.pop("KPISHEET_HOSTILE_LOG", None)
    command = [sys.executable, "-m", "kpisheet", *args]
    measured = Path(f"{log}.{os.getpid()}.time") if log else None
    if measured is not None:
        command = ["/usr/bin/time", "-f", "%e %M", "-o", str(measured), *command]
    proc = subprocess.run(command, capture_output=True, text=True, preexec_fn=_limit, timeout=timeout, cwd=cwd,
                          env=env)
    if log and measured is not None:
        words = measured.read_text().split() if measured.exists() else []
        seconds, kb = words[-2:] if len(words) >= 2 else ("?", "?")
        measured.unlink(missing_ok=True)
        case = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{case}\t{' '.join(a if len(a) < 60 else '...' + a[-40:] for a in args)}\t"
                    f"exit {proc.returncode}\t{seconds} s\t{int(kb) // 1024 if kb.isdigit() else kb} MB\n")
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_clean(run: Run, codes: Iterable[int] = (0, 1, 2)) -> None:
    """Exit 0/1/2, no traceback, one ``error:`` line on 2."""
    allowed = tuple(codes)
    assert run.code in allowed, f"exit {run.code}, expected one of {allowed}\n{run.err[-3000:]}"
    assert "Traceback" not in run.err and "panicked" not in run.err, run.err[-3000:]
    if run.code == 2:
        errors = [line for line in run.err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, run.err[-3000:]


# --- workbooks written by hand: every byte under the test's control --------------------------

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>')
_CT_SHEET = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
              'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
       '<sheets>{sheets}</sheets><calcPr calcId="191029"/></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            '</Relationships>')
_SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}'
          '</sheetData></worksheet>')

Cell = object  # a number, a text, or Formula("...")


@dataclass(frozen=True)
class Formula:
    text: str


def _cell(ref: str, value: Cell) -> str:
    if isinstance(value, Formula):
        return f'<c r="{ref}"><f>{escape(value.text)}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _row_of(ref: str) -> int:
    return int("".join(ch for ch in ref if ch.isdigit()))


def sheet_xml(cells: Mapping[str, Cell]) -> str:
    """A worksheet part holding ``cells`` ({"A1": 1, "B2": Formula("A1*2")}), rows in order."""
    rows: dict[int, list[str]] = {}
    for ref, value in cells.items():
        rows.setdefault(_row_of(ref), []).append(_cell(ref, value))
    body = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    return _SHEET.format(rows=body)


def write_xlsx(path: Path, sheets: Mapping[str, Mapping[str, Cell] | str]) -> Path:
    """An .xlsx whose sheets hold ``cells`` (or a worksheet part's text, verbatim)."""
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT.format(sheets="".join(_CT_SHEET.format(n=i + 1)
                                                                      for i in range(len(names)))))
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WB.format(sheets="".join(
            f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))))
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS.format(rels="".join(
            f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(names)))))
        for i, n in enumerate(names):
            content = sheets[n]
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", content if isinstance(content, str) else sheet_xml(content))
    return path


SALES: dict[str, Cell] = {
    "A1": "Date", "B1": "Client", "C1": "Amount",
    "A2": 46023, "B2": "Acme", "C2": 100,  # 2026-01-01
    "A3": 46054, "B3": "Beta", "C3": 50,  # 2026-02-01
    "A4": 46055, "B4": "Acme", "C4": 100,
}

CONFIG = """\
version: 1
sources:
  sales:
    sheet: Data
    columns: {date: Date, account: Client, amount: Amount}
kpis:
  revenue: {description: Net revenue booked, source: sales, measure: sum(amount), grain: month}
  clients: {description: Clients billed, source: sales, measure: count_distinct(account), grain: month}
"""

#: CONFIG with key accounts judged on revenue, so ``accounts`` reads the sources too
KEY_ACCOUNTS = CONFIG + """\
key_accounts:
  grain: month
  criteria:
    sales: {formula: revenue, weight: 100, scale: [0, 100]}
  key_if: score >= 60
  tiers: {A: score >= 80, B: true}
"""


def write_config(folder: Path, text: str = CONFIG) -> Path:
    path = folder / "kpisheet.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- .xlsb written by hand ([MS-XLSB] BIFF12 records): nothing here can write one otherwise --


def _record(kind: int, body: bytes = b"") -> bytes:
    """One BIFF12 record: its type and size as 7-bit variable-length integers, then its body."""
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, n = b"", len(body)
    while True:
        size += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            break
    return head + size + body


def _wide(text: str) -> bytes:
    return len(text).to_bytes(4, "little") + text.encode("utf-16-le")


def _ref(ref: str) -> tuple[int, int]:
    """``"B3"`` -> (row 2, column 1), zero-based as .xlsb stores them."""
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return _row_of(ref) - 1, col - 1


def xlsb_sheet(cells: Mapping[str, Cell], dimension: Optional[tuple[int, int, int, int]] = None) -> bytes:
    """A worksheet part (sheet1.bin) holding numbers and texts; ``dimension`` (zero-based r1, r2,
    c1, c2) is what its BrtWsDim says, by default the cells' true extent."""
    places = {ref: _ref(ref) for ref in cells}
    if dimension is None:
        rows, cols = [r for r, _ in places.values()] or [0], [c for _, c in places.values()] or [0]
        dimension = (min(rows), max(rows), min(cols), max(cols))
    out = [_record(0x81), _record(0x94, b"".join(n.to_bytes(4, "little") for n in dimension)), _record(0x91)]
    current = None
    for ref, (row, c) in sorted(places.items(), key=lambda kv: kv[1]):
        if row != current:
            out.append(_record(0x00, row.to_bytes(4, "little") + bytes(13)))  # BrtRowHdr, no column spans
            current = row
        value = cells[ref]
        cell = c.to_bytes(4, "little") + bytes(4)  # column, style 0
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(_record(0x05, cell + struct.pack("<d", float(value))))  # BrtCellReal
        else:
            out.append(_record(0x06, cell + _wide(str(value))))  # BrtCellSt
    out += [_record(0x92), _record(0x82)]
    return b"".join(out)


def write_xlsb(path: Path, cells: Mapping[str, Cell], sheet: str = "Data", part: Optional[bytes] = None) -> Path:
    """A one-sheet .xlsb holding ``cells`` (or the worksheet part ``part``, verbatim)."""
    bundle = (0).to_bytes(4, "little") + (1).to_bytes(4, "little") + _wide("rId1") + _wide(sheet)
    workbook = b"".join([_record(0x83), _record(0x8F), _record(0x9C, bundle), _record(0x90),
                         _record(0x9D, bytes(30)), _record(0x84)])
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.bin"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/'
                   'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        z.writestr("xl/workbook.bin", workbook)
        z.writestr("xl/_rels/workbook.bin.rels", rels)
        z.writestr("xl/worksheets/sheet1.bin", part if part is not None else xlsb_sheet(cells))
    return path
