"""Loading configs: every problem collected, each with its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpisheet import ConfigError, load_config


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def write(tmp_path: Path, text: str, name: str = "k.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """\
version: 1
sources:
  sales: {sheet: Sales}
kpis:
  revenue:
    description: Net revenue booked in the period
    source: sales
    measure: sum(amount)
    grain: month
  growth:
    formula: revenue / prev(revenue) - 1
    unit: "%"
"""


def test_a_good_config_loads_with_marks(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert list(config.kpis) == ["revenue", "growth"]
    revenue = config.kpis["revenue"]
    assert str(revenue.mark) == f"{tmp_path / 'k.yaml'}:5:3"
    assert revenue.measure is not None and (revenue.measure.func, revenue.measure.column) == ("sum", "amount")
    assert config.kpis["growth"].formula is not None and config.kpis["growth"].formula.mark.line == 11 and config.kpis["growth"].formula.mark.col == 14


@pytest.mark.parametrize("text, expected", [
    ("kpis:\n  a: {source: s, measure: sum(x)\n", ":3:1: YAML: expected ',' or '}', but got '<stream end>'"),
    (GOOD.replace("    grain: month", "    measrue: month"), ":9:5: unknown key 'measrue' (did you mean 'measure'?)"),
    (GOOD.replace("revenue / prev", "revenu / prev"), ":11:14: growth: unknown KPI 'revenu' (did you mean 'revenue'?)"),
    (GOOD.replace("revenue / prev(revenue) - 1", "__import__('os')"), ":11:14: unknown function '__import__'"),
    (GOOD.replace("revenue / prev(revenue) - 1", "revenue.__class__"), ":11:21: attribute access is not allowed"),
    (GOOD.replace("sales: {sheet: Sales}", "sales: !!python/object:os.system {sheet: Sales}"),
     ":3:10: YAML tag !!python/object:os.system is not allowed"),
    (GOOD.replace("    unit: \"%\"", "    unit: \"%\"\n    target: growth"), ":10:3: cycle between KPIs: growth -> growth"),
    (GOOD + "  growth:\n    formula: revenue\n", ":13:3: 'growth' is defined twice (first at"),
    (GOOD.replace("measure: sum(amount)", "measure: total(amount)"), ":8:14: cannot read measure 'total(amount)'"),
    (GOOD.replace("grain: month", "grain: monthly"), ":9:12: kpis.revenue.grain: Input should be"),
    (GOOD.replace("sales: {sheet: Sales}", "sales: {sheet: Sales, range: 'A1:B2'}"),
     ":3:3: sources.sales: a source needs exactly one of sheet, table or range"),
    (GOOD.replace("source: sales", "source: sale"), ":7:13: revenue: unknown source 'sale' (did you mean 'sales'?)"),
])
def test_each_problem_names_its_place(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(write(tmp_path, text))
    assert any(p.startswith(str(tmp_path / "k.yaml")) and expected in p for p in found), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("    grain: month", "    grian: month").replace("revenue / prev", "revenu / prev")
    text = text.replace("version: 1", "version: 1\ncalendar: {fiscal_year_start: 13}")
    found = problems(write(tmp_path, text))
    # schema problems of a file are found together; name problems wait for a valid schema
    assert len(found) == 2 and any("grian" in p for p in found) and any("fiscal_year_start" in p for p in found)


def test_a_folder_is_merged_and_a_name_defined_twice_names_both_files(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    write(folder, "sources:\n  sales: {sheet: Sales}\n", "sources.yaml")
    write(folder, "kpis:\n  revenue: {source: sales, measure: sum(amount)}\n", "a.yaml")
    assert list(load_config(folder).kpis) == ["revenue"]
    write(folder, "kpis:\n  other: {formula: revenue * 2}\n  revenue: {formula: other}\n", "b.yaml")
    found = problems(folder)
    assert found == [f"{folder / 'b.yaml'}:3:3: KPI 'revenue' is defined twice: here and at {folder / 'a.yaml'}:2:3"]


def test_yaml_tags_are_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"kpis: !!python/object/apply:os.system ['touch {marker}']\n"
    assert "is not allowed" in problems(write(tmp_path, text))[0]
    assert not marker.exists()


def test_span_functions_do_not_nest(tmp_path: Path) -> None:
    text = GOOD + "  r3:\n    formula: rolling(revenue, 3)\n  bad:\n    formula: ytd(r3)\n"
    assert any("ytd() of a KPI that already uses rolling/ytd/qtd" in p for p in problems(write(tmp_path, text)))


def test_key_account_rules_are_checked(tmp_path: Path) -> None:
    text = GOOD + """\
key_accounts:
  criteria:
    size: {formula: share(revenue), weight: 1, scale: [0, 0]}
    reach: {formula: share(revenue), weight: -1, scale: [0, 1]}
  key_if: score >= 60 and sise > 1
  tiers: {A: "true"}
"""
    found = problems(write(tmp_path, text))
    assert any("scale" in p and "equal" in p for p in found), found
    assert any("weight" in p and "greater than or equal to 0" in p for p in found), found


def test_unquoted_commas_in_flow_mappings_are_rejoined(tmp_path: Path) -> None:
    text = GOOD + "  yoy: {description: Growth on a year before, formula: revenue / prev(revenue, 12) - 1, unit: x}\n"
    config = load_config(write(tmp_path, text))
    yoy = config.kpis["yoy"]
    assert yoy.formula is not None and yoy.formula.text == "revenue / prev(revenue, 12) - 1"
    assert yoy.unit == "x" and yoy.formula.mark.col == 56
