"""Row-wise, vectorised evaluation of row expressions (``where``, ``derive``, measure
expressions, KPI ``filter``) over a pandas DataFrame.

Names are the frame's columns. Every operation works on whole numpy arrays at once (no
Python loop over rows), so a filter over 200,000 rows costs a few milliseconds.

Each value has a kind: ``number``, ``text``, ``date``, ``bool`` (a condition), ``mixed`` (an
object column holding text and numbers together) or ``empty`` (a column with no values).
Rules, chosen to be what a finance user expects from Excel:

- A blank (an empty cell, NaN, None) compares as Excel compares a blank cell (README#real-questions):
  as 0 beside numbers and as ``''`` beside text, in ``==``, ``in`` and ``< <= > >=``; two
  blanks are equal. A blank date (NaT) equals nothing and orders with nothing; ``x == ''``
  (and ``x in ('', ...)``) matches a blank of any kind, as Excel's ``=A1=""`` does.
- Text comparisons ignore case (Excel's ``="Cancelled"="cancelled"`` is TRUE); this rule,
  rounding and a blank's value in a comparison are :mod:`kpisheet.xlrules`', shared with the
  KPI grid and ``recalc``.
- A date column compared with a text literal reads the text as an ISO date
  (``date >= '2026-01-01'``, ``'2026-01-01 08:30'``); anything else there is an error.
- Comparing values of different kinds (a number with text) is an error, not false.
- ``and``, ``or``, ``not`` and ``if`` take conditions; a missing condition counts as false.
- Arithmetic takes numbers; a missing operand gives missing (so an unmatched join never
  becomes a 0 in an aggregate).
- A number divided by the number 0 is the Excel error ``#DIV/0!`` for that row, never a
  blank an aggregate would skip. Each value carries an int8 error code a row beside its data
  (``_V.err``, as a grid's ``err`` beside ``val``): every operator and function gives a row the
  first error of its operands, left to right; ``if`` gives each row the error of the branch it
  selects (so ``if(qty == 0, 0, amount / qty)`` has none) or of its condition. A blank divided
  by 0, or a number by a blank, is a blank (README#real-questions), where Excel would say ``#DIV/0!``.
- ``coalesce`` takes the first value that is not missing; an error is not missing, so
  ``coalesce(amount / qty, 0)`` stays ``#DIV/0!`` where ``qty`` is 0 (it is not Excel's
  IFERROR). ``min`` and ``max`` ignore missing values (as Excel's MIN and MAX ignore blanks)
  but not errors; ``round`` is Excel's ROUND (:func:`kpisheet.xlrules.round_half_away`: the
  15-digit decimal, halves away from zero).

:func:`eval_rows_coded` gives the values (blank at an error row) and the codes; callers lay
the codes as error cells are laid (README#your-data). A filter must give a condition; where it gives
missing, the row is left out; where it is an error for a row, :func:`eval_filter` raises
:class:`ConditionError` naming the first such row (Excel's FILTER would be the error, and
dropping the row silently would be a plausible wrong number), and :func:`eval_filter_coded`
gives those rows' codes, for a KPI filter to make the KPI that error where the rows fall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable, Optional, Union

import numpy as np
import pandas as pd

from ..hints import did_you_mean
from .ast import Binary, Bool, Call, In, Name, Node, Num, Str, Unary
from .functions import int_literal, lookup
from .parser import ExprError
from ..xlerrors import XlError
from ..xlrules import fold, fold_texts, round_half_away_array

__all__ = ["ColumnTypeError", "ConditionError", "ExprEvalError", "eval_filter", "eval_filter_coded", "eval_rows",
           "eval_rows_coded"]


class ExprEvalError(ExprError):
    """An expression that cannot be evaluated over these rows (an unknown column, a bad date)."""


class ColumnTypeError(ExprEvalError):
    """A column read where ``wanted`` (``numbers`` or ``dates``) belong holds something else:
    the caller, who has the table, names the first cell that does not fit."""

    def __init__(self, message: str, pos: int, column: str, wanted: str) -> None:
        super().__init__(message, pos)
        self.column = column
        self.wanted = wanted

    def __reduce__(self) -> tuple[type, tuple[str, int, str, str]]:  # type: ignore[override]
        return (type(self), (self.message, self.pos, self.column, self.wanted))


class ConditionError(ExprEvalError):
    """A condition (``where``, a KPI ``filter``) that is an Excel error for some rows: ``count``
    rows, the first at position ``row`` with error ``code``. Such a row is neither kept nor
    dropped silently (Excel's FILTER would answer the error): the caller refuses, naming it."""

    def __init__(self, message: str, pos: int, row: int, count: int, code: int) -> None:
        super().__init__(message, pos)
        self.row = row
        self.count = count
        self.code = code

    def __reduce__(self) -> tuple[type, tuple[str, int, int, int, int]]:  # type: ignore[override]
        return (type(self), (self.message, self.pos, self.row, self.count, self.code))


Data = Union[np.ndarray, float, str, bool, np.datetime64, None]

_KIND_TEXT = {
    "number": "a number",
    "text": "text",
    "date": "a date",
    "bool": "a condition (true/false)",
    "mixed": "mixed text and numbers",
    "empty": "an empty column",
}
_DATE_UNIT = "datetime64[us]"
_NAT = np.datetime64("NaT", "us")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{3}(?:[0-9]{3})?)?)?)?\Z", re.ASCII)


