"""Row expressions (docs/reference.md#expressions; README#your-data) compiled to Ibis expressions, to run in
the database.

:func:`kpisheet.warehouse.check.uncompilable` is the check made when the config loads, so
that a ``parquet:`` or ``sql:`` source never falls back to loading its rows. :func:`compile_expr`
translates a tree over the columns of an Ibis table, keeping the rules of
:mod:`kpisheet.expr.frame` (what a finance user expects from Excel):

- a blank compares as ``0`` beside numbers and as ``''`` beside text; ``x == ''`` matches a
  blank of any kind; a blank date equals nothing and orders with nothing;
- text comparisons ignore case;
- a date compared with a text literal reads the literal as an ISO date;
- ``and``, ``or``, ``not`` and ``if`` take conditions, a missing condition counts as false;
- arithmetic over a blank gives blank; a date minus a date is days, a date plus days a date;
- a division is refused (a database's NULL is not a workbook row's #DIV/0!);
- ``min``/``max`` ignore blanks; ``&`` joins text, a blank being ``''``.

Nothing here builds SQL text: every literal goes through Ibis as a bound literal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

from ..expr.ast import Binary, Bool, Call, In, Name, Node, Num, Str, Unary
from ..expr.functions import int_literal
from ..xlrules import compare
from .check import COMPILED_FUNCTIONS, uncompilable

_ARITH = {"+", "-", "*", "/"}
_COMPARE = {"==", "!=", "<", "<=", ">", ">="}


class CompileError(Exception):
    """An expression that cannot run in the database: ``message`` at offset ``pos``."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def _kind(value: ir.Value) -> str:
    t = value.type()
    if t.is_null():
        return "empty"
    if t.is_boolean():
        return "bool"
    if t.is_numeric():
        return "number"
    if t.is_string():
        return "text"
    if t.is_timestamp() or t.is_date():
        return "date"
    return str(t)


def compile_expr(node: Node, columns: Mapping[str, ir.Value], backend: Optional[str] = None) -> ir.Value:
    """``node`` as an Ibis value over ``columns`` (kpisheet name -> column); CompileError if it cannot.
    ``backend`` (an Ibis backend's name) is found from the columns when not given."""
    return _Compiler(columns, backend).value(node)


def compile_condition(node: Node, columns: Mapping[str, ir.Value],
                      backend: Optional[str] = None) -> ir.BooleanValue:
    """``node`` as a condition that is never NULL (a missing condition is false)."""
    c = _Compiler(columns, backend)
    return c.cond(node, c.value(node))


