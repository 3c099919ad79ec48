"""The expression language's syntax tree: a handful of frozen node types.

Nothing else can be built by the parser, so nothing else can be evaluated.
Every node keeps ``pos``, its 0-based character offset in the expression text,
so that a problem found later still points at the right column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


@dataclass(frozen=True)
class Num:
    value: float
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Str:
    value: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Bool:
    value: bool
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Name:
    """A column (in filters), a KPI, a criterion or ``score``."""

    id: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Unary:
    op: str  # "-" | "+" | "not"
    operand: "Node"
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / == != < <= > >= and or
    left: "Node"
    right: "Node"
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class In:
    """``x in ('a', 'b')`` or ``x not in (...)``."""

    item: "Node"
    options: tuple["Node", ...]
    negated: bool = False
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Call:
    """A call of a function from the registry (:mod:`kpisheet.expr.functions`)."""

    func: str
    args: tuple["Node", ...]
    pos: int = field(default=0, compare=False)


Node = Union[Num, Str, Bool, Name, Unary, Binary, In, Call]


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, In):
        return (node.item, *node.options)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    yield node
    for child in children(node):
        yield from walk(child)