@dataclass
class _V:
    """A value: an array of one entry a row, or a scalar that stands for every row.

    A text array is compared through its distinct values (``pd.factorize``): a column of
    200,000 statuses has a handful of them, so lower-casing and comparing cost little.
    """

    kind: str
    data: Any
    label: str = ""  # "column 'status'", for messages
    _folded: Any = None
    _factors: Optional[tuple[np.ndarray, np.ndarray]] = None
    column: str = ""  # the column it was read from, if it is one
    err: Any = 0  # 0 (no row is an error) or an int8 XlError code a row (0: none), as a grid's ``err``

    @property
    def is_array(self) -> bool:
        return isinstance(self.data, np.ndarray)

    @property
    def is_text_array(self) -> bool:
        return self.kind == "text" and self.is_array

    def what(self) -> str:
        kind = _KIND_TEXT[self.kind]
        return f"{self.label} ({kind})" if self.label else kind

    def factors(self) -> tuple[np.ndarray, np.ndarray]:
        """For a text array: a code a row (-1 where missing) and the distinct values, lower-cased."""
        if self._factors is None:
            codes, uniques = pd.factorize(self.data, use_na_sentinel=True)
            self._factors = (np.asarray(codes), fold_texts(np.asarray(uniques, dtype=object)))
        return self._factors

    def by_value(self, test: Callable[[np.ndarray], Any]) -> np.ndarray:
        """For a text array: ``test`` applied to its distinct lower-cased values, spread to
        every row; missing rows give what ``test`` gives for ``''`` (a blank is ``''``, as in Excel)."""
        codes, uniques = self.factors()
        per_value = np.asarray(test(uniques), dtype=bool)
        blank = bool(np.asarray(test(np.array([""], dtype=object)), dtype=bool).reshape(-1)[0])
        spread: np.ndarray = np.append(per_value, blank)[codes]
        return spread

    def missing(self) -> Any:
        """True where the value is missing (an array, or one bool for a scalar)."""
        if self.kind == "empty":
            return np.ones(len(self.data), dtype=bool) if self.is_array else True
        if self.kind == "bool":
            return False
        if self.kind == "number":
            return np.isnan(self.data)
        if self.kind == "date":
            return np.isnat(self.data)
        if self.is_text_array:
            return self.factors()[0] < 0
        return pd.isna(self.data)

    def folded(self) -> Any:
        """Text lower-cased for comparing (other values as they are), missing as None/NaN."""
        if self._folded is None:
            data = self.data
            if isinstance(data, str):
                self._folded = fold(data)
            elif self.is_text_array:
                codes, uniques = self.factors()
                self._folded = np.append(uniques, np.array([None], dtype=object))[codes]
            elif self.is_array and self.kind == "mixed":
                self._folded = fold_texts(data)  # numbers stay numbers
            else:
                self._folded = data
        return self._folded


