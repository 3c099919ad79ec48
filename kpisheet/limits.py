"""Every cap kpisheet puts on what it reads, in one place (README#hostile-and-broken-input).

Workbooks and configs come from other people. Each number below says how much of
something kpisheet accepts and why that much; readers, the YAML loader and the
formula engine ask this module, so a cap is changed once and documented once.
Nothing here allocates or reads: these are constants and small checks.
"""

from __future__ import annotations

# --- ZIP packages (.xlsx, .xlsm, .xlsb, .ods) -------------------------------------------------

#: One part may inflate to at most this many bytes (README#hostile-and-broken-input). Excel's own largest parts,
#: a full 1,048,576-row sheet of short values, stay well below it.
MAX_PART_BYTES = 1 << 30  # 1 GiB

#: The parts of one package together (README#hostile-and-broken-input): four parts at the cap above.
MAX_BOOK_BYTES = 4 << 30  # 4 GiB

#: A part above this size must not compress better than MAX_RATIO (README#hostile-and-broken-input). Real sheet XML
#: compresses 10-30:1; a zip bomb reaches 1000:1.
RATIO_CHECK_BYTES = 10 << 20  # 10 MiB
MAX_RATIO = 200

#: The sizes above are what a part's headers declare. python-calamine's ZIP reader stops at the
#: end of the compressed data, not at the declared size (it says so only after inflating all),
#: so a part declaring 5 KB may inflate to gigabytes. Deflate cannot pass 1032:1, so a part of
#: at most this many compressed bytes cannot inflate past 264 MiB whatever it declares; a larger
#: one is inflated once, counting and discarding, to check it holds no more than it declares.
TRUST_COMPRESSED_BYTES = 256 << 10  # 256 KiB

# --- the grid --------------------------------------------------------------------------------

#: Excel's grid: 1,048,576 rows by 16,384 columns (XFD), Excel's specifications and limits.
MAX_ROWS = 1_048_576
MAX_COLS = 16_384

#: A sheet is read densely (a rectangle from its first to its last cell) only while the
#: rectangle holds at most this many cells, or at most DENSE_FACTOR times the cells the
#: sheet really holds: a single value at XFD1048576 must not cost 17 billion cells
#: (README#hostile-and-broken-input: a sheet costs what its cells cost, never its far corner).
DENSE_CELLS = 2_000_000
DENSE_FACTOR = 4

# --- formulas (recalc) -----------------------------------------------------------------------

#: Excel allows 64 nested levels of functions (Excel's specifications and limits); a deeper
#: formula is #VALUE! with a warning.
MAX_NESTING = 64

#: Excel's longest text in a cell: 32,767 characters; a longer result is #VALUE!.
MAX_TEXT = 32_767

#: Excel's longest formula text: 8,192 characters. A formula longer than that is not one
#: Excel wrote; it is read as #VALUE! with a warning rather than parsed.
MAX_FORMULA_TEXT = 8_192

#: An array may hold at most this many cells (README#hostile-and-broken-input: ten million), and never more rows or
#: columns than the grid; a larger one is #NUM! with a warning, before it is allocated.
MAX_ARRAY_CELLS = 10_000_000

#: A what-if data table recomputes, for each of its cells, the formula cells its inputs reach.
#: Cells times those formula cells may be at most this many (a 100 by 100 table over a model
#: of 500 cells); a larger table keeps the values Excel cached, with a warning, rather than
#: take minutes (README#what-if-data-tables).
MAX_DATA_TABLE_WORK = 5_000_000

#: A spill as large as the blank part of a whole row or column (``=A:A*2`` anchored in row 1:
#: Excel spills it over a million rows) may have at most this many cells; a larger one is
#: #NUM! with a warning. Excel computes it, but such a spill is rarely meant, and computing a
#: million items one by one (LOG10 over B:C) took 24 s where the used part took milliseconds.
MAX_WHOLE_SPILL = 1 << 17

# --- YAML configs ----------------------------------------------------------------------------

#: A config file may be at most 10 MiB (README#hostile-and-broken-input); the four examples are under 10 KiB.
MAX_YAML_BYTES = 10 << 20

#: Mappings and lists may nest at most 50 deep (README#hostile-and-broken-input); a config needs 6.
MAX_YAML_DEPTH = 50

#: A config may hold at most this many YAML tokens (keys, values, punctuation). The YAML reader
#: is pure Python: 4 MiB of a one-line list (2 million items) took over two minutes and ~1 GB
#: before this cap, under the 10 MiB one. The largest example holds 738 tokens; the scan that
#: counts them stops here, in about two seconds (README#hostile-and-broken-input: within seconds, no memory blow-up).
MAX_YAML_TOKENS = 100_000

#: A number written in YAML may have at most this many digits: more than a float's 17
#: significant digits and an int64's 19 is a mistake, and Python refuses to turn an integer
#: of over 4,300 digits into text (a denial-of-service guard since 3.11).
MAX_NUMBER_DIGITS = 40

# --- expressions -----------------------------------------------------------------------------

#: ``prev(k, n)`` and ``rolling(k, n)`` may step at most this many periods: the days from
#: Excel's first date (1900-01-01) to its last (9999-12-31). More leaves every calendar.
MAX_PERIOD_STEPS = 2_958_465


def array_too_big(rows: float, cols: float) -> bool:
    """Whether an array of ``rows`` by ``cols`` is past the grid or MAX_ARRAY_CELLS."""
    return rows > MAX_ROWS or cols > MAX_COLS or rows * cols > MAX_ARRAY_CELLS


def ratio_too_high(compressed: int, inflated: int) -> bool:
    """Whether a ZIP part of ``inflated`` bytes compressed to ``compressed`` looks like a bomb."""
    return inflated > RATIO_CHECK_BYTES and inflated > MAX_RATIO * max(compressed, 1)
