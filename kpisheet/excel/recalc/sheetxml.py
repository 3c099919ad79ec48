"""Reading cells out of a worksheet part, and patching cached values back into it.

The sheet XML is scanned with regular expressions rather than parsed into a tree, so
that writing back can splice new ``<c>`` elements into the original text and leave
every other character of the part exactly as it was.
"""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass, field
from typing import Iterable, Optional

from .values import Err, Value, datetime_to_serial

_COL_CACHE: dict[str, int] = {}


def col_index(letters: str) -> int:
    n = _COL_CACHE.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
        _COL_CACHE[letters] = n
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


_A1 = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def parse_a1(text: str) -> tuple[int, int]:
    m = _A1.fullmatch(text.strip())
    if not m:
        raise ValueError(text)
    return int(m.group(2)), col_index(m.group(1))


def parse_area(text: str) -> tuple[int, int, int, int]:
    first, _, last = text.partition(":")
    r1, c1 = parse_a1(first)
    r2, c2 = parse_a1(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


_XESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _XESC.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


_BELOW_SPACE = re.compile(r"[\x00-\x1f]")


def escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in text:
        text = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", text)
    return "".join(ch if ch >= " " or ch in "\t\n\r" else f"_x{ord(ch):04X}_" for ch in text) \
        if _BELOW_SPACE.search(text) else text


@dataclass
class FormulaCell:
    row: int
    col: int
    start: int  # span of the whole <c> element in the part text
    end: int
    text: Optional[str]  # formula text without '=', None for a shared-formula follower
    ftype: str  # "normal" | "shared" | "array"
    ref: Optional[str]  # array / shared ref
    si: Optional[int]
    dynamic: bool  # an array formula with cell metadata (cm): Excel 365's dynamic array
    cached: Value
    has_cached: bool
    volatile_ca: bool = False
    table: Optional[dict[str, str]] = None  # a what-if data table's <f> attributes (dt2D, dtr, r1, r2, del1 ...)


@dataclass
class SheetScan:
    prefix: str
    values: dict[tuple[int, int], Value] = field(default_factory=dict)
    formulas: list[FormulaCell] = field(default_factory=list)
    max_row: int = 0
    max_col: int = 0


def root_prefix(text: str) -> str:
    m = re.search(r"<(\w+:)?worksheet\b", text)
    return m.group(1) or "" if m else ""


# An element's content (a cell's in content(), a shared string's in book.py) ends at its first closing
# tag: with nothing to backtrack to, Python 3.11's
# possessive runs match exactly what one character at a time matches, in half the time.
TEXT_RUN, POSSESSIVE_REPEAT = (r"[^<]++", "*+") if sys.version_info >= (3, 11) else (r"[^<]", "*")


def content(pe: str) -> str:
    """A cell's content (one group) up to, not including, its ``</c>``; never another cell's start."""
    return rf"((?:{TEXT_RUN}|<(?!{pe}c[\s>/]|/{pe}c>)){POSSESSIVE_REPEAT})"


def _patterns(p: str) -> tuple[re.Pattern[str], ...]:
    pe = re.escape(p)
    # a cell's content may not hold another cell's start: an unclosed <c> fails at the next
    # cell instead of scanning to the end of the part for each one (quadratic: README#hostile-and-broken-input, no hang)
    item = re.compile(rf"<{pe}row\b([^>]*?)(/?)>|<{pe}c\b([^>]*?)(?:/>|>{content(pe)}</{pe}c>)")
    attr = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
    fel = re.compile(rf"<{pe}f\b([^>]*?)(?:/>|>(.*?)</{pe}f>)", re.S)
    vel = re.compile(rf"<{pe}v\s*/>|<{pe}v(?:\s[^>]*?)?>(.*?)</{pe}v>", re.S)
    isel = re.compile(rf"<{pe}t(?:\s[^>]*)?(?<!/)>(.*?)</{pe}t>", re.S)  # <t/>: an empty run
    return item, attr, fel, vel, isel


_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {}


def patterns(prefix: str) -> tuple[re.Pattern[str], ...]:
    if prefix not in _PATTERNS:
        _PATTERNS[prefix] = _patterns(prefix)
    return _PATTERNS[prefix]


_R_ATTR = re.compile(r'\br="\$?([A-Z]{1,3})\$?(\d+)"')
_T_ATTR = re.compile(r'\bt="(\w+)"')


def sheet_data_span(text: str, prefix: str) -> tuple[int, int]:
    pe = re.escape(prefix)
    m = re.search(rf"<{pe}sheetData\b[^>]*?(/?)>", text)
    if not m:
        return len(text), len(text)
    if m.group(1):
        return m.end(), m.end()
    end = text.find(f"</{prefix}sheetData>", m.end())
    return m.end(), end if end >= 0 else len(text)


_IS_OPEN = re.compile(r"<(?:[\w.-]+:)?is[\s/>]")  # an inline string's <is> element, any prefix


def cell_value(t: Optional[str], v: Optional[str], inner: str, isel: re.Pattern[str],
               shared: list[str], date1904: bool = False) -> Value:
    if t == "inlineStr":  # its text is in <is>; a cell without one holds nothing (no value)
        return "".join(unescape(x) for x in isel.findall(inner)) if _IS_OPEN.search(inner) else None
    if v is None:
        return None
    if t is None or t == "n":
        try:
            return float(v)
        except ValueError:
            return None
    if t == "s":
        try:
            return shared[int(v)]
        except (ValueError, IndexError):
            return None
    if t == "str":
        return unescape(v)
    if t == "b":
        return v.strip() in ("1", "true")
    if t == "e":
        return Err.parse(v) or Err(v.strip())
    if t == "d":
        return _iso_serial(v.strip(), date1904)
    return unescape(v)


def _iso_serial(text: str, date1904: bool) -> Value:
    """A ``t="d"`` cell's ISO 8601 text as a serial: a date and time (a zone, as other producers
    write ``Z``, is dropped: Excel's serials have none) or a time of day alone; None if unreadable."""
    import datetime as dt
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            clock = dt.time.fromisoformat(text[1:] if text[:1] in "Tt" else text)
        except ValueError:
            return None
        return (clock.hour * 3600 + clock.minute * 60 + clock.second + clock.microsecond / 1e6) / 86400
    try:
        serial = datetime_to_serial(moment.replace(tzinfo=None), date1904)
    except (ValueError, OverflowError):
        return None
    return serial if isinstance(serial, float) and serial >= 0 else text  # before 1900: text, as Excel keeps it


class DamagedSheet(ValueError):
    """The sheet's XML cannot be read cell by cell (an unclosed cell): never patched, never guessed."""


def scan(text: str, shared: list[str], date1904: bool = False) -> SheetScan:
    """Every cell's value, and every formula cell with its place in ``text``."""
    prefix = root_prefix(text)
    fast = _scan_fast(text, prefix, shared, date1904)
    return fast if fast is not None else _scan_slow(text, prefix, shared, date1904)


_FAST: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _fast_patterns(p: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    if p not in _FAST:
        pe = re.escape(p)
        # a value, an inline string, a plain formula (no <f> attributes) and its <v>: read from the
        # match; any other content is the last group's, read as the slow path reads it
        cell = re.compile(
            rf'<{pe}c r="([A-Z]{{1,3}})(\d+)"([^>]*?)(?:/>|>(?:<{pe}v>([^<]*)</{pe}v>|<{pe}is><{pe}t>([^<]*)</{pe}t>'
            rf'</{pe}is>|<{pe}f>([^<]*)</{pe}f>(?:<{pe}v>([^<]*)</{pe}v>|<{pe}v\s*/>)?)</{pe}c>|>{content(pe)}</{pe}c>)')
        count = re.compile(rf"<{pe}c[\s>/]")
        _FAST[p] = (cell, count)
    return _FAST[p]


def _scan_fast(text: str, prefix: str, shared: list[str], date1904: bool) -> Optional[SheetScan]:
    """The common layout (``r`` first in every cell) with one regex; None if the part is laid out otherwise."""
    cell_re, count_re = _fast_patterns(prefix)
    item, attr_re, fel, vel, isel = patterns(prefix)
    lo, hi = sheet_data_span(text, prefix)
    out = SheetScan(prefix)
    values = out.values
    n = 0
    max_row = max_col = 0
    fopen = f"<{prefix}f"
    cols: dict[str, int] = {}
    for m in cell_re.finditer(text, lo, hi):
        n += 1
        letters, row_s, cattrs, v, istext, ftext, fv, inner = m.groups()
        col = cols.get(letters)
        if col is None:
            col = cols[letters] = col_index(letters)
        row = int(row_s)
        if col > max_col:
            max_col = col
        if row > max_row:
            max_row = row
        if ftext is not None:  # <f>text</f>, then <v>value</v>, <v/> or nothing
            tm = _T_ATTR.search(cattrs) if 't="' in cattrs else None
            value = cell_value(tm.group(1) if tm else None, fv, "", isel, shared, date1904)
            out.formulas.append(_formula_cell(row, col, m.start(), m.end(), "", ftext, attr_re, cattrs, value,
                                              fv is not None))
            if value is not None:
                values[(row, col)] = value
            continue
        if inner is None:
            if istext is not None:
                values[(row, col)] = unescape(istext) if ("&" in istext or "_x" in istext) else istext
                continue
            if v is None:
                continue
            if 't="' not in cattrs or 't="n"' in cattrs:
                try:
                    values[(row, col)] = float(v)
                except ValueError:
                    pass
                continue
            tm = _T_ATTR.search(cattrs)
            t = tm.group(1) if tm else None
            if t == "s":  # a shared string, as cell_value reads it (a bad index: no value)
                try:
                    values[(row, col)] = shared[int(v)]
                except (ValueError, IndexError):
                    pass
                continue
            value = cell_value(t, v, "", isel, shared, date1904)
            if value is not None:
                values[(row, col)] = value
            continue
        tm = _T_ATTR.search(cattrs) if 't="' in cattrs else None
        t = tm.group(1) if tm else None
        vm = vel.search(inner) if inner else None
        vtext = vm.group(1) if vm else None
        value = cell_value(t, vtext, inner, isel, shared, date1904)
        fm = fel.search(inner) if fopen in inner else None
        if fm is not None:
            out.formulas.append(_formula_cell(row, col, m.start(), m.end(), fm.group(1), fm.group(2), attr_re, cattrs,
                                              value, vm is not None and vm.group(1) is not None))
        if value is not None:
            values[(row, col)] = value
    if n != len(count_re.findall(text, lo, hi)):
        return None
    out.max_row, out.max_col = max_row, max_col
    return out


def _formula_cell(row: int, col: int, start: int, end: int, fattrs: str, ftext: Optional[str],
                  attr_re: re.Pattern[str], cattrs: str, value: Value, has_v: bool) -> FormulaCell:
    """A formula cell from its ``<f>``'s attributes and text (None: ``<f .../>``) and whether
    its ``<v>`` holds a value (``<v/>`` or none: it does not)."""
    fa = dict(attr_re.findall(fattrs)) if fattrs else {}
    ftype = fa.get("t", "normal")
    si = int(fa["si"]) if "si" in fa else None
    formula_text = unescape(ftext) if ftext is not None else None
    if ftype == "shared" and formula_text is not None and not formula_text.strip():
        formula_text = None
    if ftype == "normal" and formula_text is None:
        formula_text = ""
    has_cached = has_v
    if not has_cached and 't="str"' in cattrs:
        value, has_cached = "", True  # Excel writes an empty text result as t="str" with <v/> or no <v>
    return FormulaCell(row, col, start, end, formula_text, ftype, fa.get("ref"), si,
                       dynamic=ftype == "array" and 'cm="' in cattrs, cached=value,
                       has_cached=has_cached, volatile_ca=fa.get("ca") in ("1", "true"),
                       table=fa if ftype == "dataTable" else None)


def _scan_slow(text: str, prefix: str, shared: list[str], date1904: bool) -> SheetScan:
    item, attr_re, fel, vel, isel = patterns(prefix)
    out = SheetScan(prefix)
    values = out.values
    lo, hi = sheet_data_span(text, prefix)
    row = 0
    col = 0
    max_col = max_row = 0
    fopen = f"<{prefix}f"
    cells = 0
    for m in item.finditer(text, lo, hi):
        cattrs = m.group(3)
        if cattrs is None:  # a <row>
            ra = re.search(r'\br="(\d+)"', m.group(1))
            row = int(ra.group(1)) if ra else row + 1
            col = 0
            continue
        rm = _R_ATTR.search(cattrs)
        if rm:
            col = col_index(rm.group(1))
            row = int(rm.group(2))
        else:
            col += 1
        max_col = max(max_col, col)
        max_row = max(max_row, row)
        inner = m.group(4) or ""
        tm = _T_ATTR.search(cattrs) if 't="' in cattrs else None
        t = tm.group(1) if tm else None
        vm = vel.search(inner) if inner else None
        v = vm.group(1) if vm else None
        value = cell_value(t, v, inner, isel, shared, date1904)
        fm = fel.search(inner) if inner and fopen in inner else None
        if fm is not None:
            out.formulas.append(_formula_cell(row, col, m.start(), m.end(), fm.group(1), fm.group(2), attr_re, cattrs,
                                              value, vm is not None and vm.group(1) is not None))
        if value is not None:
            values[(row, col)] = value
        cells += 1
    if cells != len(_fast_patterns(prefix)[1].findall(text, lo, hi)):
        raise DamagedSheet("a cell of the sheet's XML is not closed (a damaged file): nothing written; "
                           "open it in Excel and save it again")
    out.max_row = max_row
    out.max_col = max_col
    return out


# --- writing ----------------------------------------------------------------------------


def serialise(value: Value) -> tuple[Optional[str], str]:
    """A value as (t attribute or None, <v> text)."""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return None, str(int(value))
        return None, repr(value)
    if isinstance(value, str):
        return "str", escape(value)
    if isinstance(value, Err):
        return "e", value.text
    if value is None:
        return None, ""
    return "str", escape(str(value))


_ATTR_PATTERNS: dict[str, re.Pattern[str]] = {}


def _attr_pattern(name: str) -> re.Pattern[str]:
    """Attribute ``name`` with the white space before it (group 1), in a tag's attributes."""
    pat = _ATTR_PATTERNS.get(name)
    if pat is None:
        pat = _ATTR_PATTERNS[name] = re.compile(rf'(\s){name}="[^"]*"')
    return pat


def _set_attr(attrs: str, name: str, value: Optional[str]) -> str:
    if f'{name}="' not in attrs:  # not there (most cells have no t): nothing to replace or remove
        return attrs if value is None else f'{attrs} {name}="{value}"'
    pat = _attr_pattern(name)
    if value is None:
        return pat.sub("", attrs)
    if pat.search(attrs):
        return pat.sub(lambda m: f'{m.group(1)}{name}="{value}"', attrs, count=1)
    return f'{attrs} {name}="{value}"'


@dataclass
class CellEdit:
    """A new cached value for an existing formula cell, and optionally new <f> attributes."""

    value: Value
    f_attrs: Optional[dict[str, Optional[str]]] = None  # attributes of <f> to set (None removes)
    c_attrs: Optional[dict[str, Optional[str]]] = None  # attributes of <c> to set


_PLAIN_FORMULA: dict[str, re.Pattern[str]] = {}


@dataclass(frozen=True)
class PlainCell:
    """A plain formula cell (``<f>`` without attributes, then ``<v>``, ``<v/>`` or nothing) cut
    where :func:`rewrite_cell` puts a new cached value and its ``t``: made once, before the value
    is known (the writer cuts every formula cell while the engine waits for its data)."""

    head: str  # "<c" and the attributes before t (all of them where the cell has no t)
    space: str  # the white space before t="…" (" " where the cell has no t)
    rest: str  # the attributes after t, ">" and the <f> element
    prefix: str

    def with_value(self, value: Value) -> str:
        """The cell with ``value`` cached, as :func:`_rewrite_cell` writes it (a test holds them together)."""
        p = self.prefix
        t, vtext = serialise(value)
        t_attr = "" if t is None else f'{self.space}t="{t}"'
        v = "" if value is None else f"<{p}v>{vtext}</{p}v>"
        return f"{self.head}{t_attr}{self.rest}{v}</{p}c>"


def plain_cell(element: str, prefix: str) -> Optional[PlainCell]:
    """``element`` cut as a :class:`PlainCell`; None for any other cell (or one with two t)."""
    plain = _PLAIN_FORMULA.get(prefix)
    if plain is None:
        pe = re.escape(prefix)
        plain = _PLAIN_FORMULA[prefix] = re.compile(
            rf"<{pe}c([^>]*?)>(<{pe}f>[^<]*</{pe}f>)(?:<{pe}v>[^<]*</{pe}v>|<{pe}v\s*/>)?</{pe}c>")
    m = plain.fullmatch(element)
    if m is None:
        return None
    attrs, f = m.group(1), m.group(2)
    t_attr = _attr_pattern("t")
    at = t_attr.search(attrs) if 't="' in attrs else None
    if at is None:
        return PlainCell(f"<{prefix}c{attrs}", " ", f">{f}", prefix)
    if t_attr.search(attrs, at.end()) is not None:
        return None
    return PlainCell(f"<{prefix}c{attrs[:at.start()]}", at.group(1), f"{attrs[at.end():]}>{f}", prefix)


def rewrite_cell(element: str, prefix: str, edit: CellEdit) -> str:
    """A ``<c>`` element (as the scanners match it) with its cached value (and type) replaced;
    all else kept: its ``r`` and every other attribute but ``t`` (and ``edit.c_attrs``), so the
    cell keeps its place among the row's cells. A plain formula cell given only a value is put
    together from its :class:`PlainCell`."""
    if not edit.f_attrs and not edit.c_attrs:
        cut = plain_cell(element, prefix)
        if cut is not None:
            return cut.with_value(edit.value)
    return _rewrite_cell(element, prefix, edit)


def _rewrite_cell(element: str, prefix: str, edit: CellEdit) -> str:
    """:func:`rewrite_cell` for any cell the scanners match."""
    item, attr_re, fel, vel, isel = patterns(prefix)
    assert element[1:len(prefix) + 2] == f"{prefix}c" and not (edit.c_attrs and "r" in edit.c_attrs)
    head_end = element.index(">")  # the head ends at its first '>', as the scanners' patterns read it
    self_closing = element[head_end - 1] == "/"
    attrs = element[len(prefix) + 2:head_end - 1 if self_closing else head_end]
    inner = "" if self_closing else element[head_end + 1:element.rfind("<")]
    t, vtext = serialise(edit.value)
    attrs = _set_attr(attrs, "t", t)
    for k, v in (edit.c_attrs or {}).items():
        attrs = _set_attr(attrs, k, v)
    if edit.f_attrs:
        fm = fel.search(inner)
        if fm:
            fattrs = fm.group(1)
            for k, v in edit.f_attrs.items():
                fattrs = _set_attr(fattrs, k, v)
            head = f"<{prefix}f{fattrs}"
            body = f"{head}/>" if fm.group(2) is None else f"{head}>{fm.group(2)}</{prefix}f>"
            inner = inner[:fm.start()] + body + inner[fm.end():]
    vm = vel.search(inner)
    newv = f"<{prefix}v>{vtext}</{prefix}v>" if edit.value is not None else ""
    if vm:
        inner = inner[:vm.start()] + newv + inner[vm.end():]
    else:
        fm = fel.search(inner)
        at = fm.end() if fm else 0
        inner = inner[:at] + newv + inner[at:]
    if not inner:
        return f"<{prefix}c{attrs}/>"
    return f"<{prefix}c{attrs}>{inner}</{prefix}c>"


def value_cell(prefix: str, row: int, col: int, value: Value, attrs: str = "") -> str:
    """A new value-only cell (a spilled value)."""
    if value is None:
        return f'<{prefix}c r="{a1(row, col)}"{attrs}/>'
    t, vtext = serialise(value)
    tt = f' t="{t}"' if t else ""
    return f'<{prefix}c r="{a1(row, col)}"{attrs}{tt}><{prefix}v>{vtext}</{prefix}v></{prefix}c>'


def apply_splices(text: str, splices: Iterable[tuple[int, int, str]]) -> str:
    """Replace non-overlapping spans (start, end, new text) of ``text``; insertions (start ==
    end) at one place keep their order. Two edits of one span raise ``ValueError``: each
    element is written once."""
    parts: list[str] = []
    pos = 0
    for start, end, new in sorted(splices, key=lambda s: (s[0], s[1])):
        if start < pos:
            raise ValueError(f"two edits of the same part text at {start}")
        parts.append(text[pos:start])
        parts.append(new)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


@dataclass
class CellPlace:
    row: int
    col: int
    start: int
    end: int
    element: str


@dataclass
class RowPlace:
    row: int
    start: int  # the <row ...> tag
    end: int  # after </row> (or the self-closing tag)
    self_closing: bool
    cells: list[CellPlace] = field(default_factory=list)


def rows_of(text: str) -> tuple[str, list[RowPlace], int]:
    """Every row with its cells, for inserting cells (spilled values) in order."""
    prefix = root_prefix(text)
    item = patterns(prefix)[0]
    lo, hi = sheet_data_span(text, prefix)
    rows: list[RowPlace] = []
    close = f"</{prefix}row>"
    row = 0
    col = 0
    for m in item.finditer(text, lo, hi):
        if m.group(3) is None:
            ra = re.search(r'\br="(\d+)"', m.group(1))
            row = int(ra.group(1)) if ra else row + 1
            col = 0
            sc = bool(m.group(2))
            end = m.end() if sc else text.find(close, m.end()) + len(close)
            rows.append(RowPlace(row, m.start(), end, sc))
            continue
        rm = _R_ATTR.search(m.group(3))
        col = col_index(rm.group(1)) if rm else col + 1
        if rows:
            rows[-1].cells.append(CellPlace(row, col, m.start(), m.end(), m.group(0)))
    return prefix, rows, hi
