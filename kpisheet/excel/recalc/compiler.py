"""Formula trees (:mod:`.ast`) compiled to Python closures.

A closure takes no arguments: it reads the cell being computed (``cur``, and ``dr``/``dc``,
its offset from where a shared formula was written) from the :class:`Context` it was compiled
for, so that one compiled formula serves every cell of the same shape.

Excel's functions (:mod:`.xlfuncs`) are called as they are registered: a ``scalar`` one with
each argument's value, a ``raw`` one with the context and each argument as computed (a
:class:`~.ranges.Ref` stays a reference), a ``lazy`` one with the context and a thunk per
argument.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Protocol

import numpy as np

from . import values as V
from .ast import (Array, Binary, Bool, Call, Error, External, Invoke, Missing, Name, Node, Num, Reference, Str,
                  TableRef, Unary, Union, has_relative_refs, placed)
from .model import Book, ExtraFunction, Formula, sheet_span
from .operators import OPERATORS, broadcast, broadcast_n, first_error_wins, map_array
from .parser import MAX_COL, MAX_ROW, FormulaSyntaxError, parse
from .ranges import Areas, Ref
from .values import Value, XlFail

__all__ = ["Compiler", "Context", "Lambda", "Thunk", "Unsupported"]

Thunk = Callable[[], Any]


class Context(Protocol):
    """What compiled formulas read while they run. Excel's functions receive the context
    itself as their first argument (``ev``): the :class:`~.calc.Evaluation`, which also offers
    ``data``, ``cells``, ``book``, ``date1904``, ``formulas_in``, ``spilled_area`` and
    ``call_lambda``."""

    cur: Formula  # the cell being computed
    dr: int  # its offset from where its (shared) formula was written
    dc: int
    #: while a ``raw`` or ``lazy`` function runs: whether Excel evaluates its arguments as arrays
    #: (an array formula, or an array-typed parameter such as SUMPRODUCT's); there a range of
    #: several cells is lifted item by item, elsewhere it is intersected with the cell's row or column
    array_context: bool

    def cell(self, sheet: int, row: int, col: int) -> Value: ...

    def deref(self, v: Any) -> Value: ...

    def array(self, v: Any) -> np.ndarray: ...

    def sheet_index(self, name: str) -> Optional[int]: ...


class Lambda:
    """A LAMBDA's value: parameter slots (in the LET environment) and the compiled body."""

    __slots__ = ("slots", "body")

    def __init__(self, slots: tuple[object, ...], body: Thunk) -> None:
        self.slots = slots
        self.body = body


