"""Opening an .xlsx/.xlsm package as a :class:`~.model.Book`: sheets, formula cells, defined
names, tables and calculation settings, keeping what the writer needs to patch it back."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

from ...errors import WorkbookError
from ...inflated import joined
from .model import Book, Formula, Sheet
from .sheetxml import POSSESSIVE_REPEAT, TEXT_RUN, DamagedSheet, SheetScan, a1, parse_area, scan, unescape
from .datatable import read_data_table
from .pivots import read_pivot
from .tables import read_table
from .zipio import Package

_ATTR = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_REL = re.compile(r"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def attrs(text: str) -> dict[str, str]:
    return {k.split(":")[-1] if k.startswith("r:") else k: unescape(v) for k, v in _ATTR.findall(text)}


def rels(pkg: Package, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, absolute part name) for a part."""
    folder, name = posixpath.split(part)
    rel_part = posixpath.join(folder, "_rels", name + ".rels")
    if rel_part not in pkg:
        return {}
    out = {}
    for m in _REL.finditer(pkg.read(rel_part).decode("utf-8", "replace")):
        a = attrs(m.group(1))
        if a.get("TargetMode") == "External":
            continue
        target = a.get("Target", "")
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[a.get("Id", "")] = (a.get("Type", ""), full)
    return out


@dataclass
class SheetPart:
    index: int
    name: str
    part: Optional[str]  # None: a chartsheet or a missing part
    text: Optional[str] = None
    scan: Optional[SheetScan] = None
    macro: bool = False  # an Excel 4 macro sheet: its cells are read, its formulas left as Excel cached them


@dataclass
class LoadedBook:
    pkg: Package
    workbook_part: str
    book: Book
    parts: list[SheetPart]
    shared: list[str]
    metadata_part: Optional[str] = None
    warnings: list[str] = field(default_factory=list)  # what is kept as cached rather than computed


def _decode(data: bytes, place: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise WorkbookError("a part is not valid UTF-8 XML", place=place) from None


# an item's content never holds another item's start: an unclosed <si> fails at once (linear time)
# (possessive runs on Python 3.11+, as sheetxml.content(): the same matches, with nothing to backtrack to)
_SI = re.compile(rf"<(?:\w+:)?si\b[^>]*?(?:/>|>((?:{TEXT_RUN}|<(?!(?:\w+:)?si[\s>/]|/(?:\w+:)?si>)){POSSESSIVE_REPEAT})</(?:\w+:)?si>)")

_SI_START = re.compile(r"<(?:\w+:)?si[\s>/]")


# a text run's content; an empty run written <t/> has none (and must not swallow the next run)
_T = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?(?<!/)>(.*?)</(?:\w+:)?t>", re.S)


_RPH = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)  # a phonetic reading: not the text


def shared_strings(xml: str) -> list[str]:
    """Each ``<si>`` item's text: its runs joined, phonetic readings left out. (Most items are one
    plain run: no substitution, no join; 300,000 items took 1.3 s, a pattern compiled per item.)"""
    out: list[str] = []
    append = out.append
    for si in _SI.finditer(xml):
        body = si.group(1) or ""
        if "rPh" in body:
            body = _RPH.sub("", body)
        runs = _T.findall(body)
        if len(runs) == 1:
            run = runs[0]
            append(unescape(run) if "&" in run or "_x" in run else run)
        else:
            append("".join(unescape(t) for t in runs))
    return out


def _may_hold_formulas(raw: bytes) -> bool:
    """Whether ``<f`` or ``:f`` (where a formula tag starts) occurs in a sheet part. Counting one
    byte runs at memory speed, searching two does not (0.08 s on a 48 MB sheet of values): a part
    with few ``f`` bytes, as a sheet of numbers and codes has, is checked at each of them."""
    if raw.count(b"f") > 10_000:
        return b"<f" in raw or b":f" in raw
    at = raw.find(b"f", 1)
    while at >= 0:
        if raw[at - 1] in b"<:":
            return True
        at = raw.find(b"f", at + 1)
    return False


