"""Formulas: an expression's syntax tree evaluated over whole grids.

A name is looked up through a callback (a KPI's grid, a criterion's, the
score); each function of the language maps to one grid operation here. Errors
are values (see :mod:`.grid`), so nothing here raises for a ``#DIV/0!``.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np

from ..expr.ast import Binary, Bool, Call, In, Name, Node, Num, Str, Unary, walk
from ..expr.functions import int_literal
from . import across
from . import grid as g
from .axis import PLAIN, Family
from .grid import Grid


class Scope(Protocol):
    """What a formula can read."""

    shape: tuple[int, int]

    def name(self, name: str, family: Family) -> Grid: ...

    def attr(self, column: str) -> Grid: ...

    def universe(self, node: Node) -> np.ndarray:
        """The columns of the accounts that across-account functions over ``node`` count (README#real-questions)."""
        ...


def evaluate(node: Node, scope: Scope, family: Family = PLAIN) -> Grid:
    return _Evaluator(scope, family).eval(node)


class _Evaluator:
    def __init__(self, scope: Scope, family: Family) -> None:
        self.scope = scope
        self.family = family

    def eval(self, node: Node) -> Grid:
        shape = self.scope.shape
        if isinstance(node, Num):
            return Grid.const(node.value, shape)
        if isinstance(node, Bool):
            return Grid.const(1.0 if node.value else 0.0, shape)
        if isinstance(node, Str):
            return Grid.const(node.value, shape)
        if isinstance(node, Name):
            return self.scope.name(node.id, self.family)
        if isinstance(node, Unary):
            operand = self.eval(node.operand)
            if node.op == "not":
                return g.logical_not(operand)
            return g.negate(operand) if node.op == "-" else operand.numeric()
        if isinstance(node, Binary):
            left, right = self.eval(node.left), self.eval(node.right)
            if node.op in ("and", "or"):
                return g.logical(node.op, left, right)
            if node.op in ("+", "-", "*", "/"):
                return g.arith(node.op, left, right)
            return g.compare(node.op, left, right)
        if isinstance(node, In):
            item = self.eval(node.item)
            hits = [g.compare("==", item, self.eval(opt)) for opt in node.options]
            found = hits[0]
            for hit in hits[1:]:
                found = g.logical("or", found, hit)
            return g.logical_not(found) if node.negated else found
        if isinstance(node, Call):
            return _CALLS[node.func](self, node)
        raise TypeError(f"not an expression node: {node!r}")

    def kpi(self, node: Node, family: Family | None = None) -> Grid:
        assert isinstance(node, Name)  # the parser checked it (registry kpi_args)
        return self.scope.name(node.id, family or self.family)


def _int(node: Node) -> int:
    """A whole-number argument: ``3`` or ``-2`` (a Num under a unary minus), as the parser checked."""
    value = int_literal(node)
    assert value is not None  # the parser checked it (registry int_args)
    return value


def _unit(node: Call, index: int) -> str | None:
    """The time unit argument at ``index`` (README#real-questions), None when not given."""
    if len(node.args) <= index:
        return None
    arg = node.args[index]
    assert isinstance(arg, Str)  # the parser checked it (registry unit_args)
    return arg.value.lower()


def _prev(ev: _Evaluator, node: Call) -> Grid:
    n = _int(node.args[1]) if len(node.args) > 1 else 1
    unit = _unit(node, 2)
    if unit is not None:  # the same stretch of time at any grain: a span moved back
        return ev.kpi(node.args[0], ev.family.shifted(n, unit))
    return g.shift(ev.kpi(node.args[0]), n)


def _rolling(ev: _Evaluator, node: Call) -> Grid:
    return ev.kpi(node.args[0], ev.family.span("rolling", _int(node.args[1]), _unit(node, 2)))


def _share(ev: _Evaluator, node: Call) -> Grid:
    k = ev.kpi(node.args[0])
    return g.arith("/", k, g.all_accounts(k))


def _attr(ev: _Evaluator, node: Call) -> Grid:
    assert isinstance(node.args[0], Name)
    return ev.scope.attr(node.args[0].id)


def _round(ev: _Evaluator, node: Call) -> Grid:
    return g.excel_round(ev.eval(node.args[0]), _int(node.args[1]) if len(node.args) > 1 else 0)


_CALLS: dict[str, Callable[[_Evaluator, Call], Grid]] = {
    "prev": _prev,
    "rolling": _rolling,
    "ytd": lambda ev, n: ev.kpi(n.args[0], ev.family.span("ytd")),
    "qtd": lambda ev, n: ev.kpi(n.args[0], ev.family.span("qtd")),
    "total": lambda ev, n: g.all_accounts(ev.kpi(n.args[0])),
    "share": _share,
    "pareto": lambda ev, n: g.pareto(ev.kpi(n.args[0])),
    "attr": _attr,
    "if": lambda ev, n: g.where(ev.eval(n.args[0]), ev.eval(n.args[1]), ev.eval(n.args[2])),
    "coalesce": lambda ev, n: g.coalesce(*(ev.eval(a) for a in n.args)),
    "min": lambda ev, n: g.extreme("min", *(ev.eval(a) for a in n.args)),
    "max": lambda ev, n: g.extreme("max", *(ev.eval(a) for a in n.args)),
    "abs": lambda ev, n: g.absolute(ev.eval(n.args[0])),
    "round": _round,
}

# README#real-questions: across accounts, over the accounts of the argument's universe
_CALLS.update({
    "top_share": lambda ev, n: across.top_share(ev.kpi(n.args[0]), _int(n.args[1]), ev.scope.universe(n.args[0])),
    "hhi": lambda ev, n: across.hhi(ev.kpi(n.args[0]), ev.scope.universe(n.args[0])),
    "count_accounts": lambda ev, n: across.count_accounts(ev.eval(n.args[0]), ev.scope.universe(n.args[0])),
    "sum_accounts": lambda ev, n: across.sum_accounts(ev.kpi(n.args[0]), ev.scope.universe(n.args[0])),
    "avg_accounts": lambda ev, n: across.avg_accounts(ev.kpi(n.args[0]), ev.scope.universe(n.args[0])),
    "rank": lambda ev, n: across.rank(ev.kpi(n.args[0]), ev.scope.universe(n.args[0])),
})

#: The functions whose value for all accounts together (column 0) reads nothing but column 0 of
#: their arguments (``total`` is column 0 itself). A question about all accounts over formulas
#: made of these, arithmetic and KPIs alone is answered on grids of column 0 only
#: (:meth:`~.core.Engine.result`, README#changelog issue 12). ``share``, ``pareto``, ``attr`` and
#: the functions across accounts read the accounts' columns; a function added to ``_CALLS`` stays
#: outside this set until its column 0 is shown to read column 0 alone.
TOTALS_ONLY = frozenset({"prev", "rolling", "ytd", "qtd", "total", "if", "coalesce", "min", "max", "abs", "round"})


def needs_accounts(node: Node) -> bool:
    """Whether ``node``'s value for all accounts together reads an account's column: it calls a
    function outside :data:`TOTALS_ONLY`. The KPIs it names are the caller's to check."""
    return any(isinstance(sub, Call) and sub.func not in TOTALS_ONLY for sub in walk(node))
