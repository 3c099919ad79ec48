"""The expression language's functions (docs/reference.md#expressions), declared once.

:data:`FUNCTIONS` is the one table the parser, the checks, the evaluators, the docs and the
tests read. A function's parameters, how many arguments it takes, which arguments must be a
bare KPI name, a bare column name or a whole number, and where it may be used are all here.

Contexts (where an expression is written):

``filter``
    a row expression over a source's columns (a KPI's ``filter``, a source's ``where`` and
    ``derive``, a measure's expression): ``if``, ``coalesce``, ``min``, ``max``, ``abs``,
    ``round``, and the row functions ``year``, ``month``, ``day``, ``weekday``, ``upper``,
    ``lower``, ``trim``, ``left``.
``kpi``
    a KPI's ``formula`` or ``target``: every function.
``accounts``
    key-account criteria, ``key_if`` and tiers: every function.

:func:`check` reports every misuse that the parser cannot see (a function used where it is
not allowed, a KPI argument that is not a name, ``n`` that is not a whole number);
:func:`names` and :func:`attr_columns` list what an expression refers to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from ..limits import MAX_PERIOD_STEPS
from ..periods import UNITS
from .ast import Binary, Call, Name, Node, Num, Str, Unary, children, walk

CONTEXTS = ("filter", "kpi", "accounts")

#: How each context is named in messages ("prev() cannot be used in a filter").
CONTEXT_TEXT = {
    "filter": "a filter",
    "kpi": "a KPI formula or target",
    "accounts": "a key-account rule",
}

_ALL = frozenset(CONTEXTS)
_ROWS = frozenset(CONTEXTS)  # row functions: everywhere
_KPI = frozenset({"kpi", "accounts"})  # functions of KPIs: never in a filter


@dataclass(frozen=True)
class Function:
    """One function of the expression language.

    ``params`` names the parameters (for messages, docs and keyword arguments); a variadic
    function (``max_args is None``) repeats its last parameter. ``defaults`` holds the
    default values of the optional parameters, ``params[min_args:]``, in order.
    ``kpi_args``, ``column_args``, ``int_args`` and ``positive_args`` are 0-based argument
    positions: a bare KPI name, a bare column name, a whole-number literal, and a
    whole-number literal that must also be >= 1.
    """

    name: str
    params: tuple[str, ...]
    min_args: int
    max_args: Optional[int]
    doc: str
    contexts: frozenset[str] = field(default=_ALL)
    kpi_args: tuple[int, ...] = ()
    column_args: tuple[int, ...] = ()
    int_args: tuple[int, ...] = ()
    positive_args: tuple[int, ...] = ()
    defaults: tuple[float, ...] = ()
    # README#real-questions: 0-based positions of a time unit, a text literal among periods.UNITS
    unit_args: tuple[int, ...] = ()

    @property
    def variadic(self) -> bool:
        return self.max_args is None

    @property
    def signature(self) -> str:
        """As the docs write it: ``prev(k, n=1)``, ``coalesce(x, y, ...)``."""
        parts = list(self.params[: self.min_args])
        for i, param in enumerate(self.params[self.min_args :]):
            parts.append(f"{param}={self.defaults[i]:g}" if i < len(self.defaults) else f"[{param}]")
        if self.variadic:
            parts.append("...")
        return f"{self.name}({', '.join(parts)})"

    def param(self, index: int) -> str:
        """The name of the parameter at 0-based position ``index``."""
        return self.params[min(index, len(self.params) - 1)]

    def keyword_params(self) -> dict[str, int]:
        """Parameters that may be passed as ``name=value``: the whole-number ones and time units."""
        return {self.params[i]: i for i in self.int_args + self.unit_args}

    def arity_error(self, count: int) -> Optional[str]:
        """The message for a call with ``count`` arguments, or None when that is right."""
        lo, hi = self.min_args, self.max_args
        if lo <= count and (hi is None or count <= hi):
            return None
        if hi is None:
            wanted = f"at least {lo} argument{'s' if lo != 1 else ''}"
        elif lo == hi:
            wanted = f"{lo} argument{'s' if lo != 1 else ''}"
        else:
            wanted = f"{lo} to {hi} arguments"
        return f"{self.name}() takes {wanted}, got {count}"

    def allowed_in(self, context: str) -> bool:
        return context in self.contexts


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "prev", ("k", "n", "unit"), 1, 3,
            "k in the period n steps earlier at the same grain; with a unit ('day', 'week', 'month', "
            "'quarter', 'year'), k over this period's span moved n units back",
            contexts=_KPI, kpi_args=(0,), int_args=(1,), positive_args=(1,), defaults=(1,), unit_args=(2,),
        ),
        Function(
            "rolling", ("k", "n", "unit"), 2, 3,
            "k evaluated over the span of the n periods ending with this one; with a unit, over the n "
            "units ending with this period's last day",
            contexts=_KPI, kpi_args=(0,), int_args=(1,), positive_args=(1,), unit_args=(2,),
        ),
        Function(
            "ytd", ("k",), 1, 1,
            "k from the start of the fiscal year that holds the last day of this period, to that day",
            contexts=_KPI, kpi_args=(0,),
        ),
        Function(
            "qtd", ("k",), 1, 1,
            "k from the start of the fiscal quarter that holds the last day of this period, to that day",
            contexts=_KPI, kpi_args=(0,),
        ),
        Function(
            "total", ("k",), 1, 1,
            "k for all accounts together, whatever account is asked",
            contexts=_KPI, kpi_args=(0,),
        ),
        Function(
            "share", ("k",), 1, 1,
            "k for this account / k for all accounts",
            contexts=_KPI, kpi_args=(0,),
        ),
        Function(
            "pareto", ("k",), 1, 1,
            "share of k held by the accounts ranked above this one (by k descending, ties by name)",
            contexts=_KPI, kpi_args=(0,),
        ),
        Function(
            "attr", ("column",), 1, 1,
            "this account's value in the key-account attributes source",
            contexts=_KPI, column_args=(0,),
        ),
        Function(
            "if", ("condition", "value_if_true", "value_if_false"), 3, 3,
            "value_if_true where condition holds, else value_if_false (as Excel's IF)",
            contexts=_ROWS,
        ),
        Function(
            "coalesce", ("x", "y"), 2, None,
            "the first of its arguments that is not missing or an error",
            contexts=_ROWS,
        ),
        Function("min", ("x",), 1, None, "the smallest argument, missing ones ignored", contexts=_ROWS),
        Function("max", ("x",), 1, None, "the largest argument, missing ones ignored", contexts=_ROWS),
        Function("abs", ("x",), 1, 1, "the absolute value of x", contexts=_ROWS),
        Function(
            "round", ("x", "digits"), 1, 2,
            "x rounded to digits decimals (negative: tens, hundreds), as Excel's ROUND: the 15-digit "
            "decimal Excel shows, halves away from zero",
            contexts=_ROWS, int_args=(1,), defaults=(0,),
        ),
    )
}

#: README#real-questions: functions across accounts. Each is one number for all accounts together (the
#: same whatever account is asked), except ``rank``, which is per account.
FUNCTIONS.update({
    f.name: f
    for f in (
        Function(
            "top_share", ("k", "n"), 2, 2,
            "share of total(k) held by the n accounts with the largest k (ties by name)",
            contexts=_KPI, kpi_args=(0,), int_args=(1,), positive_args=(1,),
        ),
        Function(
            "hhi", ("k",), 1, 1,
            "Herfindahl index: the sum over accounts of share(k) squared, from 0 to 1",
            contexts=_KPI, kpi_args=(0,),
        ),
        Function(
            "count_accounts", ("condition",), 1, 1,
            "how many accounts the condition holds for (KPI names in it are per account)",
            contexts=_KPI,
        ),
        Function(
            "sum_accounts", ("k",), 1, 1,
            "the sum over accounts of k per account",
            contexts=_KPI, kpi_args=(0,),
        ),
        Function(
            "avg_accounts", ("k",), 1, 1,
            "the average over accounts of k per account",
            contexts=_KPI, kpi_args=(0,),
        ),
        Function(
            "rank", ("k",), 1, 1,
            "this account's rank by k, 1 for the largest, ties by name (#N/A for all accounts)",
            contexts=_KPI, kpi_args=(0,),
        ),
    )
})


# --- row functions of README#your-data: where, derive, filters and measure expressions only ----------

_ROW_ONLY = frozenset({"filter"})
for _row_function in (
    Function("year", ("d",), 1, 1, "the year of the date d", contexts=_ROW_ONLY),
    Function("month", ("d",), 1, 1, "the month of the date d, 1-12", contexts=_ROW_ONLY),
    Function("day", ("d",), 1, 1, "the day of the month of the date d, 1-31", contexts=_ROW_ONLY),
    Function("weekday", ("d",), 1, 1, "the day of the week of the date d, 1 = Monday to 7 = Sunday",
             contexts=_ROW_ONLY),
    Function("upper", ("s",), 1, 1, "the text s in capitals", contexts=_ROW_ONLY),
    Function("lower", ("s",), 1, 1, "the text s in small letters", contexts=_ROW_ONLY),
    Function("trim", ("s",), 1, 1, "the text s without leading, trailing and repeated spaces (as Excel's TRIM)",
             contexts=_ROW_ONLY),
    Function("left", ("s", "n"), 2, 2, "the first n characters of the text s", contexts=_ROW_ONLY,
             int_args=(1,)),
):
    FUNCTIONS[_row_function.name] = _row_function


def lookup(name: str) -> Optional[Function]:
    """The function called ``name``; function names ignore case (``IF`` is ``if``)."""
    return FUNCTIONS.get(name.lower())


def int_literal(node: Node) -> Optional[int]:
    """The whole number ``node`` writes (``3``, ``-2``), or None if it is not one."""
    sign = 1
    if isinstance(node, Unary) and node.op in ("-", "+"):
        sign = -1 if node.op == "-" else 1
        node = node.operand
    if isinstance(node, Num) and not isinstance(node.value, bool):
        value = float(node.value)
        if math.isfinite(value) and value.is_integer():
            return sign * int(value)
    return None


def start(node: Node) -> int:
    """Where ``node``'s text starts (an operator node's own ``pos`` is its operator's)."""
    return min(sub.pos for sub in walk(node))


