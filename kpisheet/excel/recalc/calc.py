"""The formula engine: compile every formula cell, order them, evaluate, spill.

:class:`Calculator` is the one interface ``recalc`` uses (see :class:`~.model.FormulaEngine`):
give it a :class:`~.model.Book` (sheets' values and formula cells) and extra functions (docs/excel.md's), and
it returns every formula cell's new value and the spills of array formulas, as a
:class:`~.model.CalcResult`; the book and its formulas are left as they were.

One calculation is an :class:`Evaluation`, in three parts:

- compiling (:mod:`.compiler`): formulas of the same shape (``=B2*2`` in C2, ``=B3*2`` in C3)
  are compiled once, to closures run with each cell's offset;
- ordering (:mod:`.order`): cells in dependency order, cycles found (without iteration enabled
  in the workbook, the cells of a cycle become 0, as Excel shows them, and are reported; with
  ``iterate="1"`` they are iterated as Excel does). References only known at run time (OFFSET,
  INDIRECT) evaluate the cells they reach on demand;
- spilling (:mod:`.spill`): each result laid onto a working copy of the sheets.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator, Mapping, Optional

import numpy as np

from ... import limits
from . import values as V
from .ast import Call, Node, Reference
from .cellguard import (MAX_CELL_WARNINGS, BeyondLimits, OverLimit, check_array, check_whole_spill, describe_failure,
                        noting, parse_within_limits, stop_noting)
from .compiler import Compiler, Lambda, Thunk, Unsupported
from .model import VOLATILE, Area, Book, CalcResult, CellResult, ExtraFunction, Formula, FormulaEngine, Sheet
from .datatable import compute as compute_table, table_reads
from .order import Dependencies, FormulaIndex, Reads, SheetArea, areas_read, reached_at_run_time, reads_of
from .parser import MAX_COL, MAX_ROW, FormulaSyntaxError
from .ranges import Areas, RangeData, Ref
from .sheetxml import a1
from .spill import Grid, cell_value, fit_to_area, one_value, spill_area, spilled_values
from .values import Value, XlFail
from .outside import computed_elsewhere, kept_because

__all__ = ["VOLATILE", "Book", "CalcResult", "Calculator", "CellResult", "Evaluation", "ExtraFunction", "Formula",
           "FormulaEngine", "Sheet", "cell_value"]

CompileKey = tuple[str, tuple[int, int], int, str]  # (text, anchor, sheet, kind): one compiled formula
_SCALARS = (float, str, bool, V.Err)  # the values a cell holds as they are (deref gives them back)


class _ExcelFunctions(Mapping[str, Any]):
    """Excel's functions (:mod:`.xlfuncs`), imported when a formula first names one that is not
    docs/excel.md's: a book whose formulas call only KPI() and its kin never pays for the import."""

    def __init__(self) -> None:
        self._functions: Optional[Mapping[str, Any]] = None

    def _all(self) -> Mapping[str, Any]:
        if self._functions is None:
            from .xlfuncs import FUNCTIONS
            self._functions = FUNCTIONS
        return self._functions

    def __getitem__(self, name: str) -> Any:
        return self._all()[name]

    def __contains__(self, name: object) -> bool:
        return name in self._all()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class Calculator:
    """Excel's formula semantics over a :class:`~.model.Book`; see the module docstring."""

    def calculate(self, book: Book, extra: Mapping[str, ExtraFunction]) -> CalcResult:
        """Every formula cell of ``book`` computed; the book is not changed (README#hostile-and-broken-input: a cell
        that fails is an error value in that cell, with a warning, never an exception). Date text
        in arithmetic and criteria counts in the book's date system (1900 or 1904)."""
        system = V.DATE1904.set(book.date1904)
        evaluation: Optional[Evaluation] = None
        try:
            evaluation = Evaluation(book, extra)
            return evaluation.run()
        finally:
            if evaluation is not None:
                evaluation.release()
            V.DATE1904.reset(system)


