"""The function registry, the checks that read it, and the name lists."""

from __future__ import annotations

import pytest

from kpisheet.expr import CONTEXTS, FUNCTIONS, Function, attr_columns, check, names, parse
from kpisheet.expr.ast import Call, Name, Num, Str, Unary
from kpisheet.expr.functions import int_literal, lookup

SPEC_FUNCTIONS = {
    "prev": "prev(k, n=1, [unit])",
    "rolling": "rolling(k, n, [unit])",
    "ytd": "ytd(k)",
    "qtd": "qtd(k)",
    "total": "total(k)",
    "share": "share(k)",
    "pareto": "pareto(k)",
    "attr": "attr(column)",
    "if": "if(condition, value_if_true, value_if_false)",
    "coalesce": "coalesce(x, y, ...)",
    "min": "min(x, ...)",
    "max": "max(x, ...)",
    "abs": "abs(x)",
    "round": "round(x, digits=0)",
    # SPEC §8.2 (v2)
    "top_share": "top_share(k, n)",
    "hhi": "hhi(k)",
    "count_accounts": "count_accounts(condition)",
    "sum_accounts": "sum_accounts(k)",
    "avg_accounts": "avg_accounts(k)",
    "rank": "rank(k)",
}
ROW_FUNCTIONS = {"if", "coalesce", "min", "max", "abs", "round"}
# SPEC §7.2: functions of row expressions only (where, derive, filter, measure expressions)
SPEC_ROW_ONLY = {
    "year": "year(d)", "month": "month(d)", "day": "day(d)", "weekday": "weekday(d)",
    "upper": "upper(s)", "lower": "lower(s)", "trim": "trim(s)", "left": "left(s, n)",
}


def test_registry_is_exactly_the_spec() -> None:
    assert {name: fn.signature for name, fn in FUNCTIONS.items()} == {**SPEC_FUNCTIONS, **SPEC_ROW_ONLY}


@pytest.mark.parametrize("name", sorted(SPEC_ROW_ONLY))
def test_row_functions_are_refused_outside_rows(name: str) -> None:
    assert FUNCTIONS[name].contexts == {"filter"}
    text = f"{name}(x, 1)" if name == "left" else f"{name}(x)"
    assert check(parse(text), "filter") == []
    assert [m for _, m in check(parse(text), "kpi")] == [f"{name}() cannot be used in a KPI formula or target"]


def test_ampersand_is_for_rows() -> None:
    assert check(parse("a & b"), "filter") == []
    assert check(parse("a & b"), "kpi") == [(2, "'&' joins text in row expressions only (where, derive, filter, measure)")]


@pytest.mark.parametrize("name", sorted(SPEC_FUNCTIONS))
def test_every_function_is_well_formed(name: str) -> None:
    fn = FUNCTIONS[name]
    assert isinstance(fn, Function) and fn.name == name and fn.doc
    assert fn.contexts <= set(CONTEXTS) and {"kpi", "accounts"} <= fn.contexts
    assert ("filter" in fn.contexts) == (name in ROW_FUNCTIONS)
    if fn.max_args is not None:
        assert len(fn.params) == fn.max_args
        assert len(fn.defaults) <= fn.max_args - fn.min_args
    else:
        assert len(fn.params) >= fn.min_args >= 1
    for positions in (fn.kpi_args, fn.column_args, fn.int_args):
        assert all(0 <= i < len(fn.params) for i in positions)
    assert set(fn.positive_args) <= set(fn.int_args)
    with pytest.raises(Exception):
        fn.name = "other"  # type: ignore[misc]  # frozen


def test_shapes_of_arguments() -> None:
    assert FUNCTIONS["prev"].kpi_args == (0,) and FUNCTIONS["prev"].int_args == (1,)
    assert FUNCTIONS["rolling"].positive_args == (1,)
    assert FUNCTIONS["attr"].column_args == (0,) and FUNCTIONS["attr"].kpi_args == ()
    assert FUNCTIONS["round"].int_args == (1,) and FUNCTIONS["round"].positive_args == ()
    assert FUNCTIONS["coalesce"].max_args is None and FUNCTIONS["coalesce"].min_args == 2
    assert FUNCTIONS["prev"].defaults == (1,) and FUNCTIONS["round"].defaults == (0,)
    assert FUNCTIONS["prev"].keyword_params() == {"n": 1, "unit": 2}
    assert FUNCTIONS["prev"].unit_args == (2,) and FUNCTIONS["rolling"].unit_args == (2,)
    assert FUNCTIONS["if"].keyword_params() == {}


@pytest.mark.parametrize(
    "name, count, message",
    [
        ("prev", 4, "prev() takes 1 to 3 arguments, got 4"),
        ("abs", 0, "abs() takes 1 argument, got 0"),
        ("if", 4, "if() takes 3 arguments, got 4"),
        ("coalesce", 1, "coalesce() takes at least 2 arguments, got 1"),
        ("max", 0, "max() takes at least 1 argument, got 0"),
        ("max", 40, None),
        ("prev", 2, None),
    ],
)
def test_arity_messages(name: str, count: int, message: str | None) -> None:
    assert FUNCTIONS[name].arity_error(count) == message


def test_lookup_ignores_case() -> None:
    assert lookup("ROUND") is FUNCTIONS["round"]
    assert lookup("nope") is None


@pytest.mark.parametrize(
    "node, value",
    [
        (Num(3.0), 3),
        (Unary("-", Num(2.0)), -2),
        (Unary("+", Num(0.0)), 0),
        (Num(2.5), None),
        (Num(float("inf")), None),
        (Str("3"), None),
        (Name("n"), None),
        (Unary("-", Name("n")), None),
    ],
)
def test_int_literal(node: object, value: int | None) -> None:
    assert int_literal(node) == value  # type: ignore[arg-type]


