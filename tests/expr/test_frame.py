"""Filters over DataFrames: dates, text, missing values, membership, functions, and vectorisation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpisheet
from kpisheet.expr import ExprEvalError, eval_filter, eval_rows, parse
from kpisheet.expr.frame import ConditionError, eval_rows_coded
from kpisheet.xlerrors import XlError
from kpisheet.expr.ast import Binary, Call, Name, Num

NAN = float("nan")


@pytest.fixture
def sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-12-31", "2026-01-01", None, "2026-03-01 08:30"], format="ISO8601"),
            "status": ["ok", "Cancelled", None, "open"],
            "amount": [10.0, NAN, 5.0, -2.5],
            "qty": [2, 0, 1, 5],
            "flag": [True, False, True, False],
            "Order Date": pd.to_datetime(["2025-01-01", "2026-01-01", "2026-06-30", "2027-01-01"]),
        },
        index=[10, 11, 12, 13],
    )


def rows(text: str, df: pd.DataFrame) -> list[Any]:
    return eval_rows(parse(text), df).tolist()


def keep(text: str, df: pd.DataFrame) -> list[bool]:
    result = eval_filter(parse(text), df)
    assert isinstance(result, np.ndarray) and result.dtype == bool and result.shape == (len(df),)
    return result.tolist()


FILTERS = [
    # text: case ignored, a blank is '' (SPEC §8.6)
    ("status == 'ok'", [True, False, False, False]),
    ("status == 'cancelled'", [False, True, False, False]),
    ("status != 'cancelled'", [True, False, True, True]),
    ("'CANCELLED' = status", [False, True, False, False]),
    ("status <> 'ok'", [False, True, True, True]),
    ("status == ''", [False, False, True, False]),
    ("status != ''", [True, True, False, True]),
    ("status > 'n'", [True, False, False, True]),
    ("status <= 'cancelled'", [False, True, True, False]),
    ("status in ('ok', 'OPEN')", [True, False, False, True]),
    ("status not in ('ok', 'open')", [False, True, True, False]),
    ("status in ('', 'ok')", [True, False, True, False]),
    ("status == status", [True, True, True, True]),
    # numbers: a blank compares as 0 (SPEC §8.6)
    ("amount > 0", [True, False, True, False]),
    ("amount <= 5", [False, True, True, True]),
    ("amount == 0", [False, True, False, False]),
    ("amount in (0, 5)", [False, True, True, False]),
    ("amount == 10", [True, False, False, False]),
    ("amount != 10", [False, True, True, True]),
    ("not amount > 0", [False, True, False, True]),
    ("amount * qty >= 10", [True, False, False, False]),
    ("amount / qty > 1", [True, False, True, False]),
    ("amount / if(qty == 0, 1, qty) > 1", [True, False, True, False]),  # the guard: no #DIV/0!
    ("-amount > 0", [False, False, False, True]),
    ("amount in (5, 10)", [True, False, True, False]),
    ("amount not in (5, 10)", [False, True, False, True]),
    ("amount == ''", [False, True, False, False]),
    ("qty in (qty)", [True, True, True, True]),
    ("amount in (amount, 1)", [True, True, True, True]),
    # dates against ISO text, either side
    ("date >= '2026-01-01'", [False, True, False, True]),
    ("date < '2026-01-01'", [True, False, False, False]),
    ("'2026-01-01' <= date", [False, True, False, True]),
    ("date == '2026-01-01'", [False, True, False, False]),
    ("date != '2026-01-01'", [True, False, True, True]),
    ("date > '2026-03-01 08:00'", [False, False, False, True]),
    ("date >= '2026-03-01T08:30:00'", [False, False, False, True]),
    ("date in ('2025-12-31', '2026-01-01')", [True, True, False, False]),
    ("date not in ('2025-12-31')", [False, True, True, True]),
    ("`Order Date` < date", [True, False, False, False]),
    ("date == ''", [False, False, True, False]),
    # conditions
    ("flag", [True, False, True, False]),
    ("not flag", [False, True, False, True]),
    ("flag and amount > 0", [True, False, True, False]),
    ("flag or status == 'open'", [True, False, True, True]),
    ("not (flag or amount < 0)", [False, True, False, False]),
    ("flag == true", [True, False, True, False]),
    ("flag != TRUE", [False, True, False, True]),
    ("true", [True, True, True, True]),
    ("1 > 2", [False, False, False, False]),
    ("'a' == 'A'", [True, True, True, True]),
    # functions
    ("if(flag, amount, qty) > 1", [True, False, True, True]),
    ("if(amount > 0, 'pos', 'other') == 'pos'", [True, False, True, False]),
    ("coalesce(amount, 0) == 0", [False, True, False, False]),
    ("coalesce(status, 'none') == 'none'", [False, False, True, False]),
    ("min(amount, qty) >= 2", [True, False, False, False]),
    ("max(amount, qty) >= 5", [True, False, True, True]),
    ("max(amount) > 0", [True, False, True, False]),
    ("abs(amount) > 3", [True, False, True, False]),
    ("round(amount / 4) == 3", [True, False, False, False]),
    ("if(true, flag, false)", [True, False, True, False]),
]


@pytest.mark.parametrize("text, expected", FILTERS, ids=[t for t, _ in FILTERS])
def test_filter(sales: pd.DataFrame, text: str, expected: list[bool]) -> None:
    assert keep(text, sales) == expected


def test_not_equal_is_the_negation_of_equal(sales: pd.DataFrame) -> None:
    for column in ("date", "status", "amount"):
        eq = eval_filter(parse(f"{column} == {column}"), sales)
        ne = eval_filter(parse(f"{column} != {column}"), sales)
        assert (eq ^ ne).all()


VALUES = [
    ("amount * 2", [20.0, NAN, 10.0, -5.0]),
    ("amount / 0", [NAN, NAN, NAN, NAN]),
    ("qty / amount", [0.2, NAN, 0.2, -2.0]),
    ("amount + qty - 1", [11.0, NAN, 5.0, 1.5]),
    ("-amount", [-10.0, NAN, -5.0, 2.5]),
    ("+qty", [2.0, 0.0, 1.0, 5.0]),
    ("coalesce(amount, qty, 0)", [10.0, 0.0, 5.0, -2.5]),
    ("min(amount, 3)", [3.0, 3.0, 3.0, -2.5]),
    ("max(amount, qty, 4)", [10.0, 4.0, 5.0, 5.0]),
    ("abs(amount)", [10.0, NAN, 5.0, 2.5]),
    ("round(amount * 1.005, 2)", [10.05, NAN, 5.03, -2.51]),
    ("round(qty + 0.5)", [3.0, 1.0, 2.0, 6.0]),
    ("round(-qty - 0.5)", [-3.0, -1.0, -2.0, -6.0]),
    ("round(qty * 1234.5, -2)", [2500.0, 0.0, 1200.0, 6200.0]),
    ("round(amount, digits=1)", [10.0, NAN, 5.0, -2.5]),
    ("if(flag, amount, -1)", [10.0, -1.0, 5.0, -1.0]),
    ("if(flag, status, 'x')", ["ok", "x", None, "x"]),
    ("1 + 2", [3.0, 3.0, 3.0, 3.0]),
    ("'a'", ["a", "a", "a", "a"]),
]


@pytest.mark.parametrize("text, expected", VALUES, ids=[t for t, _ in VALUES])
def test_rows(sales: pd.DataFrame, text: str, expected: list[Any]) -> None:
    result = eval_rows(parse(text), sales)
    assert list(result.index) == list(sales.index)
    got = result.tolist()
    if all(isinstance(e, float) for e in expected):
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected), equal_nan=True)
    else:
        assert [None if pd.isna(g) else g for g in got] == expected


def test_round_is_excels() -> None:
    df = pd.DataFrame({"x": [0.5, 1.5, 2.5, -0.5, -2.5, 1.005, 2.675, 1e300, -0.4, 123456789.125]})
    assert rows("round(x)", df)[:5] == [1.0, 2.0, 3.0, -1.0, -3.0]
    assert rows("round(x, 2)", df)[5:7] == [1.01, 2.68]
    assert rows("round(x, 2)", df)[7] == 1e300
    value = rows("round(x)", df)[8]
    assert value == 0.0 and np.copysign(1.0, value) == 1.0  # no negative zero
    assert rows("round(x, 2)", df)[9] == 123456789.13


def test_date_values(sales: pd.DataFrame) -> None:
    assert rows("max(date, `Order Date`)", sales)[2] == pd.Timestamp("2026-06-30")
    assert rows("min(date, `Order Date`)", sales)[0] == pd.Timestamp("2025-01-01")
    assert keep("coalesce(date, `Order Date`) > '2026-06-01'", sales) == [False, False, True, False]


def test_timezone_aware_dates_compare_in_their_own_wall_time() -> None:
    df = pd.DataFrame({"date": pd.to_datetime(["2026-01-01 00:30", "2025-12-31 23:30"]).tz_localize("Europe/Rome")})
    assert keep("date >= '2026-01-01'", df) == [True, False]


def test_dates_in_an_object_column() -> None:
    import datetime as dt

    df = pd.DataFrame({"d": pd.Series([dt.date(2026, 1, 2), None, dt.date(2025, 5, 1)], dtype=object)})
    assert keep("d >= '2026-01-01'", df) == [True, False, False]


# --- dtypes --------------------------------------------------------------------------------------


def test_other_column_types() -> None:
    df = pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "ob": pd.Series([True, None, False], dtype=object),
            "on": pd.Series([1, None, 2.5], dtype=object),
            "cat": pd.Categorical(["x", "Y", None]),
            "mixed": pd.Series(["a", 1, None], dtype=object),
            "none": pd.Series([None, None, None], dtype=object),
            "s": pd.Series(["a", None, "b"], dtype="string"),
        }
    )
    assert keep("n > 1", df) == [False, False, True]
    assert keep("n == ''", df) == [False, True, False]
    assert keep("b", df) == [True, False, False]
    assert keep("not b", df) == [False, True, True]
    assert keep("ob", df) == [True, False, False]
    assert keep("on >= 1", df) == [True, False, True]
    assert keep("cat in ('y', 'z')", df) == [False, True, False]
    assert keep("mixed == 'A'", df) == [True, False, False]
    assert keep("mixed == 1", df) == [False, True, False]
    assert keep("mixed in ('a', 1)", df) == [True, True, False]
    assert keep("mixed != 1", df) == [True, False, True]
    assert keep("none == 'x'", df) == [False, False, False]
    assert keep("none != 'x'", df) == [True, True, True]
    assert keep("none > 1", df) == [False, False, False]
    assert keep("none == ''", df) == [True, True, True]
    assert keep("none", df) == [False, False, False]
    assert keep("none in (1)", df) == [False, False, False]
    assert keep("s == 'B'", df) == [False, False, True]
    assert rows("none + 1", df) == pytest.approx([NAN] * 3, nan_ok=True)


def test_empty_frame() -> None:
    df = pd.DataFrame({"a": pd.Series([], dtype=float), "s": pd.Series([], dtype=object)})
    assert keep("a > 1 and s == 'x'", df) == []
    assert keep("true", df) == []
    assert rows("a + 1", df) == []


# --- errors --------------------------------------------------------------------------------------

ERRORS = [
    ("amont > 1", 0, "unknown column 'amont' (did you mean 'amount'?)"),
    ("zzz > 1", 0, "unknown column 'zzz'"),
    ("amount", 0, "filter must be a condition, not column 'amount' (a number)"),
    ("amount + 1", 7, "filter must be a condition, not a number"),
    ("status", 0, "filter must be a condition, not column 'status' (text)"),
    ("'x'", 0, "filter must be a condition, not text"),
    ("amount == 'x'", 7, "cannot compare column 'amount' (a number) with text"),
    ("status > 1", 7, "cannot compare column 'status' (text) with a number"),
    ("date >= 2026", 5, "cannot compare column 'date' (a date) with a number"),
    ("date >= status", 5, "cannot compare column 'date' (a date) with column 'status' (text)"),
    ("flag < 1", 5, "cannot compare column 'flag' (a condition (true/false)) with a number"),
    ("amount in (1, 'x')", 14, "cannot compare column 'amount' (a number) with text"),
    ("date >= '2026-1-1'", 8, "'2026-1-1' is not a date: write dates as 'YYYY-MM-DD'"),
    ("date >= 'yesterday'", 8, "'yesterday' is not a date"),
    ("date < '2026-02-30'", 7, "'2026-02-30' is not a valid date"),
    ("date in ('2026-13-01')", 9, "'2026-13-01' is not a valid date"),
    ("amount + status > 1", 7, "'+' needs numbers, not column 'status' (text)"),
    ("-status == 1", 0, "'-' needs numbers, not column 'status' (text)"),
    ("flag and amount", 5, "'and' needs a condition (true/false), not column 'amount' (a number)"),
    ("not status", 0, "'not' needs a condition (true/false), not column 'status' (text)"),
    ("if(amount, 1, 2) > 0", 3, "if() needs a condition (true/false), not column 'amount' (a number)"),
    ("if(flag, 1, 'x') == 1", 0, "if(): the values must be of one kind, got a number and text"),
    ("coalesce(amount, 'x') == 1", 0, "coalesce(): the values must be of one kind"),
    ("min(status) == 'a'", 0, "min() needs numbers or dates, not text"),
    ("abs(status) > 1", 0, "abs() needs numbers, not column 'status' (text)"),
    ("prev(amount) > 0", 0, "prev() cannot be used in a filter"),
    ("share(amount) > 0", 0, "share() cannot be used in a filter"),
    ("attr(region) == 'x'", 0, "attr() cannot be used in a filter"),
]


@pytest.mark.parametrize("text, pos, message", ERRORS, ids=[t for t, _, _ in ERRORS])
def test_errors(sales: pd.DataFrame, text: str, pos: int, message: str) -> None:
    with pytest.raises(ExprEvalError) as caught:
        eval_filter(parse(text), sales)
    assert message in caught.value.message
    assert caught.value.pos == pos


def test_errors_of_trees_the_parser_would_refuse(sales: pd.DataFrame) -> None:
    with pytest.raises(ExprEvalError, match="unknown function 'foo'"):
        eval_rows(Call("foo", ()), sales)
    with pytest.raises(ExprEvalError, match=r"abs\(\) takes 1 argument, got 2"):
        eval_rows(Call("abs", (Num(1.0), Num(2.0))), sales)
    with pytest.raises(ExprEvalError, match="digits must be a whole number"):
        eval_rows(Call("round", (Num(1.0), Name("qty"), )), sales)
    with pytest.raises(ExprEvalError, match="not an expression"):
        eval_rows("amount", sales)  # type: ignore[arg-type]


def test_duplicate_column() -> None:
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ExprEvalError, match="column 'a' appears more than once"):
        eval_filter(parse("a > 1"), df)


def test_mixed_column_cannot_be_ordered() -> None:
    df = pd.DataFrame({"m": pd.Series(["a", 1], dtype=object)})
    with pytest.raises(ExprEvalError, match="'<' cannot order column 'm'.*holds text and numbers"):
        eval_filter(parse("m < 2"), df)


# --- properties and speed --------------------------------------------------------------------

_FLOATS = st.one_of(st.just(NAN), st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 1)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_FLOATS, _FLOATS), min_size=1, max_size=20), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
def test_numeric_comparisons_match_numpy(pairs: list[tuple[float, float]], op: str) -> None:
    df = pd.DataFrame(pairs, columns=["a", "b"])
    got = eval_filter(Binary(op, Name("a"), Name("b")), df)
    a, b = np.nan_to_num(df["a"].to_numpy()), np.nan_to_num(df["b"].to_numpy())  # a blank is 0 (SPEC §8.6)
    expected = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
    assert got.tolist() == expected.tolist()
    negated = eval_filter(parse(f"not a {op} b"), df)
    assert (negated == ~got).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["ok", "OK", "Cancelled", "cancelled", "", "x y"])), min_size=1, max_size=20))
def test_text_membership_matches_python(values: list[str | None]) -> None:
    df = pd.DataFrame({"s": pd.Series(values, dtype=object)})
    got = eval_filter(parse("s in ('ok', 'x Y')"), df).tolist()
    assert got == [v is not None and v.lower() in ("ok", "x y") for v in values]
    assert eval_filter(parse("s not in ('ok', 'x Y')"), df).tolist() == [not g for g in got]


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "status": rng.choice(np.array(["ok", "cancelled", "open", None], dtype=object), n),
            "amount": rng.normal(size=n),
            "date": pd.date_range("2020-01-01", periods=n, freq="h"),
            "region": rng.choice(np.array([f"r{i}" for i in range(50)], dtype=object), n),
        }
    )


def _kpisheet_calls(node: Any, df: pd.DataFrame) -> tuple[pd.Series, int]:
    """eval_filter's result, and how many Python calls it made into kpisheet's own code."""
    package = str(Path(kpisheet.__file__).parent)
    calls = 0

    def count(frame: Any, event: str, _arg: Any) -> None:
        nonlocal calls
        if event == "call" and frame.f_code.co_filename.startswith(package):
            calls += 1

    sys.setprofile(count)
    try:
        result = eval_filter(node, df)
    finally:
        sys.setprofile(None)
    return result, calls


def test_a_filter_is_vectorised_over_rows() -> None:
    """A filter costs the same number of calls into kpisheet for 2,000 rows as for 200,000: nothing
    loops over rows in Python (counted, not timed, so a busy machine cannot fail it)."""
    node = parse(
        "status != 'cancelled' and amount > 0 and date >= '2021-01-01' and region in ('r1', 'R2', 'r3')"
        " or round(abs(amount), 1) == 0.5 and coalesce(amount, 0) < max(amount, 1)"
    )
    small, small_calls = _kpisheet_calls(node, _frame(2_000))
    df = _frame(200_000)
    result, calls = _kpisheet_calls(node, df)
    assert calls == small_calls, f"{small_calls} calls for 2,000 rows, {calls} for 200,000: a loop over rows?"
    status = df["status"].str.lower()
    expected = ((status != "cancelled") | df["status"].isna()) & (df["amount"] > 0) & (df["date"] >= "2021-01-01") & df[
        "region"
    ].isin(["r1", "r2", "r3"])
    expected |= (np.floor(df["amount"].abs() * 10 + 0.5) / 10 == 0.5) & (df["amount"] < np.maximum(df["amount"], 1))
    assert result.tolist() == expected.tolist()
    assert len(small) == 2_000


# --- division by zero is #DIV/0! per row -------------------------------------------------------

DIV = XlError.DIV0


@pytest.fixture
def ratios() -> pd.DataFrame:
    # row 11: 4 / 0 is #DIV/0!; row 12: a blank over 0 is a blank; row 13: over a blank, a blank
    return pd.DataFrame({"amount": [10.0, 4.0, NAN, 3.0], "qty": [2.0, 0.0, 0.0, NAN]}, index=[10, 11, 12, 13])


def coded(text: str, df: pd.DataFrame) -> tuple[list[Any], Any]:
    values, codes = eval_rows_coded(parse(text), df)
    assert list(values.index) == list(df.index)
    return values.tolist(), None if codes is None else codes.tolist()


CODED = [
    ("amount / qty", [5.0, NAN, NAN, NAN], [0, DIV, 0, 0]),
    ("amount / qty * 2 + 1", [11.0, NAN, NAN, NAN], [0, DIV, 0, 0]),
    ("-(amount / qty)", [-5.0, NAN, NAN, NAN], [0, DIV, 0, 0]),
    ("if(qty == 0, 0, amount / qty)", [5.0, 0.0, 0.0, 0.0], None),  # a blank qty compares as 0
    ("if(qty != 0, amount / qty, -1)", [5.0, -1.0, -1.0, -1.0], None),
    ("if(amount / qty > 1, 1, 2)", [1.0, NAN, 2.0, 2.0], [0, DIV, 0, 0]),  # an error condition is the error
    ("coalesce(amount / qty, 0)", [5.0, NAN, 0.0, 0.0], [0, DIV, 0, 0]),  # not IFERROR
    ("min(amount / qty, 1)", [1.0, NAN, 1.0, 1.0], [0, DIV, 0, 0]),
    ("round(abs(amount / qty), 1)", [5.0, NAN, NAN, NAN], [0, DIV, 0, 0]),
    ("amount & '/' & amount / qty", ["10/5", None, "/", "3/"], [0, DIV, 0, 0]),
    ("amount / 0", [NAN, NAN, NAN, NAN], [DIV, DIV, 0, DIV]),
    ("qty / amount", [0.2, 0.0, NAN, NAN], None),
]


@pytest.mark.parametrize("text, values, codes", CODED, ids=[t for t, _, _ in CODED])
def test_division_by_zero_is_div0_for_its_rows(ratios: pd.DataFrame, text: str, values: list[Any], codes: Any) -> None:
    got_values, got_codes = coded(text, ratios)
    assert got_codes == codes
    blank = [pd.isna(v) for v in values]
    assert [pd.isna(v) for v in got_values] == blank  # an error row is blank beside its code
    assert [g for g, b in zip(got_values, blank) if not b] == [w for w, b in zip(values, blank) if not b]
    assert [pd.isna(v) for v in eval_rows(parse(text), ratios)] == blank  # eval_rows: the same values


def test_a_condition_that_is_an_error_for_a_row_is_refused_naming_it(ratios: pd.DataFrame) -> None:
    with pytest.raises(ConditionError) as caught:
        eval_filter(parse("amount / qty > 1"), ratios)
    assert (caught.value.row, caught.value.count, caught.value.code) == (1, 1, DIV)
    assert "#DIV/0!" in str(caught.value)
    assert keep("if(qty == 0, false, amount / qty > 1)", ratios) == [True, False, False, False]