def _may_hold_formulas_in(pieces: list[bytes]) -> bool:
    """:func:`_may_hold_formulas` of the pieces' bytes joined, without joining them: each piece,
    and each place where two meet."""
    return any(_may_hold_formulas(p) for p in pieces) or \
        any(a[-1:] + b[:1] in (b"<f", b":f") for a, b in zip(pieces, pieces[1:]))


@dataclass
class OpenedBook:
    """A package opened and each of its sheets inflated, none parsed yet (:func:`open_book`)."""

    pkg: Package
    place: str
    workbook_part: str
    app_part: str
    workbook_xml: str
    wrels: dict[str, tuple[str, str]]
    parts: list[SheetPart]
    pieces: dict[str, list[bytes]] = field(default_factory=dict)
    """The sheets without formulas, as inflated: the engine may read them as sources
    (:mod:`kpisheet.inflated` shares them with its size check)."""
    formula_xml: dict[str, bytes] = field(default_factory=dict)  # the worksheets holding a formula tag (until load)


def open_book(path: Path) -> OpenedBook:
    """The package at ``path`` with its workbook part read and every sheet inflated once (a
    48 MB sheet of values is never joined into one copy); the worksheets holding formulas are
    told apart. Raises :class:`WorkbookError` for a file that is not a workbook."""
    pkg = Package(path)
    place = path.name
    root = rels(pkg, "")
    wb_part = next((p for t, p in root.values() if t.endswith("/officeDocument")), "xl/workbook.xml")
    app_part = next((p for t, p in root.values() if t.endswith("/extended-properties")), "docProps/app.xml")
    if wb_part not in pkg:
        raise WorkbookError("not a spreadsheet: no workbook part", place=place)
    wb = _decode(pkg.read(wb_part), place)
    wrels = rels(pkg, wb_part)
    parts: list[SheetPart] = []
    for i, m in enumerate(re.finditer(r"<(?:\w+:)?sheet\b([^>]*?)/?>", wb)):
        a = attrs(m.group(1))
        rid = a.get("id", "")
        typ, part = wrels.get(rid, ("", ""))
        macro = typ.endswith("/xlMacrosheet") and part in pkg
        parts.append(SheetPart(i, a.get("name", f"Sheet{i + 1}"),
                               part if (typ.endswith("/worksheet") or macro) and part in pkg else None, macro=macro))
    opened = OpenedBook(pkg, place, wb_part, app_part, wb, wrels, parts)
    for sp in parts:
        if sp.part is None or sp.part in opened.pieces or sp.part in opened.formula_xml:
            continue
        pieces = pkg.read_pieces(sp.part)  # a 48 MB sheet of values is never joined into one copy
        raw = joined(pieces) if not sp.macro and _may_hold_formulas_in(pieces) else None
        if raw is not None and _FORMULA_TAG.search(raw) is not None:
            opened.formula_xml[sp.part] = raw  # its pieces are not kept
        else:
            opened.pieces[sp.part] = pieces
    return opened


