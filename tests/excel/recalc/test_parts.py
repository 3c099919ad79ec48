"""recalc's parts on their own: the formula tree (:mod:`.ast`/:mod:`.parser`), ordering
(:mod:`.order`), spilling (:mod:`.spill`), and the engine's contract that ``calculate`` returns
what it computed and leaves the book it was given as it was. The behaviour of the whole is
tested through workbooks elsewhere (test_recalc_formulas, test_recalc_oracle ...)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from kpisheet.excel.recalc import ast as A
from kpisheet.excel.recalc import values as V
from kpisheet.excel.recalc.calc import Calculator
from kpisheet.excel.recalc.cellguard import BeyondLimits, parse_within_limits
from kpisheet.excel.recalc.model import Book, ExtraFunction, Formula, Sheet
from kpisheet.excel.recalc.order import Dependencies, FormulaIndex, static_references
from kpisheet.excel.recalc.parser import MAX_COL, MAX_ROW, FormulaSyntaxError, parse
from kpisheet.excel.recalc.spill import Grid, cell_value, fit_to_area, spill_area

REL = (True, True, True, True)
ABS = (False, False, False, False)


# --- the tree ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, tree", [
    ("=1+2*3", A.Binary("+", A.Num(1.0), A.Binary("*", A.Num(2.0), A.Num(3.0)))),
    ("2^3^2", A.Binary("^", A.Binary("^", A.Num(2.0), A.Num(3.0)), A.Num(2.0))),  # left-associative, as Excel
    ("-2^2", A.Binary("^", A.Unary("-", A.Num(2.0)), A.Num(2.0))),  # unary minus binds before ^
    ("50%", A.Unary("%", A.Num(50.0))),
    ('"a""b"&TRUE', A.Binary("&", A.Str('a"b'), A.Bool(True))),
    ("#N/A", A.Error(V.NA)),
    ("Old!#REF!", A.Error(V.REF)),
    ("SUM(A1:B2,Data!$C$3)", A.Call("SUM", (A.Reference(None, 1, 1, 2, 2, REL),
                                            A.Reference("Data", 3, 3, 3, 3, ABS)))),
    ("'It''s'!B2:A1", A.Reference("It's", 1, 1, 2, 2, REL)),  # corners put in order
    ("$B$3:A1", A.Reference(None, 1, 1, 3, 2, (True, True, False, False))),  # rel flags follow the corners
    ("A:$C", A.Reference(None, 1, 1, MAX_ROW, 3, (False, True, False, False))),
    ("3:3", A.Reference(None, 3, 1, 3, MAX_COL, (True, False, True, False))),
    ("IF(A1,,2)", A.Call("IF", (A.Reference(None, 1, 1, 1, 1, REL), A.Missing(), A.Num(2.0)))),
    ("NOW()", A.Call("NOW", ())),
    ("_xlfn.XLOOKUP(1,A:A,B:B)", A.Call("XLOOKUP", (A.Num(1.0), A.Reference(None, 1, 1, MAX_ROW, 1, (False, True, False, True)),
                                                    A.Reference(None, 1, 2, MAX_ROW, 2, (False, True, False, True))))),
    ("{1,-2;\"a\",TRUE}", A.Array(((A.Num(1.0), A.Num(-2.0)), (A.Str("a"), A.Bool(True))))),
    ("(A1,B2)", A.Union((A.Reference(None, 1, 1, 1, 1, REL), A.Reference(None, 2, 2, 2, 2, REL)))),
    ("A1:B2 B1:B3", A.Binary(" ", A.Reference(None, 1, 1, 2, 2, REL), A.Reference(None, 1, 2, 3, 2, REL))),
    ("A1#", A.Call("ANCHORARRAY", (A.Reference(None, 1, 1, 1, 1, REL),))),
    ("@A:A", A.Call("SINGLE", (A.Reference(None, 1, 1, MAX_ROW, 1, (False, True, False, True)),))),
    ("LAMBDA(x,x+1)(2)", A.Invoke(A.Call("LAMBDA", (A.Name(None, "x"), A.Binary("+", A.Name(None, "x"), A.Num(1.0)))),
                                  (A.Num(2.0),))),
    ("Sales[Amount]", A.TableRef("Sales", "[Amount]")),
    ("[@Qty]*2", A.Binary("*", A.TableRef("", "[@Qty]"), A.Num(2.0))),
    ("Rates!Tax", A.Name("Rates", "Tax")),
    ("[1]Sheet1!A1", A.External("[1]Sheet1!A1")),
    ("XFE1", A.Name(None, "XFE1")),  # past the last column: a name Excel allows
    ("Jan:Mar!B2", A.Reference("Jan:Mar", 2, 2, 2, 2, REL)),  # 3-D: the compiler spans the sheets
    ("'Jan 1:Mar'!B2", A.Reference("Jan 1:Mar", 2, 2, 2, 2, REL)),
])
def test_parse_builds_the_tree(text: str, tree: A.Node) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize("text", ["", "=", "SUM(1,", "{1,2;3}", "1+", "A0", "(1,2"])
def test_parse_refuses_what_is_no_formula(text: str) -> None:
    with pytest.raises(FormulaSyntaxError):
        parse(text)


def test_trees_cannot_be_changed() -> None:
    """One parse serves every cell of a shape: a tree is frozen, its children tuples."""
    node = parse("SUM(A1,2)")
    assert isinstance(node, A.Call) and isinstance(node.args, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.name = "MAX"  # type: ignore[misc]


def test_walk_visits_every_node_once() -> None:
    node = parse("IF(A1>0,SUM(B1:B3)*-C1,LAMBDA(x,x)(D1))")
    names = sorted(type(n).__name__ for n in A.walk(node))
    assert names == sorted(["Call", "Binary", "Reference", "Num", "Binary", "Call", "Reference", "Unary",
                            "Reference", "Invoke", "Call", "Name", "Name", "Reference"])


def test_limits_are_checked_before_and_after_parsing() -> None:
    deep = "=" + "ABS(" * 65 + "1" + ")" * 65
    with pytest.raises(BeyondLimits, match="65 levels"):
        parse_within_limits(deep)
    assert isinstance(parse_within_limits("=" + "ABS(" * 64 + "1" + ")" * 64), A.Call)
    with pytest.raises(BeyondLimits):
        parse_within_limits("=" + "1+" * 5000 + "1")  # longer than Excel's 8,192 characters


# --- ordering ------------------------------------------------------------------------------

def _book(formulas: list[Formula], values: dict[tuple[int, int], Any] | None = None, **kw: Any) -> Book:
    return Book([Sheet("S", dict(values or {}), 10, 10), Sheet("T", {}, 0, 0)], formulas, **kw)


def test_formula_index_finds_the_formulas_inside_an_area() -> None:
    fs = [Formula(0, r, c, "1", (r, c)) for r, c in [(1, 1), (5, 1), (3, 2), (9, 9)]] + [Formula(1, 2, 1, "1", (2, 1))]
    index = FormulaIndex(fs)
    assert sorted(index.formulas_in(0, 1, 1, 5, 2)) == [0, 1, 2]
    assert list(index.formulas_in(0, 2, 1, 4, 1)) == []
    assert list(index.formulas_in(1, 1, 1, MAX_ROW, MAX_COL)) == [4]
    assert index.cells[(0, 9, 9)] == 3


def test_static_references_shift_expand_names_and_skip_run_time_ranges() -> None:
    book = _book([], names={(None, "RATE"): "T!$B$1", (None, "SELF"): "SELF+1"})
    f = Formula(0, 4, 3, "A1+$B$2+Rate+SELF+SUM(INDEX(D:D,1):INDEX(D:D,3))+NOW()", (1, 3))
    node = parse(f.text)
    deps, volatile = static_references(node, f, (3, 0), book, {"S": 0, "T": 1}.get)
    assert volatile
    assert sorted(deps) == sorted([(0, 4, 1, 4, 1),  # A1 written at C1, read from C4: A4
                                   (0, 2, 2, 2, 2),  # $B$2 stays
                                   (1, 1, 2, 1, 2)])  # the name, on sheet T; SELF is followed once; D:D is run time


def test_components_come_in_dependency_order_and_find_cycles() -> None:
    fs = [Formula(0, 1, 3, "B1+1", (1, 3)),      # 0: C1 reads B1
          Formula(0, 1, 2, "A1+1", (1, 2)),      # 1: B1 reads A1
          Formula(0, 1, 1, "5", (1, 1)),         # 2: A1
          Formula(0, 3, 1, "A4", (3, 1)),        # 3: A3 ↔ A4, a cycle
          Formula(0, 4, 1, "A3", (4, 1)),        # 4
          Formula(0, 5, 1, "A5", (5, 1))]        # 5: reads itself
    index = FormulaIndex(fs)
    book = _book(fs)
    reads = {i: static_references(parse(f.text), f, None, book, {"S": 0}.get)[0] for i, f in enumerate(fs)}
    graph = Dependencies(fs, index, reads, [])
    comps = graph.components()
    flat = [c for comp in comps for c in comp]
    assert flat.index(2) < flat.index(1) < flat.index(0)
    assert [3, 4] in comps and graph.is_cycle([3, 4])  # in sheet, row, column order
    assert graph.is_cycle([5]) and not graph.is_cycle([2])
    assert graph.ancestors([0]) == {0, 1, 2}
    marked = [False, False, True, False, False, False]
    graph.spread(marked)
    assert marked == [True, True, True, False, False, False]


def test_cells_reading_no_formula_cell_are_components_where_the_walk_meets_them() -> None:
    fs = [Formula(0, 1, 2, "A1+1", (1, 2)),      # 0: B1 reads A1
          Formula(0, 1, 4, "7", (1, 4)),         # 1: D1 reads nothing
          Formula(0, 1, 1, "5", (1, 1)),         # 2: A1, reached from B1 first
          Formula(0, 1, 5, "D1*2", (1, 5)),      # 3: E1 reads D1
          Formula(0, 2, 1, "A2", (2, 1))]        # 4: reads itself
    book = _book(fs)
    reads = {i: static_references(parse(f.text), f, None, book, {"S": 0}.get)[0] for i, f in enumerate(fs)}
    graph = Dependencies(fs, FormulaIndex(fs), reads, [])
    assert graph.components() == [[2], [0], [1], [3], [4]]
    assert not graph.is_cycle([1]) and graph.is_cycle([4])
    assert graph.ancestors([3]) == {3, 1} and graph.ancestors([1]) == {1}
    marked = [False, True, False, False, False]
    graph.spread(marked)
    assert marked == [False, True, False, True, False]


def test_reading_inside_a_spill_depends_on_its_anchor() -> None:
    fs = [Formula(0, 1, 1, "SEQUENCE(3)", (1, 1), kind="dynamic", area=(1, 1, 3, 1)),
          Formula(0, 1, 2, "A3*2", (1, 2))]
    reads = {0: [], 1: [(0, 3, 1, 3, 1)]}
    graph = Dependencies(fs, FormulaIndex(fs), reads, [(0, (1, 1, 3, 1), 0)])
    assert graph.edges(1) == [0]
    assert graph.edges(0) == []


# --- spilling ------------------------------------------------------------------------------

def _arr(rows: list[list[Any]]) -> np.ndarray:
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            out[i, j] = v
    return out


def test_cell_value_is_what_a_cell_can_hold() -> None:
    assert cell_value(None) == 0.0
    assert cell_value(float("inf")) == V.NUM and cell_value(float("nan")) == V.NUM
    assert cell_value("x") == "x" and cell_value(V.NA) == V.NA


def test_fit_to_area_repeats_a_row_or_column_and_pads_with_na() -> None:
    row = fit_to_area(_arr([[1.0, 2.0]]), (1, 1, 2, 3))
    assert row.tolist() == [[1.0, 2.0, V.NA], [1.0, 2.0, V.NA]]
    one = fit_to_area(_arr([[None]]), (1, 1, 2, 2))
    assert one.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_spill_area_says_where_or_why_not() -> None:
    free = lambda area: False  # noqa: E731
    assert spill_area(2, 3, (2, 4), free) == (2, 3, 3, 6)
    assert spill_area(2, 3, (0, 4), free) == V.CALC
    assert spill_area(2, 3, (2, 4), lambda area: True) == V.SPILL
    assert spill_area(MAX_ROW, 1, (2, 1), free) == V.SPILL


def test_grid_copies_a_sheet_before_changing_it() -> None:
    values = {(1, 1): 1.0}
    grid = Grid([Sheet("S", values, 1, 1)])
    assert grid.read(0) is values
    grid.put(0, 1, 2, 2.0)
    grid.lay(0, _arr([[3.0], [4.0]]), (2, 1, 3, 1))
    assert values == {(1, 1): 1.0}
    assert grid.read(0) == {(1, 1): 1.0, (1, 2): 2.0, (2, 1): 3.0, (3, 1): 4.0}
    grid.forget(0, (1, 1, 3, 1), lambda r, c: (r, c) == (1, 1))
    assert grid.read(0) == {(1, 1): 1.0, (1, 2): 2.0}
    assert grid.taken(0, (1, 2, 1, 3), (1, 3), lambda s, r, c: False)
    assert not grid.taken(0, (2, 1, 3, 1), (2, 1), lambda s, r, c: False)


# --- the engine's contract -------------------------------------------------------------------

def test_calculate_returns_results_and_leaves_the_book_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel.recalc.xlfuncs import FUNCTIONS
    monkeypatch.delitem(FUNCTIONS, "ECMA.CEILING")  # an Excel function of its own the registry lacks
    values = {(1, 1): 2.0, (2, 1): 3.0, (5, 1): "taken"}
    fs = [Formula(0, 1, 2, "A1*10", (1, 2)),
          Formula(0, 2, 2, "A2*10", (2, 2)),                       # same shape as B1: shared
          Formula(0, 1, 3, "SEQUENCE(2)", (1, 3), kind="dynamic", area=(1, 3, 1, 3)),
          Formula(0, 4, 1, "SEQUENCE(2)", (4, 1), kind="dynamic", area=(4, 1, 4, 1)),  # A5 taken
          Formula(0, 1, 4, "C2+1", (1, 4)),                        # reads inside C1's new spill
          Formula(0, 6, 1, "A7", (6, 1)), Formula(0, 7, 1, "A6", (7, 1)),  # a cycle
          Formula(0, 8, 1, "RAND()", (8, 1)), Formula(0, 8, 2, "A8", (8, 2)),
          Formula(0, 9, 1, "_xlfn.ECMA.CEILING(1,1)", (9, 1)), Formula(0, 9, 2, "A9&1", (9, 2))]
    before = [dataclasses.replace(f) for f in fs]
    book = _book(fs, values)
    result = Calculator().calculate(book, {})
    assert fs == before and book.sheets[0].values == {(1, 1): 2.0, (2, 1): 3.0, (5, 1): "taken"}
    cells = result.cells
    assert [cells[0].value, cells[1].value] == [20.0, 30.0]
    assert cells[2].spill_area == (1, 3, 2, 3) and cells[2].spill.tolist() == [[1.0], [2.0]]
    assert cells[3].value == V.SPILL and cells[3].spill_area == (4, 1, 4, 1)
    assert cells[4].value == 3.0
    assert cells[5].circular and cells[6].circular and cells[5].value == 0.0
    assert result.circular == ["S!A6", "S!A7"]
    assert cells[7].volatile and cells[8].volatile and not cells[0].volatile
    assert cells[9].value == V.NAME and cells[9].unsupported == ("ECMA.CEILING",) and cells[10].uncertain
    assert result.unsupported == {"ECMA.CEILING": "S!A9"}
    shown = result.values(0)
    assert shown[(1, 2)] == 20.0 and shown[(2, 3)] == 2.0 and shown[(5, 1)] == "taken"
    assert result.values(1) == {}


def test_a_table_of_ours_spills_as_a_dynamic_array() -> None:
    """A plain formula whose top call is a spilling function of ours comes back as a dynamic
    array (the writer turns it into one); the Formula itself still says "normal"."""
    table = ExtraFunction(lambda *args: _arr([["a", 1.0], ["b", 2.0]]), spills=True)
    fs = [Formula(0, 1, 1, 'TABLE("x")', (1, 1)), Formula(0, 1, 3, "B2", (1, 3))]
    result = Calculator().calculate(_book(fs), {"TABLE": table})
    first, reader = result.cells
    assert fs[0].kind == "normal" and first.kind == "dynamic"
    assert first.spill_area == (1, 1, 2, 2) and first.value == "a"
    assert reader.value == 2.0  # computed after the table, which it reads


def test_a_cell_that_fails_is_an_error_with_a_warning_not_an_exception() -> None:
    def boom(*args: Any) -> Any:
        raise RuntimeError("broken")
    fs = [Formula(0, 1, 1, "BOOM()", (1, 1)), Formula(0, 2, 1, "1+1", (2, 1))]
    result = Calculator().calculate(_book(fs), {"BOOM": ExtraFunction(boom)})
    assert result.cells[0].value == V.VALUE and result.cells[1].value == 2.0
    assert result.warnings == ["S!A1: #VALUE!: internal error (RuntimeError: broken)"]


def test_functions_can_call_a_lambda_through_the_context() -> None:
    """The hook for functions that take a LAMBDA (MAP, BYROW ...): ``ev.call_lambda``."""
    from kpisheet.excel.recalc.calc import Evaluation
    from kpisheet.excel.recalc.compiler import Lambda
    ev = Evaluation(_book([Formula(0, 1, 1, "1", (1, 1))], {(1, 2): 5.0}), {})
    made = ev.compiler.compile(parse("LAMBDA(x,y,x*y+B1)"), 0, False, False)()
    assert isinstance(made, Lambda)
    assert ev.call_lambda(made, [3.0, 4.0]) == 17.0
    assert ev.call_lambda(made, [3.0]) == V.VALUE  # the wrong number of arguments
    assert ev.deref(made) == V.CALC  # a LAMBDA as a cell's value


def test_recalc_reaches_the_engine_only_through_its_public_names() -> None:
    """recalc's door imports nothing private from the engine's modules (issue 13)."""
    import ast as pyast
    from pathlib import Path

    import kpisheet.excel.recalc as recalc_pkg
    import kpisheet.excel.recalc.run as recalc_run
    private = []
    for module in (recalc_pkg, recalc_run):
        tree = pyast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        private += [(node.module, alias.name) for node in pyast.walk(tree) if isinstance(node, pyast.ImportFrom)
                    and node.level >= 1 for alias in node.names if alias.name.startswith("_")]
    assert private == []


def test_every_batched_shape_is_prepared_before_the_first_batch_is_asked() -> None:
    """Issue 12: ``ExtraFunction.prepare`` gets each shape's arguments before any ``batch`` runs
    (the first batch waits for the engine's sources; readying the others costs nothing then),
    and the values are the batches' own."""
    log: list[tuple[str, list[tuple[Any, ...]]]] = []

    def prepare(calls: list[tuple[Any, ...]]) -> None:
        log.append(("prepare", calls))

    def batch(calls: list[tuple[Any, ...]]) -> list[Any]:
        log.append(("batch", calls))
        return [float(a[0]) * len(a) for a in calls]

    double = ExtraFunction(lambda *a: float(a[0]) * len(a), batch=batch, prepare=prepare)
    fs = [Formula(0, r, 3, "F(A1)", (1, 3)) for r in (1, 2)] + \
         [Formula(0, r, 4, "F(A1,B1)", (1, 4)) for r in (1, 2)]  # two shapes, each copied down
    result = Calculator().calculate(_book(fs, {(1, 1): 1.0, (2, 1): 2.0, (1, 2): 0.0, (2, 2): 0.0}), {"F": double})
    assert [kind for kind, _ in log] == ["prepare", "prepare", "batch", "batch"]
    assert [calls for kind, calls in log if kind == "prepare"] == [calls for kind, calls in log if kind == "batch"]
    assert [c.value for c in result.cells] == [1.0, 2.0, 2.0, 4.0]
