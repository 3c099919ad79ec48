"""What-if data tables (Excel's ``{=TABLE(row_input, column_input)}``), computed as Excel does
(README#what-if-data-tables).

The file holds a table as its master cell's ``<f t="dataTable" ref="B2:D5" dt2D="1" dtr="0"
r1="A1" r2="A2"/>`` (ECMA-376 18.3.1.40): ``ref`` is the body, without the row of values (or
formulas) above it and the column left of it; ``r1`` is the row input cell of a two-variable
table (``dt2D``) or of a row-oriented one (``dtr``), else the column input cell; ``r2`` is a
two-variable table's column input cell; ``del1``/``del2`` say an input cell was deleted.

Each body cell (r, c) is a trial: the value above the body in column c goes into the row
input cell, the value left of the body in row r into the column input cell; then the cell
the table reads is computed again, with every formula cell it depends on that the inputs
reach, and its value taken; then every cell and result goes back to what it was. The cell
read is the corner (two-variable), the formula above the body in column c (one variable, values
down a column) or left of it in row r (values across a row).

- :func:`read_data_table`: a master cell's attributes as (body, :class:`~.model.DataTable`),
  or why it cannot be computed (the table then keeps its cached values);
- :func:`table_reads`: the cells a table reads (its formulas and its input values), for ordering;
- :func:`compute`: the body's values, on the :class:`~.calc.Evaluation` calculating the book.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ... import limits
from .model import Area, DataTable, Formula
from .sheetxml import a1, parse_a1, parse_area
from .spill import cell_value

if TYPE_CHECKING:  # the evaluation imports this module
    from .calc import Evaluation

Cell = tuple[int, int]
SheetArea = tuple[int, int, int, int, int]

_TRUE = ("1", "true")


def read_data_table(attrs: dict[str, str], master: Cell) -> Union[tuple[Area, DataTable], str]:
    """A ``<f t="dataTable">``'s attributes as the table's body and inputs; a ``str`` says why
    the table cannot be computed (an input cell deleted or missing, a body with no room for its
    inputs above and left of it, an input cell inside the table)."""
    try:
        area = parse_area(attrs["ref"]) if attrs.get("ref") else (master[0], master[1], master[0], master[1])
    except ValueError:
        return f"has a range we cannot read ({attrs.get('ref', '')[:40]!r})"
    if (area[0], area[1]) != master:
        return "does not start at its own cell"
    two = attrs.get("dt2D") in _TRUE
    if attrs.get("del1") in _TRUE or (two and attrs.get("del2") in _TRUE):
        return "has lost an input cell (deleted: Excel shows #REF! in TABLE())"
    try:
        first = parse_a1(attrs["r1"])
        second = parse_a1(attrs["r2"]) if two else None
    except (KeyError, ValueError):
        return "names no input cell we can read"
    if any(not (1 <= r <= limits.MAX_ROWS and 1 <= c <= limits.MAX_COLS) for r, c in (first, second or first)):
        return "names an input cell outside the grid"
    if first == second:  # Excel refuses it: one cell cannot take both values
        return f"has {a1(*first)} as both its row and its column input cell"
    if area[0] < 2 or area[1] < 2:
        return "has no row above it or no column left of it for its inputs"
    if area[2] > limits.MAX_ROWS or area[3] > limits.MAX_COLS:
        return "reaches past the grid"
    cells = (area[2] - area[0] + 1) * (area[3] - area[1] + 1)
    if cells > limits.MAX_DATA_TABLE_WORK:
        return f"has {cells:,} cells, more than {limits.MAX_DATA_TABLE_WORK:,}"
    if two:
        spec = DataTable(row_input=first, column_input=second)
    elif attrs.get("dtr") in _TRUE:
        spec = DataTable(row_input=first, column_input=None)
    else:
        spec = DataTable(row_input=None, column_input=first)
    read = [area] + [(r1, c1, r2, c2) for _, r1, c1, r2, c2 in table_reads(Formula(0, *master, "", master, "table",
                                                                                      area, table=spec))]
    for cell in (first, second):  # Excel refuses an input cell inside the table: a trial would overwrite it
        if cell is not None and any(r1 <= cell[0] <= r2 and c1 <= cell[1] <= c2 for r1, c1, r2, c2 in read):
            return f"has its input cell {a1(*cell)} inside the table"
    return area, spec


def table_reads(f: Formula) -> list[SheetArea]:
    """What table ``f`` reads as it is computed: the row above its body and the column left of
    it (values or formulas, as its kind says), and a two-variable table's corner formula."""
    assert f.area is not None and f.table is not None
    r1, c1, r2, c2 = f.area
    out = [(f.sheet, r1 - 1, c1, r1 - 1, c2), (f.sheet, r1, c1 - 1, r2, c1 - 1)]
    if f.table.two_variable:
        out.append((f.sheet, r1 - 1, c1 - 1, r1 - 1, c1 - 1))
    return out


def _source(spec: DataTable, area: Area, r: int, c: int) -> Cell:
    """The cell whose value body cell (r, c) shows, its inputs substituted."""
    if spec.two_variable:
        return area[0] - 1, area[1] - 1
    if spec.column_input is not None:  # values down the left column, formulas across the top row
        return area[0] - 1, c
    return r, area[1] - 1  # values across the top row, formulas down the left column


