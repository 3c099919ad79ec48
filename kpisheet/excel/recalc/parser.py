"""Excel formula text → the syntax tree of :mod:`.ast` (frozen nodes).

Grammar and precedence follow Excel: ``:`` binds tightest, then the intersection operator
(a space between two references, op ``" "``), unary minus, ``%``, ``^``, ``* /``, ``+ -``,
``&``, comparisons; all binary operators are left-associative. ``A1#`` reads as
``ANCHORARRAY(A1)`` and ``@x`` as ``SINGLE(x)``.
"""

from __future__ import annotations

import re
from typing import Optional

from ... import limits
from .ast import (Array, Binary, Bool, Call, Constant, Error, External, Invoke, Missing, Name, Node, Num, Reference,
                  Str, TableRef, Unary, Union, walk)
from .values import Err

__all__ = ["MAX_COL", "MAX_ROW", "FormulaSyntaxError", "Node", "function_name", "parse", "shape", "tokenize",
           "walk"]

MAX_ROW = limits.MAX_ROWS  # Excel's grid, named once in kpisheet.limits
MAX_COL = limits.MAX_COLS

class FormulaSyntaxError(ValueError):
    pass


# U+00A1 to U+FFFF, said by what it is not: a class with that range written out costs the regex
# compiler 4 ms (it marks 65,000 characters one by one), and the token pattern holds 25 of them.
_WIDE = r"[^\x00-\xa0\U00010000-\U0010ffff]"
_BARE = rf"(?:[A-Za-z_]|{_WIDE})(?:[\w.]|{_WIDE})*"
# a sheet, or a span of sheets (a 3-D reference: ``Jan:Mar!B2``; a sheet name never holds ':')
_SHEET = rf"(?:'(?:[^']|'')+'|\[\d+\][^!'\s()]*|{_BARE}:{_BARE}|{_BARE})!"
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_TOKEN = re.compile(rf"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<sheeterr>{_SHEET}\#REF!)
  | (?P<err>\#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|SPILL!|CALC!|GETTING_DATA))
  | (?P<ref>(?:{_SHEET})?(?:{_CELL}(?::{_CELL})?|\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}|\$?\d+:\$?\d+)(?![\w.(\[!]))
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<func>(?:{_SHEET})?[A-Za-z_\\][\w.]*(?=\())
  | (?P<name>(?:{_SHEET})?(?:[A-Za-z_\\]|{_WIDE})(?:[\w.?\\]|{_WIDE})*)
  | (?P<op><>|<=|>=|[-+*/^&=<>%:@\#])
  | (?P<lbr>\[) | (?P<lp>\() | (?P<rp>\)) | (?P<comma>,) | (?P<semi>;) | (?P<lb>\{{) | (?P<rb>\}})
""", re.X)

_CELL_PARTS = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")
_COLS = re.compile(r"(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})")
_ROWS = re.compile(r"(\$?)(\d+):(\$?)(\d+)")


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _sheet_name(prefix: str) -> str:
    s = prefix[:-1]
    if s.startswith("'"):
        s = s[1:-1].replace("''", "'")
    return s


def _split_sheet(text: str) -> tuple[Optional[str], str]:
    if "!" not in text:
        return None, text
    i = text.rfind("!")
    return _sheet_name(text[:i + 1]), text[i + 1:]


def _ref_node(text: str) -> Node:
    sheet, body = _split_sheet(text)
    if sheet is not None and sheet.startswith("["):
        return External(text)
    m = _COLS.fullmatch(body)
    if m:
        c1, c2 = _col(m.group(2)), _col(m.group(4))
        return Reference(sheet, 1, min(c1, c2), MAX_ROW, max(c1, c2), (False, not m.group(1), False, not m.group(3)))
    m = _ROWS.fullmatch(body)
    if m:
        r1, r2 = int(m.group(2)), int(m.group(4))
        return Reference(sheet, min(r1, r2), 1, max(r1, r2), MAX_COL, (not m.group(1), False, not m.group(3), False))
    first, _, last = body.partition(":")
    m1 = _CELL_PARTS.fullmatch(first)
    assert m1 is not None
    m2 = _CELL_PARTS.fullmatch(last) if last else m1
    assert m2 is not None
    r1, c1, r2, c2 = int(m1.group(4)), _col(m1.group(2)), int(m2.group(4)), _col(m2.group(2))
    rel = (not m1.group(3), not m1.group(1), not m2.group(3), not m2.group(1))
    if c1 > MAX_COL or c2 > MAX_COL or r1 > MAX_ROW or r2 > MAX_ROW or 0 in (r1, r2):
        raise FormulaSyntaxError(f"bad reference {text}")
    if r1 > r2:
        r1, r2, rel = r2, r1, (rel[2], rel[1], rel[0], rel[3])
    if c1 > c2:
        c1, c2, rel = c2, c1, (rel[0], rel[3], rel[2], rel[1])
    return Reference(sheet, r1, c1, r2, c2, rel)


_PREFIXES = ("_XLFN._XLWS.", "_XLFN.", "_XLUDF.", "_XLWS.", "_XLETA.", "_XLPM.")


def function_name(text: str) -> str:
    """``_xlfn.XLOOKUP`` → ``XLOOKUP``; ``[1]!KPI`` / ``'addin.xlam'!KPI`` → ``KPI``."""
    if "!" in text:
        text = text[text.rfind("!") + 1:]
    name = text.upper()
    for p in _PREFIXES:
        if name.startswith(p):
            name = name[len(p):]
            break
    return name


def tokenize(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    n = len(text)
    space = False
    while pos < n:
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaSyntaxError(f"cannot read {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        assert kind is not None
        val = m.group(kind)
        pos = m.end()
        if kind == "ws":
            space = True
            continue
        if space and out and out[-1][0] in _ENDS_REF and kind in _STARTS_REF:
            out.append(("op", " "))  # a space between two references: their intersection
        space = False
        if kind == "lbr" or (kind == "name" and pos < n and text[pos] == "["):  # a structured reference
            if kind == "lbr":
                val = ""
                pos -= 1
            depth = 0
            start = pos
            while pos < n:
                ch = text[pos]
                if ch == "'" and pos + 1 < n:
                    pos += 2
                    continue
                if ch == "[":
                    depth += 1
                elif ch == "]":
                    depth -= 1
                    if depth == 0:
                        pos += 1
                        break
                pos += 1
            out.append(("table", val + text[start:pos]))
            continue
        if kind == "ref" and _beyond_grid(val):
            kind = "name"  # ``XFE1``, ``ZZZ1``: past Excel's last column, so a defined name's text
        if kind == "name" and val.upper() in ("TRUE", "FALSE") and "!" not in val:
            out.append(("bool", val.upper()))
            continue
        out.append((kind, val))
    return out


def _beyond_grid(token: str) -> bool:
    """A one-cell reference token whose column or row lies past Excel's grid."""
    m = _CELL_PARTS.fullmatch(_split_sheet(token)[1])
    return m is not None and (_col(m.group(2)) > MAX_COL or int(m.group(4)) > MAX_ROW)


_ENDS_REF = frozenset({"ref", "name", "rp", "table"})
_STARTS_REF = frozenset({"ref", "name", "func", "lp", "table"})
_BINARY = {"=": 10, "<>": 10, "<": 10, ">": 10, "<=": 10, ">=": 10, "&": 20, "+": 30, "-": 30,
           "*": 40, "/": 40, "^": 50, " ": 75, ":": 80}
_PREFIX_BP = 60
_PCT_BP = 70


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, kind: str) -> None:
        tok = self.take()
        if tok[0] != kind:
            raise FormulaSyntaxError(f"expected {kind}, found {tok[1] or 'end'}")

    def expr(self, rbp: int = 0) -> Node:
        left = self.prefix()
        while True:
            kind, val = self.peek()
            if kind == "op" and val == "#":  # A1# : the array spilled from A1
                self.take()
                left = Call("ANCHORARRAY", (left,))
                continue
            if kind == "op" and val == "%":
                if _PCT_BP <= rbp:
                    break
                self.take()
                left = Unary("%", left)
                continue
            if kind != "op" or val not in _BINARY:
                break
            bp = _BINARY[val]
            if bp <= rbp:
                break
            self.take()
            right = self.expr(bp)
            left = Binary(val, left, right)
        return left

    def prefix(self) -> Node:
        kind, val = self.take()
        if kind == "num":
            return Num(float(val))
        if kind == "str":
            return Str(val[1:-1].replace('""', '"'))
        if kind == "bool":
            return Bool(val == "TRUE")
        if kind == "err":
            return Error(Err(val.upper()))
        if kind == "sheeterr":
            return Error(Err("#REF!"))
        if kind == "ref":
            return _ref_node(val)
        if kind == "name":
            sheet, name = _split_sheet(val)
            if sheet is not None and sheet.startswith("["):
                return External(val)
            return Name(sheet, name)
        if kind == "table":
            name, _, spec = val.partition("[")
            return TableRef(name, "[" + spec)
        if kind == "op" and val in ("-", "+"):
            return Unary(val, self.expr(_PREFIX_BP))
        if kind == "op" and val == "@":
            return Call("SINGLE", (self.expr(_PREFIX_BP),))
        if kind == "lp":
            inner = self.expr()
            if self.peek()[0] == "comma":  # (A1:B2,C3:D4): the union of references
                areas = [inner]
                while self.peek()[0] == "comma":
                    self.take()
                    areas.append(self.expr())
                self.expect("rp")
                return Union(tuple(areas))
            self.expect("rp")
            return inner
        if kind == "lb":
            return self.array()
        if kind == "func":
            name = function_name(val)
            if "!" in val and val.split("!")[0].startswith("[") and name == val.upper():
                return External(val)
            self.expect("lp")
            node: Node = Call(name, self.arguments(name))
            while self.peek()[0] == "lp":  # LAMBDA(x,x+1)(2): the result called in turn
                self.take()
                node = Invoke(node, self.arguments(name))
            return node
        raise FormulaSyntaxError(f"unexpected {val or 'end of formula'}")

    def arguments(self, name: str) -> tuple[Node, ...]:
        """The arguments of a call, after its ``(``, through its ``)``."""
        args: list[Node] = []
        if self.peek()[0] == "rp":
            self.take()
            return ()
        while True:
            if self.peek()[0] in ("comma", "rp"):
                args.append(Missing())
            else:
                args.append(self.expr())
            k, _ = self.take()
            if k == "rp":
                return tuple(args)
            if k != "comma":
                raise FormulaSyntaxError(f"expected , or ) in {name}")

    def array(self) -> Node:
        rows: list[list[Constant]] = [[]]
        while True:
            kind, val = self.take()
            sign = 1.0
            if kind == "op" and val in "-+":
                sign = -1.0 if val == "-" else 1.0
                kind, val = self.take()
            if kind == "num":
                rows[-1].append(Num(sign * float(val)))
            elif kind == "str":
                rows[-1].append(Str(val[1:-1].replace('""', '"')))
            elif kind == "bool":
                rows[-1].append(Bool(val == "TRUE"))
            elif kind == "err":
                rows[-1].append(Error(Err(val.upper())))
            else:
                raise FormulaSyntaxError("bad array constant")
            kind, _ = self.take()
            if kind == "rb":
                break
            if kind == "semi":
                rows.append([])
            elif kind != "comma":
                raise FormulaSyntaxError("bad array constant")
        if len({len(r) for r in rows}) != 1:
            raise FormulaSyntaxError("array rows of different lengths")
        return Array(tuple(tuple(r) for r in rows))


def parse(text: str) -> Node:
    """Formula text (with or without the leading ``=``) → AST."""
    t = text.strip()
    if t.startswith("="):
        t = t[1:]
    if not t:
        raise FormulaSyntaxError("empty formula")
    p = _Parser(tokenize(t))
    node = p.expr()
    if p.peek()[0] != "eof":
        raise FormulaSyntaxError(f"unexpected {p.peek()[1]}")
    return node


_SHAPE = re.compile(r"""("(?:[^"]|"")*"|'(?:[^']|'')+'!)|(?<![\w.$])(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![\w.(!\[]|:[\w.]+!)""")


_SHAPE_COLS: dict[str, int] = {}


def shape(text: str, row: int, col: int) -> str:
    """The formula with relative references written as offsets from (row, col), as R1C1 does:
    two formulas of the same shape differ only by where they are, so one parse serves both."""
    cols = _SHAPE_COLS

    def sub(m: re.Match[str]) -> str:
        quoted, col_abs, letters, row_abs, digits = m.groups()
        if quoted:
            return quoted
        c = cols.get(letters)
        if c is None:
            c = cols[letters] = _col(letters)
        r = int(digits)
        if c > MAX_COL or r > MAX_ROW:
            return m.group(0)  # a name (``ZZZ1``), not a reference: never moved
        return (f"R{r}" if row_abs else f"R[{r - row}]") + (f"C{c}" if col_abs else f"C[{c - col}]")
    return _SHAPE.sub(sub, text)
