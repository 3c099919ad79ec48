"""Reading only the columns a config uses from a CSV file, with a columnar parser (issue 12).

The rules are those of the row-by-row path in :mod:`.files` (``csv`` module, every column
typed); this is a faster way to the same frame, taken only where it gives the same cells:

- the header is found, and the first rows are parsed, with the ``csv`` module exactly as
  the full path does; pandas' C parser (``usecols``, every cell as text) then reads the
  whole file, and its first rows must equal those, cell for cell, or the full path is used;
- the columns read are those whose header matches a name the config reads (ignoring case
  and spaces, so a repeated header is still found twice), plus any with a blank header;
  only they are typed and checked for error cells;
- where a data row is blank in every column read, or a row has a cell past the width of the
  first rows, or anything else is unusual (``range:``, a header row not found, a name such as
  ``column F`` that only a blank header gives), the full path decides, so wholly blank rows,
  ragged files and every error message stay as they were. (Pandas' C parser drops the cells
  of a row beyond the columns it is given without a word; one column past the width is read
  to see them. A row whose first cell past it is blank and a later one is not still reads
  the same cells; only the list of unread headers in a message lacks that unnamed column.)

Where the file holds no quote character at all and pyarrow is installed (it is not a
dependency), pyarrow's CSV reader reads the columns instead, every cell as text: without
quotes a row is its line split at the delimiter for both parsers, and pyarrow refuses a row
of another width than the first (then pandas' C parser reads it, as above). Its columns come
as Arrow strings, no Python object per cell, and are typed on the whole column in Arrow
(:func:`_arrow_typed`: plainly written numbers cast, text kept as Arrow text) wherever that
gives the very values of the rules above; elsewhere (error texts, dates, unusual numbers)
once per distinct cell (:class:`.frames.Coded`). On the 250,000-row benchmark file this reads
the five columns in about a tenth of pandas' C parser's time with ``dtype=object``.

A source whose columns are all read (``usecols`` None: attributes) is read the same way,
every column taken.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Optional

import numpy as np

import pandas as pd

from .frames import _LEADING_ZERO, ERROR_TEXTS, Coded, Frame, Typed, frame_of_columns
from .headers import fold
from .csvscan import HEAD_ROWS, Ahead, NumberScan, Parsed, arrow_columns, columnar, csv_head, number_scan
from .csvtext import CsvText
from .table import TextFormat
_ERROR_FIRSTS = frozenset(t[0] for t in ERROR_TEXTS)  # "#": a file without it holds no error cell


def _columns_read(text: CsvText, delimiter: str, quotechar: str, width: int,
                  positions: list[int], ahead: Optional[Ahead] = None) -> Optional[Parsed]:
    """The cells of the columns at ``positions``, every row (the header's too): pyarrow's reader
    where the file has no quote character at all (then a row is its line split at the delimiter,
    for both parsers) and pyarrow is installed, else pandas' C parser; None where the full path
    must read the file (a row wider or, for pyarrow, narrower than the first rows).
    pyarrow reads the file's own bytes where ``text`` has them (no decode, no encode); where
    ``ahead`` parsed those columns already, its answer is taken."""
    if columnar(text, delimiter, quotechar):
        parsed = ahead(delimiter, width, positions) if ahead is not None else None
        if parsed is not None:
            return parsed
        encoded = text.encoded
        found = arrow_columns(text.whole().encode() if encoded is None else encoded, delimiter, width, positions)
        if found is not None:
            return Parsed(found)
    try:
        # A last row one cell wider than the first rows, so that the column past them exists;
        # it is dropped below. One chunk (low_memory=False): each chunk must hold that column.
        whole = text.whole()
        end = "" if whole.endswith(("\n", "\r")) else "\n"
        raw = (whole + end + delimiter * width + "\n").encode()
        df = pd.read_csv(io.BytesIO(raw), sep=delimiter, quotechar=quotechar, header=None,
                         names=range(width + 1), usecols=[*positions, width], dtype=object, na_filter=False,
                         skip_blank_lines=False, index_col=False, engine="c", low_memory=False)
    except (ValueError, pd.errors.ParserError, csv.Error):
        return None
    if (df[width] != "").any():  # a row wider than the first ones: only the full path knows its columns
        return None
    return Parsed([df[p].to_numpy(dtype=object)[:-1] for p in positions])


_INTEGER_LIKE = re.compile(r"\s*[+-]?\d+\s*")  # read as an int by to_numeric: a value that depends on the others
_REST_LIMIT = 1000  # distinct cells read the old way beside the strict ones, at most


def _arrow_typed(cells: Any, fmt: TextFormat, no_errors: bool = False,
                 scan: Optional[NumberScan] = None) -> Optional[Typed]:
    """A column of pyarrow text cells typed as :func:`.frames._typed` types it (CSV cells), on
    the whole column at once, without a Python object a cell; None where the way through the
    distinct cells must decide (an error cell, a date column, a number column with cells that
    are not plainly written, separators other than the default decimal point).
    ``no_errors``: the caller knows that no cell is an error text (the file holds no ``#``);
    ``scan``: the column's :class:`.csvscan.NumberScan`, where it was made ahead."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not no_errors and pc.any(pc.is_in(cells, value_set=pa.array(list(ERROR_TEXTS)))).as_py():
        return None
    n = len(cells)
    blank = pc.equal(cells, "") if scan is None else scan.blank
    blanks = pc.sum(blank).as_py() or 0
    if blanks == n:
        return Typed(np.full(n, np.nan))
    first = pd.Series([cells[pc.index(blank, False).as_py()].as_py()], dtype="str")
    if not np.isnan(fmt.numbers(first)[0]) and not first.str.match(_LEADING_ZERO).iloc[0]:
        return _arrow_numbers(cells, number_scan(cells, blank) if scan is None else scan, fmt)
    if not np.isnat(fmt.dates(first)[0]):
        return None
    text = pc.if_else(blank, pa.scalar(None, pa.string()), cells)
    return Typed(pd.Series(pd.array(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text,
                                    dtype="str")).array)


def _arrow_numbers(cells: Any, scan: NumberScan, fmt: TextFormat) -> Optional[Typed]:
    """The numbers of a column whose first cell is one, as :func:`.frames._typed` reads them: the
    plainly written cells cast by pyarrow (``scan``), the few others (distinct) by
    ``fmt.numbers``; None where a cell is no number (the column is not numbers: the old way
    tells what it is)."""
    import pyarrow.compute as pc

    if fmt.decimal != "." or (fmt.thousands is not None and fmt.thousands in "0123456789.-"):
        return None
    plain, out = scan.plain, scan.values
    if not pc.all(plain).as_py():
        out = out.copy()  # the scan's values stay as it found them
        rest = pc.unique(pc.filter(cells, pc.invert(plain)))
        texts = rest.to_pylist()
        if len(texts) > _REST_LIMIT or any(_INTEGER_LIKE.fullmatch(t) for t in texts):
            return None
        numbers = fmt.numbers(pd.Series(texts, dtype="str"))
        if np.isnan(numbers).any() or (numbers == 0).any() or pd.Series(texts, dtype="str").str.match(_LEADING_ZERO).any():
            return None
        at = pc.index_in(cells, value_set=rest).to_numpy(zero_copy_only=False)
        where = np.flatnonzero(~np.isnan(at))
        out[where] = numbers[at[where].astype(np.intp)]
    return Typed(out)


def _coded(cells: Any) -> Coded:
    """Cells of a column (a numpy array, or a pyarrow chunked array) as :class:`.frames.Coded`."""
    if isinstance(cells, np.ndarray):
        return Coded.of(cells)
    encoded = cells.combine_chunks().dictionary_encode()
    return Coded(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object),
                 encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp))


