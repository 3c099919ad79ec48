"""The steps of reading a CSV file by its columns that need neither pandas nor the engine
(issue 12): the rows around the header, the columns a config reads, and pyarrow's parse of
them. :mod:`.csvcolumns` builds the frame from them; :mod:`.prefetch` runs them ahead, in a
thread, while pandas imports.

The header is found, and the first rows parsed, with the ``csv`` module exactly as the row by
row reader does (:func:`csv_head`). pyarrow's CSV reader parses the columns only where the file
holds no quote character and no NUL and the delimiter is one character (:func:`columnar`):
then a row is its line split at the delimiter for both parsers.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import numpy as np

from .csvtext import CsvText
from .headers import header_text, read_positions

HEAD_ROWS = 20  # rows above and below the header parsed by both readers and compared
CHECKED = 50  # data rows below the header compared between the two parsers

# A cell that pyarrow's cast reads as the very float pandas.to_numeric does (TextFormat.numbers):
# at most 15 characters, so at most 15 digits, an exact integer over an exact power of ten for
# both (pandas' precise_xstrtod divides once, pyarrow's parser rounds correctly); no sign on a
# bare 0 (to_numeric reads "-0" as 0 or -0.0 by the other cells), no "+", no spaces, no
# leading zero (such a code stays text), no exponent. Everything else is read the old way.
STRICT_NUMBER = r"^(?:-?[1-9][0-9]*(?:\.[0-9]+)?|0(?:\.[0-9]+)?|-0\.[0-9]+)$"
STRICT_LENGTH = 15


@dataclass(frozen=True)
class NumberScan:
    """A column of text cells as pyarrow reads it on the whole column, without the interpreter's
    lock: which cells are blank, which are blank or plainly written numbers (:data:`STRICT_NUMBER`),
    and the value of each of those (NaN for the rest)."""

    blank: Any  # pyarrow booleans
    plain: Any  # pyarrow booleans
    values: np.ndarray  # float64


def number_scan(cells: Any, blank: Any = None) -> NumberScan:
    """The :class:`NumberScan` of a pyarrow array of text cells (``blank``: its blank cells, if
    known)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if blank is None:
        blank = pc.equal(cells, "")
    strict = pc.and_(pc.match_substring_regex(cells, STRICT_NUMBER),
                     pc.less_equal(pc.binary_length(cells), STRICT_LENGTH))
    plain = pc.or_(strict, blank)
    nothing = pa.scalar(None, pa.string())
    values = pc.cast(pc.if_else(plain, pc.if_else(blank, nothing, cells), nothing), pa.float64())
    return NumberScan(blank, plain, np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64))


@dataclass(frozen=True)
class Parsed:
    """Columns of a CSV file, every row (the header's too), and where they were worked out ahead
    (:mod:`.prefetch`), the :class:`NumberScan` of each below row ``row`` (None where not)."""

    columns: list[Any]
    row: int = 0
    scans: tuple[Optional[NumberScan], ...] = ()

    def scan(self, i: int, row: int) -> Optional[NumberScan]:
        """Column ``i``'s scan of its cells below row ``row``, if it was made."""
        return self.scans[i] if self.scans and row == self.row else None


#: Columns parsed ahead (:mod:`.prefetch`): given the delimiter, the row width and the positions
#: read, what :func:`arrow_columns` gave for them, or None where it was not run.
Ahead = Callable[[str, int, list[int]], Optional[Parsed]]


@dataclass(frozen=True)
class CsvHead:
    """The first rows of a CSV file as the ``csv`` module reads them, padded to the widest."""

    rows: list[list[str]]
    skipped: int  # rows above the first with anything in it
    row: int  # the header's row number, 1-based
    width: int  # cells in the widest of the rows
    headers: list[str]  # the header row's cells as header texts

    @property
    def top(self) -> int:
        """The row number of the first row with anything in it."""
        return self.skipped + 1

    def positions(self, wanted: Optional[frozenset[str]], columns: Mapping[str, str]) -> Optional[list[int]]:
        """The columns to read: those ``wanted`` names (every one where it is None), found as
        :func:`.headers.read_positions` finds them; None or empty where the row by row reader
        must decide."""
        return list(range(self.width)) if wanted is None else read_positions(self.headers, wanted, columns)


def csv_head(text: CsvText, delimiter: str, quotechar: str, header_row: int) -> Optional[CsvHead]:
    """The header row ``header_row`` (1: the first row with anything in it) and the rows around
    it, or None where the row by row reader must decide (no such row, a blank header row)."""
    if header_row < 1:
        return None
    head = head_rows(text, delimiter, quotechar, header_row + HEAD_ROWS + CHECKED)
    skipped = next((i for i, r in enumerate(head) if any(c.strip() for c in r)), None)
    if skipped is None:
        return None
    row = skipped + 1 if header_row == 1 else header_row
    if row < skipped + 1 or row > len(head):
        return None
    width = max(len(r) for r in head)
    padded = [r + [""] * (width - len(r)) for r in head]
    headers = [header_text(v) for v in padded[row - 1]]
    if not any(headers):
        return None
    return CsvHead(padded, skipped, row, width, headers)


def head_rows(text: CsvText, delimiter: str, quotechar: str, count: int) -> list[list[str]]:
    """The first ``count`` rows of ``text`` as the ``csv`` module reads the whole of it, parsed
    from a head of the text (a StringIO of all of it copied the 40 MB file): the rows before a
    row that started inside the head are whole, whatever follows it."""
    size = 1 << 16
    while True:
        head, whole = text.head(size)
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter,
                                                    quotechar=quotechar), count + 1))
        except csv.Error:
            if whole:
                raise
            rows = []  # the head ends inside something the csv module refuses at its end: a longer head
        if whole or len(rows) > count:
            return rows[:count]
        size *= 8


def columnar(text: CsvText, delimiter: str, quotechar: str) -> bool:
    """Whether pyarrow's reader may parse ``text``: no quote character and no NUL anywhere, a
    delimiter of one character (each row is then its line split at the delimiter)."""
    return len(delimiter) == 1 and not text.has(quotechar) and not text.has("\x00")


def arrow_columns(encoded: bytes | memoryview, delimiter: str, width: int, positions: list[int]) -> Optional[list[Any]]:
    """pyarrow's CSV reader, every cell as text, no quoting: the columns at ``positions`` of
    rows ``width`` cells wide, as pyarrow chunked arrays; None where pyarrow is not installed
    (it is not a dependency) or a row is ragged."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # not a dependency: pandas' C parser reads the file instead
        return None
    names = [f"c{p}" for p in positions]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(encoded)),
            # One thread: on two busy cores pyarrow's thread pool took 2-4x as long as one thread.
            read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(width)], use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False,
                                             escape_char=False, newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(include_columns=names, column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 null_values=[]))
    except (pa.ArrowInvalid, pa.ArrowException, ValueError):
        return None
    return [table.column(n) for n in names]
