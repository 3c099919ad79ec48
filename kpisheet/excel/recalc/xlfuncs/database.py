"""Excel's database functions: DSUM, DAVERAGE, DCOUNT, DCOUNTA, DMAX, DMIN, DPRODUCT, DSTDEV,
DSTDEVP, DVAR, DVARP and DGET, each ``Dxxx(database, field, criteria)``.

``database`` is a range whose first row holds the column labels; ``field`` a label (case
ignored) or a 1-based column number (omitted: DCOUNT and DCOUNTA count the records);
``criteria`` a range whose first row holds labels of the database and whose other rows are
alternatives (a record matches a row when it meets every condition in it; a blank row matches
every record). A condition is a COUNTIF criterion, except that text with no operator matches
the text that begins with it (``Pear`` matches ``Pears``; ``=Pear`` only ``Pear``), as the
Advanced Filter reads it. A computed criterion (a label that is not the database's, over a
formula) is not read: it is ``#VALUE!``, never a filter silently dropped.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import values as V
from ..ranges import RangeData, Ref
from ..values import Err, Value, XlFail, parse_number, to_text
from .base import fn, seqsum


def _label(v: Value) -> str:
    if isinstance(v, Err):
        raise XlFail(v)
    return "" if v is None else to_text(v).strip().lower()


def _table(ev: Any, database: Any) -> np.ndarray:
    if not isinstance(database, Ref) or database.height < 2:
        raise XlFail(V.VALUE)
    return ev.data(database).values  # type: ignore[no-any-return]


def _field(ev: Any, values: np.ndarray, field: Any) -> int:
    f = ev.deref(field)
    if isinstance(f, Err):
        raise XlFail(f)
    if isinstance(f, str):
        labels = [_label(v) for v in values[0]]
        want = f.strip().lower()
        if want in labels:
            return labels.index(want)
        n = parse_number(f)
        if n is None:
            raise XlFail(V.VALUE)
        f = n
    if isinstance(f, float):
        i = math.trunc(f)
        if 1 <= i <= values.shape[1]:
            return i - 1
    raise XlFail(V.VALUE)


def _condition(c: Value) -> Value:
    """A criteria cell as a COUNTIF criterion: bare text matches the text that begins with it."""
    if isinstance(c, str) and c and not c.startswith(("=", "<", ">")) and parse_number(c) is None \
            and c.upper() not in ("TRUE", "FALSE") and not c.endswith("*"):
        return c + "*"
    return c


def _matches(ev: Any, values: np.ndarray, criteria: Any) -> np.ndarray:
    """Which records (rows after the labels) meet the criteria."""
    if not isinstance(criteria, Ref) or criteria.height < 2:
        raise XlFail(V.VALUE)
    crit = ev.data(criteria).values
    labels = [_label(v) for v in values[0]]
    records = values[1:]
    columns: dict[int, RangeData] = {}
    out = np.zeros(records.shape[0], bool)
    for row in crit[1:]:
        m = np.ones(records.shape[0], bool)
        for head, c in zip(crit[0], row):
            if c is None:
                continue
            if isinstance(c, Err):
                raise XlFail(c)
            name = _label(head)
            if name not in labels:  # a computed criterion, or a label the database lacks
                raise XlFail(V.VALUE)
            j = labels.index(name)
            if j not in columns:
                columns[j] = RangeData(records[:, j:j + 1].copy())
            m &= columns[j].mask(_condition(c))
        out |= m
    return out


def _selected(ev: Any, database: Any, field: Any, criteria: Any) -> list[Value]:
    values = _table(ev, database)
    j = _field(ev, values, field)
    rows = _matches(ev, values, criteria)
    return list(values[1:][rows, j])


def _numbers(cells: list[Value]) -> np.ndarray:
    for v in cells:
        if isinstance(v, Err):
            raise XlFail(v)
    return np.array([v for v in cells if v.__class__ is float], float)


def _aggregate(name: str, reduce: Callable[[np.ndarray], float]) -> None:
    @fn(name, "raw", 3, 3)
    def call(ev: Any, database: Any, field: Any, criteria: Any) -> Value:
        return reduce(_numbers(_selected(ev, database, field, criteria)))


def _average(n: np.ndarray) -> float:
    if not n.size:
        raise XlFail(V.DIV0)
    return seqsum(n) / n.size


def _variance(n: np.ndarray, ddof: int) -> float:
    if n.size <= ddof:
        raise XlFail(V.DIV0)
    mean = seqsum(n) / n.size
    return seqsum((n - mean) ** 2) / (n.size - ddof)


_aggregate("DSUM", seqsum)
_aggregate("DAVERAGE", _average)
_aggregate("DMAX", lambda n: float(n.max()) if n.size else 0.0)
_aggregate("DMIN", lambda n: float(n.min()) if n.size else 0.0)
_aggregate("DPRODUCT", lambda n: float(np.prod(n)) if n.size else 0.0)
_aggregate("DVAR", lambda n: _variance(n, 1))
_aggregate("DVARP", lambda n: _variance(n, 0))
_aggregate("DSTDEV", lambda n: math.sqrt(_variance(n, 1)))
_aggregate("DSTDEVP", lambda n: math.sqrt(_variance(n, 0)))


def _count(ev: Any, database: Any, field: Any, criteria: Any, keep: Callable[[Value], bool]) -> float:
    values = _table(ev, database)
    rows = _matches(ev, values, criteria)
    if field is None or ev.deref(field) is None:  # field omitted: the records that match
        return float(rows.sum())
    j = _field(ev, values, field)
    return float(sum(1 for v in values[1:][rows, j] if keep(v)))


@fn("DCOUNT", "raw", 3, 3)
def _dcount(ev: Any, database: Any, field: Any, criteria: Any) -> Value:
    return _count(ev, database, field, criteria, lambda v: v.__class__ is float)


@fn("DCOUNTA", "raw", 3, 3)
def _dcounta(ev: Any, database: Any, field: Any, criteria: Any) -> Value:
    return _count(ev, database, field, criteria, lambda v: v is not None)


@fn("DGET", "raw", 3, 3)
def _dget(ev: Any, database: Any, field: Any, criteria: Any) -> Value:
    cells = _selected(ev, database, field, criteria)
    if not cells:
        raise XlFail(V.VALUE)
    if len(cells) > 1:
        raise XlFail(V.NUM)
    v = cells[0]
    if isinstance(v, Err):
        raise XlFail(v)
    return 0.0 if v is None else v