def _typed_or_coded(cells: Any, fmt: TextFormat, no_errors: bool = False,
                    scan: Optional[NumberScan] = None) -> Typed | Coded:
    """A column read by pyarrow typed whole where :func:`_arrow_typed` can, else coded."""
    if not isinstance(cells, np.ndarray):
        typed = _arrow_typed(cells, fmt, no_errors, scan)
        if typed is not None:
            return typed
    return _coded(cells)


def read_columns(text: str | CsvText, delimiter: str, quotechar: str, header_row: int,
                 wanted: Optional[frozenset[str]], columns: dict[str, str], sheet: str,
                 fmt: TextFormat, ahead: Optional[Ahead] = None) -> Optional[Frame]:
    """The frame of the CSV ``text`` holding only the columns ``wanted`` names (config names,
    mapped to headers by ``columns``, or header texts; every column where ``wanted`` is None), or
    None where the full path must read it. ``text`` is decoded whole only where pyarrow cannot
    read the file (:mod:`.csvtext`); ``ahead``: columns parsed ahead of time (:mod:`.prefetch`).

    The frame's ``unread`` lists the other headers, for messages that list the columns."""
    text = CsvText.of(text)
    head = csv_head(text, delimiter, quotechar, header_row)
    positions = None if head is None else head.positions(wanted, columns)
    if head is None or not positions:
        return None
    parsed = _columns_read(text, delimiter, quotechar, head.width, positions, ahead)
    if parsed is None:
        return None
    raw = parsed.columns
    n = len(head.rows)
    first = [list(c[:n]) for c in raw] if isinstance(raw[0], np.ndarray) else [c.slice(0, n).to_pylist() for c in raw]
    if len(first[0]) < n or any(first[i] != [r[p] for r in head.rows] for i, p in enumerate(positions)):
        return None  # the two parsers disagree on the first rows: the full path reads the file
    no_errors = not any(text.has(c) for c in _ERROR_FIRSTS)  # no cell can be an error text
    data = [_typed_or_coded(c[head.row:], fmt, no_errors, parsed.scan(i, head.row)) for i, c in enumerate(raw)]
    frame = frame_of_columns(data, [head.headers[p] for p in positions], [p + 1 for p in positions], head.row, 1,
                             sheet, text_cells=True, fmt=fmt)
    if len(frame.df) != len(data[0]):
        return None  # a row blank in every column read: only the whole row tells whether it is blank
    for i, cells_row in enumerate(head.rows[head.skipped:head.skipped + HEAD_ROWS]):  # as frame_below_header
        for cell in cells_row:
            if cell.strip():
                frame.texts_above.setdefault(fold(cell), head.top + i)
    read = set(positions)
    for p, h in enumerate(head.headers):
        if p not in read:
            frame.unread.setdefault(h, p + 1)
    return frame