def _scalar(x: Any) -> Any:
    """A 0-d numpy result as a plain Python value; arrays unchanged."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return x.item()
    if isinstance(x, np.generic) and not isinstance(x, np.datetime64):
        return x.item()
    return x


def _parse_date(text: str, pos: int) -> np.datetime64:
    stripped = text.strip()
    if not _ISO_DATE.match(stripped):
        raise ExprEvalError(f"'{text}' is not a date: write dates as 'YYYY-MM-DD'", pos)
    try:
        moment = datetime.fromisoformat(stripped.replace(" ", "T"))
    except ValueError:
        raise ExprEvalError(f"'{text}' is not a valid date", pos) from None
    return np.datetime64(moment, "us")


def _column_value(series: pd.Series, label: str) -> _V:
    """A column as a value of one kind, in the array type its operations use."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return _V("bool", series.to_numpy(dtype=bool, na_value=False), label)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return _V("number", series.to_numpy(dtype=np.float64, na_value=np.nan), label)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_localize(None)  # compare in the column's own wall time
        return _V("date", series.to_numpy().astype(_DATE_UNIT), label)
    if isinstance(dtype, pd.StringDtype):
        # Each distinct text made a Python string once, not once a row (250,000 Arrow cells took
        # ~25 ms to become objects), and the codes kept as the value's factors: the same cells
        # (None where missing) and the same factors as factorizing those objects (issue 12).
        codes, uniques = pd.factorize(series.array, use_na_sentinel=True)
        distinct = np.asarray(uniques, dtype=object)
        data = np.append(distinct, np.array([None], dtype=object))[codes]
        return _V("text", data, label, _factors=(np.asarray(codes), fold_texts(distinct)))
    if dtype != object:
        return _V("mixed", series.to_numpy(dtype=object), label)
    data = series.to_numpy(dtype=object)
    inferred = pd.api.types.infer_dtype(data, skipna=True)
    if inferred == "string":
        return _V("text", data, label)
    if inferred == "empty":
        return _V("empty", data, label)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        numbers = pd.to_numeric(series, errors="coerce")
        return _V("number", numbers.to_numpy(dtype=np.float64, na_value=np.nan), label)
    if inferred == "boolean":
        return _V("bool", np.equal(data, True).astype(bool), label)
    if inferred in ("datetime", "datetime64", "date"):
        try:
            dates = pd.to_datetime(series)
            if getattr(dates.dtype, "tz", None) is not None:
                dates = dates.dt.tz_localize(None)
            return _V("date", dates.to_numpy().astype(_DATE_UNIT), label)
        except (ValueError, TypeError, OverflowError):
            pass
    return _V("mixed", data, label)


