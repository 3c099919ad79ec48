"""A text column of pandas' string dtype becomes a value through its distinct texts (issue 12):
the same cells and factors as making every cell a Python object first."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from kpisheet.expr.frame import _column_value
from kpisheet.xlrules import fold_texts


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_string_columns_give_the_cells_and_factors_of_their_objects(storage: str) -> None:
    if storage == "pyarrow":
        pytest.importorskip("pyarrow")
    rng = random.Random(3)
    pool = ["Services", "services", "SALES", "", " x ", "Ünïcode", None, "#N/A", "12"]
    for n in (0, 1, 5, 300):
        cells = [rng.choice(pool) for _ in range(n)]
        series = pd.Series(pd.array(cells, dtype=pd.StringDtype(storage)))
        value = _column_value(series, "column 'c'")
        objects = series.to_numpy(dtype=object, na_value=None)
        assert value.kind == "text" and value.data.dtype == object
        assert value.data.tolist() == objects.tolist()
        codes, uniques = pd.factorize(objects, use_na_sentinel=True)
        got_codes, got_folded = value.factors()
        assert got_codes.tolist() == np.asarray(codes).tolist()
        assert got_folded.tolist() == fold_texts(np.asarray(uniques, dtype=object)).tolist()