def load(path: "Path | OpenedBook") -> LoadedBook:
    """The workbook at ``path`` (or already opened by :func:`open_book`) as a :class:`LoadedBook`."""
    opened = path if isinstance(path, OpenedBook) else open_book(path)
    pkg, place, wb, wrels, parts = opened.pkg, opened.place, opened.workbook_xml, opened.wrels, opened.parts
    shared: list[str] = []
    furigana = ""
    metadata_part = None
    for t, p in wrels.values():
        if t.endswith("/sharedStrings") and p in pkg:
            text = _decode(pkg.read(p), place)
            shared = shared_strings(text)
            if len(shared) != len(_SI_START.findall(text)):  # an unclosed item would shift every index after it
                raise WorkbookError("the shared strings part is damaged (an item is not closed): open the file in "
                                    "Excel and save it again", place=place)
            furigana = text if "rPh" in text else ""  # read by PHONETIC only
        if t.endswith("/sheetMetadata"):
            metadata_part = p
    pr = re.search(r"<(?:\w+:)?workbookPr\b([^>]*)>", wb)
    date1904 = bool(pr and attrs(pr.group(1)).get("date1904") in ("1", "true"))
    calc = re.search(r"<(?:\w+:)?calcPr\b([^>]*)>", wb)
    ca = attrs(calc.group(1)) if calc else {}
    sheets: list[Sheet] = []
    formulas: list[Formula] = []
    tables: dict[str, tuple[int, tuple[int, int, int, int], list[str], int, int]] = {}
    loaded = LoadedBook(pkg, opened.workbook_part, Book(sheets, formulas, date1904=date1904,
                                                       iterate=ca.get("iterate") in ("1", "true"),
                                                       iterate_count=int(float(ca.get("iterateCount", "100"))),
                                                       iterate_delta=float(ca.get("iterateDelta", "0.001")),
                                                       charset=_charset(pkg, opened.app_part),
                                                       path=str(pkg.path.resolve()), furigana=furigana),
                        parts, shared, metadata_part)
    for sp in parts:
        if sp.part is None:
            sheets.append(Sheet(sp.name, {}))
            continue
        pieces = opened.pieces.get(sp.part, [])
        if sp.macro:  # Excel 4 macro functions run only inside Excel: other sheets read what it cached
            sheets.append(Sheet(sp.name, loader=_lazy(pieces, shared, date1904, f"{place}!{sp.name}")))
            if _FORMULA_TAG.search(joined(pieces)):
                loaded.warnings.append(f"{place}!{sp.name}: the formulas of an Excel 4 macro sheet are not "
                                       "computed: their cached values are kept as they are")
            continue
        raw = opened.formula_xml.get(sp.part)
        if raw is not None:
            text = _decode(raw, f"{place}!{sp.name}")
            if not _complete(text):  # patching a cut sheet would write a damaged book as if it were fine
                raise WorkbookError("the sheet's XML is cut short (a damaged file): nothing written; "
                                    "open it in Excel and save it again, or restore a copy", place=f"{place}!{sp.name}")
            sp.text = text
            try:
                sp.scan = scan(text, shared, date1904)
            except DamagedSheet as exc:
                raise WorkbookError(str(exc), place=f"{place}!{sp.name}") from None
            sheets.append(Sheet(sp.name, sp.scan.values, sp.scan.max_row, sp.scan.max_col))
            _formulas(sp, formulas, loaded.warnings, tables=ca.get("calcMode") != "autoNoTable")
        else:
            sheets.append(Sheet(sp.name, loader=_lazy(pieces, shared, date1904, f"{place}!{sp.name}")))
        for t, p in rels(pkg, sp.part).values():
            if t.endswith("/table") and p in pkg:
                try:
                    found = read_table(_decode(pkg.read(p), place), sp.index)
                except ValueError as exc:  # a ref or count we cannot read: its structured references give #REF!
                    loaded.warnings.append(f"{place}!{sp.name}: a table cannot be read ({exc})")
                    found = None
                if found:
                    tables[found[0].upper()] = found[1]
            if t.endswith("/pivotTable") and p in pkg:  # GETPIVOTDATA reads the body Excel rendered
                cache = next((c for ct, c in rels(pkg, p).values() if ct.endswith("/pivotCacheDefinition")), None)
                if cache is not None and cache in pkg:
                    try:
                        pivot = read_pivot(_decode(pkg.read(p), place), _decode(pkg.read(cache), place), sp.index,
                                           date1904)
                    except Exception as exc:  # noqa: BLE001 - a pivot laid out as we never saw never fails the file
                        loaded.warnings.append(f"{place}!{sp.name}: a pivot table cannot be read "
                                               f"({type(exc).__name__}): GETPIVOTDATA on it gives #REF!")
                        pivot = None
                    if pivot is not None:
                        loaded.book.pivots.append(pivot)
    loaded.book.tables = tables
    opened.formula_xml.clear()  # decoded into each sheet's text
    dn = re.search(r"<(?:\w+:)?definedNames>(.*?)</(?:\w+:)?definedNames>", wb, re.S)
    if dn:
        for m in re.finditer(r"<(?:\w+:)?definedName\b([^>]*)>(.*?)</(?:\w+:)?definedName>", dn.group(1), re.S):
            a = attrs(m.group(1))
            name = a.get("name", "")
            if not name or name.startswith("_xlnm."):
                continue
            scope = int(a["localSheetId"]) if "localSheetId" in a else None
            loaded.book.names[(scope, name.upper())] = unescape(m.group(2))
    return loaded


