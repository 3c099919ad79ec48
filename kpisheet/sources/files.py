"""Reading sources from files on disk: workbooks with python-calamine, CSV with ``csv``.

Each file is read into memory once per state (path, size, mtime) and parsed from there,
so no file handle stays open (Excel on Windows could not save over it) and every error
is about the bytes that were read. Nothing here ever writes a file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype
from python_calamine import CalamineError, CalamineWorkbook

from ..errors import WorkbookError
from .extent import sheet_names, table_place, too_sparse
from .opening import OLE, ZIP, OpenedWorkbook, one_line, open_workbook
from .panics import is_panic, native_stderr_held
from .csvcolumns import read_columns
from .csvtext import csv_text
from .filebytes import file_key, read_settled
from ..gcpause import gc_paused
from .frames import Frame, build_frame, chunk_cells
from .hidden import (Cells, hidden_cells, lay_over, may_hide_cells, ods_error_cells, sheet_grid,
                     xls_error_cells)
from .refs import CsvOptions, SourceRef, col_letter, parse_range
from .sparse import SparseGrid, lay_over_sparse, read_sparse, sparse_frame
from .xlsbextent import read_xlsb_sparse, xlsb_too_sparse
from .xlscells import read_xls_sparse
from ..hints import closest
from .headers import fold
from .table import Table, TextFormat, listing

if TYPE_CHECKING:
    from .prefetch import Prefetch

@dataclass
class _Book:
    """One state of one file: its bytes and what has been parsed from them."""

    key: tuple[str, int, int]
    data: bytes
    kind: str  # xlsx | xlsb | ods | xls | csv
    opened: Optional[OpenedWorkbook] = None  # a workbook's bytes, checked and opened (None: a CSV file)
    with_tables: Optional[CalamineWorkbook] = None
    frames: dict[tuple[Any, ...], Frame] = field(default_factory=dict)
    csv_rows: dict[tuple[Any, ...], list[list[str]]] = field(default_factory=dict)
    hidden: Optional[dict[str, Cells]] = None  # sheet -> error cells and computed formula cells (.xlsx)

    @property
    def workbook(self) -> Optional[CalamineWorkbook]:
        return None if self.opened is None else self.opened.workbook

    @property
    def by_cells(self) -> Optional[list[str]]:
        """An .ods or .xls calamine must not open: its sheets, read by their cells."""
        return None if self.opened is None else self.opened.by_cells

    @property
    def scanned(self) -> dict[str, bool]:
        """An .xlsx's sheet parts -> whether each fits its dimension (:mod:`.extent`)."""
        return {} if self.opened is None else self.opened.scanned