def compute(ev: "Evaluation", i: int) -> np.ndarray:
    """The body of table ``i``, one trial a cell (see the module docstring). A table whose
    formulas read the table itself is a cycle: without iteration it is found here (the
    evaluation then shows its cells as 0 and reports them); with iteration each pass reads the
    table as the last pass left it."""
    f = ev.book.formulas[i]
    spec, area, s = f.table, f.area, f.sheet
    assert spec is not None and area is not None
    r1, c1, r2, c2 = area
    h, w = r2 - r1 + 1, c2 - c1 + 1
    inputs = [cell for cell in (spec.row_input, spec.column_input) if cell is not None]
    sources = {_source(spec, area, r, c) for r in range(r1, r2 + 1) for c in (c1, c2)} | \
        {_source(spec, area, r, c) for r in (r1, r2) for c in range(c1, c2 + 1)}  # each source is on an edge
    upstream = ev.graph.ancestors(ev.cells[(s, r, c)] for r, c in sources if (s, r, c) in ev.cells) \
        if ev.graph is not None else set()
    if i in upstream and not ev.book.iterate:  # the table's formulas read the table
        ev.note_cycle()
        return np.full((h, w), 0.0, dtype=object)
    trial = _reached(ev, i, s, inputs, upstream)
    if h * w * max(1, len(trial)) > limits.MAX_DATA_TABLE_WORK:
        ev.warnings.append(f"{ev.place(f)}:{a1(r2, c2)}: a what-if data table of {h * w:,} cells over "
                           f"{len(trial):,} formula cells is more than {limits.MAX_DATA_TABLE_WORK:,} cell "
                           "computations: its cached values are kept as they are")
        cached = ev.book.sheets[s].values
        out = np.empty((h, w), dtype=object)
        for r in range(h):
            for c in range(w):
                out[r, c] = cached.get((r1 + r, c1 + c))
        return out
    tops = [ev.cell(s, r1 - 1, c) for c in range(c1, c2 + 1)] if spec.row_input is not None else []
    lefts = [ev.cell(s, r, c1 - 1) for r in range(r1, r2 + 1)] if spec.column_input is not None else []
    keys = [(ev.book.formulas[j].sheet, ev.book.formulas[j].row, ev.book.formulas[j].col) for j in trial]
    input_keys = [(s, r, c) for r, c in inputs if (s, r, c) in ev.cells]
    warned, failures = len(ev.warnings), ev.failures
    out = np.empty((h, w), dtype=object)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            subs = []
            if spec.row_input is not None:
                subs.append((spec.row_input, tops[c - c1]))
            if spec.column_input is not None:
                subs.append((spec.column_input, lefts[r - r1]))
            out[r - r1, c - c1] = cell_value(_trial(ev, s, subs, keys, input_keys, _source(spec, area, r, c)))
    _trial_warnings(ev, f, warned, failures)
    return out


def _reached(ev: "Evaluation", i: int, sheet: int, inputs: list[Cell], upstream: set[int]) -> list[int]:
    """The formula cells a trial must compute again: those reading an input cell, and the
    formula cells reading those, directly or not, that the table's formulas depend on
    (``upstream``). When one of ``upstream`` finds its references only as it runs (volatile
    ones: OFFSET, INDIRECT ...; INDEX ending a range), every reader of such cells too, wherever
    it is: no static edge says what those reach. Table ``i`` itself and formula cells that are
    input cells are left out: a trial sets those."""
    formulas = ev.book.formulas
    seeds = [j for j, areas in ev.reads.items()
             if any(sh == sheet and a <= r <= b and c1 <= c <= c2 for (sh, a, c1, b, c2) in areas for r, c in inputs)]
    dynamic = [j for j in ev.run_time_readers() if j in upstream]
    readers = ev.readers()
    seen: set[int] = set()
    todo = seeds + (ev.run_time_readers() if dynamic else [])
    while todo:
        j = todo.pop()
        if j in seen:
            continue
        seen.add(j)
        todo.extend(readers.get(j, ()))
    if not dynamic:
        seen &= upstream
    seen.discard(i)
    for r, c in inputs:
        seen.discard(ev.cells.get((sheet, r, c), -1))
    return sorted(seen, key=lambda j: (formulas[j].sheet, formulas[j].row, formulas[j].col))


def _trial(ev: "Evaluation", sheet: int, subs: list[tuple[Cell, Any]], keys: list[tuple[int, int, int]],
           input_keys: list[tuple[int, int, int]], source: Cell) -> Any:
    """Put ``subs`` into their input cells, read ``source`` (computing again the formula cells
    of ``keys`` it reaches), then put back every cell, result and pending mark as it was."""
    pending = ev.pending
    outer = ev.trial
    ev.trial = {}
    ev.grid.begin()
    added = [k for k in keys if k not in pending]
    pending.update(added)
    held = [k for k in input_keys if k in pending]
    pending.difference_update(held)
    try:
        for (r, c), value in subs:
            ev.grid.put(sheet, r, c, value)
        ev.ranges.clear()
        return ev.cell(sheet, *source)
    finally:
        ev.grid.rollback()
        done, ev.trial = ev.trial, outer
        formulas = ev.book.formulas
        for j, before in done.items():  # each was pending when it was computed
            vars(ev.results[j]).update(before)
            pending.add((formulas[j].sheet, formulas[j].row, formulas[j].col))
        pending.difference_update(added)
        pending.update(held)
        ev.ranges.clear()


def _trial_warnings(ev: "Evaluation", f: Formula, warned: int, failures: int) -> None:
    """Cells failing in trials warn once for the table (the first three kinds of failure), not
    once a trial."""
    new = list(dict.fromkeys(ev.warnings[warned:]))
    del ev.warnings[warned:]
    ev.failures = failures
    for line in new[:3]:
        ev.warnings.append(f"{ev.place(f)} (a what-if data table), with its inputs substituted: {line}")
    if len(new) > 3:
        ev.warnings.append(f"{ev.place(f)} (a what-if data table): and {len(new) - 3} more such warnings")
