"""The formula engine: compile every formula cell, order them by dependency, evaluate.

:class:`Calculator` is the one interface ``recalc`` uses (see :class:`FormulaEngine`):
give it a :class:`Book` (sheets' values and formula cells) and extra functions (SPEC §4's),
and it returns every formula cell's new value and the spills of array formulas.

Formulas compile to Python closures over the AST (:mod:`.parser`). Cells are ordered with
Tarjan's algorithm over static references, so that a cycle is found, not followed
forever: without iteration enabled in the workbook, the cells of a cycle become 0 (as
Excel shows them) and are reported; with ``iterate="1"`` they are iterated as Excel does.
References only known at run time (OFFSET, INDIRECT) evaluate the cells they reach on
demand.
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Iterable, Mapping, Optional

import numpy as np

from ... import limits
from . import values as V
from .cellguard import (MAX_CELL_WARNINGS, BeyondLimits, check_array, check_nesting, check_text, describe_failure,
                        noting, stop_noting)
from .compiler import Compiler, Lambda, Thunk, _Unsupported
from .model import VOLATILE, Book, CalcResult, ExtraFunction, Formula, FormulaEngine, Sheet
from .parser import MAX_COL, MAX_ROW, FormulaSyntaxError, Node, parse, walk
from .ranges import Areas, RangeData, Ref
from .values import Value, XlFail

__all__ = ["VOLATILE", "Book", "CalcResult", "Calculator", "ExtraFunction", "Formula", "FormulaEngine", "Sheet"]


class Calculator:
    """Excel's formula semantics over a :class:`Book`; see the module docstring."""

    def calculate(self, book: Book, extra: Mapping[str, ExtraFunction]) -> CalcResult:
        system = V.DATE1904.set(book.date1904)  # issue 15: date text in arithmetic and criteria, in the book's system
        try:
            return _Run(book, extra).run()
        finally:
            V.DATE1904.reset(system)


def a1(row: int, col: int) -> str:
    from .sheetxml import a1 as _a1
    return _a1(row, col)


def cell_value(v: Any) -> Value:
    """A result as a cell holds it: an empty result shows 0, a number that is not finite is
    ``#NUM!`` (a cell cannot hold infinity or NaN, and the file cannot say it)."""
    if v is None:
        return 0.0
    if isinstance(v, float) and not math.isfinite(v):
        return V.NUM
    return v  # type: ignore[no-any-return]


def _reached_at_run_time(node: Node) -> set[int]:
    """The ranges a formula reads only in part, known when it runs: INDEX's range where INDEX
    ends a range (``SUM(INDEX(r,1,1):INDEX(r,1,n))``). They make no static dependency (the
    formula may sit inside ``r`` without being circular); the cells actually read are computed
    on demand."""
    out: set[int] = set()
    for n in walk(node):
        if n[0] == "bin" and n[1] == ":":
            for side in (n[2], n[3]):
                if side[0] == "call" and side[1] == "INDEX" and side[2] and side[2][0][0] == "ref":
                    out.add(id(side[2][0]))
    return out


