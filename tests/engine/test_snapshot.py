"""SPEC §7.4: snapshot sources (``date: none``) — one period, ``all``, whatever is asked."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.errors import ConfigError

CONFIG = """
sources:
  sales: {sheet: Sales, columns: {date: Date, account: Customer, amount: Amount}}
  staff: {sheet: Staff, date: none, columns: {account: Team, fte: FTE}}
kpis:
  revenue: {source: sales, measure: sum(amount), grain: month}
  headcount: {source: staff, measure: sum(fte), grain: month, target: 3}
  people: {source: staff, measure: count(), filter: fte >= 1}
  revenue_per_head: {formula: revenue / headcount, grain: month}
  heads_growth: {formula: headcount / prev(headcount) - 1}
  heads_rolling: {formula: rolling(headcount, 3)}
"""


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["Date", "Customer", "Amount"])
    for row in [(dt.datetime(2026, 1, 5), "A", 100), (dt.datetime(2026, 2, 6), "B", 50), (dt.datetime(2026, 2, 9), "A", 30)]:
        ws.append(list(row))
    staff = wb.create_sheet("Staff")  # a dateless sheet
    staff.append(["Name", "Team", "FTE"])
    for row in [("Ann", "A", 1), ("Bob", "B", 0.5), ("Cy", "A", 1), ("Di", "C", 0.8)]:
        staff.append(list(row))
    wb.save(tmp_path / "book.xlsx")
    (tmp_path / "kpisheet.yaml").write_text(textwrap.dedent(CONFIG))
    return Engine(load_config(tmp_path / "kpisheet.yaml"), tmp_path / "book.xlsx")


def test_a_snapshot_kpi_is_the_same_at_every_period_and_names_all(engine: Engine, tmp_path: Path) -> None:
    staff = pd.read_excel(tmp_path / "book.xlsx", sheet_name="Staff", engine="openpyxl")
    for period in (None, "latest", "2026-01", "2019", "all", dt.date(2030, 5, 1)):
        r = engine.result("headcount", period)
        assert (r.period, r.value, r.trend) == ("all", pytest.approx(staff["FTE"].sum()), "")
        assert (r.target, r.status) == (3.0, "green")  # 3.3 >= 3
    assert engine.result("headcount", "2026-01", "A").value == staff.loc[staff["Team"] == "A", "FTE"].sum()
    assert engine.result("people").value == (staff["FTE"] >= 1).sum()
    assert engine.result("heads_growth", "2026-02").value == 0  # prev of a snapshot is itself
    assert engine.result("heads_rolling", "2026-02").value == pytest.approx(staff["FTE"].sum())
    assert [r.period for r in engine.series("headcount", "2026-01", "2026-03")] == ["all"]


def test_formulas_mix_snapshot_and_dated_kpis(engine: Engine) -> None:
    r = engine.result("revenue_per_head", "2026-02")
    assert (r.period, r.value) == ("2026-02", pytest.approx(80 / 3.3))
    assert engine.result("revenue_per_head").period == "2026-02"  # latest of the dated source
    assert engine.result("revenue_per_head", "2026-01", "A").value == pytest.approx(100 / 2)
    assert "C" in engine.accounts  # accounts of snapshot sources count too


def test_a_snapshot_filter_keeping_no_row_is_zero_and_a_source_without_rows_is_no_data(tmp_path: Path) -> None:
    """SPEC §8.4 for snapshots: the source has data (0 where a filter keeps nothing); a source
    whose `where` leaves no row has none (#N/A, never a plausible 0)."""
    (tmp_path / "k.yaml").write_text(CONFIG + "  giants: {source: staff, measure: sum(fte), filter: fte > 100}\n")
    wb = openpyxl.Workbook()
    wb.active.title = "Sales"
    wb.active.append(["Date", "Customer", "Amount"])
    wb.active.append([dt.datetime(2026, 1, 5), "A", 100])
    staff = wb.create_sheet("Staff")
    staff.append(["Name", "Team", "FTE"])
    staff.append(["Ann", "A", 1])
    wb.save(tmp_path / "book.xlsx")
    engine = Engine(load_config(tmp_path / "k.yaml"), tmp_path / "book.xlsx")
    assert (engine.result("giants").value, engine.result("giants").error) == (0.0, None)
    empty = CONFIG.replace("date: none,", "date: none, where: fte > 100,")
    (tmp_path / "e.yaml").write_text(empty)
    r = Engine(load_config(tmp_path / "e.yaml"), tmp_path / "book.xlsx").result("headcount")
    assert (r.value, r.error.text if r.error else None, r.status) == (None, "#N/A", "")


def test_date_none_is_the_only_word(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text(CONFIG.replace("date: none", "date: nothing"))
    with pytest.raises(ConfigError, match=r"k\.yaml:4:.*sources\.staff\.date"):
        load_config(tmp_path / "k.yaml")


def test_lint_asks_no_grain_of_a_snapshot_kpi(engine: Engine) -> None:
    from kpisheet.lint import lint

    grains = {f.kpi for f in lint(engine.config) if f.message == "no explicit grain"}
    assert "headcount" not in grains and "people" not in grains and "heads_growth" in grains
