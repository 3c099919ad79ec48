"""Reading only the columns a config uses from a CSV file, with pandas' C parser (issue 12).

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

Pandas' C engine is used rather than pyarrow's CSV reader: pyarrow is not a dependency, and
the C engine with ``usecols`` costs about what a bare ``pandas.read_csv`` of the file does.
"""

from __future__ import annotations

import csv
import io
import itertools
from typing import Optional

import pandas as pd

from .frames import Frame, frame_of_columns, header_text, read_positions
from .table import TextFormat, fold

HEAD_ROWS = 20  # rows above and below the header parsed by both readers and compared
_CHECKED = 50  # data rows below the header compared between the two parsers


def read_columns(text: str, delimiter: str, quotechar: str, header_row: int, wanted: frozenset[str],
                 columns: dict[str, str], sheet: str, fmt: TextFormat) -> Optional[Frame]:
    """The frame of the CSV ``text`` holding only the columns ``wanted`` names (config names,
    mapped to headers by ``columns``, or header texts), or None where the full path must read it.

    The frame's ``unread`` lists the other headers, for messages that list the columns."""
    if header_row < 1:
        return None
    head = list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                            quotechar=quotechar), header_row + HEAD_ROWS + _CHECKED))
    skipped = next((i for i, r in enumerate(head) if any(c.strip() for c in r)), None)
    if skipped is None:
        return None
    top = skipped + 1  # sheet row of the first row with anything in it
    row = top if header_row == 1 else header_row
    if row < top or row > len(head):
        return None
    width = max(len(r) for r in head)
    padded = [r + [""] * (width - len(r)) for r in head]
    headers = [header_text(v) for v in padded[row - 1]]
    if not any(headers):
        return None
    positions = read_positions(headers, wanted, columns)
    if not positions:
        return None
    try:
        # A last row one cell wider than the first rows, so that the column past them exists;
        # it is dropped below. One chunk (low_memory=False): each chunk must hold that column.
        end = "" if text.endswith(("\n", "\r")) else "\n"
        raw = (text + end + delimiter * width + "\n").encode()
        df = pd.read_csv(io.BytesIO(raw), sep=delimiter, quotechar=quotechar, header=None,
                         names=range(width + 1), usecols=[*positions, width], dtype=object, na_filter=False,
                         skip_blank_lines=False, index_col=False, engine="c", low_memory=False)
    except (ValueError, pd.errors.ParserError, csv.Error):
        return None
    if (df[width] != "").any():  # a row wider than the first ones: only the full path knows its columns
        return None
    cells = [df[p].to_numpy(dtype=object)[:-1] for p in positions]
    if len(cells[0]) < len(head) or any(
            list(cells[i][: len(head)]) != [r[p] for r in padded] for i, p in enumerate(positions)):
        return None  # the two parsers disagree on the first rows: the full path reads the file
    data = [c[row:] for c in cells]
    frame = frame_of_columns(data, [headers[p] for p in positions], [p + 1 for p in positions], row, 1, sheet,
                             text_cells=True, fmt=fmt)
    if len(frame.df) != len(data[0]):
        return None  # a row blank in every column read: only the whole row tells whether it is blank
    for i, cells_row in enumerate(padded[skipped:skipped + HEAD_ROWS]):  # as frame_below_header
        for cell in cells_row:
            if cell.strip():
                frame.texts_above.setdefault(fold(cell), top + i)
    read = set(positions)
    for p, h in enumerate(headers):
        if p not in read:
            frame.unread.setdefault(h, p + 1)
    return frame