# --- check -----------------------------------------------------------------------------------

CHECKS = [
    # (text, context, [(pos, message), ...])
    ("revenue / prev(revenue) - 1", "kpi", []),
    ("share(revenue) > 0.1 and attr(tier) == 'A'", "accounts", []),
    ("if(amount > 0, round(amount, 2), abs(amount)) > coalesce(a, b, 0)", "filter", []),
    ("min(a, b) < max(a)", "filter", []),
    ("prev(amount) > 0", "filter", [(0, "prev() cannot be used in a filter")]),
    ("a > 0 and share(a) > 0", "filter", [(10, "share() cannot be used in a filter")]),
    ("attr(region) == 'EMEA'", "filter", [(0, "attr() cannot be used in a filter")]),
    ("ytd(a) + qtd(a) + total(a) + pareto(a) + rolling(a, 3)", "filter", [
        (0, "ytd() cannot be used in a filter"),
        (9, "qtd() cannot be used in a filter"),
        (18, "total() cannot be used in a filter"),
        (29, "pareto() cannot be used in a filter"),
        (41, "rolling() cannot be used in a filter"),
    ]),
    ("prev(a + b)", "kpi", [(5, "prev(): argument 1 must be a KPI name")]),
    ("prev((a) * 2)", "kpi", [(6, "prev(): argument 1 must be a KPI name")]),
    ("share(1)", "accounts", [(6, "share(): argument 1 must be a KPI name")]),
    ("prev(prev(a))", "kpi", [(5, "prev(): argument 1 must be a KPI name")]),
    ("attr('region')", "accounts", [(5, "attr(): argument 1 must be a column name")]),
    ("prev(a, 0)", "kpi", [(8, "prev(): n must be a whole number >= 1")]),
    ("prev(a, -1)", "kpi", [(8, "prev(): n must be a whole number >= 1")]),
    ("prev(a, 1.5)", "kpi", [(8, "prev(): n must be a whole number >= 1")]),
    ("prev(a, b)", "kpi", [(8, "prev(): n must be a whole number >= 1")]),
    ("rolling(a, 0)", "kpi", [(11, "rolling(): n must be a whole number >= 1")]),
    ("rolling(a, n=12)", "kpi", []),
    ("rolling(a, 3, 'month') + prev(a, 12, 'MONTH') + prev(a, 1, unit='year')", "kpi", []),
    ("prev(a, 12, 'months')", "kpi", [(12, "prev(): unit must be one of 'day', 'week', 'month', 'quarter', 'year'")]),
    ("rolling(a, 3, m)", "kpi", [(14, "rolling(): unit must be one of 'day', 'week', 'month', 'quarter', 'year'")]),
    ("round(x, 0.5)", "kpi", [(9, "round(): digits must be a whole number")]),
    ("round(x, -2)", "filter", []),
    ("round(x, d)", "filter", [(9, "round(): digits must be a whole number")]),
    ("prev(1, 0)", "filter", [
        (0, "prev() cannot be used in a filter"),
        (5, "prev(): argument 1 must be a KPI name"),
        (8, "prev(): n must be a whole number >= 1"),
    ]),
]


@pytest.mark.parametrize("text, context, expected", CHECKS, ids=[f"{c}:{t}" for t, c, _ in CHECKS])
def test_check(text: str, context: str, expected: list[tuple[int, str]]) -> None:
    assert check(parse(text), context) == expected


def test_check_positions_point_at_the_text() -> None:
    text = "a > 1 and prev(b + 1, 0) > 0"
    starts = {
        "prev() cannot be used in a filter": "prev(",
        "prev(): argument 1 must be a KPI name": "b + 1",
        "prev(): n must be a whole number >= 1": "0)",
    }
    found = check(parse(text), "filter")
    assert [m for _, m in found] == list(starts)
    for pos, message in found:
        assert text[pos:].startswith(starts[message])


def test_check_hand_built_trees() -> None:
    assert check(Call("foo", (), pos=3), "kpi") == [(3, "unknown function 'foo'")]
    assert check(Call("abs", (), pos=1), "kpi") == [(1, "abs() takes 1 argument, got 0")]


def test_check_rejects_an_unknown_context() -> None:
    with pytest.raises(ValueError, match="unknown expression context"):
        check(parse("a"), "formula")


def test_every_context_allows_what_the_registry_says() -> None:
    for name, fn in FUNCTIONS.items():
        args = ", ".join(["k"] + ["2"] * (fn.min_args - 1)) if fn.min_args else ""
        node = parse(f"{name}({args})")
        for context in CONTEXTS:
            problems = [m for _, m in check(node, context) if "cannot be used" in m]
            assert (not problems) == (context in fn.contexts), (name, context)


# --- names -----------------------------------------------------------------------------------


def test_names_in_reading_order_with_kpi_arguments() -> None:
    node = parse("revenue / prev(revenue, 2) - cost + share(`Net Revenue`) + attr(region)")
    assert [(n.id, n.pos) for n in names(node)] == [("revenue", 0), ("revenue", 15), ("cost", 29), ("Net Revenue", 42)]
    assert [(n.id, n.pos) for n in attr_columns(node)] == [("region", 64)]


def test_names_everywhere_in_the_tree() -> None:
    node = parse("not a in (b, -c) and if(d, e, coalesce(f, attr(g), h))")
    assert [n.id for n in names(node)] == ["a", "b", "c", "d", "e", "f", "h"]
    assert [n.id for n in attr_columns(node)] == ["g"]


def test_names_of_a_leaf() -> None:
    assert names(parse("x")) == [Name("x")]
    assert names(parse("1")) == [] and attr_columns(parse("'a'")) == []