class FileReader:
    """Reads sources from ``.xlsx .xlsm .xlsb .xls .ods`` workbooks and ``.csv`` files.

    Files are told apart by content, not name (an ``.xls`` that is really ``.xlsx`` reads
    fine); only ``.csv`` names a CSV file. Parsed sheets and tables are kept until the
    file changes (size or modification time), so many sources on one workbook cost one
    parse. Safe to share between threads.

    In .xlsx/.xlsm files, error cells and formula cells without a cached value (which
    calamine reads as blank) are read as what they are (:mod:`.hidden`); with ``recalc``
    every formula cell is recomputed in memory first. Files are never written.

    ``prefetched``: files the command line (or ``recalc``) began reading in a thread while the
    engine imported (:mod:`.prefetch`); what it read is taken where it is what this reader would
    read: the same bytes, CSV columns parsed as this reader would, a sheet of the very workbook
    object this reader opened.
    """

    def __init__(self, recalc: bool = False, prefetched: Optional[Prefetch] = None) -> None:
        self._books: dict[str, _Book] = {}
        self._lock = threading.RLock()
        self.recalc = recalc  # recompute every formula cell of .xlsx sources (evaluate --recalc)
        self.prefetched = prefetched

    def clear(self) -> None:
        """Forget every file read."""
        with self._lock:
            self._books.clear()

    @staticmethod
    def fingerprint(paths: Iterable[Union[str, Path]]) -> str:
        """A hash of each file's absolute path, size and mtime: changes when any file does."""
        h = hashlib.sha256()
        for p in sorted({os.path.abspath(p) for p in paths}):
            try:
                st = os.stat(p)
                h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            except OSError:
                h.update(f"{p}\0missing\n".encode())
        return h.hexdigest()

    def read(self, ref: SourceRef) -> Table:
        """The rows of ``ref``; any problem is a WorkbookError with the file (and cell) it is at."""
        where = str(ref.path)
        if self.prefetched is not None:
            self.prefetched.settle(ref.path)  # before descriptor 2 is held: the thread holds it while it reads
        try:
            with self._lock, native_stderr_held():  # a Rust panic's own lines never reach the terminal
                book = self._book(ref.path, where)
                if book.kind == "csv":
                    frame = self._csv_frame(book, ref, where)
                elif ref.table is not None:
                    frame = self._table_frame(book, ref.table, where)
                elif ref.range is not None:
                    frame = self._range_frame(book, ref, where)
                else:
                    frame = self._sheet_frame(book, ref.sheet, ref.header_row, where,
                                              None if ref.usecols is None else (ref.usecols, dict(ref.columns)))
            return frame.to_table(ref)
        except WorkbookError:
            raise
        except CalamineError as exc:
            raise WorkbookError(f"the workbook is damaged ({one_line(exc)})", place=where) from exc
        except Exception as exc:  # never a traceback for a file a user gave us
            raise WorkbookError(f"cannot be read ({type(exc).__name__}: {one_line(exc)})", place=where) from exc
        except BaseException as exc:
            if not is_panic(exc):  # python-calamine's Rust panicked on the file's bytes
                raise
            raise WorkbookError(f"the workbook is damaged (the reader failed: {one_line(exc)}); open it in Excel "
                                "and save it again", place=where) from exc

    # --- files ------------------------------------------------------------------------------

    def _book(self, path: Path, where: str) -> _Book:
        full = os.path.abspath(path)
        key = file_key(full, where)
        book = self._books.get(full)
        if book is not None and book.key == key:
            return book
        data = self.prefetched.data(key) if self.prefetched is not None else None
        opened = None
        if data is None:
            key, data = read_settled(key, where)
        elif self.prefetched is not None:
            opened = self.prefetched.opened(key)
        book = self._load(key, data, path.suffix.lower(), where, opened)
        self._books[full] = book
        return book

    @staticmethod
    def _load(key: tuple[str, int, int], data: bytes, suffix: str, where: str,
              prefetched: Optional[OpenedWorkbook] = None) -> _Book:
        """The file's :class:`_Book`; ``prefetched``: the same bytes opened ahead (:mod:`.prefetch`)."""
        if suffix == ".csv":
            if data.startswith(ZIP) or data.startswith(OLE):
                raise WorkbookError("not a CSV file (it is a workbook; name it .xlsx, .xls …)", place=where)
            return _Book(key, data, "csv")
        opened = prefetched or open_workbook(data, where)
        return _Book(key, data, opened.kind, opened)

    # --- sheets -----------------------------------------------------------------------------

    @staticmethod
    def _sheet_name(book: _Book, name: Optional[str], where: str) -> str:
        assert book.workbook is not None or book.by_cells is not None
        names = list(book.workbook.sheet_names) if book.workbook is not None else list(book.by_cells or [])
        if not names:
            raise WorkbookError("the workbook has no sheets", place=where)
        if name is None:
            return names[0]
        if name in names:
            return name
        same = [n for n in names if n.casefold() == name.strip().casefold()]
        if len(same) == 1:  # Excel's sheet names ignore case
            return same[0]
        guess = closest(name, names, fold_case=True)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        raise WorkbookError(f"no sheet '{name}'{hint}; sheets are: {listing(names)}", place=f"{where}!{name}")

    def _hidden(self, book: _Book, name: str, rows: Optional[list[list[Any]]] = None) -> Cells:
        """The cells of sheet ``name`` that calamine reads as blank but are not (README#your-data).

        Only a cell calamine gives as ``''`` can be one: a sheet of ``rows`` without any such
        cell needs no look at its XML (one C-level scan of the rows instead of inflating it)."""
        if book.kind not in ("xlsx", "xls", "ods"):
            return {}
        if rows is not None and not self.recalc and not any("" in row for row in rows):
            return {}
        if book.hidden is None and book.kind == "xls":
            book.hidden = xls_error_cells(book.data)
        if book.hidden is None and book.kind == "ods":
            book.hidden = ods_error_cells(book.data)
        if book.hidden is None:
            everything = self.recalc
            book.hidden = hidden_cells(Path(book.key[0]), everything) if may_hide_cells(book.data, everything) else {}
        return book.hidden.get(name, {})

    def _grid(self, book: _Book, name: str, where: str,
              as_array: bool = False) -> tuple[Union[list[list[Any]], np.ndarray], int, int]:
        """The sheet's cells from its first used cell, with that cell's row and column; with
        ``as_array`` a 2-D object array where no hidden cell is written in (:func:`_sheet_cells`).

        Not kept: the frames made from them are (a parsed sheet holds ~32 bytes a cell)."""
        assert book.workbook is not None
        try:
            sheet = self._parsed_ahead(book, name) or book.workbook.get_sheet_by_name(name)
            start = sheet.start
            if start is None:
                hidden = self._hidden(book, name)
                return (lay_over([], 1, 1, hidden), 1, 1) if hidden else ([], 1, 1)
            with gc_paused():
                cells = _sheet_cells(sheet, start) if as_array else None
                if cells is not None:
                    grid, blank = cells
                    del sheet  # calamine's parsed cells (~32 bytes a cell) go before the frame is made
                    hidden = self._hidden(book, name, None if blank else [])
                    if not hidden:
                        return grid, start[0] + 1, start[1] + 1
                    rows = grid.tolist()
                    del grid
                else:
                    rows = sheet.to_python()
                    hidden = self._hidden(book, name, rows)
        except CalamineError as exc:
            if book.kind == "xlsx" and "error value" in str(exc):  # #SPILL!, #CALC! ...: calamine 0.9 stops
                rows, top, left = sheet_grid(Path(book.key[0]), name)
                return lay_over(rows, top, left, self._hidden(book, name)), top, left
            raise WorkbookError(f"the workbook is damaged ({one_line(exc)})", place=f"{where}!{name}") from None
        top, left = start[0] + 1, start[1] + 1
        return lay_over(rows, top, left, hidden), top, left

    def _parsed_ahead(self, book: _Book, name: str) -> Any:
        """Calamine's parse of sheet ``name`` made by :mod:`.prefetch` from this book's very
        workbook object; else None."""
        if self.prefetched is None or book.opened is None:
            return None
        return self.prefetched.sheet(book.key, book.opened, name)

    def _sheet_frame(self, book: _Book, sheet: Optional[str], header_row: int, where: str,
                     usecols: Optional[tuple[frozenset[str], dict[str, str]]] = None) -> Frame:
        name = self._sheet_name(book, sheet, where)
        key: tuple[Any, ...] = ("sheet", name, header_row)
        if usecols is not None:  # only the columns the config reads are typed (issue 12)
            key += (usecols[0], tuple(usecols[1].items()))
        if key not in book.frames:
            if _too_sparse(book, name):  # README#hostile-and-broken-input: by its cells, no far corner
                grid = lay_over_sparse(_read_sparse(book, name, f"{where}!{name}"), self._hidden(book, name))
                book.frames[key] = sparse_frame(grid, None if header_row == 1 else header_row, name,
                                                f"{where}!{name}")
                return book.frames[key]
            rows, top, left = self._grid(book, name, where, as_array=True)
            book.frames[key] = frame_below_header(rows, top, left, header_row, name, f"{where}!{name}",
                                                   usecols=usecols)
            del rows
        return book.frames[key]

    def _range_frame(self, book: _Book, ref: SourceRef, where: str) -> Frame:
        assert ref.range is not None
        try:
            rng = parse_range(ref.range)
        except ValueError as exc:
            raise WorkbookError(f"bad range '{ref.range}' in source '{ref.name}': {exc}; "
                                "write it as Sales!A1:F500 or 'My Sheet'!A1:F500", place=where) from None
        if rng.sheet is None:
            raise WorkbookError(f"bad range '{ref.range}' in source '{ref.name}': name its sheet, "
                                "as in Sales!A1:F500", place=where)
        name = self._sheet_name(book, rng.sheet, where)
        key = ("range", name, rng.first_row, rng.first_col, rng.last_row, rng.last_col)
        if key not in book.frames:
            if _too_sparse(book, name):  # README#hostile-and-broken-input: by its cells, no far corner
                area = (rng.first_row, rng.first_col, rng.last_row, rng.last_col)
                grid = lay_over_sparse(_read_sparse(book, name, f"{where}!{name}", area),
                                       self._hidden(book, name))
                a1 = f"{col_letter(rng.first_col)}{rng.first_row}:{col_letter(rng.last_col)}{rng.last_row}"
                book.frames[key] = sparse_frame(grid, rng.first_row, name, f"{where}!{name}",
                                                header_name=f"the header row of range {a1}",
                                                first_col=rng.first_col)
                return book.frames[key]
            rows, top, left = self._grid(book, name, where)
            assert isinstance(rows, list)  # (a grid of rows unless asked for an array)
            book.frames[key] = frame_in_range(rows, top, left, rng.first_row, rng.first_col,
                                               rng.last_row, rng.last_col, name, f"{where}!{name}")
        return book.frames[key]

    def _table_frame(self, book: _Book, table: str, where: str) -> Frame:
        if book.kind != "xlsx":
            raise WorkbookError(f"no table '{table}': Excel tables are read from .xlsx and .xlsm workbooks only; "
                                "name the cells with range: instead, as in Sales!A1:F500", place=where)
        if book.with_tables is None:
            book.with_tables = CalamineWorkbook.from_filelike(io.BytesIO(book.data), load_tables=True)
        names = list(book.with_tables.table_names or [])
        name = table if table in names else next((n for n in names if n.casefold() == table.strip().casefold()), None)
        if name is None:
            if not names:
                raise WorkbookError(f"no table '{table}': the workbook has no tables", place=where)
            guess = closest(table, names, fold_case=True)
            hint = f" (did you mean '{guess}'?)" if guess else ""
            raise WorkbookError(f"no table '{table}'{hint}; tables are: {listing(names)}", place=where)
        key = ("table", name)
        if key not in book.frames:
            place = table_place(book.data, name)
            if place is not None and too_sparse(book.data, place[0], book.scanned):  # README#hostile-and-broken-input: by its cells
                sheet, area, has_header = place
                if not has_header:
                    raise WorkbookError(f"table '{name}' has no header row, on a sheet whose cells are far apart: "
                                        "show its header row in Excel, then save", place=f"{where}!{sheet}")
                grid = lay_over_sparse(read_sparse(book.data, sheet, f"{where}!{sheet}", area),
                                       self._hidden(book, sheet))
                book.frames[key] = sparse_frame(grid, area[0], sheet, f"{where}!{sheet}",
                                                header_name=f"the header row of table {name}", first_col=area[1])
                return book.frames[key]
            if place is None and any(too_sparse(book.data, s, book.scanned) for s in sheet_names(book.data)):
                raise WorkbookError(f"cannot tell which sheet holds table '{name}', and a sheet of this workbook "
                                    "has cells far apart: name the cells with range: instead", place=where)
            t = book.with_tables.get_table_by_name(name)
            with gc_paused():
                rows = t.to_python()
            headers = [" ".join(str(c).split()) for c in t.columns]
            start = t.start
            top, left = (start[0], start[1] + 1) if start is not None else (1, 1)
            rows = lay_over(rows, top + 1, left, self._hidden(book, t.sheet, rows), grow=False)
            book.frames[key] = build_frame([headers, *rows], top, left, t.sheet, f"{where}!{t.sheet}",
                                           headers=headers)
        return book.frames[key]

    # --- CSV --------------------------------------------------------------------------------

    def _csv_frame(self, book: _Book, ref: SourceRef, where: str, by_columns: bool = True) -> Frame:
        sheet = ref.path.stem
        if ref.table is not None:
            raise WorkbookError(f"no table '{ref.table}': a CSV file has no tables; use range: or leave it out",
                                place=where)
        fmt = TextFormat(ref.csv.decimal, ref.csv.thousands, ref.date_format)
        how = (ref.csv, ref.date_format)
        if ref.range is None and by_columns:  # the columns the config reads (all where usecols is None)
            names = () if ref.usecols is None else tuple(ref.columns.items())
            key: tuple[Any, ...] = ("columns", ref.header_row, how, ref.usecols, names)
            if key not in book.frames:
                text, delimiter = csv_text(book.data, ref.csv, where)  # decoded whole only if needed
                ahead = None if self.prefetched is None else self.prefetched.columns_of(book.key, ref)
                frame = read_columns(text, delimiter, ref.csv.quotechar, ref.header_row, ref.usecols,
                                     dict(ref.columns), sheet, fmt, ahead)
                if frame is None:  # the file needs the row-by-row reader (see csvcolumns)
                    frame = self._csv_frame(book, replace(ref, usecols=None), where, by_columns=False)
                book.frames[key] = frame
            return book.frames[key]
        rows = self._csv_rows(book, ref.csv, where)
        if ref.range is not None:
            try:
                rng = parse_range(ref.range)
            except ValueError as exc:
                raise WorkbookError(f"bad range '{ref.range}' in source '{ref.name}': {exc}; "
                                    "write it as A1:F500", place=where) from None
            key = ("range", rng.first_row, rng.first_col, rng.last_row, rng.last_col, how)
            if key not in book.frames:
                book.frames[key] = frame_in_range(rows, 1, 1, rng.first_row, rng.first_col, rng.last_row,
                                                   rng.last_col, sheet, f"{where}!{sheet}", text_cells=True, fmt=fmt)
        else:
            key = ("sheet", ref.header_row, how)
            if key not in book.frames:
                book.frames[key] = frame_below_header(rows, 1, 1, ref.header_row, sheet, f"{where}!{sheet}",
                                                       text_cells=True, fmt=fmt)
        return book.frames[key]

    @staticmethod
    def _csv_rows(book: _Book, options: CsvOptions, where: str) -> list[list[str]]:
        key = (options.encoding, options.delimiter, options.quotechar)
        if key not in book.csv_rows:
            text, delimiter = csv_text(book.data, options, where)
            try:
                rows = list(csv.reader(io.StringIO(text.whole(), newline=""), delimiter=delimiter,
                                       quotechar=options.quotechar))
            except csv.Error as exc:
                raise WorkbookError(f"not a CSV file ({one_line(exc)})", place=where) from None
            width = max((len(r) for r in rows), default=0)
            book.csv_rows[key] = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows]
        return book.csv_rows[key]


