"""Reading source tables (a sheet, an Excel table, a range) from workbooks.

    SourceRef   what the config says about one source (path, sheet | table | range, columns)
    Reader      the protocol: ``read(ref) -> Table``; :class:`FileReader` reads files on disk,
                the Excel door implements it over the open workbook
    Table       the rows as a DataFrame, with the sheet coordinates of every cell, so that
                ``numbers``/``dates``/``require`` raise a WorkbookError naming ``book.xlsx!Sales!C12``

Decisions where the specification is silent:
- ``header_row`` is the row number Excel shows; when it is 1 (the default) and row 1 is empty,
  the first row with anything in it is the header.
- Sheet and table names are matched ignoring case, as Excel does; header texts given under
  ``columns:`` are matched ignoring case and runs of spaces (line breaks in headers too).
- A blank header over a column with data names it ``column F``; a blank header over an empty
  column drops it. A header that appears twice is an error only when the column is used
  (``require``); the later one is reachable as ``Amount (column F)``.
- Wholly blank rows are left out; the DataFrame index keeps each row's offset from
  ``first_row``, so the sheet row of a value is always ``first_row + index``.
- A blank cell (or one with only spaces) is NaN. ``numbers`` reads numbers written as text,
  and durations and times of day as days, as Excel counts them; ``dates`` reads Excel serial
  numbers and ISO text (``2026-01-31``, ``2026-01-31 09:30``), nothing ambiguous like
  ``01/02/2026``.
- Excel error cells (``#DIV/0!``, ``#N/A``) are error cells, never blanks (README#your-data): the
  table keeps their codes beside the values (``Table.error_codes``). Every reader hands them
  over as their error text; python-calamine reads them as blank, so .xlsx sheets are checked
  in their XML (:mod:`.hidden`), which also computes formula cells without a cached value.
- A CSV file is one sheet named after the file (``data.csv!data!C12``; ``sheet`` is ignored,
  ``header_row`` and ``range`` apply, tables do not exist); its delimiter is the
  one of ``, ; TAB |`` its first line holds most, unless ``csv:`` names it (README#your-data:
  ``decimal``, ``thousands``, ``encoding``, ``quotechar`` too); columns whose cells all read
  as numbers written that way (none with a leading zero, as codes like ``007`` have) are
  numbers, and all dates (ISO text, or ``date_format``) are dates.
- A source's ``where``, ``join`` and ``derive`` are a pipeline description run over the
  tables a reader gives (:mod:`.pipeline`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..lazy import lazy_names
from .refs import CellRange, SourceRef, col_letter, col_number, parse_range

if TYPE_CHECKING:
    from .files import FileReader
    from .table import Table

# The readers and tables need pandas; a config's source references do not (kpisheet.lazy).
__getattr__ = lazy_names(__name__, {"FileReader": ".files", "Table": ".table"})


@runtime_checkable
class Reader(Protocol):
    """Anything that turns a :class:`SourceRef` into a :class:`Table`."""

    def read(self, ref: SourceRef) -> "Table": ...


__all__ = ["CellRange", "FileReader", "Reader", "SourceRef", "Table", "col_letter", "col_number", "parse_range"]