class _Compiler:
    def __init__(self, columns: Mapping[str, ir.Value], backend: Optional[str] = None) -> None:
        self.columns = columns
        self.backend = backend

    def value(self, node: Node) -> ir.Value:
        if isinstance(node, Num):
            v = node.value
            return ibis.literal(int(v) if float(v).is_integer() and abs(v) < 2**53 else float(v))
        if isinstance(node, Str):
            return ibis.literal(node.value, type="string")
        if isinstance(node, Bool):
            return ibis.literal(node.value)
        if isinstance(node, Name):
            if node.id not in self.columns:
                raise CompileError(f"unknown column '{node.id}'", node.pos)
            return self.columns[node.id]
        if isinstance(node, Unary):
            inner = self.value(node.operand)
            if node.op == "not":
                return ~self.cond(node.operand, inner)
            self.need(inner, "number", node.operand)
            return -inner if node.op == "-" else inner  # type: ignore[operator]
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, In):
            item = self.value(node.item)
            hit = ibis.literal(False)
            for option in node.options:
                hit = hit | self.compare("==", item, self.value(option), node.item, option)
            return ~hit if node.negated else hit
        if isinstance(node, Call):
            return self.call(node)
        raise CompileError("this expression cannot run in the database", getattr(node, "pos", 0))

    def need(self, value: ir.Value, kind: str, node: Node) -> None:
        found = _kind(value)
        if found != kind and found != "empty":
            raise CompileError(f"needs {'a number' if kind == 'number' else kind} here, got {found}",
                               getattr(node, "pos", 0))

    def cond(self, node: Node, value: ir.Value) -> ir.BooleanValue:
        if _kind(value) != "bool":
            raise CompileError("needs a condition (true/false) here", getattr(node, "pos", 0))
        return value.fill_null(False)  # type: ignore[attr-defined,no-any-return]

    def binary(self, node: Binary) -> ir.Value:
        left, right = self.value(node.left), self.value(node.right)
        op = node.op
        if op in ("and", "or"):
            a, b = self.cond(node.left, left), self.cond(node.right, right)
            return a & b if op == "and" else a | b
        if op == "&":
            return _text(left) + _text(right)  # type: ignore[operator]
        if op in ("+", "-") and "date" in (_kind(left), _kind(right)):
            return self.date_arithmetic(node, left, right)
        if op in _ARITH:
            self.need(left, "number", node.left)
            self.need(right, "number", node.right)
            if op == "/":  # a database gives NULL (a blank) where a workbook row gives #DIV/0!
                raise CompileError("a division in a row expression cannot run in the database yet (a division by "
                                   "zero would be a blank there, not #DIV/0!): divide KPIs in a formula instead, "
                                   "such as sum(a) / sum(b)", node.pos)
            return {"+": lambda: left + right, "-": lambda: left - right,  # type: ignore[operator]
                    "*": lambda: left * right}[op]()  # type: ignore[operator]
        if op in _COMPARE:
            return self.compare(op, left, right, node.left, node.right)
        raise CompileError(f"'{op}' cannot run in the database", node.pos)

    def date_arithmetic(self, node: Binary, left: ir.Value, right: ir.Value) -> ir.Value:
        """As in Excel (and :meth:`kpisheet.expr.frame` for workbook rows): a date minus a date
        is a number of days, with the fraction of a day; a date plus or minus a number of days
        (fractions too) is a date."""
        lk, rk = _kind(left), _kind(right)
        if node.op == "-" and lk == rk == "date":
            seconds = left.cast("timestamp").epoch_seconds() - right.cast("timestamp").epoch_seconds()  # type: ignore[attr-defined]
            return seconds / 86400  # type: ignore[no-any-return]
        if lk == rk or (node.op == "-" and rk == "date"):
            raise CompileError(f"'{node.op}' cannot take {lk} and {rk}", node.pos)
        date, days, days_node = (left, right, node.right) if lk == "date" else (right, left, node.left)
        self.need(days, "number", days_node)
        step = (days * 86_400_000_000).round().cast("int64").as_interval("us")  # type: ignore[operator]
        moment = date.cast("timestamp")
        return moment + step if node.op == "+" else moment - step  # type: ignore[no-any-return,operator]

    def compare(self, op: str, left: ir.Value, right: ir.Value, lnode: Node, rnode: Node) -> ir.BooleanValue:
        lk, rk = _kind(left), _kind(right)
        for blank_side, other, other_kind in ((rnode, left, lk), (lnode, right, rk)):
            if isinstance(blank_side, Str) and blank_side.value == "" and op in ("==", "!="):
                empty = other.isnull()
                if other_kind == "text":
                    empty = empty | (other.strip() == "")  # type: ignore[attr-defined]
                return empty if op == "==" else ~empty
        if "date" in (lk, rk):
            if lk == "text" and isinstance(lnode, Str):
                left, lk = left.cast("timestamp"), "date"
            if rk == "text" and isinstance(rnode, Str):
                right, rk = right.cast("timestamp"), "date"
            if lk != rk:
                raise CompileError(f"cannot compare {lk} with {rk}", getattr(lnode, "pos", 0))
            return _op(op, left, right).fill_null(False)  # type: ignore[attr-defined,no-any-return]
        if lk == "empty" or rk == "empty":
            lk = rk = rk if lk == "empty" else lk
        if lk != rk:
            raise CompileError(f"cannot compare {lk} with {rk}", getattr(lnode, "pos", 0))
        if lk == "text" and isinstance(lnode, Str) and isinstance(rnode, Str):  # decided here, as xlrules does
            return ibis.literal(bool(_OPS[op](compare(lnode.value, rnode.value), 0)))
        if lk == "text" and op not in ("==", "!="):
            beside_literal = isinstance(lnode, Str) or isinstance(rnode, Str)  # then a blank is decided below
            left, right = self.ordered(left, lnode, beside_literal), self.ordered(right, rnode, beside_literal)
        if lk == "text" and (isinstance(lnode, Str) or isinstance(rnode, Str)):
            # a column beside a literal: a blank row compares as '', decided here once, so that the
            # database lowers the column as it is (COALESCE(column, '') inside LOWER cost DuckDB
            # its dictionary shortcut: 4x the time of the comparison on 20M rows)
            blank = _OPS[op]("", rnode.value) if isinstance(rnode, Str) else _OPS[op](
                lnode.value if isinstance(lnode, Str) else "", "")
            if op in ("==", "!="):
                left, right = left.lower(), right.lower()  # type: ignore[attr-defined]
            return _op(op, left, right).fill_null(bool(blank))  # type: ignore[attr-defined,no-any-return]
        if lk == "text" and op in ("==", "!="):
            left, right = left.fill_null("").lower(), right.fill_null("").lower()  # type: ignore[attr-defined]
        elif lk == "number":
            left, right = left.fill_null(0), right.fill_null(0)  # type: ignore[attr-defined]
        return _op(op, left, right)

    def ordered(self, text: ir.Value, node: Node, keep_null: bool) -> ir.Value:
        """``text`` lower-cased as bytes (UTF-8), to order by code point as xlrules does, whatever
        the database's collation (PostgreSQL's ``<`` on text follows the column's or database's
        collation: 'é' < 'f' under most locales, not by code point). A blank is '' unless
        ``keep_null`` (beside a literal, :meth:`compare` decides a blank row once)."""
        lowered = (text if keep_null else text.fill_null("")).lower()  # type: ignore[attr-defined]
        dialect = self.dialect()
        if dialect == "duckdb":
            return _duckdb_bytes(lowered)  # type: ignore[no-any-return]
        if dialect == "postgres":
            return _postgres_bytes(lowered, "UTF8")  # type: ignore[no-any-return]
        raise CompileError(f"ordering text (<, <=, >, >=) cannot run in {dialect} yet: there it would follow the "
                           "database's collation, not Excel's order (case ignored, by character)",
                           getattr(node, "pos", 0))

    def dialect(self) -> str:
        """The name of the Ibis backend the columns live in (``duckdb``, ``postgres`` ...)."""
        if self.backend is None:
            for column in self.columns.values():
                self.backend = str(column._find_backend().name)
                break
            else:
                raise CompileError("no column to find the database by", 0)
        return self.backend

    def call(self, node: Call) -> ir.Value:
        name, args = node.func, node.args
        if name not in COMPILED_FUNCTIONS:
            raise CompileError(f"{name}() cannot run in the database", node.pos)
        vals = [self.value(a) for a in args]
        if name == "if":
            return ibis.ifelse(self.cond(args[0], vals[0]), vals[1], vals[2])
        if name == "coalesce":
            return ibis.coalesce(*vals)
        if name in ("min", "max"):
            for a, v in zip(args, vals):
                self.need(v, "number", a)
            return (ibis.least if name == "min" else ibis.greatest)(*vals)
        if name == "abs":
            self.need(vals[0], "number", args[0])
            return vals[0].abs()  # type: ignore[attr-defined,no-any-return]
        if name == "round":
            digits = int_literal(args[1]) if len(args) > 1 else 0
            if digits is None:
                raise CompileError("round(): digits must be a whole number written in the expression, such as "
                                   "round(amount, 2) or round(amount, -3)", args[1].pos)
            self.need(vals[0], "number", args[0])
            for pos, message in uncompilable(node):  # a round() inside: the SQL would grow past use
                raise CompileError(message, pos)
            return excel_round(vals[0], digits)
        if name in ("year", "month", "day", "weekday"):
            self.need(vals[0], "date", args[0])
            d: Any = vals[0]
            return d.day_of_week.index() + 1 if name == "weekday" else getattr(d, name)()
        if name in ("upper", "lower", "trim"):
            self.need(vals[0], "text", args[0])
            return getattr(vals[0], "strip" if name == "trim" else name)()  # type: ignore[no-any-return]
        # left(s, n)
        self.need(vals[0], "text", args[0])
        if not isinstance(args[1], Num):
            raise CompileError("left() needs a whole number of characters here", args[1].pos)
        return vals[0].substr(0, int(args[1].value))  # type: ignore[attr-defined,no-any-return]


