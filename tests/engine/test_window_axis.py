"""Issue 12, item 4: a question about one period makes a window of the period axis, not the
whole of it, and every number is the whole axis's to the last digit."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from kpisheet import Engine, load_config
from kpisheet.engine.window import UNBOUNDED, periods_back
from kpisheet.periods import Grain, parse_period
from kpisheet.sources import FileReader
from tests.conftest import write_book
from tests.engine import oracle as o

KPIS = """\
revenue: {source: sales, measure: sum(amount), target: "prev(orders) * 60"}
orders: {source: sales, measure: count()}
avg_amount: {source: sales, measure: average(amount)}
biggest: {source: sales, measure: max(amount)}
growth: {formula: revenue / prev(revenue) - 1}
growth_before: {formula: "prev(growth, 2)"}
yoy: {formula: "revenue / prev(revenue, 12) - 1"}
last_year: {formula: "prev(revenue, 1, 'year')"}
r3: {formula: "rolling(revenue, 3)"}
r3m_avg: {formula: "rolling(avg_amount, 3, 'month')"}
r2w_max: {formula: "rolling(biggest, 2, 'week')"}
rev_ytd: {formula: ytd(revenue)}
rev_qtd: {formula: qtd(revenue)}
ytd_before: {formula: "prev(rev_ytd)"}
share_now: {formula: share(revenue)}
"""
KEY_ACCOUNTS = """\
key_accounts:
  criteria:
    share: {formula: share(revenue), weight: 60, scale: [0, 0.3]}
    growing: {formula: "revenue - prev(revenue)", weight: 40, scale: [0, 100]}
  key_if: score >= 50 or pareto(revenue) < 0.5
  tiers: {A: score >= 75, B: score >= 40, C: "true"}