class Evaluation:
    """One calculation of a book, and the :class:`~.compiler.Context` its compiled formulas and
    Excel's functions (:mod:`.xlfuncs`, as ``ev``) run against: the cell being computed, the
    cells and ranges they read (computing a formula cell first when it is still pending)."""

    def __init__(self, book: Book, extra: Mapping[str, ExtraFunction]) -> None:
        formulas = book.formulas
        self.book = book
        self.sheets = book.sheets
        self.extra = extra
        self.date1904 = book.date1904
        self.by_name = {s.name.upper(): i for i, s in enumerate(book.sheets)}
        self.index = FormulaIndex(formulas)
        self.cells = self.index.cells  # (sheet, row, col) → formula index
        self.grid = Grid(book.sheets)
        self.compiler = Compiler(self, book, extra, _ExcelFunctions())
        self.results = [CellResult(kind=f.kind, volatile=f.volatile) for f in formulas]
        self.texts, self.anchors = book.shared_formulas
        self.code: list[Optional[Thunk]] = [None] * len(formulas)
        self.reads: dict[int, list[SheetArea]] = {}
        self.broken: set[int] = set()  # formula cells that are #VALUE! before they run (too deep ...)
        self.pending: set[tuple[int, int, int]] = set(self.cells)
        self.active: set[int] = set()
        self.ranges: dict[tuple[int, int, int, int, int], RangeData] = {}
        # Whole rows and columns are read up to their sheet's last used cell, plus ``_pad``
        # (None: all of them); ``_left``: while a cell is computed, the fewest cells a whole row
        # or column it read had left past that (None: it read none; see _untrimmed).
        self._pad: Optional[int] = 0
        self._left: Optional[int] = None
        # whether the cell being computed took a whole row or column as an array (A:A="" inside
        # SUMPRODUCT): a normal cell's value may then depend on the blanks past the used part too
        self._whole_array = False
        self._padded: dict[int, dict[tuple[int, int, int, int, int], RangeData]] = {}  # ranges read with a pad
        self.unsupported: dict[str, str] = {}
        self.warnings: list[str] = []
        self._cycle_reached = False  # set when a cell being computed is read again (a cycle met at run time)
        self._elsewhere: set[str] = set()  # functions computed outside the workbook, each warned once
        self.circular: list[str] = []
        self.failures = 0
        self.graph: Optional[Dependencies] = None  # set by run(), once the cells are ordered
        # during a data table's trial: each formula cell computed, with its result's fields before (datatable.py)
        self.trial: Optional[dict[int, dict[str, Any]]] = None
        self._readers: Optional[dict[int, list[int]]] = None
        self._run_time: Optional[list[int]] = None
        # the Context: the cell being computed and its offset from its formula's anchor
        self.cur: Formula = formulas[0] if formulas else Formula(0, 1, 1, "", (1, 1))
        self.dr = 0
        self.dc = 0
        self.array_context = False
        self._ast_cache: dict[str, Node] = {}
        self._spilling: dict[str, bool] = {}  # by formula text: whether _spills_ours
        self._code: dict[CompileKey, Thunk] = {}
        self._failed: dict[CompileKey, Exception] = {}
        self._reads: dict[CompileKey, Reads] = {}  # what each shape reads, placed per cell
        self._group: dict[CompileKey, list[int]] = {}  # the formula cells of each shape
        texts, anchors = self.texts, self.anchors
        for i, f in enumerate(formulas):
            k = (texts[i], anchors[i], f.sheet, f.kind)
            found = self._group.get(k)
            if found is None:
                self._group[k] = [i]
            else:
                found.append(i)

    def release(self) -> None:
        """Drop the compiled formulas and the compiler once the run is over. Their closures
        read cells through this evaluation, which holds them: a cycle that only the cyclic
        garbage collector would free, walking every object of the run first (60-90 ms after
        10,000 KPI cells). Broken here, reference counting frees the run at once."""
        self.code = []
        self._code = {}
        self._failed = {}
        self.compiler = None  # type: ignore[assignment]

    # --- a cell that fails ----------------------------------------------------------------

    def cell_failed(self, f: Formula, cause: "Exception | str", shown: str = "#VALUE!") -> None:
        """One warning naming the cell and why it is ``shown`` (the first MAX_CELL_WARNINGS; then a count)."""
        self.failures += 1
        if self.failures <= MAX_CELL_WARNINGS:
            self.warnings.append(f"{self.place(f)}: {shown}: {describe_failure(cause)}")

    def place(self, f: Formula) -> str:
        return f"{self.sheets[f.sheet].name}!{a1(f.row, f.col)}"

    # --- the Context: reading cells and ranges ----------------------------------------------

    def cell(self, sheet: int, row: int, col: int) -> Value:
        key = (sheet, row, col)
        if key in self.pending:
            self._on_demand(self.cells[key])
        return self.grid.read(sheet).get((row, col))

    def data(self, ref: Ref) -> RangeData:
        """The values of a range (its formula cells computed first), cached until a cell changes."""
        key = ref.key
        whole = ref.r2 >= MAX_ROW or ref.c2 >= MAX_COL
        if whole:
            sh = self.sheets[ref.sheet]
            left = min(MAX_ROW - max(sh.max_row, ref.r1) if ref.r2 >= MAX_ROW else MAX_ROW * MAX_COL,
                       MAX_COL - max(sh.max_col, ref.c1) if ref.c2 >= MAX_COL else MAX_ROW * MAX_COL)
            self._left = left if self._left is None else min(self._left, left)
        rd = self.ranges.get(key)
        if rd is None:
            sh = self.sheets[ref.sheet]
            r2, c2, pad = ref.r2, ref.c2, self._pad
            if whole and pad is not None:
                r2 = min(ref.r2, max(sh.max_row + pad, ref.r1)) if ref.r2 >= MAX_ROW else ref.r2
                c2 = min(ref.c2, max(sh.max_col + pad, ref.c1)) if ref.c2 >= MAX_COL else ref.c2
            formulas = self.book.formulas
            for i in self.index.formulas_in(ref.sheet, ref.r1, ref.c1, r2, c2):
                f = formulas[i]
                if (f.sheet, f.row, f.col) in self.pending:
                    self._on_demand(i)
            vals = self.grid.read(ref.sheet)
            h, w = r2 - ref.r1 + 1, c2 - ref.c1 + 1
            # README#hostile-and-broken-input: SUM(Data!A:XFD) over a far corner is #NUM!, not 128 GiB
            check_array(h, w)
            arr = np.empty((h, w), dtype=object)
            if h * w > 4 * len(vals):  # sparse: walk the cells that exist
                for (r, c), v in vals.items():
                    if ref.r1 <= r <= r2 and ref.c1 <= c <= c2:
                        arr[r - ref.r1, c - ref.c1] = v
            elif w == 1:
                c = ref.c1
                get = vals.get
                arr[:, 0] = [get((r, c)) for r in range(ref.r1, r2 + 1)]
            else:
                get = vals.get
                for i, r in enumerate(range(ref.r1, r2 + 1)):
                    arr[i, :] = [get((r, c)) for c in range(ref.c1, c2 + 1)]
            rd = RangeData(arr)
            self.ranges[key] = rd
        return rd

    def formulas_in(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> Iterator[int]:
        """The formula cells inside an area (indexes into ``book.formulas``)."""
        return self.index.formulas_in(sheet, r1, c1, r2, c2)

    def deref(self, v: Any) -> Value:
        """A scalar from a value, a reference (implicit intersection) or an array (its first item)."""
        if isinstance(v, Ref):
            if v.is_cell:
                return self.cell(v.sheet, v.r1, v.c1)
            f = self.cur  # implicit intersection, by row or column number on any sheet
            if v.c1 == v.c2 and v.r1 <= f.row <= v.r2:
                return self.cell(v.sheet, f.row, v.c1)
            if v.r1 == v.r2 and v.c1 <= f.col <= v.c2:
                return self.cell(v.sheet, v.r1, f.col)
            return V.VALUE
        if isinstance(v, np.ndarray):
            return v.flat[0] if v.size else V.VALUE  # type: ignore[no-any-return]
        if isinstance(v, Lambda):
            return V.CALC  # a LAMBDA not called
        if isinstance(v, Areas):
            return V.VALUE  # several areas where one value is needed
        return v  # type: ignore[no-any-return]

    def array(self, v: Any) -> np.ndarray:
        """A value as a 2-D array: a range's values, an array itself, a scalar as 1×1."""
        if isinstance(v, Ref):
            if v.r2 >= MAX_ROW or v.c2 >= MAX_COL:
                self._whole_array = True
            return self.data(v).values
        if isinstance(v, np.ndarray):
            return v
        if isinstance(v, Areas):
            raise XlFail(V.VALUE)
        out = np.empty((1, 1), dtype=object)
        out[0, 0] = v
        return out

    def sheet_index(self, name: str) -> Optional[int]:
        return self.by_name.get(name.upper())

    def spilled_area(self, i: int) -> Area:
        """Where formula ``i``'s array lies now (``A1#``): its spill once computed, else its
        area in the file, else its own cell."""
        f = self.book.formulas[i]
        return self.results[i].spill_area or f.area or (f.row, f.col, f.row, f.col)

    def call_lambda(self, f: Lambda, values: list[Any]) -> Any:
        """Call a LAMBDA's value (for functions such as MAP that take one)."""
        return self.compiler.call_lambda(f, values)

    # --- compiling ---------------------------------------------------------------------------

    def ast(self, text: str) -> Node:
        """The formula's tree, parsed once; :class:`BeyondLimits` past Excel's length or nesting."""
        node = self._ast_cache.get(text)
        if node is None:
            node = self._ast_cache[text] = parse_within_limits(text)
        return node

    def _key(self, i: int) -> CompileKey:
        return (self.texts[i], self.anchors[i], self.book.formulas[i].sheet, self.book.formulas[i].kind)

    def _prepare(self, i: int) -> None:
        """Compile formula ``i`` (once per shape) and list what it reads."""
        f = self.book.formulas[i]
        res = self.results[i]
        if f.kind == "table":  # computed by datatable.py, reading its formulas and input values
            self.reads[i] = table_reads(f)
            return
        text, anchor = self.texts[i], self.anchors[i]
        shift = (f.row - anchor[0], f.col - anchor[1])
        ckey = (text, anchor, f.sheet, f.kind)
        shifted = shift != (0, 0) or len(self._group.get(ckey, ())) > 1
        code = self._code.get(ckey)
        reads = self._reads.get(ckey)
        if code is not None and reads is not None:  # a shape met before: compiled, its reads listed
            self.code[i] = code
            self.reads[i] = areas_read(reads, f, shift if shifted else None, self.book)
            res.volatile = reads.volatile or res.volatile
            return
        try:
            failed = self._failed.get(ckey)
            if failed is not None:
                raise failed
            code = self._code.get(ckey)
            if code is None:
                code = self._code[ckey] = self.compiler.formula(self.ast(text), f.sheet, f.kind != "normal", shifted)
            self.code[i] = code
        except Unsupported as exc:
            self._failed[ckey] = exc
            if exc.name == "external reference":
                res.keep = True
                if not any("other workbooks" in w for w in self.warnings):
                    self.warnings.append(f"{self.place(f)} and maybe more read other workbooks: "
                                         "their cached values are kept as they are")
            elif computed_elsewhere(exc.name):  # RTD, CUBEVALUE, a VBA function: only Excel has its value
                res.keep = True
                if exc.name not in self._elsewhere:
                    self._elsewhere.add(exc.name)
                    self.warnings.append(f"{self.place(f)} and maybe more call {exc.name}, "
                                         f"{kept_because(exc.name)}: their cached values are kept as they are")
            else:
                res.unsupported = (exc.name,)
                self.unsupported.setdefault(exc.name, self.place(f))
        except BeyondLimits as exc:  # a formula past Excel's limits: #VALUE!, not #NAME?
            self._fail_compile(i, exc)
            return
        except FormulaSyntaxError as exc:
            self._failed[ckey] = exc
            res.unsupported = ("syntax",)
            self.warnings.append(f"{self.place(f)}: cannot read formula ={text}: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - a formula we cannot compile is that cell's #VALUE!
            self._fail_compile(i, exc)
            return
        try:
            node = self.ast(text)
        except FormulaSyntaxError:
            self.reads[i] = []
            return
        reads = self._reads.get(ckey)
        if reads is None:
            reads = self._reads[ckey] = reads_of(node, f.sheet, self.book, self.sheet_index, anchor)
        self.reads[i] = areas_read(reads, f, shift if shifted else None, self.book)
        res.volatile = reads.volatile or res.volatile

    def _fail_compile(self, i: int, exc: Exception) -> None:
        self._failed[self._key(i)] = exc
        self.code[i] = None
        self.broken.add(i)
        self.reads[i] = []
        self.cell_failed(self.book.formulas[i], exc)

    def _spills_ours(self, i: int) -> bool:
        """Whether plain formula ``i`` calls a spilling function of ours (docs/excel.md's tables) at its
        top (known once a shape's text: asked of every plain formula cell)."""
        text = self.texts[i]
        found = self._spilling.get(text)
        if found is None:
            try:
                node = self.ast(text)
            except FormulaSyntaxError:
                found = False
            else:
                ext = self.extra.get(node.name) if isinstance(node, Call) else None
                found = ext is not None and ext.spills
            self._spilling[text] = found
        return found

    # --- evaluating ----------------------------------------------------------------------

    def run(self) -> CalcResult:
        formulas = self.book.formulas
        batched = self._batched()
        if len(batched) == len(formulas):  # each read only values: nothing to order, no mark to spread
            return self._result()
        for i in range(len(formulas)):
            if i in batched:
                continue
            try:
                self._prepare(i)
            except Exception as exc:  # noqa: BLE001 - e.g. a defined name nested past any limit
                self._fail_compile(i, exc)
        spills = [(f.sheet, f.area, i) for i, f in enumerate(formulas)
                  if f.kind != "normal" and f.area is not None]  # reading there reads the owner
        graph = self.graph = Dependencies(formulas, self.index, self.reads, spills)
        comps = graph.components()
        # Arrays first (with what they read): a cell reading where an array will spill for the
        # first time cannot know it from the file, so it must come after every array.
        first = graph.ancestors([i for i, f in enumerate(formulas)
                                 if f.kind == "dynamic" or (f.kind == "normal" and self._spills_ours(i))])
        for pass_ in (0, 1):
            for comp in comps:
                if (comp[0] in first) != (pass_ == 0):
                    continue
                if graph.is_cycle(comp):
                    self._cycle(comp)
                elif (formulas[comp[0]].sheet, formulas[comp[0]].row, formulas[comp[0]].col) in self.pending:
                    self.evaluate(comp[0])
        # volatility, and not knowing a function, spread to every cell that reads such a cell
        volatile = [r.volatile for r in self.results]
        uncertain = [r.uncertain or bool(r.unsupported) for r in self.results]
        graph.spread(volatile)
        graph.spread(uncertain)
        for r, v, u in zip(self.results, volatile, uncertain):
            r.volatile, r.uncertain = v, u
        return self._result()

    def _result(self) -> CalcResult:
        if self.failures > MAX_CELL_WARNINGS:
            self.warnings.append(f"and {self.failures - MAX_CELL_WARNINGS} more cells are errors for the same "
                                 "kinds of reasons")
        return CalcResult(self.book.formulas, self.results, self.unsupported, self.circular, self.warnings,
                          sheet_values=self.grid.read)

    def _batched(self) -> set[int]:
        """Compute at once the cells of each shape that is one call of an extra function over
        single cells holding no formula (``=KPI(A2,B2,C2)`` copied down a column), each with the
        value ``evaluate`` gives it: their arguments are values from the file, so they read nothing
        computed, and the function's ``batch`` (one engine question per KPI and period) or its
        calls in a row answer them without the per-cell compile, order and evaluate. Only in a
        book with no array, spill or data table (a spill could cover an argument); a cell reading
        a formula cell, and any shape whose batch raises, is left to the per-cell path. Returns
        the indexes computed."""
        formulas = self.book.formulas
        if not self.extra or any(f.kind != "normal" for f in formulas):
            return set()
        if any(self._spills_ours(ix[0]) for ix in self._group.values()):
            return set()  # a spill of ours may land on any argument
        done: set[int] = set()
        cells, pending, saved = self.cells, self.pending, (self.cur, self.dr, self.dc)
        formula_cols: dict[int, set[int]] = {}  # by sheet: the columns holding formula cells
        for (sheet, _, col) in cells:
            formula_cols.setdefault(sheet, set()).add(col)
        shapes: list[tuple[ExtraFunction, tuple[int, int], list[int], list[tuple[Any, ...]]]] = []
        for (text, anchor, home, _), ix in self._group.items():
            plan = self._batch_plan(text, home)
            if plan is None:
                continue
            ext, refs = plan
            members, args = self._batch_args(ix, anchor, refs, formula_cols)  # no argument is a formula cell
            if members:
                shapes.append((ext, anchor, members, args))
        for ext, _, _, args in shapes:  # all shapes' arguments readied before the first is asked
            if ext.prepare is not None:
                try:
                    ext.prepare(args)
                except Exception:  # noqa: BLE001 - only readying: batch or the per-cell path says what is wrong
                    pass
        for ext, anchor, members, args in shapes:
            try:
                found = ext.batch(args) if ext.batch is not None else [ext.call(*a) for a in args]
                if len(found) != len(members):
                    continue
            except Exception:  # noqa: BLE001 - the per-cell path computes them, failures and all
                continue
            for i, value in zip(members, found):  # each reads no formula cell: no reads, no edge
                f = formulas[i]
                if value is None or type(value) in _SCALARS:
                    self._put_value(i, f, value)  # a plain cell's value, as _store lays it
                else:
                    self.cur, self.dr, self.dc = f, f.row - anchor[0], f.col - anchor[1]
                    self._store_checked(i, value)
                pending.discard((f.sheet, f.row, f.col))
                done.add(i)
        self.cur, self.dr, self.dc = saved
        return done

    def _batch_args(self, ix: list[int], anchor: tuple[int, int], refs: list[tuple[int, int, int, int, int]],
                    formula_cols: dict[int, set[int]]) -> tuple[list[int], list[tuple[Any, ...]]]:
        """For :meth:`_batched`: the cells of a shape that read no formula cell, and each one's
        arguments as the per-cell path reads them (a place off the grid is #REF!). An argument
        in one column holding no formula, on rows inside the grid (``A2`` copied down), is read
        for all the cells at once."""
        formulas, cells = self.book.formulas, self.cells
        drs = [formulas[i].row - anchor[0] for i in ix]
        dcs = [formulas[i].col - anchor[1] for i in ix]
        keep = [True] * len(ix)
        columns: list[list[Value]] = []
        for si, r1, c1, rr, rc in refs:
            values, fcols = self.grid.read(si), formula_cols.get(si, set())
            if rc == 0 or min(dcs) == max(dcs):
                c = c1 + dcs[0] * rc
                lo, hi = r1 + min(drs) * rr, r1 + max(drs) * rr
                if 1 <= c <= MAX_COL and c not in fcols and 1 <= lo and hi <= MAX_ROW:
                    get = values.get
                    columns.append([get((r1 + d * rr, c)) for d in drs])
                    continue
            column: list[Value] = []
            for k, (dr, dc) in enumerate(zip(drs, dcs)):
                r, c = r1 + dr * rr, c1 + dc * rc
                if r < 1 or c < 1 or r > MAX_ROW or c > MAX_COL:
                    column.append(V.REF)
                elif c in fcols and (si, r, c) in cells:
                    keep[k] = False  # reads a formula cell: computed in order, on its own
                    column.append(None)
                else:
                    column.append(values.get((r, c)))
            columns.append(column)
        args: list[tuple[Any, ...]] = list(zip(*columns)) if columns else [()] * len(ix)
        return [i for i, k in zip(ix, keep) if k], [a for a, k in zip(args, keep) if k]

    def _batch_plan(self, text: str, home: int) -> Optional[tuple[ExtraFunction, list[tuple[int, int, int, int, int]]]]:
        """For :meth:`_batched`: the extra function a shape calls and its arguments' cells as
        (sheet, row, col, row moves, col moves), when the formula is that call and nothing else."""
        try:
            node = self.ast(text)
        except Exception:  # noqa: BLE001 - a formula we cannot read is the per-cell path's to report
            return None
        if not isinstance(node, Call):
            return None
        ext = self.extra.get(node.name)
        if ext is None or ext.spills:
            return None
        refs = []
        for a in node.args:
            if not isinstance(a, Reference) or not a.is_cell:
                return None
            si = home if a.sheet is None else self.sheet_index(a.sheet)
            if si is None:
                return None
            refs.append((si, a.r1, a.c1, int(a.rel[0]), int(a.rel[1])))
        return ext, refs

    # --- what data tables ask (datatable.py) ------------------------------------------------

    def note_cycle(self) -> None:
        """A cell being computed is met again: the cycle is real, not only on paper."""
        self._cycle_reached = True

    def readers(self) -> dict[int, list[int]]:
        """Formula cell → the formula cells reading it (after ordering), built once."""
        if self._readers is None:
            self._readers = {}
            for v, succ in (self.graph.adj if self.graph is not None else {}).items():
                for w in succ:
                    self._readers.setdefault(w, []).append(v)
        return self._readers

    def run_time_readers(self) -> list[int]:
        """Formula cells whose references are known only when they run: volatile ones (OFFSET,
        INDIRECT ...) and those with INDEX ending a range. No static edge leads to what they read."""
        if self._run_time is None:
            out = []
            for i, f in enumerate(self.book.formulas):
                if f.kind == "table":
                    continue
                if self.results[i].volatile:
                    out.append(i)
                    continue
                try:
                    node = self.ast(self.texts[i])
                except Exception:  # noqa: BLE001 - a formula we cannot read reads nothing
                    continue
                if reached_at_run_time(node):
                    out.append(i)
            self._run_time = out
        return self._run_time

    def _forget_ranges(self) -> None:
        """Drop the ranges read so far (a cell they hold has changed), padded ones too."""
        self.ranges.clear()
        for cached in self._padded.values():
            cached.clear()

    def _on_demand(self, i: int) -> None:
        if i in self.active:
            self._cycle_reached = True
            return  # a cycle reached at run time: read the value as it is now
        self.evaluate(i)
        self._forget_ranges()

    def evaluate(self, i: int) -> None:
        """Compute formula ``i`` and lay its result onto the grid; never raises for the cell's sake."""
        f = self.book.formulas[i]
        res = self.results[i]
        saved = (self.cur, self.dr, self.dc)
        if self.trial is not None and i not in self.trial:
            self.trial[i] = dict(vars(res))  # given back when the data table's trial ends
        self.active.add(i)
        try:
            self.cur = f if res.kind == f.kind else replace(f, kind=res.kind)
            anchor = self.anchors[i]
            self.dr, self.dc = f.row - anchor[0], f.col - anchor[1]
            fn = self.code[i]
            if res.keep:
                result: Any = self.grid.read(f.sheet).get((f.row, f.col))
            elif i in self.broken:
                result = V.VALUE
            elif f.kind == "table":
                try:
                    result = compute_table(self, i)
                except Exception as exc:  # noqa: BLE001 - one table never kills the run
                    result = V.VALUE
                    self.cell_failed(f, exc)
            elif fn is None:
                result = V.NAME
            else:
                noted, token = noting()
                outer, self._left = self._left, None
                outer_whole, self._whole_array = self._whole_array, False
                try:
                    result = fn()
                    # a normal cell shows an array's first item (implicit intersection): only its
                    # single value is probed, never grown into a spill
                    if self._left is not None and not isinstance(result, (Ref, Areas, Lambda)) and (
                            res.kind != "normal" or (self._whole_array and not isinstance(result, np.ndarray))):
                        result = self._untrimmed(f, res.kind, fn, result)
                except XlFail as e:
                    result = e.err
                except RecursionError:
                    result = V.VALUE
                    self.cell_failed(f, f"formula nested too deeply (Excel allows {limits.MAX_NESTING} levels)")
                # one cell never kills the run (README#hostile-and-broken-input)
                except Exception as exc:  # noqa: BLE001
                    result = V.VALUE
                    self.cell_failed(f, exc)
                finally:
                    stop_noting(token)
                    self._left, self._whole_array = outer, outer_whole
                if noted:
                    shown = self.deref(result)
                    self.cell_failed(f, noted[0], shown.text if isinstance(shown, V.Err) else "an error inside")
            self._store_checked(i, result)
        finally:  # pending until stored: a cell whose result (a reference) reads itself is a cycle met
            self.pending.discard((f.sheet, f.row, f.col))
            self.active.discard(i)
            self.cur, self.dr, self.dc = saved

    def _untrimmed(self, f: Formula, kind: str, fn: Thunk, result: Any) -> Any:
        """Array formula ``f``'s result when it read a whole row or column, which is read only
        up to its sheet's last used cell, for speed (a normal cell's too, when it took a whole row
        or column as an array: ``SUMPRODUCT(--(A:A=""))``). Computed again with one more blank row and
        column: a result that does not change (``FILTER(A:B, A:A>1)``) is the answer as it was;
        an array that grows once and no more (``UNIQUE(A:A)`` gains the blank) is the answer
        with that blank. Otherwise it depends on every cell of the row or column, as Excel
        computes it: an array that keeps growing (``A:A*2``, ``TOROW(1:4)``) fills a legacy
        array's fixed area when computed with as many more blank cells as the area is large,
        and is #SPILL! when a spill that large passes the grid's edge; anything else
        (``ARRAYTOTEXT(1:2)``, a spill that fits, a normal cell's value the blanks change) is
        computed over all of the row or column, or, past :data:`~kpisheet.limits.MAX_WHOLE_SPILL`
        cells, #NUM! with a warning."""
        saved = self.ranges, self._pad
        left = self._left or 0
        try:
            self.ranges, self._pad = self._padded.setdefault(1, {}), 1
            once = fn()
            if _same(once, result):
                return result
            if isinstance(result, np.ndarray) and isinstance(once, (np.ndarray, Ref)) \
                    and self.array(once).shape != result.shape:
                (h0, w0), (h1, w1) = result.shape, self.array(once).shape
                self.ranges, self._pad = self._padded.setdefault(2, {}), 2
                twice = fn()
                if isinstance(twice, (np.ndarray, Ref)) and self.array(twice).shape == (h1, w1):
                    return once
                if kind == "array":
                    assert f.area is not None
                    r1, c1, r2, c2 = f.area
                    self.ranges, self._pad = {}, max(r2 - r1, c2 - c1) + 1
                    return fn()
                h = h0 + max(h1 - h0, 0) * left  # each blank cell read adds h1 - h0 rows, w1 - w0 columns
                w = w0 + max(w1 - w0, 0) * left
                if f.row + h - 1 > MAX_ROW or f.col + w - 1 > MAX_COL:
                    return V.SPILL
                check_whole_spill(h, w)
            elif left > limits.MAX_WHOLE_SPILL:  # a value the blanks past the used part change
                raise OverLimit(V.NUM, f"the value depends on the {left:,} blank cells of a whole row or column past "
                                       f"its used part, more than the {limits.MAX_WHOLE_SPILL:,} recalc computes")
            self.ranges, self._pad = {}, None
            return fn()
        finally:
            self.ranges, self._pad = saved

    def _store_checked(self, i: int, result: Any) -> None:
        """:meth:`_store`, a result that cannot be laid being the cell's error, with a warning."""
        try:
            self._store(i, result)
        except OverLimit as e:  # a spill past the limits
            self.cell_failed(self.book.formulas[i], e.reason, e.err.text)
            self._store(i, e.err)
        except Exception as exc:  # noqa: BLE001 - as above, for what the result would spill
            self.cell_failed(self.book.formulas[i], exc)
            self._store(i, V.VALUE)

    def _put_value(self, i: int, f: Formula, v: Value) -> None:
        """A plain formula cell's single value (a scalar, a reference read) laid onto the grid."""
        if isinstance(v, str) and len(v) > limits.MAX_TEXT:
            self.cell_failed(f, f"a text of {len(v):,} characters is longer than Excel's {limits.MAX_TEXT:,}")
            v = V.VALUE
        value = self.results[i].value = cell_value(v)
        self.grid.put(f.sheet, f.row, f.col, value)

    def _store(self, i: int, result: Any) -> None:
        """Lay formula ``i``'s result onto the grid, as its kind says (spill.py's rules)."""
        f = self.book.formulas[i]
        res = self.results[i]
        if res.kind == "table":
            assert f.area is not None
            self._lay(i, fit_to_area(self.array(result), f.area), f.area)
            return
        if res.kind == "normal":
            if isinstance(result, np.ndarray) and self._spills_ours(i):
                res.kind = "dynamic"  # one of docs/excel.md's tables: written as a dynamic array
            else:
                self._put_value(i, f, self.deref(result))
                return
        if res.kind == "array":
            assert f.area is not None
            r1, c1, r2, c2 = f.area
            arr = self.array(result)
            if isinstance(result, Ref):
                arr = _full_size(arr, min(result.height, r2 - r1 + 1), min(result.width, c2 - c1 + 1))
            self._lay(i, fit_to_area(arr, f.area), f.area)
            return
        # dynamic: spill the result from the anchor
        dyn: Optional[np.ndarray] = self.array(result) if isinstance(result, (Ref, np.ndarray)) else None
        home = (f.row, f.col, f.row, f.col)
        sheet, cells = f.sheet, self.cells
        self.grid.forget(sheet, f.area or home,  # what the old spill wrote
                         lambda r, c: (r, c) == (f.row, f.col) or (sheet, r, c) in cells)
        if dyn is None:
            self._lay(i, one_value(self.deref(result)), home)
            return
        shape = (result.height, result.width) if isinstance(result, Ref) else dyn.shape
        where = spill_area(f.row, f.col, shape,
                           lambda area: self.grid.taken(sheet, area, (f.row, f.col),
                                                        lambda s, r, c: (s, r, c) in cells))
        if isinstance(where, V.Err):
            self._lay(i, one_value(where), home)
        else:
            self._lay(i, spilled_values(_full_size(dyn, *shape)), where)

    def _lay(self, i: int, out: np.ndarray, area: Area) -> None:
        res = self.results[i]
        self.grid.lay(self.book.formulas[i].sheet, out, area)
        res.value = out[0, 0]
        res.spill = out
        res.spill_area = area

    def _cycle(self, comp: list[int]) -> None:
        """A cycle: its cells 0 (and reported), or iterated when the workbook says so."""
        formulas = self.book.formulas
        if not self.book.iterate and self._cycle_only_on_paper(comp):
            return
        self.circular.extend(self.place(formulas[i]) for i in comp)
        if not self.book.iterate:
            for i in comp:
                f = formulas[i]
                self.results[i].circular = True
                self.results[i].value = 0.0
                if f.kind == "table" and f.area is not None:  # every cell of a data table
                    self._lay(i, fit_to_area(one_value(0.0), f.area), f.area)
                self.grid.put(f.sheet, f.row, f.col, 0.0)
                self.pending.discard((f.sheet, f.row, f.col))
            self._forget_ranges()
            return
        for i in comp:  # iterate: each pass computes every cell of the cycle once, in order
            f = formulas[i]
            self.pending.discard((f.sheet, f.row, f.col))
        for _ in range(max(1, self.book.iterate_count)):
            delta = 0.0
            for i in comp:
                before = self.results[i].value
                self._forget_ranges()
                self.evaluate(i)
                after = self.results[i].value
                if isinstance(before, float) and isinstance(after, float):
                    delta = max(delta, abs(after - before))
                elif before != after:
                    delta = float("inf")
            if delta < self.book.iterate_delta:
                break
        self._keep_converged(comp)
        self._forget_ranges()

    def _cycle_only_on_paper(self, comp: list[int]) -> bool:
        """Compute a cycle's cells as any others, and say whether no cell read itself while
        doing so: a circularity switch (``IF(Switch=1, Balance*Rate, 0)`` with the switch off)
        makes a cycle of the formulas' text that Excel never meets when it calculates."""
        formulas = self.book.formulas
        self._cycle_reached = False
        for i in comp:
            f = formulas[i]
            if (f.sheet, f.row, f.col) in self.pending:
                self._on_demand(i)
            if self._cycle_reached:
                break
        self._forget_ranges()
        return not self._cycle_reached

    def _keep_converged(self, comp: list[int]) -> None:
        """An iterated cycle whose cached values are already within ``iterateDelta`` of what it
        converges to keeps them: Excel stops there too, and a second run must not change the file."""
        formulas = self.book.formulas
        cached = [self.book.sheets[formulas[i].sheet].values.get((formulas[i].row, formulas[i].col)) for i in comp]
        for i, old in zip(comp, cached):
            new = self.results[i].value
            if not (isinstance(old, float) and isinstance(new, float) and abs(new - old) < self.book.iterate_delta):
                return
        for i, old in zip(comp, cached):
            f = formulas[i]
            self.results[i].value = old
            self.grid.put(f.sheet, f.row, f.col, old)


def _full_size(arr: np.ndarray, h: int, w: int) -> np.ndarray:
    """A reference's values at ``h`` by ``w``, its size on the grid: a whole column or row is
    read only up to its sheet's last used cell (:meth:`Calculator.data`), and the cells past
    that are blank, not missing (an array formula over them shows 0 there, not #N/A; a spill
    covers all of them, or is #SPILL! when they pass the grid's edge)."""
    if arr.shape == (h, w) or arr.shape[0] > h or arr.shape[1] > w:
        return arr
    check_whole_spill(h, w)
    out = np.empty((h, w), dtype=object)
    out[:arr.shape[0], :arr.shape[1]] = arr
    return out


def _same(a: Any, b: Any) -> bool:
    """Whether two results are the same values of the same types, item by item for arrays."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
            and all(type(x) is type(y) and x == y for x, y in zip(a.flat, b.flat))
    return type(a) is type(b) and bool(a == b)