_CHUNK_ROWS = 1 << 15  # rows of a sheet made Python lists at once by _sheet_cells
# infer_dtype's kinds of a column that holds no text (so no '' cell)
_NO_TEXT = frozenset({"floating", "integer", "mixed-integer-float", "decimal", "boolean", "date", "datetime",
                      "datetime64", "time", "timedelta", "timedelta64", "empty"})


def _sheet_cells(sheet: Any, start: tuple[int, int]) -> Optional[tuple[np.ndarray, bool]]:
    """``sheet.to_python()`` as a 2-D object array (the same cells), and whether a cell is ``''``:
    read a chunk of rows at a time, so that the cells are held by one array of pointers (8 bytes
    a cell) rather than by a million row lists (~100 bytes a row more), and each chunk's texts
    once per distinct text (calamine makes a string object a cell: ~60 bytes each for a column
    of account codes). Issue 12: the peak of a 1,000,000-row read is calamine's parsed cells
    plus these. None where calamine's rows do not come out as its sizes say."""
    height, width = sheet.height, sheet.width
    rows = sheet.iter_rows()  # from the sheet's first row: the rows above its first used one come first
    if sum(1 for _ in itertools.islice(rows, start[0])) != start[0]:
        return None
    grid = np.empty((height, width), dtype=object)
    at, blank = 0, False
    while True:
        chunk = list(itertools.islice(rows, _CHUNK_ROWS))
        if not chunk:
            break
        if at + len(chunk) > height or sum(map(len, chunk)) != len(chunk) * width:
            return None
        cells = chunk_cells(chunk, width)
        del chunk
        if cells.shape[1] != width:  # (rows longer and shorter than the width, to the same total)
            return None
        for c in range(width):  # a text repeated down a column (an account, a category) held once
            column = cells[:, c]
            kind = infer_dtype(column, skipna=False)
            if kind == "string":  # (only text: equal is the same then)
                codes, uniques = pd.factorize(column)
                cells[:, c] = uniques[codes]
                blank = blank or "" in uniques
            elif kind not in _NO_TEXT:  # text among other cells: is one of them ''?
                blank = blank or bool((column == "").any())
        grid[at:at + len(cells)] = cells
        at += len(cells)
    return (grid, blank) if at == height else None


