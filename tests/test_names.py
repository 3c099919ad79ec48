"""One text for a number used as a name: the engine's account column and the Excel functions'
name, account and year arguments agree (kpisheet/names.py)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd
import pytest

from kpisheet.engine import core
from kpisheet.excel.functions import ArgumentError, account_arg, name_arg, period_arg
from kpisheet.names import name_text

CASES: list[tuple[Any, Optional[str]]] = [
    (1001.0, "1001"), (np.float64(1001.0), "1001"), (np.float32(7.0), "7"), (1001, "1001"), (np.int64(42), "42"),
    (-3.0, "-3"), (0.0, "0"), (-0.0, "0"), (2.5, "2.5"), (0.1 + 0.2, "0.30000000000000004"), (1e20, "100000000000000000000"), (np.float32(0.1), "0.10000000149011612"),
    (" Acme ", "Acme"), ("1001", "1001"), ("", None), ("   ", None), (None, None), (float("nan"), None),
    (np.nan, None), (True, "TRUE"), (np.False_, "FALSE"),
]


@pytest.mark.parametrize(("value", "text"), CASES)
def test_name_text(value: Any, text: Optional[str]) -> None:
    assert name_text(value) == text


@pytest.mark.parametrize(("value", "text"), [c for c in CASES if not isinstance(c[0], (bool, np.bool_))])
def test_the_engine_and_the_excel_functions_agree(value: Any, text: Optional[str]) -> None:
    assert core.account_name(value) == text
    assert account_arg(value) == text
    if text is None:
        with pytest.raises(ArgumentError, match="a KPI name is needed"):
            name_arg(value)
    else:
        assert name_arg(value) == text


def test_an_account_code_in_a_cell_is_the_account_typed_as_text() -> None:
    """The engine reads the account column's distinct values; a UDF's argument must find them."""
    column = pd.Series([1001.0, 1002.0, np.nan, 1001.0])
    accounts = {core.account_name(u) for u in pd.unique(column)} - {None}
    assert accounts == {"1001", "1002"}
    assert account_arg(1001.0) in accounts and account_arg("1002") in accounts


def test_excel_booleans_are_no_names_or_accounts() -> None:
    with pytest.raises(ArgumentError, match="not a KPI name"):
        name_arg(True)
    with pytest.raises(ArgumentError, match="not an account"):
        account_arg(False)


def test_a_whole_number_from_1000_to_9999_is_a_year() -> None:
    assert period_arg(2026.0) == "2026" == name_text(2026.0)
    assert period_arg(2026) == "2026"


def test_name_texts_is_name_text_over_many_values() -> None:
    """The vectorised rule equals the one rule, value by value, on random mixed values."""
    from kpisheet.names import name_texts

    rng = np.random.default_rng(12)
    pool: list[Any] = [value for value, _ in CASES] + [2.0**53, -2.0**53, 2.0**53 + 2, 1e300, float("inf"),
                                                       float("-inf"), "\\t x\\u00a0", "\\u3000", np.str_(" y "), 10**30]
    for _ in range(50):
        n = int(rng.integers(0, 60))
        values: list[Any] = []
        for _ in range(n):
            kind = rng.integers(0, 5)
            if kind == 0:
                values.append(float(rng.integers(-10**6, 10**6)) * (1 if rng.random() < 0.5 else 0.01))
            elif kind == 1:
                values.append(" " * int(rng.integers(0, 3)) + f"ACC{int(rng.integers(0, 999))}" + " " * int(rng.integers(0, 2)))
            elif kind == 2:
                values.append(int(rng.integers(-10**9, 10**9)))
            else:
                values.append(pool[int(rng.integers(0, len(pool)))])
        assert name_texts(values) == [name_text(v) for v in values]
        assert name_texts(np.asarray(values, dtype=object)) == [name_text(v) for v in values]


@pytest.mark.parametrize("values", [
    [1.0, 2.5, float("nan"), np.float32(0.1), np.float64(-0.0), 1e300, float("inf"), 2.0**53],  # all floats
    [" a", "b ", "", "  ", np.str_(" c ")],  # all text
    [1, np.int64(-2), 10**30],  # all integers
    [True, 1, np.True_], ["a", pd.NA, None, float("nan")],  # mixed
])
def test_name_texts_of_one_kind_take_the_same_rule(values: list[Any]) -> None:
    from kpisheet.names import name_texts

    assert name_texts(values) == [name_text(v) for v in values]