@ibis.udf.scalar.builtin(name="encode")
def _duckdb_bytes(text: str) -> bytes:  # type: ignore[empty-body]
    """DuckDB's ``encode``: the UTF-8 bytes of a text, which compare bytewise (by code point)."""


@ibis.udf.scalar.builtin(name="convert_to")
def _postgres_bytes(text: str, encoding: str) -> bytes:  # type: ignore[empty-body]
    """PostgreSQL's ``convert_to``: a text's bytes in an encoding; bytea compares bytewise."""


def _text(value: ir.Value) -> ir.StringValue:
    return value.cast("string").fill_null("")  # type: ignore[no-any-return]


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _op(op: str, left: ir.Value, right: ir.Value) -> ir.BooleanValue:
    return _OPS[op](left, right)  # type: ignore[no-any-return]


# --- Excel's ROUND in SQL ---------------------------------------------------------------------

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles
_MOST = 22  # 10**0 .. 10**22 are exact doubles
_BELOW_1E15 = 999999999999999.875  # the largest double below 1e15
# Ibis writes a float literal bare, which PostgreSQL reads as numeric (and POW(10.0, k) is then a
# numeric power); cast from text it is a double in every database
_DOUBLE_10 = ibis.literal("10").cast("float64")


def _split(a: Any) -> tuple[Any, Any]:
    """``a`` as ``high + low``, each of at most 26 significant bits (Veltkamp), exactly."""
    ca = _SPLIT * a  # a numeric literal times a double is a double in PostgreSQL too
    high = ca - (ca - a)
    return high, a - high