def _charset(pkg: Package, app_part: str) -> str:
    """The character set CHAR used in the Excel that saved the book (docProps/app.xml says which)."""
    if app_part not in pkg:
        return "cp1252"
    app = pkg.read(app_part).decode("utf-8", "replace")
    m = re.search(r"<(?:\w+:)?Application>([^<]*)</", app)
    return "mac_roman" if m and "macintosh" in m.group(1).lower() else "cp1252"
_END = re.compile(r"</(?:\w+:)?worksheet\s*>\s*\Z")


def _complete(text: str) -> bool:
    """Whether a worksheet part ends with its closing tag (a cut part does not)."""
    return _END.search(text[-256:]) is not None


def _lazy(pieces: list[bytes], shared: list[str], date1904: bool, place: str):  # type: ignore[no-untyped-def]
    def load_values() -> tuple[dict[tuple[int, int], object], int, int]:
        s = scan(_decode(joined(pieces), place), shared, date1904)
        return s.values, s.max_row, s.max_col  # type: ignore[return-value]
    return load_values


def _formulas(sp: SheetPart, out: list[Formula], warnings: list[str], tables: bool = True) -> None:
    """The sheet's formula cells as :class:`Formula` (shared followers with their master's text).
    ``tables`` False (the workbook calculates "automatic except for data tables"): what-if data
    tables keep their cached values, with a warning."""
    assert sp.scan is not None
    masters: dict[int, tuple[int, int, str]] = {}
    for fc in sp.scan.formulas:
        if fc.ftype == "shared" and fc.text is not None and fc.si is not None:
            masters[fc.si] = (fc.row, fc.col, fc.text)
    for fc in sp.scan.formulas:
        if fc.ftype == "shared":
            m = masters.get(fc.si) if fc.si is not None else None
            if m is None:
                continue  # a follower whose master is missing: leave the cell as it is
            out.append(Formula(sp.index, fc.row, fc.col, m[2], (m[0], m[1])))
        elif fc.ftype == "array":
            try:
                area = parse_area(fc.ref) if fc.ref else (fc.row, fc.col, fc.row, fc.col)
            except ValueError:
                area = (fc.row, fc.col, fc.row, fc.col)
            out.append(Formula(sp.index, fc.row, fc.col, fc.text or "", (fc.row, fc.col),
                               kind="dynamic" if fc.dynamic else "array", area=area))
        elif fc.ftype == "dataTable":  # what-if data tables ({=TABLE(r, c)}): README#what-if-data-tables
            where = f"{sp.name}!{fc.ref or a1(fc.row, fc.col)}"
            found = read_data_table(fc.table or {}, (fc.row, fc.col)) if tables else \
                "(the workbook calculates automatically except for data tables)"
            if isinstance(found, str):
                warnings.append(f"{where}: a what-if data table {found}: its cached values are kept as they are")
                continue
            area, spec = found
            out.append(Formula(sp.index, fc.row, fc.col, "", (fc.row, fc.col), kind="table", area=area, table=spec))
            continue  # volatile only if what it reads is (its ca="1" says Excel recomputes tables each time)
        elif not (fc.text or "").strip():
            continue  # <f ca="1"/>: no formula, a mark Excel leaves on cells a volatile array spills over
        else:
            out.append(Formula(sp.index, fc.row, fc.col, fc.text or "", (fc.row, fc.col)))
        if out and fc.volatile_ca and (out[-1].row, out[-1].col) == (fc.row, fc.col):
            out[-1] = replace(out[-1], volatile=True)  # Excel marks cells reading volatile functions "calculate always"
