"""From a grid of cells (a header row, then data rows) to a typed DataFrame.

Rules, the same for every reader:
- header text: spaces trimmed and runs of whitespace (line breaks too) made one space;
  numbers and dates written as Excel shows them (``2026``, ``2026-01-31``);
- a column with a blank header and no data is left out (a spacer, or a title's overhang);
  with data it is named after its letter, ``column F``;
- a wholly blank data row is left out (its offset is skipped in the index);
- each column gets one dtype when its cells agree: float64 (numbers), datetime64[ns]
  (dates), str (text); else it stays object and ``Table.numbers``/``dates`` say which
  cell does not fit. Blank cells are missing values (NaN; None in object columns).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from ..errors import WorkbookError
from ..gcpause import gc_paused
from ..xlerrors import XlError
from .refs import SourceRef, col_letter
from .headers import fold, header_text, read_positions
from .table import TextFormat, Table

_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "decimal"})
_LEADING_ZERO = r"\s*[+-]?0\d"  # a code such as 00123, matched at the start: stays text
_LEADING_ZERO_RE = re.compile(_LEADING_ZERO)


try:  # pandas' own row-to-column transposer (what read_excel uses): 4x faster than DataFrame(rows)
    from pandas._libs.lib import to_object_array as _to_object_array
except ImportError:  # pragma: no cover - a pandas without it
    _to_object_array = None


def chunk_cells(rows: list[list[Any]], width: int) -> np.ndarray:
    """Rows of equal width as a 2-D object array (pandas' transposer where there is one)."""
    return _columns(rows, width)


def _columns(rows: list[list[Any]], width: int) -> np.ndarray:
    """Rows of cells as a 2-D object array, ``width`` columns wide."""
    if not rows:
        return np.empty((0, width), dtype=object)
    if _to_object_array is not None:
        grid = _to_object_array(rows, min_width=width)
    else:
        grid = pd.DataFrame(rows).to_numpy(dtype=object)
    return grid


def _typed(arr: np.ndarray, text_cells: bool, fmt: TextFormat = TextFormat()) -> Any:
    """One column of cells: blanks as NaN, in the narrowest dtype its cells allow."""
    blank = arr == ""
    if isinstance(blank, np.ndarray) and blank.any():
        arr[blank] = None
    kind = infer_dtype(arr, skipna=True)
    if kind == "empty":
        return np.full(len(arr), np.nan)
    if kind in _NUMBER_KINDS:
        return arr.astype(np.float64)
    if kind in ("date", "datetime", "datetime64"):
        try:
            return pd.to_datetime(arr).as_unit("ns")
        except (ValueError, OverflowError):  # beyond 1677..2262: left for Table.dates to report
            return arr
    if kind != "string":
        return arr
    s = pd.Series(arr, dtype="str")
    if text_cells:  # CSV: text that all reads as numbers (or ISO dates) is numbers (or dates)
        filled = s.notna()
        count = int(filled.sum())
        if count:
            # Every cell must read as a number (or a date): where the first cell does not, the
            # column is text, found without reading all of it (a CSV's text columns, issue 12).
            # fmt.numbers and fmt.dates read each cell stripped of surrounding spaces.
            first = s.iloc[[int(np.argmax(filled.to_numpy()))]]
            if not np.isnan(fmt.numbers(first)[0]) and not first.str.match(_LEADING_ZERO).iloc[0]:
                number = fmt.numbers(s)
                if int((~np.isnan(number)).sum()) == count and not _any_leading_zero(s):
                    return number
            if not np.isnat(fmt.dates(first)[0]):
                stamps = fmt.dates(s)
                if int((~np.isnat(stamps)).sum()) == count:
                    return stamps
    return s.array


def _any_leading_zero(s: pd.Series) -> bool:
    """``s.str.match(_LEADING_ZERO).any()``, one compiled match a cell (pandas' own went through a
    Python lambda a cell and took several times as long)."""
    match = _LEADING_ZERO_RE.match
    return any(match(v) is not None for v in s.to_numpy(dtype=object, na_value=None) if v is not None)


ERROR_TEXTS = {e.text: int(e) for e in XlError}  # what an error cell reads as, in every reader


@dataclass(frozen=True)
class Coded:
    """A column of raw cells as its distinct cells and, for each row, which one it holds (issue 12).

    Typing a cell and telling an error cell are functions of the cell alone, and a column's
    dtype is decided by whether all its cells fit: both are the same worked out on the distinct
    cells, then laid out by ``codes`` — 201,000 distinct amounts instead of 250,000 cells."""

    uniques: np.ndarray  # object: the distinct cells
    codes: np.ndarray  # int: each row's index into uniques (never -1)

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def of(cls, cells: Any) -> "Coded":
        """The coded form of an array of cells (no missing values among them)."""
        codes, uniques = pd.factorize(cells)
        return cls(np.asarray(uniques, dtype=object), codes)


@dataclass(frozen=True)
class Typed:
    """A column already typed by :func:`_typed`'s rules, by a faster way to the same values
    (:func:`.csvcolumns._arrow_typed`), holding no error cell."""

    values: Any  # float64 ndarray, or a pandas "str" array

    def __len__(self) -> int:
        return len(self.values)


def error_cells(arr: np.ndarray) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """Positions and XlError codes of the cells of ``arr`` that hold an Excel error's text
    (``'#N/A'``): error cells, as the file readers and the live workbook hand them over;
    None when there is none. Only text can be one, so typed columns cost one check."""
    kind = infer_dtype(arr, skipna=True)
    if kind not in ("string", "mixed", "mixed-integer"):
        return None
    found = pd.Series(arr, dtype=object, copy=False).map(ERROR_TEXTS).to_numpy(dtype=np.float64, na_value=np.nan)
    where = np.flatnonzero(~np.isnan(found))
    if not len(where):
        return None
    return where, found[where].astype(np.int8)


@dataclass
class Frame:
    """A block of rows under its header, before the config's names apply.

    ``df`` columns are positions 0..n-1; ``headers`` and ``col_numbers`` go with them."""

    df: pd.DataFrame
    headers: list[str]
    col_numbers: list[int]
    sheet: str
    first_row: int
    first_col: int
    texts_above: dict[str, int] = field(default_factory=dict)
    text_format: TextFormat = field(default_factory=TextFormat)
    errors: dict[int, pd.Series] = field(default_factory=dict)  # df column -> XlError code by row label
    unread: dict[str, int] = field(default_factory=dict)  # header of a column not read -> its sheet column

    def to_table(self, ref: SourceRef) -> Table:
        """Name the columns as ``ref.columns`` says; every other column keeps its header."""
        exact: dict[str, list[int]] = {}
        folded: dict[str, list[int]] = {}
        for pos, h in enumerate(self.headers):
            exact.setdefault(h, []).append(pos)
            folded.setdefault(fold(h), []).append(pos)
        names: dict[int, list[str]] = {}
        repeated: dict[str, tuple[int, ...]] = {}
        taken: set[str] = set()
        for kname, wanted in ref.columns.items():
            h = " ".join(str(wanted).split())
            found = exact.get(h) or folded.get(fold(h))
            if found:
                names.setdefault(found[0], []).append(kname)
                taken.add(kname)
                if len(found) > 1:
                    repeated[kname] = tuple(self.col_numbers[p] for p in found)
        order: list[int] = []
        labels: list[str] = []
        numbers: dict[str, int] = {}
        headers: dict[str, str] = {}
        for pos, h in enumerate(self.headers):
            col = self.col_numbers[pos]
            mine = names.get(pos)
            if mine is None:
                name = h
                if name in taken or exact[h][0] != pos:
                    name = f"{h} (column {col_letter(col)})"
                elif len(exact[h]) > 1:
                    repeated[name] = tuple(self.col_numbers[p] for p in exact[h])
                taken.add(name)
                mine = [name]
            for name in mine:
                order.append(pos)
                labels.append(name)
                numbers[name] = col
                headers[name] = h
        df = self.df.iloc[:, order]
        df.columns = pd.Index(labels, dtype=object)
        errors = {label: self.errors[pos] for pos, label in zip(order, labels) if pos in self.errors}
        return Table(name=ref.name, df=df, path=ref.path, sheet=self.sheet, first_row=self.first_row,
                     first_col=numbers[labels[0]] if labels else self.first_col, column_numbers=numbers,
                     headers=headers, wanted=dict(ref.columns), repeated=repeated,
                     texts_above=self.texts_above,
                     text_format=TextFormat(self.text_format.decimal, self.text_format.thousands, ref.date_format),
                     errors=errors, unread=self.unread)




def build_frame(grid: Sequence[list[Any]] | np.ndarray, top: int, left: int, sheet: str, where: str,
                text_cells: bool = False, headers: Optional[list[str]] = None,
                header_name: Optional[str] = None, fmt: TextFormat = TextFormat(),
                usecols: Optional[tuple[frozenset[str], Mapping[str, str]]] = None) -> Frame:
    """``grid[0]`` is the header row, at sheet row ``top``; ``grid[i][0]`` is in column ``left``.

    ``headers`` (Excel tables) replaces ``grid[0]`` when given; ``where`` is ``file!Sheet``
    for messages, ``header_name`` what to call the header row in them; ``text_cells``: every cell is text (CSV) and is read as a number or date
    where a whole column allows, as ``fmt`` writes numbers and dates. ``usecols`` (the names a
    config reads, and its ``columns:``): only the columns :func:`read_positions` picks are typed
    and checked for error cells (issue 12); the frame's ``unread`` lists the others, and a row
    is left out as blank only when it is blank in those too."""
    if headers is None:
        headers = [header_text(v) for v in grid[0]]
        if not any(headers):
            raise WorkbookError(f"{header_name or f'header row {top}'} is empty",
                                place=f"{where}!{col_letter(left)}{top}")
    width = len(headers)
    with gc_paused():
        data = grid[1:]
        if isinstance(data, np.ndarray) and data.ndim == 2 and data.shape[1] == width and data.dtype == object:
            cells = data  # already a grid of cells (FileReader reads large sheets so)
        else:
            cells = _columns(data if isinstance(data, list) else list(data), width)
    positions = None if usecols is None else read_positions(headers, *usecols)
    if not positions or len(positions) == width:  # none read (count() of a snapshot): the rows still count
        return frame_of_columns([cells[:, c] for c in range(width)], headers, [left + c for c in range(width)],
                                top, left, sheet, text_cells, fmt)
    read = set(positions)
    others = [cells[:, c] for c in range(width) if c not in read]
    frame = frame_of_columns([cells[:, p] for p in positions], [headers[p] for p in positions],
                             [left + p for p in positions], top, left, sheet, text_cells, fmt, others=others)
    for p, h in enumerate(headers):
        if p not in read:
            frame.unread.setdefault(h, left + p)
    return frame


def _blank_cells(column: np.ndarray) -> np.ndarray:
    """Which raw cells a typed column would hold as blank: none, empty text, or an error cell
    (whose value is blank, its code kept beside)."""
    return np.fromiter((v is None or (isinstance(v, str) and (v == "" or v in ERROR_TEXTS))
                        or (isinstance(v, float) and v != v) for v in column), dtype=bool, count=len(column))


def frame_of_columns(cells: Sequence[np.ndarray | Coded | Typed], headers: list[str], numbers: list[int], top: int, left: int,
                     sheet: str, text_cells: bool = False, fmt: TextFormat = TextFormat(),
                     others: Sequence[np.ndarray] = ()) -> Frame:
    """The frame of data columns ``cells`` (raw cells, object arrays of equal length) under
    ``headers`` (header row ``top``), each in sheet column ``numbers[c]``: the typing, error
    cells and blank rows and columns of :func:`build_frame`, whose one implementation this is.
    ``others``: the raw cells of the row's columns not read; a row holding one is not blank."""
    width = len(headers)
    rows = len(cells[0]) if width else 0
    columns: dict[int, Any] = {}
    errors: dict[int, pd.Series] = {}
    for c in range(width):
        raw = cells[c]
        if isinstance(raw, Typed):
            columns[c] = raw.values
            continue
        if isinstance(raw, np.ndarray) and infer_dtype(raw, skipna=False) == "string":
            raw = Coded.of(raw)  # a column of text is typed, and searched for error cells, once per distinct text
        if isinstance(raw, Coded):  # the distinct cells typed, then laid out by row
            column = np.array(raw.uniques, dtype=object)
            found = error_cells(column)
            if found is not None:
                column[found[0]] = None
                of_unique = np.zeros(len(column), np.int8)
                of_unique[found[0]] = found[1]
                of_row = of_unique[raw.codes]
                at = np.flatnonzero(of_row)
                errors[c] = pd.Series(of_row[at], index=at, dtype=np.int8)
            columns[c] = _typed(column, text_cells, fmt)[raw.codes]
            continue
        column = np.array(raw, dtype=object)  # a copy: typing writes into it
        found = error_cells(column)
        if found is not None:  # an error cell is no value: blank here, its code kept beside
            column[found[0]] = None
            errors[c] = pd.Series(found[1], index=found[0], dtype=np.int8)
        columns[c] = _typed(column, text_cells, fmt)
    df = pd.DataFrame(columns, index=pd.RangeIndex(rows))
    if len(df) and width:
        maybe = df[0].isna().to_numpy()
        if maybe.any():
            empty = maybe & df.isna().all(axis=1).to_numpy()
            if empty.any() and others:  # blank in every column read: look at the others, in those rows only
                rows_at = np.flatnonzero(empty)
                for column in others:
                    empty[rows_at[~_blank_cells(column[rows_at])]] = False
            if empty.any():
                df = df[~empty]
    keep = [c for c in range(width) if headers[c] or not df[c].isna().all() or c in errors]
    if len(keep) < width:
        df = df[keep]
    df.columns = pd.RangeIndex(len(keep))
    names = [headers[c] or f"column {col_letter(numbers[c])}" for c in keep]
    numbers = [numbers[c] for c in keep]
    kept_errors = {new: errors[old] for new, old in enumerate(keep) if old in errors}
    return Frame(df, names, numbers, sheet, top + 1, left, text_format=fmt, errors=kept_errors)