class _Rows:
    """Evaluates nodes over one frame; each column is read (and lower-cased) once."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self.n = len(df)
        self.columns: dict[str, _V] = {}

    # --- atoms ---------------------------------------------------------------------------------

    def value(self, node: Node) -> _V:
        if isinstance(node, Num):
            return _V("number", float(node.value))
        if isinstance(node, Str):
            return _V("text", node.value)
        if isinstance(node, Bool):
            return _V("bool", bool(node.value))
        if isinstance(node, Name):
            return self.column(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, In):
            return self.membership(node)
        if isinstance(node, Call):
            return self.call(node)
        raise ExprEvalError(f"not an expression: {type(node).__name__}", getattr(node, "pos", 0))

    def column(self, node: Name) -> _V:
        found = self.columns.get(node.id)
        if found is not None:
            return found
        if node.id not in self.df.columns:
            options = [str(c) for c in self.df.columns]
            raise ExprEvalError(f"unknown column '{node.id}'" + did_you_mean(node.id, options), node.pos)
        series = self.df[node.id]
        if isinstance(series, pd.DataFrame):
            raise ExprEvalError(f"column '{node.id}' appears more than once", node.pos)
        found = _column_value(series, f"column '{node.id}'")
        found.column = node.id
        self.columns[node.id] = found
        return found

    def full(self, v: _V) -> np.ndarray:
        """``v`` as an array of one entry a row."""
        if v.is_array:
            return np.asarray(v.data)
        dtype: Any = {"number": np.float64, "bool": bool, "date": _DATE_UNIT}.get(v.kind, object)
        return np.full(self.n, v.data, dtype=dtype)

    def errors(self, *errs: Any) -> Any:
        """Row by row, the first error code among ``errs`` (left to right); 0 when none is an array."""
        arrays = [e for e in errs if isinstance(e, np.ndarray)]
        if not arrays:
            return 0
        out = arrays[0].copy()
        for e in arrays[1:]:
            np.copyto(out, e, where=(out == 0))
        return out

    def error_rows(self, err: Any) -> np.ndarray:
        """``err`` as an int8 array of one code a row."""
        return err if isinstance(err, np.ndarray) else np.zeros(self.n, dtype=np.int8)

    # --- operators -----------------------------------------------------------------------------

    def truth(self, v: _V, pos: int, who: str) -> Any:
        if v.kind == "bool":
            return v.data
        if v.kind == "empty":
            return np.zeros(self.n, dtype=bool) if v.is_array else False
        raise ExprEvalError(f"{who} needs a condition (true/false), not {v.what()}", pos)

    def numbers(self, v: _V, pos: int, who: str) -> Any:
        if v.kind == "number":
            return v.data
        if v.kind == "empty":
            return np.full(self.n, np.nan) if v.is_array else np.nan
        if v.column and v.kind in ("text", "mixed"):
            raise ColumnTypeError(f"{who} needs numbers, not {v.what()}", pos, v.column, "numbers")
        raise ExprEvalError(f"{who} needs numbers, not {v.what()}", pos)

    def unary(self, node: Unary) -> _V:
        v = self.value(node.operand)
        if node.op == "not":
            return _V("bool", _scalar(np.logical_not(self.truth(v, node.pos, "'not'"))), err=v.err)
        x = self.numbers(v, node.pos, f"'{node.op}'")
        return _V("number", _scalar(np.negative(x) if node.op == "-" else np.positive(x)), err=v.err)

    def binary(self, node: Binary) -> _V:
        """An operator over two values: a row where either is an error is the first error
        (left, then right), then the operator's own (``/`` by zero)."""
        left, right = self.value(node.left), self.value(node.right)
        out = self.operate(node, left, right)
        err = self.errors(left.err, right.err, out.err)
        return out if err is out.err else replace(out, err=err)

    def operate(self, node: Binary, left: _V, right: _V) -> _V:
        op = node.op
        if op in ("and", "or"):
            a = self.truth(left, node.pos, f"'{op}'")
            b = self.truth(right, node.pos, f"'{op}'")
            return _V("bool", _scalar(np.logical_and(a, b) if op == "and" else np.logical_or(a, b)))
        if op == "&":
            return self.concatenate(left, right)
        if op in ("+", "-") and "date" in (left.kind, right.kind):
            return self.date_arithmetic(node, left, right)
        if op in ("+", "-", "*", "/"):
            return self.arithmetic(node, left, right)
        return _V("bool", _scalar(self.compare(op, left, right, node.pos, node.left.pos, node.right.pos)))

    def arithmetic(self, node: Binary, left: _V, right: _V) -> _V:
        a = self.numbers(left, node.pos, f"'{node.op}'")
        b = self.numbers(right, node.pos, f"'{node.op}'")
        with np.errstate(all="ignore"):
            if node.op == "+":
                result = np.add(a, b)
            elif node.op == "-":
                result = np.subtract(a, b)
            elif node.op == "*":
                result = np.multiply(a, b)
            # a number over the number 0 is #DIV/0!, as in Excel; a blank either side is a blank
            # (README#real-questions)
            else:
                zero = np.logical_and(np.equal(b, 0), np.logical_not(np.isnan(a)))
                result = np.where(zero, np.nan, np.divide(a, b))
                if np.any(zero):
                    code = np.where(np.broadcast_to(zero, (self.n,)), XlError.DIV0, 0).astype(np.int8)
                    return _V("number", _scalar(np.asarray(result, dtype=np.float64)), err=code)
        return _V("number", _scalar(np.asarray(result, dtype=np.float64)))

    def date_arithmetic(self, node: Binary, left: _V, right: _V) -> _V:
        """A date minus a date is a number of days (with the fraction of a day); a date plus
        or minus a number of days is a date, as in Excel."""
        if node.op == "-" and left.kind == "date" and right.kind == "date":
            delta = np.subtract(np.asarray(left.data), np.asarray(right.data))
            days = delta.astype("timedelta64[us]").astype(np.int64) / 86_400_000_000
            return _V("number", _scalar(np.where(np.isnat(delta), np.nan, days)))
        date, other = (left, right) if left.kind == "date" else (right, left)
        if other.kind == "date" or (node.op == "-" and right.kind == "date"):
            raise ExprEvalError(f"'{node.op}' cannot take {left.what()} and {right.what()}", node.pos)
        n = self.numbers(other, node.pos, f"'{node.op}'")
        with np.errstate(all="ignore"):
            micros = np.round(np.asarray(n, dtype=np.float64) * 86_400_000_000)
        step = np.where(np.isnan(micros), np.int64(0), micros.astype(np.int64)).astype("timedelta64[us]")
        moved = np.asarray(date.data).astype(_DATE_UNIT) + (step if node.op == "+" else -step)
        return _V("date", _scalar(np.where(np.isnan(micros), _NAT, moved)))

    def concatenate(self, left: _V, right: _V) -> _V:
        """Text ``&`` text, as Excel's ``&``: numbers are written as Excel shows them
        (``3`` not ``3.0``), a blank is the empty text, TRUE/FALSE in capitals."""
        a, b = self.text_of(left), self.text_of(right)
        if isinstance(a, str) and isinstance(b, str):
            return _V("text", a + b)
        joined = np.char.add(np.asarray(a, dtype=str), np.asarray(b, dtype=str))
        return _V("text", np.broadcast_to(joined, (self.n,)).astype(object))

    def text_of(self, v: _V) -> Any:
        """``v`` as text for ``&`` and the text functions: a str, or an array of str."""
        data = v.data
        if v.kind == "empty":
            return np.full(self.n, "", dtype=object) if v.is_array else ""
        if v.kind == "number":
            x = np.asarray(data, dtype=np.float64)
            whole = np.isfinite(x) & (x == np.round(x)) & (np.abs(x) < 1e15)
            out = np.where(whole, np.char.mod("%d", np.where(whole, x, 0).astype(np.int64)), np.char.mod("%.15g", x))
            out = np.where(np.isnan(x), "", out)
            return out.astype(object) if v.is_array else str(out.item())
        if v.kind == "bool":
            out = np.where(np.asarray(data, dtype=bool), "TRUE", "FALSE")
            return out.astype(object) if v.is_array else str(out.item())
        if v.kind == "date":
            stamps = pd.Series(np.atleast_1d(np.asarray(data)).astype(_DATE_UNIT))
            shown = stamps.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
            return shown if v.is_array else str(shown[0])
        if v.is_array:
            return pd.Series(data, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
        return "" if data is None else str(data)

    def row_function(self, node: Call, args: list[_V]) -> _V:
        """``year month day weekday`` of dates; ``upper lower trim left`` of text (README#your-data)."""
        name, v = node.func, args[0]
        if name in ("year", "month", "day", "weekday"):
            if v.kind == "empty":
                return _V("number", np.full(self.n, np.nan) if v.is_array else np.nan)
            if v.kind != "date":
                if v.column and v.kind in ("text", "mixed", "number"):
                    raise ColumnTypeError(f"{name}() needs a date, not {v.what()}", node.pos, v.column, "dates")
                raise ExprEvalError(f"{name}() needs a date, not {v.what()}", node.pos)
            d = np.asarray(v.data).astype(_DATE_UNIT)
            days = d.astype("datetime64[D]")
            if name == "year":
                out = d.astype("datetime64[Y]").astype(np.int64) + 1970
            elif name == "month":
                out = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
            elif name == "day":
                out = (days - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
            else:  # 1970-01-01 was a Thursday: 4 when Monday is 1
                out = (days.astype(np.int64) + 3) % 7 + 1
            return _V("number", _scalar(np.where(np.isnat(d), np.nan, out.astype(np.float64))))
        missing = v.missing()
        text = pd.Series(np.atleast_1d(np.asarray(self.text_of(v), dtype=object)), dtype=object)
        if name == "upper":
            text = text.str.upper()
        elif name == "lower":
            text = text.str.lower()
        elif name == "trim":
            text = text.str.strip(" ").str.replace(r" {2,}", " ", regex=True)
        else:
            count = int_literal(node.args[1])
            if count is None or count < 0:
                raise ExprEvalError("left(): n must be a whole number, 0 or more", node.args[1].pos)
            text = text.str.slice(0, count)
        out = text.to_numpy(dtype=object, copy=True)
        if v.is_array:
            out[np.asarray(missing, dtype=bool)] = None
            return _V("text", out)
        return _V("text", None if missing else out[0]) if not missing else _V("empty", None)

    def dates(self, left: _V, right: _V, lpos: int, rpos: int) -> tuple[_V, _V]:
        """A text literal beside a date is read as an ISO date."""
        if left.kind == "date" and right.kind == "text" and not right.is_array:
            right = _V("date", _parse_date(right.data, rpos))
        elif right.kind == "date" and left.kind == "text" and not left.is_array:
            left = _V("date", _parse_date(left.data, lpos))
        return left, right

    def compare(self, op: str, left: _V, right: _V, pos: int, lpos: int, rpos: int) -> Any:
        """The comparison as a bool array (or one bool when both sides are scalars)."""
        if op in ("==", "!="):
            eq = self.equal(left, right, pos, lpos, rpos)
            return eq if op == "==" else np.logical_not(eq)
        left, right = self.dates(left, right, lpos, rpos)
        left, right = _blank_column(left, right), _blank_column(right, left)
        if left.kind == "empty" or right.kind == "empty":
            return self.constant(False, left, right)
        for v in (left, right):
            if v.kind == "mixed":
                raise ExprEvalError(f"'{op}' cannot order {v.what()}: it holds text and numbers", pos)
        if left.kind != right.kind:
            raise ExprEvalError(f"cannot compare {left.what()} with {right.what()}", pos)
        order = _ORDER[op]
        if left.is_text_array and not right.is_array:
            b = right.folded()
            return left.by_value(lambda values: order(values, b))
        if right.is_text_array and not left.is_array:
            a = left.folded()
            return right.by_value(lambda values: order(a, values))
        a, b = left.data, right.data
        if left.kind == "text":
            a, b = _filled_text(left), _filled_text(right)
        elif left.kind == "number":
            a, b = _blank_zero(a), _blank_zero(b)
        with np.errstate(all="ignore"):
            raw = np.asarray(order(a, b), dtype=bool)
        if left.kind in ("text", "number"):  # README#real-questions: a blank is '' and 0, as in Excel
            return raw
        return raw & ~np.asarray(left.missing()) & ~np.asarray(right.missing())

    def constant(self, value: bool, *values: _V) -> Any:
        if any(v.is_array for v in values):
            return np.full(self.n, value)
        return value

    def equal(self, left: _V, right: _V, pos: int, lpos: int, rpos: int) -> Any:
        """Where left == right: missing equals nothing, except the literal '' a blank."""
        for blank, other in ((left, right), (right, left)):
            if blank.kind == "text" and not blank.is_array and blank.data == "":
                is_blank = other.missing()
                if other.is_text_array:
                    is_blank = is_blank | other.by_value(lambda values: np.equal(values, ""))
                elif other.kind in ("text", "mixed"):
                    is_blank = np.logical_or(is_blank, np.equal(other.data, ""))
                return _scalar(np.asarray(is_blank, dtype=bool))
        left, right = self.dates(left, right, lpos, rpos)
        left, right = _blank_column(left, right), _blank_column(right, left)
        if left.kind == "empty" or right.kind == "empty":
            return self.constant(left.kind == right.kind, left, right)  # two blanks are equal
        if left.kind != right.kind and "mixed" not in (left.kind, right.kind):
            raise ExprEvalError(f"cannot compare {left.what()} with {right.what()}", pos)
        if left.is_text_array and not right.is_array:
            b = right.folded()
            return left.by_value(lambda values: np.equal(values, b))
        if right.is_text_array and not left.is_array:
            a = left.folded()
            return right.by_value(lambda values: np.equal(values, a))
        a, b = left.folded(), right.folded()
        if left.kind == right.kind == "number":
            a, b = _blank_zero(a), _blank_zero(b)
        elif left.kind == right.kind == "text":
            a, b = _filled_text(left), _filled_text(right)
        with np.errstate(all="ignore"):
            raw = np.asarray(np.equal(a, b), dtype=bool)
        if left.kind == right.kind and left.kind in ("text", "number"):  # README#real-questions: a blank is '' and 0
            return raw
        return raw & ~np.asarray(left.missing()) & ~np.asarray(right.missing())

    def membership(self, node: In) -> _V:
        item = self.value(node.item)
        hits: Any = self.constant(False, item)
        scalars: list[Any] = []
        errs: list[Any] = []
        for option_node in node.options:
            option = self.value(option_node)
            errs.append(option.err)
            if option.is_array:
                hits = np.logical_or(hits, self.equal(item, option, option_node.pos, node.item.pos, option_node.pos))
                continue
            if (option.kind == "text" and option.data == "") or item.kind == "empty":  # a blank is '' and 0
                hits = np.logical_or(hits, self.equal(item, option, option_node.pos, node.item.pos, option_node.pos))
                continue
            _, option = self.dates(item, option, node.item.pos, option_node.pos)
            if option.kind != item.kind and item.kind != "mixed":
                raise ExprEvalError(f"cannot compare {item.what()} with {option.what()}", option_node.pos)
            scalars.append(option.folded())
        if scalars and item.kind != "empty":
            folded = item.folded() if not item.is_text_array else None
            found: Any
            if item.is_text_array:
                found = item.by_value(lambda values: pd.Series(values, dtype=object).isin(scalars).to_numpy())
            elif isinstance(folded, np.ndarray) and item.kind == "number":  # a blank is 0 (README#real-questions)
                found = pd.Series(_blank_zero(folded), copy=False).isin(scalars).to_numpy(dtype=bool)
            elif isinstance(folded, np.ndarray):
                found = pd.Series(folded, copy=False).isin(scalars).to_numpy(dtype=bool)
                found = found & ~np.asarray(item.missing())
            else:
                found = not item.missing() and any(_same(folded, s) for s in scalars)
            hits = np.logical_or(hits, found)
        if node.negated:
            hits = np.logical_not(hits)
        return _V("bool", _scalar(np.asarray(hits, dtype=bool)), err=self.errors(item.err, *errs))

    # --- functions -----------------------------------------------------------------------------

    def call(self, node: Call) -> _V:
        fn = lookup(node.func)
        if fn is None:
            raise ExprEvalError(f"unknown function '{node.func}'", node.pos)
        if not fn.allowed_in("filter"):
            raise ExprEvalError(f"{fn.name}() cannot be used in a filter", node.pos)
        arity = fn.arity_error(len(node.args))
        if arity is not None:
            raise ExprEvalError(arity, node.pos)
        name = fn.name
        if name == "round":
            digits = int_literal(node.args[1]) if len(node.args) > 1 else 0
            if digits is None:
                raise ExprEvalError("round(): digits must be a whole number", node.args[1].pos)
            v = self.value(node.args[0])
            x = self.numbers(v, node.pos, "round()")
            return _V("number", _scalar(round_half_away_array(x, digits)), err=v.err)
        args = [self.value(a) for a in node.args]
        if name == "if":
            return self.if_(node, args)
        if name == "coalesce":
            return self.coalesce(node, args)
        if name in ("min", "max"):
            out = self.extreme(node, args)
        elif name in ("year", "month", "day", "weekday", "upper", "lower", "trim", "left"):
            out = self.row_function(node, args)
        else:
            out = _V("number", _scalar(np.abs(self.numbers(args[0], node.pos, f"{name}()"))))
        return replace(out, err=self.errors(*(a.err for a in args)))  # min, max: the first error, as Excel's MIN

    def unify(self, node: Call, values: list[_V]) -> str:
        kinds = {v.kind for v in values if v.kind != "empty"}
        if not kinds:
            return "empty"
        if len(kinds) == 1:
            return kinds.pop()
        if kinds <= {"text", "mixed"}:
            return "mixed"
        shown = " and ".join(sorted(_KIND_TEXT[k] for k in kinds))
        raise ExprEvalError(f"{node.func}(): the values must be of one kind, got {shown}", node.pos)

    def filled(self, v: _V, kind: str) -> Any:
        """``v``'s data ready for np.where in an array of ``kind``."""
        if v.kind == "empty":
            return {"number": np.nan, "date": _NAT, "bool": False}.get(kind, np.asarray(None, dtype=object))
        if kind in ("text", "mixed") and not v.is_array:
            return np.asarray(v.data, dtype=object)
        return v.data

    def if_(self, node: Call, args: list[_V]) -> _V:
        """Per row, the branch the condition selects, with that branch's error (so that
        ``if(qty == 0, 0, amount / qty)`` has none); a row whose condition is an error is it."""
        condition = self.truth(args[0], node.args[0].pos, "if()")
        kind = self.unify(node, args[1:])
        if not isinstance(condition, np.ndarray):
            chosen = args[1] if condition else args[2]
            picked = _V(kind, chosen.data) if chosen.kind != "empty" else _V("empty", chosen.data)
            return replace(picked, err=self.errors(args[0].err, chosen.err))
        data = np.where(condition, self.filled(args[1], kind), self.filled(args[2], kind))
        branch: Any = 0
        if isinstance(args[1].err, np.ndarray) or isinstance(args[2].err, np.ndarray):
            branch = np.where(condition, self.error_rows(args[1].err), self.error_rows(args[2].err)).astype(np.int8)
        return _V(kind, data, err=self.errors(args[0].err, branch))

    def coalesce(self, node: Call, args: list[_V]) -> _V:
        """Per row, the first value that is not blank. An error is not a blank: it stops there
        and stays the error (coalesce is not Excel's IFERROR; guard a division with ``if``)."""
        kind = self.unify(node, args)
        result = args[0]
        for following in args[1:]:
            pending = np.logical_and(result.missing(), self.error_rows(result.err) == 0) \
                if isinstance(result.err, np.ndarray) else result.missing()
            if not np.any(pending):
                break
            data = np.where(pending, self.filled(following, kind), self.filled(result, kind))
            err: Any = 0
            if isinstance(result.err, np.ndarray) or isinstance(following.err, np.ndarray):
                err = np.where(pending, self.error_rows(following.err), self.error_rows(result.err)).astype(np.int8)
            result = _V(kind, _scalar(data), err=err)
        return _V(kind, result.data, err=result.err) if result.kind != "empty" else result

    def extreme(self, node: Call, args: list[_V]) -> _V:
        kind = self.unify(node, args)
        if kind not in ("number", "date", "empty"):
            raise ExprEvalError(f"{node.func}() needs numbers or dates, not {_KIND_TEXT[kind]}", node.pos)
        kind = "number" if kind == "empty" else kind
        pick = np.fmin if node.func == "min" else np.fmax
        result = self.filled(args[0], kind)
        for following in args[1:]:
            result = pick(result, self.filled(following, kind))
        return _V(kind, _scalar(result))


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


def _blank_zero(x: Any) -> Any:
    """Numbers with a blank (NaN) read as 0, as Excel compares a blank cell."""
    if isinstance(x, np.ndarray):
        return np.where(np.isnan(x), 0.0, x)
    return 0.0 if isinstance(x, float) and x != x else x


def _blank_column(v: _V, other: _V) -> _V:
    """An all-blank column compared with numbers is zeros, with text empty text (README#real-questions)."""
    if v.kind != "empty" or other.kind not in ("number", "text"):
        return v
    n = len(v.data) if v.is_array else 0
    if other.kind == "number":
        return _V("number", np.zeros(n) if v.is_array else 0.0, v.label)
    return _V("text", np.full(n, "", dtype=object) if v.is_array else "", v.label)


def _filled_text(v: _V) -> Any:
    """Lower-cased text with missing as '' (so that ordering never meets None)."""
    folded = v.folded()
    if isinstance(folded, np.ndarray):
        return np.where(pd.isna(folded), "", folded)
    return folded


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def eval_rows_coded(node: Node, df: pd.DataFrame) -> tuple[pd.Series, Optional[np.ndarray]]:
    """``node`` for every row of ``df`` and the rows that are an Excel error: a Series on
    ``df``'s index (blank where the row is an error) and an int8 XlError code a row (0: none),
    or None when no row is an error. Today the only error a row expression makes is
    ``#DIV/0!`` (a divisor that is the number 0); error *cells* the expression reads are the
    caller's (``sources.pipeline.row_error_codes``).

    Raises :class:`ExprEvalError` for an unknown column, values of kinds that cannot be
    combined, a bad date, or a function that a filter cannot use.
    """
    rows = _Rows(df)
    value = rows.value(node)
    data = rows.full(value) if value.kind != "empty" else np.full(rows.n, np.nan)
    codes = value.err if isinstance(value.err, np.ndarray) and value.err.any() else None
    if codes is not None:  # an error row holds no value: never a plausible number beside its code
        hit = codes != 0
        if data.dtype.kind == "f":
            data = np.where(hit, np.nan, data)
        elif data.dtype.kind == "M":
            data = np.where(hit, _NAT, data)
        else:
            data = data.astype(object)
            data[hit] = None
    return pd.Series(data, index=df.index), codes


def eval_rows(node: Node, df: pd.DataFrame) -> pd.Series:
    """``node`` for every row of ``df``: a Series on ``df``'s index, blank where the row is an
    Excel error. A caller that aggregates or keeps the values must use :func:`eval_rows_coded`,
    which also gives the rows' error codes.

    Raises :class:`ExprEvalError` as :func:`eval_rows_coded` does.
    """
    return eval_rows_coded(node, df)[0]


def eval_filter_coded(node: Node, df: pd.DataFrame) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Which rows of ``df`` the condition ``node`` keeps (a bool array, missing as false, an
    error row not kept) and the rows where the condition is an Excel error: an int8 XlError
    code a row, or None when none is. A KPI filter lays those rows' errors on the KPI, as
    Excel's FILTER over them would be the error."""
    rows = _Rows(df)
    value = rows.value(node)
    if value.kind not in ("bool", "empty"):
        raise ExprEvalError(f"filter must be a condition, not {value.what()}", node.pos)
    codes = value.err if isinstance(value.err, np.ndarray) and value.err.any() else None
    if value.kind == "empty":
        return np.zeros(rows.n, dtype=bool), codes
    keep = np.array(np.broadcast_to(np.asarray(value.data, dtype=bool), (rows.n,)))
    if codes is not None:
        keep &= codes == 0
    return keep, codes


def eval_filter(node: Node, df: pd.DataFrame) -> np.ndarray:
    """Which rows of ``df`` the condition ``node`` keeps: a bool array, missing as false.

    Raises :class:`ConditionError` when the condition is an Excel error for some row (a
    division by zero in it): such a row is neither kept nor dropped silently.
    """
    keep, codes = eval_filter_coded(node, df)
    if codes is not None:
        hits = np.flatnonzero(codes)
        code = int(codes[hits[0]])
        count = "1 row" if len(hits) == 1 else f"{len(hits)} rows"
        raise ConditionError(f"the condition is {XlError(code).text} for {count} (a division by zero); "
                             "guard it with if(), e.g. if(qty == 0, 0, amount / qty)", node.pos,
                             int(hits[0]), len(hits), code)
    return keep