def _pow10(k: Any) -> Any:
    """10 ** ``k`` in doubles, for a whole ``k`` from 0 to 22: exact (both databases' ``power``
    give the exact double there, which tests/warehouse/test_agree.py checks)."""
    return _DOUBLE_10.pow(k.cast("float64"))


def _one(condition: Any) -> Any:
    """1 where ``condition`` holds, else 0 (PostgreSQL casts no boolean to a number)."""
    return ibis.ifelse(condition, 1, 0)


def excel_round(x: Any, digits: int) -> Any:
    """:func:`kpisheet.xlrules.round_half_away` in SQL: ``x``'s 15-significant-digit decimal
    rounded half away from zero at ``digits`` places, as the nearest double.

    A database's own ``round`` rounds the binary value (``round(608.44765, 4)`` is 608.4476
    there), and PostgreSQL's ``round(double precision)`` rounds halves to even; its cast to
    ``numeric`` keeps 15 digits but ties to even too. So this is the exact method of
    :func:`kpisheet.xlrules.round_half_away_array`, in double arithmetic only (which both DuckDB
    and PostgreSQL do in IEEE doubles): ``|x| * 10**k`` as an exact sum of two doubles, its
    15 digits as a whole number, rounded in whole numbers. Exact for ``|x|`` from 1e-8 to
    1e15; below 1e-8 a rounding to 7 places or fewer is 0 (exactly Excel's answer); any other
    row (a smaller number at 8 places or more, 1e15 or more, infinities) stops the query with
    an error naming round(), rather than a near answer. NULL stays NULL; 0 is 0."""
    d = max(-_MOST, min(_MOST, digits))  # past 22 places a number of 1e-8 or more has no digit left
    v = x.cast("float64")
    a = v.abs()
    fast = (a >= 1e-8) & (a < 1e15)
    # every row's arithmetic kept finite and defined (PostgreSQL stops at an overflow or a log of 0):
    # the rows outside [1e-8, 1e15) are answered below, not from this
    safe = ibis.least(ibis.greatest(a, 1e-8), _BELOW_1E15)
    k0 = 14 - safe.log10().floor()
    first = safe * _pow10(k0)
    k = ibis.greatest(ibis.least(k0 - _one(first >= 1e15) + _one(first < 1e14), _MOST), 0)  # log10's guess mended
    p = _pow10(k)  # |x| * 10**k has 15 digits before the point
    ah, al = _split(safe)
    ph, pl = _split(p)
    hi = safe * p  # safe * p is exactly hi + lo (Dekker's product)
    lo = ((ah * ph - hi) + ah * pl + al * ph) + al * pl
    whole = hi.floor().cast("float64")
    n15 = whole + _one(((hi - whole) - 0.5) + lo >= 0)  # the 15 digits as a whole number, half away
    step = _pow10(ibis.least(ibis.greatest(k - d, 0), 16))  # 10 ** (digits of n15 past the place asked for)
    cut = ((n15 + step / 2) / step).floor().cast("float64")  # exact: see round_half_away_array
    scale = ibis.literal(10.0 ** abs(d), type="float64")
    magnitude = cut / _pow10(ibis.least(k, d)) if d >= 0 else cut * scale
    # the row's number first: the database's message around it is cut to one line
    beyond = ibis.literal("a row holds ").concat(v.cast("string")).concat(
        ": round() in the database takes numbers from 1e-8 to 1e15 in size (a smaller one when rounded to 7 "
        "places or fewer)")
    refused = beyond.cast("int64").cast("float64")  # the cast fails: the query stops, naming round()
    tiny = (a < 1e-8) & (a > 0)
    return ibis.cases((v.isnull(), ibis.null("float64")), (a == 0, 0.0), (fast, magnitude * v.sign()),
                      (tiny & (d <= 7), 0.0), else_=refused)