"""
# before the data, its first periods, the middle, its last, after it; at every grain
PERIODS = ["2020-12", "2021-01", "2021-02", "2022-03", "2022-12-15", "2021-01-05", "2022-W10", "2021-W01",
           "2022-Q2", "2021-Q1", "2022", "2021", "2023-06", "2023-06-28", "2023-Q3", "2024-03"]
ACCOUNTS: list[Optional[str]] = [None, "Acme", "Fjord", "Nobody"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("window")
    rows = o.make_rows()
    rows["Amount"] = rows["Amount"] * 1.37 / 3  # amounts whose sums round: the order of adding shows
    book = write_book(folder / "book.xlsx", {"Sales": [list(rows.columns)] + rows.values.tolist()})
    cfg = folder / "kpisheet.yaml"
    cfg.write_text("version: 1\nsources:\n  sales:\n    sheet: Sales\n"
                   "    columns: {date: Date, account: Account, amount: Amount}\nkpis:\n"
                   + "".join("  " + line + "\n" for line in KPIS.splitlines()) + KEY_ACCOUNTS)
    return cfg, book


def test_periods_back_sums_every_unitless_prev(setup: tuple[Path, Path]) -> None:
    config = load_config(setup[0])
    # target 1, growth 1, growth_before 2, yoy 12, ytd_before 1, criterion growing 1 (prev with a unit: none)
    assert periods_back(config) == 18


def test_a_question_about_one_period_makes_a_window(setup: tuple[Path, Path]) -> None:
    cfg, book = setup
    engine = Engine(load_config(cfg), book)
    p = parse_period("2022-12-15")
    engine.result("revenue", "2022-12-15")
    axis = engine._axis(Grain.DAY)
    assert axis.exact_from == p.ordinal - 1 and axis.lo == p.ordinal - 1 - 18 and axis.size == 20
    assert engine._grid("revenue", Grain.DAY).shape[0] == 20
    with pytest.raises(ValueError):
        axis.row(axis.exact_from - 1)  # never a value from rows the window does not hold exactly
    engine.result("revenue", "2022-06-01")  # a question it does not hold: the whole axis
    whole = engine._axis(Grain.DAY)
    assert whole.exact_from is None and whole.lo < parse_period("2021-01-04").ordinal  # before the data


def test_a_window_gives_the_whole_axis_numbers_to_the_last_digit(setup: tuple[Path, Path]) -> None:
    cfg, book = setup
    config = load_config(cfg)
    reader = FileReader()
    whole = Engine(config, book, reader=reader)
    for grain in Grain:
        whole._axis(grain)  # the whole axis of every grain, before any question
    windows = 0
    for period in PERIODS:
        fresh = Engine(config, book, reader=reader)
        for account in ACCOUNTS:
            assert fresh.results(period, account) == whole.results(period, account), (period, account)
        if fresh._axis(parse_period(period).grain).exact_from is not None:
            windows += 1
        assert fresh.key_accounts(period) == whole.key_accounts(period), period
    assert windows >= 5  # days and weeks (18 periods back from a month reach before the data: the whole axis)


def test_a_series_makes_one_window(setup: tuple[Path, Path]) -> None:
    cfg, book = setup
    config = load_config(cfg)
    whole = Engine(config, book)
    whole._axis(Grain.DAY)
    fresh = Engine(config, book)
    got = fresh.series("rev_ytd", "2022-11-20", "2022-12-10", "Acme")
    axis = fresh._axis(Grain.DAY)
    assert axis.exact_from == parse_period("2022-11-19").ordinal and axis.size == 22 + 18
    assert got == whole.series("rev_ytd", "2022-11-20", "2022-12-10", "Acme")


def test_an_unbounded_prev_makes_the_whole_axis(tmp_path: Path, setup: tuple[Path, Path]) -> None:
    cfg, book = setup
    text = cfg.read_text().replace("ytd_before: {formula: \"prev(rev_ytd)\"}",
                                   "ytd_before: {formula: \"prev(rev_ytd, 2000000)\"}")
    other = tmp_path / "kpisheet.yaml"
    other.write_text(text)
    engine = Engine(load_config(other), book)
    assert periods_back(engine.config) > 2_000_000
    engine.result("revenue", "2022-12-15")
    axis = engine._axis(Grain.DAY)
    assert axis.exact_from is None and axis.lo + axis.size - 1 == parse_period("2022-12-15").ordinal


def test_a_question_reaching_back_past_the_data_ends_the_axis_at_it(setup: tuple[Path, Path]) -> None:
    """Before, the whole axis to the last day of the data: one row mistyped as 1950 among rows of
    2024-2025 made a question about 1950-01-15 on 20,000 accounts every day × account since
    (27,745 × 20,001 cells a grid, 8.9 GB)."""
    cfg, book = setup
    config = load_config(cfg)
    whole = Engine(config, book)
    whole._axis(Grain.DAY)
    fresh = Engine(config, book)
    first, asked = parse_period("2021-01-04").ordinal, parse_period("2021-01-05").ordinal  # the data's first day
    assert fresh.results("2021-01-05", "Acme") == whole.results("2021-01-05", "Acme")  # 18 days back: before it
    axis = fresh._axis(Grain.DAY)
    assert (axis.exact_from, axis.lo, axis.lo + axis.size - 1) == (None, first - 1, asked)
    assert fresh._grid("revenue", Grain.DAY).shape[0] == 3
    assert fresh.results("2021-01-06", "Acme") == whole.results("2021-01-06", "Acme")  # not held: the whole axis
    assert fresh._axis(Grain.DAY).size == whole._axis(Grain.DAY).size


def test_a_prev_without_a_number_is_unbounded() -> None:
    from kpisheet.expr.ast import Call, Name, Str

    class Fake:
        node = Call("prev", (Name("revenue"), Str("x")))

    class Config:
        kpis: dict[str, object] = {}
        key_accounts = type("K", (), {"criteria": {}, "key_if": Fake(), "tiers": ()})()

    assert periods_back(Config()) == UNBOUNDED  # type: ignore[arg-type]