def _too_sparse(book: _Book, sheet: str) -> bool:
    """Whether ``sheet`` must be read by its cells rather than as calamine's dense rectangle."""
    if book.kind == "xlsx":
        return too_sparse(book.data, sheet, book.scanned)
    if book.kind in ("ods", "xls"):
        return book.by_cells is not None
    return book.kind == "xlsb" and xlsb_too_sparse(book.data, sheet)


def _read_sparse(book: _Book, sheet: str, where: str,
                 area: Optional[tuple[int, int, int, int]] = None) -> SparseGrid:
    if book.kind == "xlsb":
        return read_xlsb_sparse(book.data, sheet, where, area)
    if book.kind == "ods":
        from .odscells import read_ods_sparse  # xml.etree, imported by .ods files only (issue 12)

        return read_ods_sparse(book.data, sheet, where, area)
    if book.kind == "xls":
        return read_xls_sparse(book.data, sheet, where, area)
    return read_sparse(book.data, sheet, where, area)


def frame_below_header(rows: Union[list[list[Any]], np.ndarray], top: int, left: int, header_row: int, sheet: str, where: str,
                        text_cells: bool = False, fmt: TextFormat = TextFormat(),
                        usecols: Optional[tuple[frozenset[str], dict[str, str]]] = None) -> Frame:
    """The rows of a sheet from its header row down; ``rows[0]`` is sheet row ``top``."""
    if header_row < 1:
        raise WorkbookError(f"header_row must be 1 or more, not {header_row}", place=where)
    if text_cells:  # CSV rows start at row 1 even when blank
        while rows and not any(c.strip() for c in rows[0]):
            rows, top = rows[1:], top + 1
    if not len(rows):
        raise WorkbookError("the sheet is empty", place=where)
    bottom = top + len(rows) - 1
    row = top if header_row == 1 else header_row
    if row < top:
        raise WorkbookError(f"header row {row} is empty (the first row with data is {top})",
                            place=f"{where}!{col_letter(left)}{row}")
    if row > bottom:
        raise WorkbookError(f"header row {row} is below the data (the last row with data is {bottom})",
                            place=f"{where}!{col_letter(left)}{row}")
    frame = build_frame(rows[row - top:], row, left, sheet, where, text_cells, fmt=fmt, usecols=usecols)
    for i, cells in enumerate(rows[:20]):  # for "'Net Revenue' is in row 3: set header_row: 3"
        for cell in cells:
            if isinstance(cell, str) and cell.strip():
                frame.texts_above.setdefault(fold(cell), top + i)
    return frame


def frame_in_range(rows: list[list[Any]], top: int, left: int, r1: int, c1: int, r2: int, c2: int,
                    sheet: str, where: str, text_cells: bool = False, fmt: TextFormat = TextFormat()) -> Frame:
    """The cells of ``r1:c1..r2:c2``, its first row the header; ``rows[0][0]`` is at (top, left)."""
    bottom = top + len(rows) - 1
    a1 = f"{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"
    if not rows or r1 < top or r1 > bottom:
        raise WorkbookError(f"the header row of range {a1} is empty", place=f"{where}!{col_letter(c1)}{r1}")
    width = len(rows[0])
    a, b = c1 - left, c2 - left + 1
    lo, hi = max(a, 0), min(b, width)
    pre, post = [""] * (lo - a), [""] * max(0, b - max(hi, lo))
    picked = rows[r1 - top: min(r2, bottom) - top + 1]
    if lo == a and not post:
        grid = [r[lo:hi] for r in picked]
    else:
        grid = [pre + r[lo:hi] + post if hi > lo else pre + post for r in picked]
    return build_frame(grid, r1, c1, sheet, where, text_cells, header_name=f"the header row of range {a1}", fmt=fmt)
