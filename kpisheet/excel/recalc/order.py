"""Ordering: which formula cells a formula reads, and the order to compute them in.

- :class:`FormulaIndex` finds the formula cells inside a range (by sheet and column, rows
  sorted), so a range of a million rows costs a bisection, not a scan;
- :func:`reads_of` lists the areas a formula reads as written (defined names expanded), once
  a shape; :func:`areas_read` places them for one cell (relative references shifted for a
  shared formula, structured references resolved);
- :class:`Dependencies` orders the cells with Tarjan's algorithm over those areas, so that a
  cycle is found, not followed forever, and spreads a mark (volatile, uncertain) from a cell to
  every cell that reads it.

References only known at run time (OFFSET, INDIRECT, INDEX ending a range) make no edge here:
the evaluator computes the cells they reach on demand.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional, Sequence, Union, cast

from .ast import Binary, Call, Name, Node, Reference, TableRef, has_relative_refs, placed, walk
from .model import VOLATILE, Area, Book, Formula, sheet_span
from .parser import MAX_COL, MAX_ROW, FormulaSyntaxError, parse
from .ranges import Ref

SheetArea = tuple[int, int, int, int, int]  # (sheet, r1, c1, r2, c2)
AreaRead = tuple[int, int, int, int, int, tuple[bool, bool, bool, bool]]  # an area as written, with its rel flags


class FormulaIndex:
    """The formula cells of a book by place: ``cells[(sheet, row, col)]`` is the formula's
    index in ``book.formulas``; :meth:`formulas_in` lists those inside an area."""

    def __init__(self, formulas: Sequence[Formula]) -> None:
        self.cells: dict[tuple[int, int, int], int] = {}
        cols: dict[tuple[int, int], list[int]] = {}
        for i, f in enumerate(formulas):
            self.cells[(f.sheet, f.row, f.col)] = i
            cols.setdefault((f.sheet, f.col), []).append(f.row)
        self._cols: dict[int, list[int]] = {}
        self._rows: dict[tuple[int, int], list[int]] = {}
        for (s, c), rows in cols.items():
            rows.sort()
            self._rows[(s, c)] = rows
            self._cols.setdefault(s, []).append(c)
        for s in self._cols:
            self._cols[s].sort()

    def formulas_in(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> Iterator[int]:
        """The formula cells inside the area, column by column, each column top to bottom."""
        cols = self._cols.get(sheet)
        if not cols:
            return
        lo = bisect.bisect_left(cols, c1)
        hi = bisect.bisect_right(cols, c2)
        for c in cols[lo:hi]:
            rows = self._rows[(sheet, c)]
            a = bisect.bisect_left(rows, r1)
            b = bisect.bisect_right(rows, r2)
            for r in rows[a:b]:
                yield self.cells[(sheet, r, c)]


def reached_at_run_time(node: Node) -> set[int]:
    """The ranges a formula reads only in part, known when it runs (by ``id``): INDEX's range
    where INDEX ends a range (``SUM(INDEX(r,1,1):INDEX(r,1,n))``). They make no static
    dependency (the formula may sit inside ``r`` without being circular); the cells actually
    read are computed on demand."""
    out: set[int] = set()
    for n in walk(node):
        if isinstance(n, Binary) and n.op == ":":
            for side in (n.left, n.right):
                if isinstance(side, Call) and side.name == "INDEX" and side.args \
                        and isinstance(side.args[0], Reference):
                    out.add(id(side.args[0]))
    return out


def _expand(node: Node, home: int, book: Book, sheet_index: Callable[[str], Optional[int]],
            seen: set[str], at: Optional[tuple[int, int]] = None) -> Iterable[Node]:
    """Every node of ``node``, with each defined name replaced by the nodes of its formula
    (once each: a name defined by itself is not followed again), placed at cell ``at`` when
    the name holds relative references."""
    for n in walk(node):
        if isinstance(n, Name):
            scope = home if n.sheet is None else sheet_index(n.sheet)
            upper = n.name.upper()
            text = book.names.get((scope, upper)) or book.names.get((None, upper))
            if text is None and n.sheet is None and upper in book.tables:
                yield TableRef(n.name, "[#Data]")  # a table's bare name is its data
            if text and upper not in seen:
                seen.add(upper)
                try:
                    inner = parse(text)
                    if at is not None and has_relative_refs(inner):
                        inner = placed(inner, at[0], at[1], MAX_ROW, MAX_COL)
                    yield from _expand(inner, home, book, sheet_index, seen, at)
                except FormulaSyntaxError:
                    pass
        else:
            yield n


@dataclass(frozen=True)
class Reads:
    """What a formula reads as written, the same for every cell of its shape: its areas in
    order, each (sheet, r1, c1, r2, c2, rel) or a structured reference (resolved per cell:
    ``[@Qty]`` depends on the row), and whether it calls a volatile function."""

    items: tuple[Union[tuple[int, int, int, int, int, tuple[bool, bool, bool, bool]], TableRef], ...]
    volatile: bool
    tables: bool = False  # a structured reference among the items (placed per cell, table by table)


def reads_of(node: Node, home: int, book: Book, sheet_index: Callable[[str], Optional[int]],
             at: Optional[tuple[int, int]] = None) -> Reads:
    """The :class:`Reads` of tree ``node`` written on sheet ``home`` at cell ``at`` (defined names
    expanded, relative ones placed at ``at``; a reference to a sheet that does not exist reads nothing)."""
    items: list[Union[tuple[int, int, int, int, int, tuple[bool, bool, bool, bool]], TableRef]] = []
    volatile = False
    dynamic = reached_at_run_time(node)
    for n in _expand(node, home, book, sheet_index, set(), at):
        if isinstance(n, Reference):
            if id(n) in dynamic:
                continue
            si = home if n.sheet is None else sheet_index(n.sheet)
            if si is not None:
                items.append((si, n.r1, n.c1, n.r2, n.c2, n.rel))
            elif n.sheet is not None:  # a 3-D reference reads the same area of every sheet of its span
                items.extend((k, n.r1, n.c1, n.r2, n.c2, n.rel) for k in sheet_span(n.sheet, sheet_index) or ())
        elif isinstance(n, Call):
            if n.name in VOLATILE:
                volatile = True
        elif isinstance(n, TableRef):
            items.append(n)
    return Reads(tuple(items), volatile, any(isinstance(n, TableRef) for n in items))


def areas_read(reads: Reads, f: Formula, shift: Optional[tuple[int, int]], book: Book) -> list[SheetArea]:
    """The areas formula ``f`` reads. ``shift``: the cell's offset from where its shared
    formula was written (relative references move by it), None when it is read where it stands."""
    if not reads.tables:  # areas only, as most formulas read: one comprehension a cell
        areas = cast("tuple[AreaRead, ...]", reads.items)
        if shift is None:
            return [(si, r1, c1, r2, c2) for si, r1, c1, r2, c2, _ in areas]
        dr, dc = shift
        return [(si, r1 + dr * rel[0], c1 + dc * rel[1], r2 + dr * rel[2], c2 + dc * rel[3])
                for si, r1, c1, r2, c2, rel in areas]
    deps: list[SheetArea] = []
    for item in reads.items:
        if isinstance(item, TableRef):
            from .tables import resolve_table_ref, table_at
            t = book.tables.get(item.name.upper()) if item.name else table_at(book.tables, f.sheet, f.row, f.col)
            if t is not None:
                ref = resolve_table_ref(t, item.spec, f.row)
                if isinstance(ref, Ref):
                    deps.append(ref.key)
            continue
        si, r1, c1, r2, c2, rel = item
        if shift is not None:
            dr, dc = shift
            r1, c1 = r1 + dr * rel[0], c1 + dc * rel[1]
            r2, c2 = r2 + dr * rel[2], c2 + dc * rel[3]
        deps.append((si, r1, c1, r2, c2))
    return deps


def static_references(node: Node, f: Formula, shift: Optional[tuple[int, int]], book: Book,
                      sheet_index: Callable[[str], Optional[int]]) -> tuple[list[SheetArea], bool]:
    """The areas formula ``f`` (tree ``node``) reads as written, and whether it calls a volatile
    function (:func:`reads_of` then :func:`areas_read`, for one formula)."""
    at = (f.row - shift[0], f.col - shift[1]) if shift is not None else (f.row, f.col)
    reads = reads_of(node, f.sheet, book, sheet_index, at)
    return areas_read(reads, f, shift, book), reads.volatile


class Dependencies:
    """The formula cells as a graph: an edge from each cell to the formula cells it reads.

    ``reads[i]``: the areas formula ``i`` reads (:func:`static_references`); ``spills``: the
    areas array formulas cover now, legacy and dynamic, with their formula (reading any cell
    inside one depends on it: the anchor computes them all).
    """

    def __init__(self, formulas: Sequence[Formula], index: FormulaIndex, reads: dict[int, list[SheetArea]],
                 spills: Sequence[tuple[int, Area, int]]) -> None:
        self.formulas = formulas
        self.index = index
        self.reads = reads
        self.spills = list(spills)
        self.adj: dict[int, list[int]] = {}  # filled by components(): each cell's successors

    def edges(self, i: int) -> list[int]:
        """The formula cells formula ``i`` reads: inside its areas, or owning a spill there."""
        out: list[int] = []
        cells = self.index.cells
        for (s, r1, c1, r2, c2) in self.reads.get(i, ()):
            if r1 == r2 and c1 == c2:  # one cell, as most references are: no search
                j = cells.get((s, r1, c1))
                if j is not None:
                    out.append(j)
            else:
                out.extend(self.index.formulas_in(s, r1, c1, r2, c2))
            for (os_, (a1_, b1, a2, b2), owner) in self.spills:
                if os_ == s and not (r2 < a1_ or r1 > a2 or c2 < b1 or c1 > b2) and owner != i:
                    out.append(owner)
        return out

    def components(self) -> list[list[int]]:
        """Strongly connected components, each after every component it reads (Tarjan,
        iterative). A component of several cells (or one reading itself) is a cycle, its cells
        in sheet, row, column order."""
        formulas = self.formulas
        n = len(formulas)
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
            adj[root] = self.edges(root)
            if not adj[root]:  # reads no formula cell (as most do): a component of its own, at once
                index[root] = low[root] = counter
                counter += 1
                out.append([root])
                continue
            work = [(root, 0)]
            while work:
                v, pi = work[-1]
                if pi == 0:
                    index[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on_stack[v] = True
                    if v != root:
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
                        out.append(sorted(comp, key=lambda k: (formulas[k].sheet, formulas[k].row, formulas[k].col)))
                    else:
                        out.append(comp)
        self.adj = adj
        return out

    def is_cycle(self, comp: list[int]) -> bool:
        return len(comp) > 1 or comp[0] in self.adj.get(comp[0], ())

    def ancestors(self, roots: Iterable[int]) -> set[int]:
        """The roots and every formula cell they read, directly or not (after :meth:`components`)."""
        seen: set[int] = set()
        todo = list(roots)
        while todo:
            i = todo.pop()
            if i in seen:
                continue
            seen.add(i)
            todo.extend(self.adj.get(i, ()))
        return seen

    def spread(self, marked: list[bool]) -> None:
        """Mark, in place, every cell that reads a marked cell, directly or not."""
        todo = [i for i, m in enumerate(marked) if m]
        if not todo:
            return  # nothing marked: no readers to find
        readers: dict[int, list[int]] = {}
        for v, succ in self.adj.items():
            for w in succ:
                readers.setdefault(w, []).append(v)
        while todo:
            i = todo.pop()
            for j in readers.get(i, ()):
                if not marked[j]:
                    marked[j] = True
                    todo.append(j)
