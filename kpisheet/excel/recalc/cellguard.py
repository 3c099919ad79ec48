"""What makes one formula cell ``#VALUE!`` instead of ending the run (README#hostile-and-broken-input, formulas).

- A formula beyond Excel's own limits (longer than 8,192 characters, or functions nested
  deeper than 64 levels) is not evaluated: :func:`check_text` and :func:`check_nesting`
  raise :class:`BeyondLimits`, and the cell is ``#VALUE!`` with a warning. The text is
  checked before it is parsed, so a formula 5,000 levels deep costs no recursion.
- An array past Excel's grid or :data:`~kpisheet.limits.MAX_ARRAY_CELLS` is refused before
  it is allocated (:func:`check_array`, ``#NUM!``), a text past 32,767 characters before it
  is built (:func:`check_text_length`, ``#VALUE!``): both raise :class:`OverLimit`, an
  :class:`~.values.XlFail` that also carries the reason for the warning.
- Any other exception while one cell is evaluated makes that cell ``#VALUE!`` with one
  warning naming the cell and :func:`describe_failure`'s cause; the first
  :data:`MAX_CELL_WARNINGS` are listed, then a count.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Optional

from ... import limits
from . import values as V
from .ast import Binary, Call, Node, Unary
from .parser import FormulaSyntaxError, parse
from .values import Err, XlFail

#: Cells listed one by one in warnings; past that, one line counts the rest.
MAX_CELL_WARNINGS = 20


class BeyondLimits(FormulaSyntaxError):
    """A formula past Excel's limits of length or nesting: its cell is #VALUE!."""


#: Reasons noted by :class:`OverLimit` while the current cell computes (functions may catch
#: the error value itself, as IFERROR does; the warning still names the cell).
_noted: ContextVar[Optional[list[str]]] = ContextVar("kpisheet_recalc_limits_noted", default=None)


class OverLimit(XlFail):
    """A result past Excel's limits: the cell is ``err`` and a warning says ``reason``."""

    def __init__(self, err: Err, reason: str) -> None:
        super().__init__(err)
        self.reason = reason
        sink = _noted.get()
        if sink is not None and len(sink) < 8:
            sink.append(reason)


def noting() -> tuple[list[str], Token[Optional[list[str]]]]:
    """Start noting OverLimit reasons for one cell; give the token back to :func:`stop_noting`."""
    sink: list[str] = []
    return sink, _noted.set(sink)


def stop_noting(token: Token[Optional[list[str]]]) -> None:
    _noted.reset(token)


def check_array(rows: float, cols: float) -> None:
    """Raise :class:`OverLimit` (``#NUM!``) before an array of ``rows`` by ``cols`` is allocated
    when it is past Excel's grid or MAX_ARRAY_CELLS."""
    if limits.array_too_big(rows, cols):
        raise OverLimit(V.NUM, f"an array of {rows:,.0f} by {cols:,.0f} cells is larger than Excel's grid or "
                               f"{limits.MAX_ARRAY_CELLS:,} cells")


def check_whole_spill(rows: float, cols: float) -> None:
    """Raise :class:`OverLimit` (``#NUM!``) before an array formula's result over the whole of a
    row or column, ``rows`` by ``cols``, is computed or laid when it passes :data:`~kpisheet.limits.MAX_WHOLE_SPILL`."""
    check_array(rows, cols)
    if rows * cols > limits.MAX_WHOLE_SPILL:
        raise OverLimit(V.NUM, f"a spill over a whole row or column, {rows:,.0f} by {cols:,.0f} cells, is larger "
                               f"than {limits.MAX_WHOLE_SPILL:,} cells")


def check_text_length(length: float) -> None:
    """Raise :class:`OverLimit` (``#VALUE!``) before a text longer than Excel's 32,767 characters is built."""
    if length > limits.MAX_TEXT:
        raise OverLimit(V.VALUE, f"a text of {length:,.0f} characters is longer than Excel's "
                                 f"{limits.MAX_TEXT:,}")


def check_text(text: str) -> None:
    """Raise :class:`BeyondLimits` for a formula Excel could not hold, before parsing it."""
    if len(text) > limits.MAX_FORMULA_TEXT:
        raise BeyondLimits(f"formula of {len(text):,} characters; Excel allows {limits.MAX_FORMULA_TEXT:,}")
    depth = deepest = 0
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    if deepest > 2 * limits.MAX_NESTING:  # parentheses of grouping count too: a generous bound
        raise BeyondLimits(f"formula nested {deepest} parentheses deep; Excel allows "
                           f"{limits.MAX_NESTING} levels of functions")


def call_depth(node: Node) -> int:
    """How deeply function calls nest in ``node`` (``SUM(ABS(1))`` is 2), without recursion."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 0)]
    while stack:
        n, depth = stack.pop()
        match n:
            case Call(args=args):
                depth += 1
                deepest = max(deepest, depth)
                stack.extend((a, depth) for a in args)
            case Binary(left=left, right=right):
                stack.append((left, depth))
                stack.append((right, depth))
            case Unary(operand=operand):
                stack.append((operand, depth))
    return deepest


def check_nesting(node: Node) -> None:
    """Raise :class:`BeyondLimits` when functions nest deeper than Excel's 64 levels."""
    depth = call_depth(node)
    if depth > limits.MAX_NESTING:
        raise BeyondLimits(f"functions nested {depth} levels deep; Excel allows {limits.MAX_NESTING}")


def parse_within_limits(text: str) -> Node:
    """The tree of a formula Excel could hold: :class:`BeyondLimits` past Excel's length or
    nesting (checked before parsing where the text allows, so a formula 5,000 levels deep
    costs no recursion), :class:`~.parser.FormulaSyntaxError` for text that is no formula."""
    check_text(text)
    try:
        node = parse(text)
    except RecursionError:
        raise BeyondLimits(f"formula nested too deeply; Excel allows {limits.MAX_NESTING} levels "
                           "of functions") from None
    check_nesting(node)
    return node


def describe_failure(cause: "BaseException | str") -> str:
    """Why a cell failed, in one line."""
    if isinstance(cause, str):
        return cause
    if isinstance(cause, RecursionError):
        return f"formula nested too deeply (Excel allows {limits.MAX_NESTING} levels of functions)"
    if isinstance(cause, MemoryError):
        return "out of memory computing this cell"
    if isinstance(cause, BeyondLimits):
        return str(cause)
    text = " ".join(str(cause).split())
    if len(text) > 160:
        text = text[:159] + "…"
    return f"internal error ({type(cause).__name__}: {text})" if text else f"internal error ({type(cause).__name__})"
