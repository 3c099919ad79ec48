"""A source's rows, with the sheet coordinates that let every error name its cell."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import infer_dtype, is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

from ..errors import Problem, WorkbookError
from ..hints import closest
from ..xlrules import serials_to_datetime64
from .headers import fold
from .refs import col_letter

ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
# Excel serials that fit datetime64[ns] (1677-09-22 .. 2262-04-11), and at least 1 (1900-01-01)
_SERIAL_MAX = float((np.datetime64("2262-04-10") - np.datetime64("1899-12-30")).astype(int))
_NS_MIN = pd.Timestamp.min.as_unit("us").asm8
_NS_MAX = pd.Timestamp.max.as_unit("us").asm8
_PLAIN_KINDS = frozenset({"floating", "integer", "mixed-integer-float", "decimal", "string", "empty"})


@dataclass(frozen=True)
class TextFormat:
    """How a source writes numbers and dates as text (README#your-data): the ``csv:`` separators
    (CSV files only) and ``date_format`` (strftime codes). The default reads numbers as
    Python writes them and dates as ISO text only."""

    decimal: str = "."
    thousands: Optional[str] = None
    date_format: Optional[str] = None

    @property
    def plain_numbers(self) -> bool:
        return self.decimal == "." and self.thousands is None

    def _number_pattern(self) -> str:
        d, t = re.escape(self.decimal), re.escape(self.thousands or "")
        whole = r"\d+" if not self.thousands else rf"(?:\d{{1,3}}(?:{t}\d{{3}})+|\d+)"
        return rf"[+-]?(?:{whole}(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?"

    def numbers(self, text: pd.Series) -> npt.NDArray[np.float64]:
        """Text cells as numbers, NaN where a cell is not a number written this way."""
        stripped = text.astype(object).where(text.notna(), None).astype("str").str.strip()
        if self.plain_numbers:
            return pd.to_numeric(stripped, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        ok = stripped.str.fullmatch(self._number_pattern()).fillna(False).astype(bool)
        plain = stripped.where(ok)
        if self.thousands:
            plain = plain.str.replace(self.thousands, "", regex=False)
        if self.decimal != ".":
            plain = plain.str.replace(self.decimal, ".", regex=False)
        return pd.to_numeric(plain, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

    def dates(self, text: pd.Series) -> npt.NDArray[np.datetime64]:
        """Text cells as datetime64[ns], NaT where a cell does not match (ISO text without a
        ``date_format``)."""
        stripped = text.astype(object).where(text.notna(), None).astype("str").str.strip()
        if self.date_format is None:
            iso = stripped.str.fullmatch(ISO_DATE).fillna(False).astype(bool)
            parsed = pd.to_datetime(stripped.where(iso), format="ISO8601", errors="coerce")
        else:
            parsed = pd.to_datetime(stripped, format=self.date_format, errors="coerce")
        stamps, _ = _fit_ns(pd.Series(parsed).dt.as_unit("us").to_numpy())
        return stamps




def listing(names: Iterable[str], limit: int = 20) -> str:
    """``a, b, c`` — at most ``limit`` names, then how many more."""
    items = list(names)
    text = ", ".join(items[:limit])
    return text + (f" … ({len(items) - limit} more)" if len(items) > limit else "")


def describe(value: Any) -> str:
    """A cell value as a message shows it: ``text 'n/a'``, ``date 2026-01-31``, ``TRUE``."""
    if isinstance(value, str):
        text = " ".join(value.split()) or value
        return f"text {text[:40] + '…' if len(text) > 40 else text!r}"
    if isinstance(value, (bool, np.bool_)):
        return "logical value TRUE" if value else "logical value FALSE"
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return f"date {value:%Y-%m-%d}" + (f" {value:%H:%M:%S}" if value.time() != dt.time() else "")
    if isinstance(value, dt.date):
        return f"date {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"time {value.isoformat()}"
    if isinstance(value, dt.timedelta):
        return f"duration {value}"
    if isinstance(value, (int, float, np.number)):
        return f"number {float(value):g}"
    return f"value {value!r}"


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _date_kind(value: Any) -> int:
    """0 blank, 1 date or datetime, 2 number, 3 text, 4 anything else."""
    if value is None:
        return 0
    if isinstance(value, str):
        return 3 if value.strip() else 0
    if isinstance(value, (bool, np.bool_)):
        return 4
    if isinstance(value, (dt.date, np.datetime64)):  # datetime and Timestamp are dates too
        return 0 if pd.isna(value) else 1
    if isinstance(value, (int, float, np.number)):
        return 0 if math.isnan(value) else 2
    return 4


_date_kinds = np.frompyfunc(_date_kind, 1, 1)
_is_bools = np.frompyfunc(_is_bool, 1, 1)


def _fit_ns(stamps: npt.NDArray[np.datetime64]) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """Datetimes (any unit) as datetime64[ns], NaT where they fall outside its span."""
    us = stamps.astype("datetime64[us]")
    out_of_range = ~np.isnat(us) & ((us < _NS_MIN) | (us > _NS_MAX))
    us[out_of_range] = np.datetime64("NaT")
    return us.astype("datetime64[ns]"), out_of_range


def serials_to_datetimes(serials: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """Excel serial numbers (1900 system) as datetime64[ns], and which ones are no date
    (:func:`kpisheet.xlrules.serials_to_datetime64`: serials below 61 count Excel's fictional
    29 February 1900; serials past what datetime64[ns] holds, 2262-04-10, are no date here)."""
    x = np.asarray(serials, dtype=np.float64)
    stamps, bad = serials_to_datetime64(x)
    too_late = ~np.isnan(x) & ~bad & (x > _SERIAL_MAX)
    stamps[too_late] = np.datetime64("NaT")
    return stamps.astype("datetime64[ns]"), bad | too_late


@dataclass
class Table:
    """The rows of one source.

    ``df`` has the config's column names (``columns:``), other columns keep their
    header text; a blank header over data becomes ``column F``. Its index holds each
    row's offset from ``first_row`` (wholly blank rows are left out), so that
    :meth:`place` can name the cell of any value: ``book.xlsx!Sales!C12``.
    """

    name: str
    df: pd.DataFrame
    path: Path
    sheet: str
    first_row: int  # sheet row of the first data row; the header is the row above
    first_col: int  # sheet column of the first column
    column_numbers: Mapping[str, int] = field(default_factory=dict)  # df column -> sheet column
    headers: Mapping[str, str] = field(default_factory=dict)  # df column -> header text in the sheet
    wanted: Mapping[str, str] = field(default_factory=dict)  # kpisheet name -> header the config asked for
    repeated: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # df column -> every sheet column with its header
    texts_above: Mapping[str, int] = field(default_factory=dict)  # folded text in the sheet's first rows -> its row
    text_format: TextFormat = field(default_factory=TextFormat)  # how numbers and dates are written as text
    unmatched: Mapping[str, int] = field(default_factory=dict)  # joined source -> rows without a match
    # column -> XlError code by row label (README#your-data)
    errors: Mapping[str, pd.Series] = field(default_factory=dict)
    unread: Mapping[str, int] = field(default_factory=dict)  # header of a column no one reads, so not read -> its sheet column

    # --- error cells (README#your-data) ---------------------------------------------------------------

    def error_codes(self, column: str) -> Optional[npt.NDArray[np.int8]]:
        """The XlError code of each row's cell in ``column`` (0: no error), aligned with ``df``;
        None when the column holds no error cell. Such cells read as blanks elsewhere."""
        found = self.errors.get(column)
        if found is None:
            return None
        codes = found.reindex(self.df.index, fill_value=0).to_numpy(dtype=np.int8)
        return codes if codes.any() else None

    def error_summary(self) -> Optional[tuple[int, str, str]]:
        """(how many error cells, the place of the first by row order, its error text), or None.

        Only the cells of the sheet count: a derived column's errors (an error cell it read, a
        division by zero) and a joined column's (the joined source warns for its own) are not
        cells here, and the KPIs that read them show the error."""
        from ..xlerrors import XlError

        count = 0
        first: Optional[tuple[int, int, str, int]] = None  # row position, column order, column, code
        for order, column in enumerate(self.df.columns):
            if self.headers and str(column) not in self.headers:
                continue
            codes = self.error_codes(str(column))
            if codes is None:
                continue
            hits = np.flatnonzero(codes)
            count += len(hits)
            candidate = (int(hits[0]), order, str(column), int(codes[hits[0]]))
            if first is None or candidate[:2] < first[:2]:
                first = candidate
        if first is None:
            return None
        return count, self.place(self.df.index[first[0]], first[2]), XlError(first[3]).text

    def _col(self, column: Optional[str]) -> int:
        if column is not None and column in self.column_numbers:
            return self.column_numbers[column]
        if column is not None and column in self.df.columns and not self.column_numbers:
            return self.first_col + list(self.df.columns).index(column)
        return self.first_col

    def place(self, row: Optional[int] = None, column: Optional[str] = None) -> str:
        """``book.xlsx!Sales!C12`` for index label ``row`` and df column ``column``;
        ``row`` None names the header cell."""
        number = self.first_row - 1 if row is None else self.first_row + int(row)
        return f"{self.path}!{self.sheet}!{col_letter(self._col(column))}{number}"

    # --- columns ----------------------------------------------------------------------------

    def require(self, *columns: str) -> None:
        """Raise one WorkbookError listing every column that is missing or ambiguous."""
        problems = [p for p in (self._problem(c) for c in columns) if p is not None]
        if problems:
            raise WorkbookError(problems)

    def _problem(self, column: str) -> Optional[Problem]:
        if column in self.df.columns:
            cols = self.repeated.get(column)
            if not cols:
                return None
            text = self.headers.get(column, column)
            where = ", ".join(f"{col_letter(c)}{self.first_row - 1}" for c in cols)
            named = "" if text == column else f" (column '{column}')"
            return Problem(f"{self.path}!{self.sheet}!{col_letter(cols[1])}{self.first_row - 1}",
                           f"header '{text}'{named} appears more than once in source "
                           f"'{self.name}' ({where}); rename all but one")
        header = self.wanted.get(column)
        message = f"no column '{column}'" + (f" (header '{header}')" if header and header != column else "")
        message += f" in source '{self.name}'"
        names = self._all_columns()
        guess = closest(header or column, names, fold_case=True) or (
            closest(column, names, fold_case=True) if header else None)
        row = self.texts_above.get(fold(header or column))
        if row is not None and row != self.first_row - 1:
            message += f": '{header or column}' is in row {row}, set header_row: {row}"
        elif guess is not None:
            message += f" (did you mean '{guess}'?)"
        message += f"; columns are: {listing(names)}" if names else "; it has no columns"
        return Problem(self.place(), message)

    def _all_columns(self) -> list[str]:
        """The names of the columns, those not read (:attr:`unread`) among them, in sheet order."""
        names = [str(c) for c in self.df.columns]
        if not self.unread:
            return names
        numbered = [(self._col(n), i, n) for i, n in enumerate(names)]
        numbered += [(col, len(names) + i, n) for i, (n, col) in enumerate(self.unread.items())]
        return [n for _, _, n in sorted(numbered)]

    # --- typed values -----------------------------------------------------------------------

    def _fail(self, label: Any, column: str, value: Any, what: str) -> WorkbookError:
        return WorkbookError(f"{describe(value)} where {what} belong in column '{column}'",
                             place=self.place(label, column))

    def numbers(self, column: str) -> npt.NDArray[np.float64]:
        """The column as float64: blank → NaN, numbers written as text are read, durations
        and times of day count in days (as Excel counts them); anything else (text, dates,
        TRUE/FALSE) raises a WorkbookError naming its cell."""
        self.require(column)
        s = self.df[column]
        if is_bool_dtype(s.dtype) or is_datetime64_any_dtype(s.dtype):
            first = s.first_valid_index()
            if first is None:
                return np.full(len(s), np.nan)
            raise self._fail(first, column, s[first], "numbers")
        if is_numeric_dtype(s.dtype):
            return s.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        if self.text_format.plain_numbers:
            out = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        else:  # a CSV file with csv: separators: every cell is text, read the file's way
            out = self.text_format.numbers(s).copy()
        suspect = np.isnan(out) & s.notna().to_numpy()
        values = s.to_numpy(dtype=object)
        if s.dtype == object and infer_dtype(values, skipna=True) not in _PLAIN_KINDS:
            suspect |= _is_bools(values).astype(bool)
        for i in np.flatnonzero(suspect):
            v = values[i]
            if isinstance(v, str) and not v.strip():
                out[i] = np.nan
            elif isinstance(v, dt.timedelta):
                out[i] = v / dt.timedelta(days=1)
            elif isinstance(v, dt.time):
                out[i] = (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
            else:
                raise self._fail(s.index[i], column, v, "numbers")
        return out

    def dates(self, column: str) -> npt.NDArray[np.datetime64]:
        """The column as datetime64[ns]: dates and datetimes, Excel serial numbers and ISO
        text (``2026-01-31``, ``2026-01-31 09:30``); blank → NaT; anything else raises a
        WorkbookError naming its cell."""
        self.require(column)
        s = self.df[column]
        if is_datetime64_any_dtype(s.dtype):
            stamps, wrong = _fit_ns(s.to_numpy())
            if wrong.any():
                i = int(np.argmax(wrong))
                raise self._fail(s.index[i], column, s.iloc[i], "dates")
            return stamps
        if is_bool_dtype(s.dtype):
            first = s.first_valid_index()
            if first is not None:
                raise self._fail(first, column, s[first], "dates")
            return np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
        if is_numeric_dtype(s.dtype):
            out, bad = serials_to_datetimes(s.to_numpy(dtype=np.float64, na_value=np.nan))
            if bad.any():
                i = int(np.argmax(bad))
                raise self._fail(s.index[i], column, s.iloc[i], "dates")
            return out
        values = s.to_numpy(dtype=object)
        kinds = _date_kinds(values).astype(np.int8)
        out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
        bad = kinds == 4
        where = np.flatnonzero(kinds == 1)
        if len(where):
            stamps, wrong = _fit_ns(pd.to_datetime(values[where]).as_unit("us").to_numpy())
            out[where] = stamps
            bad[where[wrong]] = True
        where = np.flatnonzero(kinds == 2)
        if len(where):
            converted, wrong = serials_to_datetimes(values[where].astype(np.float64))
            out[where] = converted
            bad[where[wrong]] = True
        where = np.flatnonzero(kinds == 3)
        if len(where):
            stamps = self.text_format.dates(pd.Series(values[where], dtype=object))
            out[where] = stamps
            bad[where[np.isnat(stamps)]] = True
        if bad.any():
            i = int(np.argmax(bad))
            fmt = self.text_format.date_format
            if fmt is not None and isinstance(values[i], str):
                raise WorkbookError(f"{describe(values[i])} does not match date_format '{fmt}' in column "
                                    f"'{column}'", place=self.place(s.index[i], column))
            raise self._fail(s.index[i], column, values[i], "dates")
        return out