class Eta:
    """A function named where a LAMBDA is expected (``BYROW(r, SUM)``, written ``_xleta.SUM``):
    xlfuncs/lambdas.py calls it with the arguments a LAMBDA would get."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Unsupported(Exception):
    """A formula we cannot compute: a function we lack (``name``), or ``"external reference"``."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Compiler:
    """Compiles formula trees of one :class:`Book` into thunks that run against ``ctx``.

    One compiler serves a whole calculation: it holds the LET and LAMBDA scopes while it
    compiles, and the values their names hold while the thunks run."""

    def __init__(self, ctx: Context, book: Book, extra: Mapping[str, ExtraFunction],
                 functions: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.book = book
        self.extra = extra
        self.functions = functions
        self._names_compiling: set[tuple[Optional[int], str]] = set()
        self._let_scopes: list[dict[str, object]] = []  # compiling: LET/LAMBDA name → its slot
        self._let_values: dict[object, Any] = {}  # running: slot → value

    def formula(self, node: Node, home: int, arr: bool, shifted: bool) -> Thunk:
        """A formula cell's thunk: ``node`` on sheet ``home``; ``arr`` for an array formula;
        ``shifted`` when relative references move with the cell (a shared formula). Raises
        :class:`Unsupported` for what we cannot compute."""
        if isinstance(node, Binary) and node.op in ("+", "-") and not arr:
            comp = self.compile_value
            return self._binary(node.op, comp(node.left, home, arr, shifted),
                                comp(node.right, home, arr, shifted), arr, near_zero=True)
        return self.compile(node, home, arr, shifted)

    def compile(self, node: Node, home: int, arr: bool, shifted: bool) -> Thunk:
        match node:
            case Num(value=const) | Str(value=const) | Bool(value=const) | Error(value=const):
                return lambda: const
            case Missing():
                return lambda: None
            case Array(rows=rows):
                out = np.empty((len(rows), len(rows[0])), dtype=object)
                for i, row in enumerate(rows):
                    for j, item in enumerate(row):
                        out[i, j] = item.value
                return lambda: out
            case Reference():
                return self._compile_ref(node, home, shifted)
            case Name():
                return self._compile_name(node, home, arr, shifted)
            case TableRef():
                return self._compile_table(node)
            case External():
                raise Unsupported("external reference")
            case Unary(op=op, operand=operand):
                return self._unary(op, self.compile(operand, home, arr, shifted), arr)
            case Binary(op=op, left=left, right=right):
                comp = self.compile if arr or op in (":", " ") else self.compile_value
                return self._binary(op, comp(left, home, arr, shifted), comp(right, home, arr, shifted), arr)
            case Call():
                return self._compile_call(node, home, arr, shifted)
            case Union(areas=areas):
                return self._compile_union([self.compile(n, home, arr, shifted) for n in areas])
            case Invoke(callee=callee, args=args):
                return self._invoke(self.compile(callee, home, arr, shifted),
                                    [self.compile(a, home, arr, shifted) for a in args])
        raise FormulaSyntaxError(f"cannot compile {type(node).__name__}")

    def compile_value(self, node: Node, home: int, arr: bool, shifted: bool) -> Thunk:
        """Like :meth:`compile`, for a place that needs a scalar: a one-cell reference reads the
        cell directly, without making a :class:`Ref`."""
        if isinstance(node, Reference) and node.is_cell:
            ctx = self.ctx
            r1, c1, rel = node.r1, node.c1, node.rel
            si = home if node.sheet is None else ctx.sheet_index(node.sheet)
            if si is not None:
                cell = ctx.cell
                if not shifted or not (rel[0] or rel[1]):
                    return lambda: cell(si, r1, c1)
                rr, rc = rel[0], rel[1]

                def shifted_cell() -> Any:
                    r, c = r1 + ctx.dr * rr, c1 + ctx.dc * rc
                    if r < 1 or c < 1 or r > MAX_ROW or c > MAX_COL:
                        return V.REF
                    return cell(si, r, c)
                return shifted_cell
        return self.compile(node, home, arr, shifted)

    def _compile_ref(self, node: Reference, home: int, shifted: bool) -> Thunk:
        ctx = self.ctx
        r1, c1, r2, c2, rel = node.r1, node.c1, node.r2, node.c2, node.rel
        si = home if node.sheet is None else ctx.sheet_index(node.sheet)
        if si is None:
            span = sheet_span(node.sheet, ctx.sheet_index) if node.sheet else None
            if span is None:
                return lambda: V.REF
            return self._compile_union([self._compile_ref(Reference(self.book.sheets[k].name, r1, c1, r2, c2, rel),
                                                          home, shifted) for k in span])  # 3-D: the same area of each
        if not shifted or not any(rel):
            ref = Ref(si, r1, c1, r2, c2)
            return lambda: ref
        rr1, rc1, rr2, rc2 = rel

        def shifted_ref() -> Any:
            dr, dc = ctx.dr, ctx.dc
            a, b = r1 + dr * rr1, c1 + dc * rc1
            c, d = r2 + dr * rr2, c2 + dc * rc2
            if min(a, b, c, d) < 1 or max(a, c) > MAX_ROW or max(b, d) > MAX_COL:
                return V.REF
            return Ref(si, a, b, c, d)
        return shifted_ref

    def _compile_name(self, node: Name, home: int, arr: bool, shifted: bool) -> Thunk:
        sheet, name = node.sheet, node.name
        if sheet is None:
            for let_scope in reversed(self._let_scopes):
                slot = let_scope.get(name.upper())
                if slot is not None:
                    env = self._let_values
                    return lambda: env.get(slot)
        scope = home if sheet is None else self.ctx.sheet_index(sheet)
        key = (scope, name.upper())
        text = self.book.names.get(key)
        if text is None:
            key = (None, name.upper())
            text = self.book.names.get(key)
        if text is None and sheet is None and name.upper() in self.book.tables:
            return self._compile_table(TableRef(name, "[#Data]"))  # a table's bare name is its data
        if text is None:
            if name.upper().startswith("_XLETA.") and name.upper()[7:] in self.functions:
                eta = Eta(name.upper()[7:])  # a function passed as a LAMBDA
                return lambda: eta
            return lambda: V.NAME
        if key in self._names_compiling:  # defined by itself
            return lambda: V.NAME
        self._names_compiling.add(key)
        try:
            try:
                inner = parse(text)
            except FormulaSyntaxError:
                return lambda: V.NAME
            scope_home = home if key[0] is None else key[0]
            if has_relative_refs(inner):
                return self._relative_name(inner, scope_home, arr)
            return self.compile(inner, scope_home, arr, False)
        finally:
            self._names_compiling.discard(key)

    def _relative_name(self, inner: Node, home: int, arr: bool) -> Thunk:
        """A name with relative references: its formula placed at each cell that uses it (rare:
        compiled once per cell)."""
        ctx = self.ctx
        compiled: dict[tuple[int, int], Thunk] = {}

        def run() -> Any:
            at = (ctx.cur.row, ctx.cur.col)
            code = compiled.get(at)
            if code is None:
                code = compiled[at] = self.compile(placed(inner, *at, MAX_ROW, MAX_COL), home, arr, False)
            return code()
        return run

    def _compile_table(self, node: TableRef) -> Thunk:
        name, spec = node.name, node.spec
        ctx = self.ctx
        from .tables import resolve_table_ref, table_at
        found = self.book.tables.get(name.upper()) if name else None
        if found is None and name:
            return lambda: V.REF

        def table_ref() -> Any:
            table = found
            if table is None:  # no table named: the table holding the cell
                f = ctx.cur
                table = table_at(self.book.tables, f.sheet, f.row, f.col)
                if table is None:
                    return V.REF
            return resolve_table_ref(table, spec, ctx.cur.row)
        return table_ref

    def _unary(self, op: str, inner: Thunk, arr: bool) -> Thunk:
        """``-x``, ``+x`` (x itself) and ``x%``."""
        def scalar(v: Value) -> Value:
            try:
                x = V.to_number(v)
            except XlFail as e:
                return e.err
            return -x if op == "-" else x / 100 if op == "%" else x
        if op == "+":
            return inner
        ctx = self.ctx

        def run() -> Any:
            v = inner()
            if isinstance(v, (Ref, np.ndarray)) and (arr or isinstance(v, np.ndarray)):
                return map_array(ctx.array(v), scalar)
            return scalar(ctx.deref(v))
        return run

    def _compile_union(self, parts: list[Thunk]) -> Thunk:
        def union() -> Any:
            refs: list[Ref] = []
            for part in parts:
                v = part()
                if isinstance(v, Ref):
                    refs.append(v)
                elif isinstance(v, Areas):
                    refs.extend(v.refs)
                else:
                    return v if isinstance(v, V.Err) else V.VALUE
            return Areas(tuple(refs)) if len(refs) > 1 else refs[0]
        return union

    def _binary(self, op: str, fa: Thunk, fb: Thunk, arr: bool, near_zero: bool = False) -> Thunk:
        if op == " ":
            def intersection() -> Any:
                a, b = fa(), fb()
                if not isinstance(a, Ref) or not isinstance(b, Ref) or a.sheet != b.sheet:
                    return a if isinstance(a, V.Err) else b if isinstance(b, V.Err) else V.VALUE
                r1, c1, r2, c2 = max(a.r1, b.r1), max(a.c1, b.c1), min(a.r2, b.r2), min(a.c2, b.c2)
                return Ref(a.sheet, r1, c1, r2, c2) if r1 <= r2 and c1 <= c2 else V.NULL
            return intersection
        if op == ":":
            def rng() -> Any:
                a, b = fa(), fb()
                if not isinstance(a, Ref) or not isinstance(b, Ref) or a.sheet != b.sheet:
                    return V.VALUE
                return Ref(a.sheet, min(a.r1, b.r1), min(a.c1, b.c1), max(a.r2, b.r2), max(a.c2, b.c2))
            return rng
        scalar = OPERATORS[op]
        if near_zero:
            plain = scalar

            def snapped(a: Value, b: Value) -> Value:
                """Excel's correction when a formula ends with + or -: a result within a few units in
                the last place of zero is 0 (``=0.5-0.4-0.1`` shows 0, not -2.8E-17)."""
                r = plain(a, b)
                if isinstance(r, float) and r != 0.0 and isinstance(a, float) and isinstance(b, float) \
                        and abs(r) <= max(abs(a), abs(b)) * 2.0 ** -49:
                    return 0.0
                return r
            scalar = snapped
        ctx = self.ctx

        def run() -> Any:
            a, b = fa(), fb()
            multi_a = isinstance(a, np.ndarray) or (isinstance(a, Ref) and not a.is_cell)
            multi_b = isinstance(b, np.ndarray) or (isinstance(b, Ref) and not b.is_cell)
            if multi_a or multi_b:
                if arr or isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                    return broadcast(scalar, ctx.array(a) if multi_a else ctx.deref(a),
                                     ctx.array(b) if multi_b else ctx.deref(b))
            return scalar(ctx.deref(a), ctx.deref(b))
        return run

    def _compile_let(self, args: tuple[Node, ...], home: int, arr: bool, shifted: bool) -> Thunk:
        """LET(name1, value1, ..., body): names bound in order, each readable by what follows."""
        names = [a for a in args[:-1:2] if isinstance(a, Name)]
        if len(args) < 3 or len(args) % 2 == 0 or len(names) != len(args) // 2:
            return lambda: V.VALUE
        slots: list[tuple[object, Thunk]] = []
        scope: dict[str, object] = {}
        self._let_scopes.append(scope)
        try:
            for name, value_node in zip(names, args[1::2]):
                value = self.compile(value_node, home, arr, shifted)
                key = object()
                scope[name.name.upper()] = key
                slots.append((key, value))
            body = self.compile(args[-1], home, arr, shifted)
        finally:
            self._let_scopes.pop()
        env = self._let_values

        def run_let() -> Any:
            saved = [(k, env.get(k)) for k, _ in slots]  # a cell evaluated on demand may re-enter
            try:
                for k, value in slots:
                    env[k] = value()
                return body()
            finally:
                for k, old in saved:
                    env[k] = old
        return run_let

    def _compile_lambda(self, args: tuple[Node, ...], home: int, arr: bool, shifted: bool) -> Thunk:
        """LAMBDA(param1, ..., body): a :class:`Lambda` to call; as a cell's value, ``#CALC!``."""
        params = [a for a in args[:-1] if isinstance(a, Name) and a.sheet is None]
        if not args or len(params) != len(args) - 1:
            return lambda: V.VALUE
        scope: dict[str, object] = {}
        slots: list[object] = []
        for a in params:
            key = object()
            scope[a.name.upper()] = key
            slots.append(key)
        self._let_scopes.append(scope)
        try:
            body = self.compile(args[-1], home, arr, shifted)
        finally:
            self._let_scopes.pop()
        made = Lambda(tuple(slots), body)
        return lambda: made

    def call_lambda(self, f: Lambda, values: list[Any]) -> Any:
        """Call a LAMBDA's value with ``values`` bound to its parameters for the time of the
        call (``#VALUE!`` for the wrong number of them)."""
        if len(values) != len(f.slots):
            return V.VALUE
        env = self._let_values
        saved = [(k, env.get(k)) for k in f.slots]  # recursion and re-entry keep their own values
        try:
            for k, v in zip(f.slots, values):
                env[k] = v
            return f.body()
        finally:
            for k, old in saved:
                env[k] = old

    def _invoke(self, callee: Thunk, thunks: list[Thunk]) -> Thunk:
        """Calling a LAMBDA: arguments bound to its parameters for the time of the call."""
        call_lambda = self.call_lambda

        def run_invoke() -> Any:
            f = callee()
            if isinstance(f, V.Err):
                return f
            if not isinstance(f, Lambda):
                return V.VALUE
            if len(thunks) != len(f.slots):
                return V.VALUE
            return call_lambda(f, [t() for t in thunks])
        return run_invoke

    def _lambda_named(self, name: str, home: int, arr: bool, shifted: bool) -> Optional[Thunk]:
        """``f(...)`` where ``f`` is a LET-bound value or a defined name: what it holds, to invoke."""
        for let_scope in reversed(self._let_scopes):
            slot = let_scope.get(name) or let_scope.get("_XLPM." + name)
            if slot is not None:
                env = self._let_values
                return lambda: env.get(slot)
        if name in self.extra or name in self.functions:  # kpisheet's functions first: no import of Excel's for them
            return None
        for key in ((home, name), (None, name)):
            text = self.book.names.get(key)
            if text is not None:
                return self._compile_name(Name(None, name), home, arr, shifted)
        return None

    def _compile_call(self, node: Call, home: int, arr: bool, shifted: bool) -> Thunk:
        name, args = node.name, node.args
        if name == "LET":
            return self._compile_let(args, home, arr, shifted)
        if name == "LAMBDA":
            return self._compile_lambda(args, home, arr, shifted)
        named = self._lambda_named(name, home, arr, shifted)
        if named is not None:
            return self._invoke(named, [self.compile(a, home, arr, shifted) for a in args])
        ext = self.extra.get(name)
        if ext is not None:
            thunks = [self.compile_value(a, home, arr, shifted) for a in args]
            call = ext.call
            deref = self.ctx.deref

            def run_extra() -> Any:
                vals = []
                for t in thunks:
                    v = deref(t())
                    vals.append(v)
                return call(*vals)
            return run_extra
        fn = self.functions.get(name)
        if fn is None:
            raise Unsupported(name)
        if not fn.min_args <= len(args) <= fn.max_args:
            return lambda: V.VALUE
        typed = fn.array_args
        arg_arrs = [arr or typed is True or (isinstance(typed, tuple) and i in typed) for i in range(len(args))]
        arg_arr = arr or typed is True
        if fn.kind == "scalar" and not arg_arr:
            thunks = [self.compile_value(a, home, a_arr, shifted) for a, a_arr in zip(args, arg_arrs)]
        else:
            thunks = [self.compile(a, home, a_arr, shifted) for a, a_arr in zip(args, arg_arrs)]
        impl = fn.impl
        ctx = self.ctx
        if fn.kind == "lazy":
            def run_lazy() -> Any:
                outer = ctx.array_context
                ctx.array_context = arg_arr
                try:
                    return impl(ctx, *thunks)
                except XlFail as e:
                    return e.err
                finally:
                    ctx.array_context = outer
            return run_lazy
        if fn.kind == "raw":
            def run_raw() -> Any:
                vals = [t() for t in thunks]
                outer = ctx.array_context
                ctx.array_context = arg_arr
                try:
                    return impl(ctx, *vals)
                except XlFail as e:
                    return e.err
                finally:
                    ctx.array_context = outer
            return run_raw
        deref = ctx.deref
        checked = first_error_wins(impl)

        def run_scalar() -> Any:
            vals = [t() for t in thunks]
            if arr and any(isinstance(v, np.ndarray) or (isinstance(v, Ref) and not v.is_cell) for v in vals):
                arrays = [ctx.array(v) if isinstance(v, (np.ndarray, Ref)) else v for v in vals]
                return broadcast_n(checked, arrays)
            if not arr and any(isinstance(v, np.ndarray) for v in vals):
                # issue 15: an array value (MINVERSE's, {1,2}) lifts a scalar function outside array
                # formulas too, as in Excel; a range there is still intersected with the cell
                return broadcast_n(checked, [v if isinstance(v, np.ndarray) else deref(v) for v in vals])
            try:
                return checked(*[deref(v) for v in vals])
            except XlFail as e:
                return e.err
        return run_scalar
