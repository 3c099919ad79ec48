"""A source as a small pipeline (README#your-data): read → where → join → derive.

A :class:`Pipeline` is a *description*: the :class:`~.refs.SourceRef` to read and the steps
after it, each holding an expression tree, never code. :class:`PipelineRunner` executes
descriptions over tables that a :class:`~kpisheet.sources.Reader` gives (files on disk or
the open workbook), so every door gets the same rows; a later executor may compile the same
description to SQL.

Every step works on whole columns (a boolean mask, an index lookup, numpy arithmetic); no
Python loop runs once per row. Rules (README#your-data, decisions where it is silent):

- ``where`` keeps the rows for which the condition is true (blank counts as false) before
  anything else; the rows it drops are never type-checked, and the columns they made mixed
  (a ``Total`` footer in a date column) get their one type back.
- ``join`` is a left join, many to one: every row keeps its place, the joined source's
  columns arrive as ``SOURCE.column`` (and the columns *it* joined keep their own qualified
  names, so ``SOURCE.column`` always names the source that owns the column). Keys match as
  Excel's lookups do: text ignoring case and surrounding spaces, ``1001`` equal to
  ``'1001'``. A key that occurs twice in the joined source is an error naming both rows; a
  row without a match gets blanks, and :attr:`Table.unmatched` counts them.
- ``derive`` adds (or replaces) one column at a time, each seeing those before it. A row
  whose expression is an Excel error (an error cell it reads, a division by zero) holds that
  error in :attr:`Table.errors`, and is blank in the column.
- A ``where`` whose condition is an error for some row (a division by zero) is refused,
  naming the first such row: dropping the row would be silent, keeping it a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional, Protocol, Union

import numpy as np
import pandas as pd

from ..errors import KpisheetError, WorkbookError
from ..xlrules import fold
from ..expr import ExprEvalError, eval_filter
from ..expr.frame import ColumnTypeError, ConditionError, eval_rows_coded
from ..expr.functions import names
from ..expr.ast import Node
from ..engine.errorcells import first_codes
from .frames import _typed
from .refs import SourceRef
from .table import Table

Locate = Callable[[int], str]  # a 0-based offset in an expression's text -> file:line:col


@dataclass(frozen=True)
class Where:
    """Keep the rows where ``condition`` is true."""

    condition: Node
    locate: Locate = field(compare=False)


@dataclass(frozen=True)
class Join:
    """Left join of ``source`` on ``on``: (this column, the joined source's column) pairs."""

    source: str
    on: tuple[tuple[str, str], ...]
    place: str = field(compare=False)


@dataclass(frozen=True)
class Derive:
    """Add the column ``column``: ``expr`` over each row."""

    column: str
    expr: Node
    locate: Locate = field(compare=False)


Step = Union[Where, Join, Derive]


@dataclass(frozen=True)
class Pipeline:
    name: str
    read: SourceRef
    steps: tuple[Step, ...] = ()


class _Reader(Protocol):
    def read(self, ref: SourceRef) -> Table: ...


class PipelineRunner:
    """Runs pipelines over a reader; each source's finished table is kept until :meth:`clear`.

    ``describe(name)`` gives the pipeline of a source (the config knows them)."""

    def __init__(self, reader: _Reader, describe: Callable[[str], Pipeline]) -> None:
        self.reader = reader
        self.describe = describe
        self._tables: dict[str, Table] = {}
        self._running: list[str] = []

    def clear(self) -> None:
        self._tables.clear()

    def table(self, name: str) -> Table:
        if name in self._tables:
            return self._tables[name]
        pipeline = self.describe(name)
        if name in self._running:  # the config refuses cycles; this guards a hand-built description
            raise WorkbookError("cycle between joined sources: " + " -> ".join(self._running + [name]),
                                place=str(pipeline.read.path))
        self._running.append(name)
        try:
            table = self.reader.read(pipeline.read)
            for step in pipeline.steps:
                table = self._run(table, step)
        finally:
            self._running.pop()
        self._tables[name] = table
        return table

    def _run(self, table: Table, step: Step) -> Table:
        if isinstance(step, Join):
            other = self.table(step.source)
        try:
            if isinstance(step, Where):
                return where(table, step)
            if isinstance(step, Join):
                return join(table, other, step)
            return derive(table, step)
        except KpisheetError:
            raise
        except Exception as exc:  # never a traceback for data a user gave us
            what = "where" if isinstance(step, Where) else f"join {step.source}" if isinstance(step, Join) \
                else f"derive {step.column}"
            place = step.place if isinstance(step, Join) else step.locate(0)
            raise WorkbookError(f"source {table.name}: {what}: cannot be computed over these rows "
                                f"({type(exc).__name__}: {' '.join(str(exc).split())[:120]})", place=place) from None


def expr_failed(table: Table, what: str, exc: ExprEvalError, locate: Locate) -> WorkbookError:
    """The error to raise for a row expression that failed over ``table``: where a column
    holds something other than numbers or dates, the first cell that does not fit, by its
    place (``orders.csv!orders!D3``); where a condition is an Excel error for some rows, the
    first such row; else the expression's own place."""
    if isinstance(exc, ConditionError) and 0 <= exc.row < len(table.df):
        first = table.place(table.df.index[exc.row])
        return WorkbookError(f"source {table.name}: {what}: {exc.args[0]} (the first: row {first})", place=locate(exc.pos))
    if isinstance(exc, ColumnTypeError) and exc.column in table.df.columns:
        if exc.wanted == "numbers":
            table.numbers(exc.column)  # raises, naming the cell
        else:
            table.dates(exc.column)
    return WorkbookError(f"source {table.name}: {what}: {exc.args[0]} (in {table.place()})", place=locate(exc.pos))


def where(table: Table, step: Where) -> Table:
    """The rows ``step.condition`` holds for, each column narrowed to the one type its
    remaining cells share."""
    try:
        keep = eval_filter(step.condition, table.df)
    except ExprEvalError as exc:
        raise expr_failed(table, "where", exc, step.locate) from None
    if keep.all():
        return table
    df = table.df[keep]
    text_cells = table.path.suffix.lower() == ".csv"
    narrowed = {c: _typed(df[c].to_numpy(dtype=object, copy=True), text_cells, table.text_format)
                for c in df.columns if not _is_typed(df[c], text_cells)}
    if narrowed:
        df = df.copy(deep=False)
        for column, values in narrowed.items():
            df[column] = values
    return replace(table, df=df)


def _is_typed(column: pd.Series, text_cells: bool) -> bool:
    """Whether dropping rows cannot give the column a narrower type: numbers, dates, and (in a
    workbook, where cells have types) text. A CSV text column may be numbers once its footer is gone."""
    dtype = column.dtype
    return bool(pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
                or pd.api.types.is_bool_dtype(dtype) or (not text_cells and isinstance(dtype, pd.StringDtype)))


def _key_text(value: Any) -> Optional[str]:
    """A join key as matched: text trimmed, its case ignored as Excel compares text
    (:func:`kpisheet.xlrules.fold`, as filters' ``==``); whole numbers without ``.0``."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.isoformat()
    text = fold(" ".join(str(value).split()))
    return text or None


def _keys(df: pd.DataFrame, columns: list[str]) -> list[np.ndarray]:
    """Each key column as normalised text (None for blank), through its distinct values."""
    out = []
    for column in columns:
        codes, uniques = pd.factorize(df[column], use_na_sentinel=True)
        texts = np.array([_key_text(u) for u in uniques] + [None], dtype=object)
        out.append(texts[codes])
    return out


def _index(keys: list[np.ndarray]) -> pd.Index:
    if len(keys) == 1:
        return pd.Index(keys[0], dtype=object)
    return pd.MultiIndex.from_arrays(keys)


def join(table: Table, other: Table, step: Join) -> Table:
    """``table`` with ``other``'s columns, matched on ``step.on`` (left, many to one)."""
    mine = [a for a, _ in step.on]
    theirs = [b for _, b in step.on]
    table.require(*mine)
    other.require(*theirs)
    right_keys = _keys(other.df, theirs)
    filled = np.logical_and.reduce([k != None for k in right_keys])  # noqa: E711  (elementwise)
    right_index = _index([k[filled] for k in right_keys])
    rows = np.flatnonzero(filled)
    twice = right_index.duplicated(keep=False)
    if twice.any():
        first = right_index[np.flatnonzero(twice)[0]]
        a, b = rows[np.flatnonzero(right_index.isin([first]))[:2]]
        shown = first if isinstance(first, str) else ", ".join(str(k) for k in first)
        raise WorkbookError(
            f"source {table.name}: join {step.source}: the key '{shown}' occurs twice in source "
            f"'{other.name}': {other.place(other.df.index[a], theirs[0])} and {other.place(other.df.index[b], theirs[0])}",
            place=step.place)
    left_keys = _keys(table.df, mine)
    position = right_index.get_indexer(_index(left_keys))
    position = np.where(position >= 0, rows[np.clip(position, 0, None)] if len(rows) else -1, -1)
    added: dict[str, Any] = {}
    errors = dict(table.errors)
    for column in other.df.columns:
        name = str(column) if "." in str(column) else f"{step.source}.{column}"
        if name in table.df.columns or name in added:
            continue
        values = other.df[column].reset_index(drop=True).reindex(position)
        values.index = table.df.index
        added[name] = values
        codes = other.error_codes(str(column))
        if codes is not None:  # an error cell of the joined source reaches every row it is joined to
            errors[name] = pd.Series(np.where(position >= 0, codes[np.clip(position, 0, None)], 0).astype(np.int8),
                                     index=table.df.index)
    df = pd.concat([table.df, pd.DataFrame(added, index=table.df.index)], axis=1) if added else table.df
    unmatched = dict(table.unmatched)
    unmatched[step.source] = int((position < 0).sum())
    return replace(table, df=df, unmatched=unmatched, errors=errors)


def derive(table: Table, step: Derive) -> Table:
    """``table`` with the column ``step.column`` computed row by row."""
    try:
        values, computed = eval_rows_coded(step.expr, table.df)
    except ExprEvalError as exc:
        raise expr_failed(table, f"derive {step.column}", exc, step.locate) from None
    df = table.df.copy(deep=False)
    df[step.column] = values
    errors = dict(table.errors)
    errors.pop(step.column, None)
    codes = row_error_codes(table, step.expr, computed)
    if codes is not None:  # a row whose inputs hold an error cell, or that divides by zero, is that error
        errors[step.column] = pd.Series(codes, index=table.df.index)
    return replace(table, df=df, errors=errors)


def row_error_codes(table: Table, expr: Node, computed: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
    """For each row, the error code of the first error cell ``expr`` reads, else the row's own
    error in ``computed`` (what :func:`~kpisheet.expr.frame.eval_rows_coded` gave: a division
    by zero); 0: none. None when no row is an error. Conservative for cells: an error cell
    read anywhere in the expression (even in a branch of ``if`` not taken) makes the row that
    error, never a plausible number."""
    found = [c for c in (table.error_codes(n.id) for n in dict.fromkeys(names(expr))) if c is not None]
    if computed is not None:
        found.append(computed)
    return first_codes(*found) if found else None