def check(node: Node, context: str) -> list[tuple[int, str]]:
    """Every misuse of a function in ``node``, as (position, message), in text order.

    Unknown functions and wrong argument counts (which the parser already rejects) are
    reported too, so that a tree built by hand is checked as fully as a parsed one.
    """
    if context not in CONTEXTS:
        raise ValueError(f"unknown expression context {context!r}; expected one of {CONTEXTS}")
    found: list[tuple[int, str]] = []
    for sub in walk(node):
        if isinstance(sub, Binary) and sub.op == "&" and context != "filter":
            found.append((sub.pos, "'&' joins text in row expressions only (where, derive, filter, measure)"))
        if not isinstance(sub, Call):
            continue
        fn = lookup(sub.func)
        if fn is None:
            found.append((sub.pos, f"unknown function '{sub.func}'"))
            continue
        if not fn.allowed_in(context):
            found.append((sub.pos, f"{fn.name}() cannot be used in {CONTEXT_TEXT[context]}"))
        arity = fn.arity_error(len(sub.args))
        if arity is not None:
            found.append((sub.pos, arity))
        for i, arg in enumerate(sub.args):
            at = start(arg)
            if i in fn.kpi_args and not isinstance(arg, Name):
                found.append((at, f"{fn.name}(): argument {i + 1} must be a KPI name"))
            if i in fn.column_args and not isinstance(arg, Name):
                found.append((at, f"{fn.name}(): argument {i + 1} must be a column name"))
            if i in fn.int_args:
                value = int_literal(arg)
                if i in fn.positive_args and (value is None or value < 1):
                    found.append((at, f"{fn.name}(): {fn.param(i)} must be a whole number >= 1"))
                elif value is None:
                    found.append((at, f"{fn.name}(): {fn.param(i)} must be a whole number"))
                elif abs(value) > MAX_PERIOD_STEPS:  # README#hostile-and-broken-input: prev(k, 1e300) is a config error
                    found.append((at, f"{fn.name}(): {fn.param(i)} must be at most {MAX_PERIOD_STEPS:,}"))
            if i in fn.unit_args and not (isinstance(arg, Str) and arg.value.lower() in UNITS):
                found.append((at, f"{fn.name}(): {fn.param(i)} must be one of "
                              + ", ".join(f"'{u}'" for u in UNITS)))
    found.sort(key=lambda item: item[0])
    return found


def _refs(node: Node, columns: bool) -> list[Name]:
    """Names in reading order: references (columns=False) or attr's columns (True)."""
    out: list[Name] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        sub, is_column = stack.pop()
        if isinstance(sub, Name):
            if is_column == columns:
                out.append(sub)
            continue
        fn = lookup(sub.func) if isinstance(sub, Call) else None
        kids = children(sub)
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], fn is not None and i in fn.column_args))
    return out


def names(node: Node) -> list[Name]:
    """Every name ``node`` refers to, in reading order, duplicates kept.

    In a filter these are columns; elsewhere KPIs (KPI arguments such as ``prev``'s
    included), criteria or ``score``. ``attr``'s column is not one: see
    :func:`attr_columns`.
    """
    return _refs(node, columns=False)


def attr_columns(node: Node) -> list[Name]:
    """The attribute columns ``node`` reads through ``attr(column)``, in reading order."""
    return _refs(node, columns=True)
