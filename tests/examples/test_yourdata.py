"""The README's "Your data" walk-through (config/yourdata/), checked against pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.lint import lint

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "config" / "yourdata"


def test_the_readme_shows_the_config_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Your data", 1)[1].split("\n## ", 1)[0]
    assert "```yaml\n" + (FOLDER / "kpisheet.yaml").read_text() + "```" in section


def expected() -> pd.DataFrame:
    lines = pd.read_csv(FOLDER / "orders.csv", sep=";", decimal=",", thousands=".", encoding="cp1252")
    lines = lines[lines["Customer"] != "TOTAL"]
    menu = pd.read_csv(FOLDER / "menu.csv")
    rows = lines.merge(menu, left_on="Item", right_on="item_id", how="left")
    rows["amount"] = rows["Qty"] * rows["Price"]
    rows["month"] = pd.to_datetime(rows["Order Date"], format="%d/%m/%Y").dt.strftime("%Y-%m")
    return rows


@pytest.mark.parametrize("month", ["2023-08", "2023-09"])
def test_the_walk_through_equals_pandas(month: str) -> None:
    engine = Engine(load_config(FOLDER), FOLDER / "orders.csv")
    rows = expected()
    here = rows[rows["month"] == month]
    seats = pd.read_csv(FOLDER / "tables.csv")["Seats"].sum()
    assert engine.result("revenue", month).value == pytest.approx(here["amount"].sum())
    assert engine.result("wine_revenue", month).value == pytest.approx(here.loc[here["Category"] == "Wine", "amount"].sum())
    assert engine.result("seats", month).value == seats
    assert engine.result("seats", month).period == "all"
    assert engine.result("revenue_per_seat", month).value == pytest.approx(here["amount"].sum() / seats)


def test_the_walk_through_lints_with_one_unmatched_line() -> None:
    found = [f for f in lint(load_config(FOLDER), FOLDER / "orders.csv") if f.letter == "M"]
    assert [f.message for f in found] == ["source lines: 1 row has no match in 'menu' (their menu.* columns are blank)"]
