"""The source pipeline (read → where → join → derive) against pandas doing the same by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpisheet.errors import WorkbookError
from kpisheet.expr import parse
from kpisheet.sources import SourceRef, Table
from kpisheet.sources.frames import build_frame
from kpisheet.sources.pipeline import Derive, Join, Pipeline, PipelineRunner, Where


def table(name: str, rows: list[list[Any]]) -> Table:
    frame = build_frame(rows, 1, 1, name, f"{name}.xlsx!{name}")
    return frame.to_table(SourceRef(name, Path(f"{name}.xlsx"), sheet=name))


class Tables:
    def __init__(self, **tables: Table) -> None:
        self.tables = tables

    def read(self, ref: SourceRef) -> Table:
        return self.tables[ref.name]


def here(pos: int) -> str:
    return f"k.yaml:1:{pos + 1}"


def run(pipelines: dict[str, Pipeline], tables: Tables, name: str) -> Table:
    return PipelineRunner(tables, pipelines.__getitem__).table(name)


def plain(name: str, *steps: Any) -> Pipeline:
    return Pipeline(name, SourceRef(name, Path(f"{name}.xlsx"), sheet=name), tuple(steps))


KEYS = st.sampled_from(["a", "B", " b", "c", "x", None])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(KEYS, st.one_of(st.none(), st.integers(-3, 9))), min_size=1, max_size=30),
       st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 50), min_size=1))
def test_where_join_derive_equal_pandas(lines: list[tuple[Any, Any]], prices: dict[str, int]) -> None:
    left = table("lines", [["item", "qty"]] + [[k or "", "" if q is None else float(q)] for k, q in lines])
    right = table("menu", [["item", "price"]] + [[k, float(v)] for k, v in prices.items()])
    pipelines = {
        "lines": plain("lines",
                       Where(parse("qty != -1", qualified=True), here),
                       Join("menu", (("item", "item"),), "k.yaml:2:3"),
                       Derive("amount", parse("qty * menu.price", qualified=True), here)),
        "menu": plain("menu"),
    }
    got = run(pipelines, Tables(lines=left, menu=right), "lines")
    # pandas by hand: blank qty is 0 in the comparison (SPEC §8.6), keys trimmed and lower-cased
    df = pd.DataFrame(lines, columns=["item", "qty"], dtype=object)
    df = df[df["item"].notna() | df["qty"].notna()]  # a wholly blank row is no row
    df = df[df["qty"].fillna(0) != -1]
    df["key"] = df["item"].map(lambda k: None if k is None else k.strip().lower() or None)
    menu = pd.DataFrame({"key": [k.lower() for k in prices], "price": [float(v) for v in prices.values()]})
    merged = df.merge(menu, on="key", how="left")
    want = pd.to_numeric(merged["qty"]) * merged["price"]
    assert np.allclose(got.df["amount"].to_numpy(dtype=float), want.to_numpy(dtype=float), equal_nan=True)
    assert got.unmatched == {"menu": int(merged["price"].isna().sum())}
    assert list(got.df.index) == list(df.index + 0)  # every row keeps its place, and its sheet row


def test_a_duplicate_key_names_both_rows_and_a_cycle_is_refused() -> None:
    menu = table("menu", [["item", "price"], ["a", 1.0], ["b", 2.0], ["A ", 3.0]])
    lines = table("lines", [["item"], ["a"]])
    pipelines = {"lines": plain("lines", Join("menu", (("item", "item"),), "k.yaml:4:7")), "menu": plain("menu")}
    with pytest.raises(WorkbookError) as err:
        run(pipelines, Tables(lines=lines, menu=menu), "lines")
    assert str(err.value) == ("k.yaml:4:7: source lines: join menu: the key 'a' occurs twice in source 'menu': "
                              "menu.xlsx!menu!A2 and menu.xlsx!menu!A4")
    loop = {"lines": plain("lines", Join("menu", (("item", "item"),), "k.yaml:4:7")),
            "menu": plain("menu", Join("lines", (("item", "item"),), "k.yaml:9:7"))}
    with pytest.raises(WorkbookError, match="cycle between joined sources: lines -> menu -> lines"):
        run(loop, Tables(lines=lines, menu=menu), "lines")


def test_numbers_and_text_keys_match_as_excel_lookups_do() -> None:
    accounts = table("accounts", [["id", "region"], ["1001", "EMEA"], ["1002", "APAC"]])
    sales = table("sales", [["id", "amount"], [1001.0, 5.0], [1002.0, 7.0], [1003.0, 1.0]])
    pipelines = {"sales": plain("sales", Join("accounts", (("id", "id"),), "k.yaml:1:1"),
                                Derive("account", parse("accounts.region & '/' & id", qualified=True), here)),
                 "accounts": plain("accounts")}
    got = run(pipelines, Tables(sales=sales, accounts=accounts), "sales")
    assert got.df["account"].tolist() == ["EMEA/1001", "APAC/1002", "/1003"]


def test_join_keys_ignore_case_as_a_filters_equals_does() -> None:
    """One rule for text without case (kpisheet.xlrules.fold): a key joins exactly where the
    filter ``menu_item == item`` holds. 'Straße' is not 'STRASSE' (full case folding would
    match them; Excel's comparison does not)."""
    menu = table("menu", [["item", "price"], ["Straße", 1.0], ["Ärger", 2.0]])
    lines = table("lines", [["item"], ["STRASSE"], ["ärger "], ["straße"]])
    pipelines = {"lines": plain("lines", Join("menu", (("item", "item"),), "k.yaml:1:1")), "menu": plain("menu")}
    got = run(pipelines, Tables(lines=lines, menu=menu), "lines")
    assert got.df["menu.price"].tolist()[1:] == [2.0, 1.0] and np.isnan(got.df["menu.price"].iloc[0])
    assert got.unmatched == {"menu": 1}
    same = plain("lines", Where(parse("item == 'Straße' or trim(item) == 'ÄRGER'", qualified=True), here))
    kept = run({"lines": same}, Tables(lines=lines), "lines")
    assert kept.df["item"].tolist() == ["ärger ", "straße"]