class _Run(Compiler):
    def __init__(self, book: Book, extra: Mapping[str, ExtraFunction]) -> None:
        from .xlfuncs import FUNCTIONS
        self.book = book
        self.sheets = book.sheets
        self.extra = extra
        self.functions = FUNCTIONS
        self.by_name = {s.name.upper(): i for i, s in enumerate(book.sheets)}
        self.cells: dict[tuple[int, int, int], int] = {}
        for i, f in enumerate(book.formulas):
            self.cells[(f.sheet, f.row, f.col)] = i
        # formula cells per sheet and column, sorted rows: to find the formulas inside a range
        cols: dict[tuple[int, int], list[int]] = {}
        for f in book.formulas:
            cols.setdefault((f.sheet, f.col), []).append(f.row)
        self.fcols: dict[int, list[int]] = {}
        self.frows: dict[tuple[int, int], list[int]] = {}
        for (s, c), rows in cols.items():
            rows.sort()
            self.frows[(s, c)] = rows
            self.fcols.setdefault(s, []).append(c)
        for s in self.fcols:
            self.fcols[s].sort()
        # the areas dynamic arrays spill over now: reading them depends on the anchor
        self.spill_owner: list[tuple[int, tuple[int, int, int, int], int]] = [
            (f.sheet, f.area, i) for i, f in enumerate(book.formulas) if f.kind == "dynamic" and f.area]
        self.pending: set[tuple[int, int, int]] = set(self.cells)
        self.active: set[int] = set()
        self.ranges: dict[tuple[int, int, int, int, int], RangeData] = {}
        self.unsupported: dict[str, str] = {}
        self.warnings: list[str] = []
        self.circular: list[str] = []
        self.cur: Formula = book.formulas[0] if book.formulas else Formula(0, 1, 1, "", (1, 1))
        self.dr = 0
        self.dc = 0
        self.compiled: dict[int, Optional[Thunk]] = {}
        self.deps: dict[int, list[tuple[int, int, int, int, int]]] = {}
        self._ast_cache: dict[str, Any] = {}
        self._names_compiling: set[tuple[Optional[int], str]] = set()
        self.date1904 = book.date1904
        self._let_scopes: list[dict[str, object]] = []
        self._let_values: dict[object, Any] = {}
        self.broken: set[int] = set()  # formula cells that are #VALUE! before they run (too deep ...)
        self.failures = 0
        self._share_shapes()
        self._code: dict[tuple[str, tuple[int, int], int, str], Thunk] = {}
        self._failed: dict[tuple[str, tuple[int, int], int, str], Exception] = {}
        self._group: dict[tuple[str, tuple[int, int], int, str], int] = {}
        for f in book.formulas:
            k = (f.text, f.anchor, f.sheet, f.kind)
            self._group[k] = self._group.get(k, 0) + 1

    def _share_shapes(self) -> None:
        """Formulas that differ only by where they are (``=B2*2`` in C2, ``=B3*2`` in C3) are
        made one shared formula: parsed and compiled once, run with each cell's offset."""
        from .parser import shape
        first: dict[tuple[int, str, str], Formula] = {}
        for f in self.book.formulas:
            if f.anchor != (f.row, f.col) or f.kind != "normal":
                continue
            key = (f.sheet, f.kind, shape(f.text, f.row, f.col))
            anchor = first.get(key)
            if anchor is None:
                first[key] = f
            else:
                f.text, f.anchor = anchor.text, (anchor.row, anchor.col)

    # --- a cell that fails ----------------------------------------------------------------

    def cell_failed(self, f: Formula, cause: "Exception | str", shown: str = "#VALUE!") -> None:
        """One warning naming the cell and why it is ``shown`` (the first MAX_CELL_WARNINGS; then a count)."""
        self.failures += 1
        if self.failures <= MAX_CELL_WARNINGS:
            self.warnings.append(f"{self.place(f)}: {shown}: {describe_failure(cause)}")

    # --- reading cells and ranges -------------------------------------------------------

    def place(self, f: Formula) -> str:
        return f"{self.sheets[f.sheet].name}!{a1(f.row, f.col)}"

    def cell(self, sheet: int, row: int, col: int) -> Value:
        key = (sheet, row, col)
        if key in self.pending:
            self._on_demand(self.cells[key])
        return self.sheets[sheet].values.get((row, col))

    def data(self, ref: Ref) -> RangeData:
        key = ref.key
        rd = self.ranges.get(key)
        if rd is None:
            sh = self.sheets[ref.sheet]
            r2 = min(ref.r2, max(sh.max_row, ref.r1)) if ref.r2 >= MAX_ROW else ref.r2
            c2 = min(ref.c2, max(sh.max_col, ref.c1)) if ref.c2 >= MAX_COL else ref.c2
            for i in self._formulas_in(ref.sheet, ref.r1, ref.c1, r2, c2):
                f = self.book.formulas[i]
                if (f.sheet, f.row, f.col) in self.pending:
                    self._on_demand(i)
            vals = sh.values
            h, w = r2 - ref.r1 + 1, c2 - ref.c1 + 1
            check_array(h, w)  # SPEC §9: SUM(Data!A:XFD) over a far corner is #NUM!, not 128 GiB
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

    def _formulas_in(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> Iterable[int]:
        cols = self.fcols.get(sheet)
        if not cols:
            return
        lo = bisect.bisect_left(cols, c1)
        hi = bisect.bisect_right(cols, c2)
        for c in cols[lo:hi]:
            rows = self.frows[(sheet, c)]
            a = bisect.bisect_left(rows, r1)
            b = bisect.bisect_right(rows, r2)
            for r in rows[a:b]:
                yield self.cells[(sheet, r, c)]

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
        if isinstance(v, Ref):
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

    # --- dependencies and order -------------------------------------------------------------

    def prepare(self, i: int) -> None:
        f = self.book.formulas[i]
        self.dr, self.dc = f.row - f.anchor[0], f.col - f.anchor[1]
        ckey = (f.text, f.anchor, f.sheet, f.kind)
        shifted = (self.dr, self.dc) != (0, 0) or self._group.get(ckey, 1) > 1
        arr = f.kind != "normal"
        try:
            failed = self._failed.get(ckey)
            if failed is not None:
                raise failed
            if ckey in self._code:
                self.compiled[i] = self._code[ckey]
            else:
                node = self.ast(f.text)
                if node[0] == "bin" and node[1] in ("+", "-") and not arr:
                    comp = self.compile_value
                    code = self._binary(node[1], comp(node[2], f.sheet, arr, shifted),
                                        comp(node[3], f.sheet, arr, shifted), arr, near_zero=True)
                else:
                    code = self.compile(node, f.sheet, arr, shifted)
                self.compiled[i] = self._code[ckey] = code
        except _Unsupported as exc:
            self._failed[ckey] = exc
            self.compiled[i] = None
            if exc.name == "external reference":
                f.keep = True
                if not any("other workbooks" in w for w in self.warnings):
                    self.warnings.append(f"{self.place(f)} and maybe more read other workbooks: "
                                         "their cached values are kept as they are")
            else:
                f.unsupported = (exc.name,)
                self.unsupported.setdefault(exc.name, self.place(f))
        except BeyondLimits as exc:  # a formula past Excel's limits: #VALUE!, not #NAME?
            self._fail_compile(i, f, ckey, exc)
            return
        except FormulaSyntaxError as exc:
            self._failed[ckey] = exc
            self.compiled[i] = None
            f.unsupported = ("syntax",)
            self.warnings.append(f"{self.place(f)}: cannot read formula ={f.text}: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - a formula we cannot compile is that cell's #VALUE!
            self._fail_compile(i, f, ckey, exc)
            return
        deps: list[tuple[int, int, int, int, int]] = []
        volatile = False
        try:
            node = self.ast(f.text)
        except FormulaSyntaxError:
            self.deps[i] = deps
            return
        dynamic = _reached_at_run_time(node)
        for n in self._expand(node, f.sheet, set()):
            if n[0] == "ref" and id(n) not in dynamic:
                _, sheet, r1, c1, r2, c2, rel = n
                si = f.sheet if sheet is None else self.sheet_index(sheet)
                if si is None:
                    continue
                if shifted:
                    r1, c1 = r1 + self.dr * rel[0], c1 + self.dc * rel[1]
                    r2, c2 = r2 + self.dr * rel[2], c2 + self.dc * rel[3]
                deps.append((si, r1, c1, r2, c2))
            elif n[0] == "call":
                if n[1] in VOLATILE:
                    volatile = True
                if n[1] == "ANCHORARRAY":
                    pass
            elif n[0] == "table":
                from .tables import resolve_table_ref
                t = self.book.tables.get(n[1].upper()) if n[1] else next(
                    (t for t in self.book.tables.values() if t[0] == f.sheet
                     and t[1][0] <= f.row <= t[1][2] and t[1][1] <= f.col <= t[1][3]), None)
                if t is not None:
                    ref = resolve_table_ref(t, n[2], f.row)
                    if isinstance(ref, Ref):
                        deps.append(ref.key)
        f.volatile = volatile or f.volatile
        self.deps[i] = deps

    def _fail_compile(self, i: int, f: Formula, ckey: tuple[str, tuple[int, int], int, str],
                      exc: Exception) -> None:
        self._failed[ckey] = exc
        self.compiled[i] = None
        self.broken.add(i)
        self.deps[i] = []
        self.cell_failed(f, exc)

    def ast(self, text: str) -> Node:
        """The formula's tree, parsed once; :class:`BeyondLimits` past Excel's length or nesting."""
        node = self._ast_cache.get(text)
        if node is None:
            check_text(text)
            try:
                node = parse(text)
            except RecursionError:
                raise BeyondLimits(f"formula nested too deeply; Excel allows {limits.MAX_NESTING} levels "
                                   "of functions") from None
            check_nesting(node)
            self._ast_cache[text] = node
        return node

    def _expand(self, node: Node, home: int, seen: set[str]) -> Iterable[Node]:
        for n in walk(node):
            if n[0] == "name":
                scope = home if n[1] is None else self.sheet_index(n[1])
                key = (scope, n[2].upper())
                text = self.book.names.get(key) or self.book.names.get((None, n[2].upper()))
                if text and n[2].upper() not in seen:
                    seen.add(n[2].upper())
                    try:
                        yield from self._expand(parse(text), home, seen)
                    except FormulaSyntaxError:
                        pass
            else:
                yield n

    def edges(self, i: int) -> list[int]:
        out: list[int] = []
        for (s, r1, c1, r2, c2) in self.deps.get(i, ()):
            out.extend(self._formulas_in(s, r1, c1, r2, c2))
            for (os_, (a1_, b1, a2, b2), owner) in self.spill_owner:
                if os_ == s and not (r2 < a1_ or r1 > a2 or c2 < b1 or c1 > b2) and owner != i:
                    out.append(owner)
        return out

    def order(self) -> list[list[int]]:
        """Strongly connected components in dependency order (Tarjan, iterative)."""
        n = len(self.book.formulas)
        index = [-1] * n
        low = [0] * n
        on_stack = [False] * n
        stack: list[int] = []
        out: list[list[int]] = []
        counter = 0
        adj: dict[int, list[int]] = {}
        for root in range(n):
            if index[root] != -1:
                continue
            work = [(root, 0)]
            while work:
                v, pi = work[-1]
                if pi == 0:
                    index[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on_stack[v] = True
                    adj[v] = self.edges(v)
                succ = adj[v]
                if pi < len(succ):
                    work[-1] = (v, pi + 1)
                    w = succ[pi]
                    if index[w] == -1:
                        work.append((w, 0))
                    elif on_stack[w]:
                        low[v] = min(low[v], index[w])
                    continue
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1 or v in adj[v]:
                        out.append(sorted(comp, key=lambda k: (self.book.formulas[k].sheet,
                                                               self.book.formulas[k].row,
                                                               self.book.formulas[k].col)))
                    else:
                        out.append(comp)
        self.adj = adj
        return out

    # --- evaluating ----------------------------------------------------------------------

    def _on_demand(self, i: int) -> None:
        if i in self.active:
            return  # a cycle reached at run time: read the value as it is now
        self.evaluate(i)
        self.ranges.clear()

    def evaluate(self, i: int) -> None:
        f = self.book.formulas[i]
        key = (f.sheet, f.row, f.col)
        saved = (self.cur, self.dr, self.dc)
        self.active.add(i)
        try:
            self.cur = f
            self.dr, self.dc = f.row - f.anchor[0], f.col - f.anchor[1]
            fn = self.compiled.get(i)
            if f.keep:
                result: Any = self.sheets[f.sheet].values.get((f.row, f.col))
            elif i in self.broken:
                result = V.VALUE
            elif fn is None:
                result = V.NAME
            else:
                noted, token = noting()
                try:
                    result = fn()
                except XlFail as e:
                    result = e.err
                except RecursionError:
                    result = V.VALUE
                    self.cell_failed(f, f"formula nested too deeply (Excel allows {limits.MAX_NESTING} levels)")
                except Exception as exc:  # noqa: BLE001 - one cell never kills the run (SPEC §9)
                    result = V.VALUE
                    self.cell_failed(f, exc)
                finally:
                    stop_noting(token)
                if noted:
                    shown = self.deref(result)
                    self.cell_failed(f, noted[0], shown.text if isinstance(shown, V.Err) else "an error inside")
            self.pending.discard(key)
            try:
                self._store(f, result)
            except Exception as exc:  # noqa: BLE001 - as above, for what the result would spill
                self.cell_failed(f, exc)
                self._store(f, V.VALUE)
        finally:
            self.active.discard(i)
            self.cur, self.dr, self.dc = saved

    def _store(self, f: Formula, result: Any) -> None:
        vals = self.sheets[f.sheet].values
        if f.kind == "normal":
            if isinstance(result, np.ndarray) and isinstance(self.extra_spill(f), bool):
                f.kind = "dynamic"
            else:
                v = self.deref(result)
                if isinstance(v, str) and len(v) > limits.MAX_TEXT:
                    self.cell_failed(f, f"a text of {len(v):,} characters is longer than Excel's {limits.MAX_TEXT:,}")
                    v = V.VALUE
                f.value = cell_value(v)
                vals[(f.row, f.col)] = f.value
                return
        if f.kind == "array":
            assert f.area is not None
            r1, c1, r2, c2 = f.area
            src = self.array(result)
            h, w = r2 - r1 + 1, c2 - c1 + 1
            out = np.empty((h, w), dtype=object)
            sh, sw = src.shape
            for i in range(h):
                for j in range(w):
                    ii = i if sh > 1 else 0
                    jj = j if sw > 1 else 0
                    if (sh > 1 and i >= sh) or (sw > 1 and j >= sw):
                        out[i, j] = V.NA
                    else:
                        v = src[ii, jj]
                        out[i, j] = cell_value(v)
            self._write_spill(f, out, f.area)
            return
        # dynamic: spill the result from the anchor
        dyn: Optional[np.ndarray] = self.array(result) if isinstance(result, (Ref, np.ndarray)) else None
        old = f.area or (f.row, f.col, f.row, f.col)
        for r in range(old[0], old[2] + 1):  # forget what the old spill wrote
            for c in range(old[1], old[3] + 1):
                if (r, c) != (f.row, f.col) and (f.sheet, r, c) not in self.cells:
                    vals.pop((r, c), None)
        if dyn is None:
            v = self.deref(result)
            out = np.empty((1, 1), dtype=object)
            out[0, 0] = cell_value(v)
            self._write_spill(f, out, (f.row, f.col, f.row, f.col))
            return
        h, w = dyn.shape
        if h == 0 or w == 0:
            out = np.empty((1, 1), dtype=object)
            out[0, 0] = V.CALC
            self._write_spill(f, out, (f.row, f.col, f.row, f.col))
            return
        area = (f.row, f.col, f.row + h - 1, f.col + w - 1)
        if area[2] > MAX_ROW or area[3] > MAX_COL or self._blocked(f, area):
            out = np.empty((1, 1), dtype=object)
            out[0, 0] = V.SPILL
            self._write_spill(f, out, (f.row, f.col, f.row, f.col))
            return
        out = np.empty((h, w), dtype=object)
        for i in range(h):
            for j in range(w):
                v = dyn[i, j]
                out[i, j] = cell_value(v)
        self._write_spill(f, out, area)

    def extra_spill(self, f: Formula) -> Optional[bool]:
        """Whether a plain formula cell calls a spilling function of ours at its top."""
        try:
            node = self.ast(f.text)
        except FormulaSyntaxError:
            return None
        if node[0] == "call" and node[1] in self.extra and self.extra[node[1]].spills:
            return True
        return None

    def _blocked(self, f: Formula, area: tuple[int, int, int, int]) -> bool:
        vals = self.sheets[f.sheet].values
        for r in range(area[0], area[2] + 1):
            for c in range(area[1], area[3] + 1):
                if (r, c) == (f.row, f.col):
                    continue
                if (f.sheet, r, c) in self.cells or vals.get((r, c)) is not None:
                    return True
        return False

    def _write_spill(self, f: Formula, out: np.ndarray, area: tuple[int, int, int, int]) -> None:
        vals = self.sheets[f.sheet].values
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                vals[(area[0] + i, area[1] + j)] = out[i, j]
        f.value = out[0, 0]
        f.spill = out
        f.spill_area = area

    def run(self) -> CalcResult:
        formulas = self.book.formulas
        for i, f in enumerate(formulas):
            try:
                self.prepare(i)
            except Exception as exc:  # noqa: BLE001 - e.g. a defined name nested past any limit
                self._fail_compile(i, f, (f.text, f.anchor, f.sheet, f.kind), exc)
        comps = self.order()
        # Arrays first (with what they read): a cell reading where an array will spill for the
        # first time cannot know it from the file, so it must come after every array.
        first = self._ancestors([i for i, f in enumerate(formulas)
                                 if f.kind == "dynamic" or (f.kind == "normal" and self.extra_spill(f))])
        for pass_ in (0, 1):
            for comp in comps:
                if (comp[0] in first) != (pass_ == 0):
                    continue
                if len(comp) == 1 and comp[0] not in self.adj.get(comp[0], ()):
                    if (formulas[comp[0]].sheet, formulas[comp[0]].row, formulas[comp[0]].col) in self.pending:
                        self.evaluate(comp[0])
                    continue
                self._cycle(comp)
        for i, f in enumerate(formulas):  # volatility spreads to the cells that read a volatile one
            if f.volatile:
                continue
        self._spread_volatile()
        if self.failures > MAX_CELL_WARNINGS:
            self.warnings.append(f"and {self.failures - MAX_CELL_WARNINGS} more cells are errors for the same "
                                 "kinds of reasons")
        return CalcResult(formulas, self.unsupported, self.circular, self.warnings)

    def _ancestors(self, roots: list[int]) -> set[int]:
        """The roots and every formula cell they read, directly or not."""
        seen: set[int] = set()
        todo = list(roots)
        while todo:
            i = todo.pop()
            if i in seen:
                continue
            seen.add(i)
            todo.extend(self.adj.get(i, ()))
        return seen

    def _cycle(self, comp: list[int]) -> None:
        formulas = self.book.formulas
        names = [self.place(formulas[i]) for i in comp]
        self.circular.extend(names)
        if not self.book.iterate:
            for i in comp:
                f = formulas[i]
                f.circular = True
                f.value = 0.0
                self.sheets[f.sheet].values[(f.row, f.col)] = 0.0
                self.pending.discard((f.sheet, f.row, f.col))
            self.ranges.clear()
            return
        for i in comp:  # iterate: each pass computes every cell of the cycle once, in order
            f = formulas[i]
            self.pending.discard((f.sheet, f.row, f.col))
        for _ in range(max(1, self.book.iterate_count)):
            delta = 0.0
            for i in comp:
                f = formulas[i]
                before = f.value
                self.ranges.clear()
                self.evaluate(i)
                if isinstance(before, float) and isinstance(f.value, float):
                    delta = max(delta, abs(f.value - before))
                elif before != f.value:
                    delta = float("inf")
            if delta < self.book.iterate_delta:
                break
        self.ranges.clear()

    def _spread_volatile(self) -> None:
        """Volatility, and not knowing a function, spread to every cell that reads such a cell."""
        formulas = self.book.formulas
        readers: dict[int, list[int]] = {}
        for v, succ in self.adj.items():
            for w in succ:
                readers.setdefault(w, []).append(v)
        for f in formulas:
            f.uncertain = f.uncertain or bool(f.unsupported)
        for attr in ("volatile", "uncertain"):
            todo = [i for i, f in enumerate(formulas) if getattr(f, attr)]
            while todo:
                i = todo.pop()
                for j in readers.get(i, ()):
                    if not getattr(formulas[j], attr):
                        setattr(formulas[j], attr, True)
                        todo.append(j)
