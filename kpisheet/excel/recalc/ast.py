"""The syntax tree of an Excel formula: a handful of frozen node types.

:func:`~.parser.parse` builds nothing else, so the compiler and the dependency walk match on
exactly these. Children are tuples, so a tree cannot be changed once built (one parse is shared
by every cell of the same shape).

    Num(1.0) Str("a") Bool(True) Error(#N/A) Missing()     constants; Missing: ``F(1,,2)``'s gap
    Array(((Num(1.0), Num(2.0)), ...))                      an array constant ``{1,2;3,4}``
    Reference(sheet, r1, c1, r2, c2, rel)                   ``A1`` ``Data!$B$2:C9`` ``A:A`` ``3:3``
    Name(sheet, name)                                       a defined name (or a LET/LAMBDA name)
    TableRef(name, spec)                                    ``Sales[Amount]``, ``[@Qty]`` (name "")
    External(text)                                          a reference into another workbook
    Call(NAME, args)                                        NAME upper-cased, ``_xlfn.`` removed
    Binary(op, left, right)                                 ``+ - * / ^ & = <> < > <= >= : " "``
    Unary(op, operand)                                      ``-x`` ``+x`` and ``x%`` (op "%")
    Union(areas)                                            ``(A1:B2,C3:D4)``
    Invoke(callee, args)                                    ``LAMBDA(x,x+1)(2)``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Union as TypingUnion

from .values import Err


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Str:
    value: str


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool


@dataclass(frozen=True, slots=True)
class Error:
    value: Err


@dataclass(frozen=True, slots=True)
class Missing:
    """An argument left out (``IF(A1,,2)``): a function sees None."""


Constant = TypingUnion[Num, Str, Bool, Error]


@dataclass(frozen=True, slots=True)
class Array:
    """An array constant: rows of constants, all rows of one length."""

    rows: tuple[tuple[Constant, ...], ...]


@dataclass(frozen=True, slots=True)
class Reference:
    """A rectangle of cells, ``r1 <= r2`` and ``c1 <= c2``. ``rel`` says which of (r1, c1, r2,
    c2) are relative (no ``$``): in a shared formula those shift with the cell."""

    sheet: Optional[str]
    r1: int
    c1: int
    r2: int
    c2: int
    rel: tuple[bool, bool, bool, bool]

    @property
    def is_cell(self) -> bool:
        return self.r1 == self.r2 and self.c1 == self.c2


@dataclass(frozen=True, slots=True)
class Name:
    sheet: Optional[str]
    name: str


@dataclass(frozen=True, slots=True)
class TableRef:
    """A structured reference: ``name`` the table's ("" for the table holding the cell),
    ``spec`` the bracketed part as written."""

    name: str
    spec: str


@dataclass(frozen=True, slots=True)
class External:
    """A reference to another workbook, kept as written (recalc keeps such cells' values)."""

    text: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: "Node"
    right: "Node"


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" | "+" | "%"
    operand: "Node"


@dataclass(frozen=True, slots=True)
class Union:
    areas: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Invoke:
    callee: "Node"
    args: tuple["Node", ...]


Node = TypingUnion[Num, Str, Bool, Error, Missing, Array, Reference, Name, TableRef, External, Call, Binary,
                   Unary, Union, Invoke]


def children(node: Node) -> tuple[Node, ...]:
    """The nodes directly below ``node`` (an array constant's items are not walked)."""
    match node:
        case Call(args=args):
            return args
        case Binary(left=left, right=right):
            return (left, right)
        case Unary(operand=operand):
            return (operand,)
        case Union(areas=areas):
            return areas
        case Invoke(callee=callee, args=args):
            return (callee, *args)
    return ()


_BRANCHES = frozenset({Call, Binary, Unary, Union, Invoke})


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, depth first, without recursion (a formula may nest deeply); a
    node's children in reverse order, as dependencies have always been listed."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if type(n) in _BRANCHES:  # leaves are most nodes: no call for them
            stack.extend(children(n))


def has_relative_refs(node: Node) -> bool:
    """Whether a defined name's formula holds a relative reference (``Sheet1!XFD1``: the cell to
    the left of wherever the name is used)."""
    return any(isinstance(n, Reference) and any(n.rel) for n in walk(node))


def placed(node: Node, row: int, col: int, max_row: int, max_col: int) -> Node:
    """A defined name's formula as read from cell (``row``, ``col``): Excel keeps a name's
    relative references as offsets from A1 and moves them to the cell using the name, wrapping
    round the grid (``XFD1`` used in B3 is A3). ``rel`` is kept, so a shared formula's cells
    still shift from where this was placed."""
    def ref(n: Reference) -> Reference:
        r1 = (n.r1 - 1 + row - 1) % max_row + 1 if n.rel[0] else n.r1
        c1 = (n.c1 - 1 + col - 1) % max_col + 1 if n.rel[1] else n.c1
        r2 = (n.r2 - 1 + row - 1) % max_row + 1 if n.rel[2] else n.r2
        c2 = (n.c2 - 1 + col - 1) % max_col + 1 if n.rel[3] else n.c2
        return Reference(n.sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2), n.rel)

    def go(n: Node) -> Node:
        match n:
            case Reference():
                return ref(n)
            case Call(name=name, args=args):
                return Call(name, tuple(go(a) for a in args))
            case Binary(op=op, left=left, right=right):
                return Binary(op, go(left), go(right))
            case Unary(op=op, operand=operand):
                return Unary(op, go(operand))
            case Union(areas=areas):
                return Union(tuple(go(a) for a in areas))
            case Invoke(callee=callee, args=args):
                return Invoke(go(callee), tuple(go(a) for a in args))
        return n
    return go(node)
