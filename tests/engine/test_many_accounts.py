"""5,000 accounts (issue 12): the across-account results — share, pareto, the key-account table,
``--top`` and ``--key-only`` — equal a plain Python loop over the accounts, to the last digit."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from kpisheet.cli import main
from kpisheet.config import load_config
from kpisheet.engine.core import Engine

ACCOUNTS = 5000
CONFIG = """version: 1
sources:
  sales:
    workbook: sales.csv
  accounts:
    workbook: accounts.csv
kpis:
  revenue: {source: sales, measure: sum(amount), grain: year}
  revenue_share: {formula: share(revenue), grain: year}
  revenue_pareto: {formula: pareto(revenue), grain: year}
key_accounts:
  attributes: accounts
  grain: year
  criteria:
    share:     {formula: share(revenue), weight: 60, scale: [0, 0.001]}
    strategic: {formula: attr(strategic_value), weight: 40, scale: [1, 5]}
  key_if: score >= 60 or pareto(revenue) < 0.5
  tiers: {A: score >= 75, B: score >= 50, C: "true"}
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float], dict[str, float]]:
    """A folder with the config and its CSV files; each account's 2025 revenue and strategic value."""
    folder = tmp_path_factory.mktemp("many")
    rng = random.Random(12)
    names = [f"C{i:05d}" for i in range(ACCOUNTS)]
    revenue = {n: 0.0 for n in names}
    lines = ["date,account,amount"]
    for name in names:
        for _ in range(rng.randint(1, 3)):
            amount = rng.choice([100, 250, 1000]) if rng.random() < 0.2 else rng.randint(1, 50_000)  # ties too
            lines.append(f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},{name},{amount}")
            revenue[name] += amount
        lines.append(f"2024-06-01,{name},{rng.randint(1, 9_000)}")  # an earlier year, not counted
    strategic = {n: float(rng.randint(1, 5)) for n in names}
    (folder / "sales.csv").write_text("\n".join(lines) + "\n")
    (folder / "accounts.csv").write_text("account,strategic_value\n" + "".join(f"{n},{int(v)}\n"
                                                                          for n, v in strategic.items()))
    (folder / "kpisheet.yaml").write_text(CONFIG)
    return folder, revenue, strategic


def plain_loop(revenue: dict[str, float], strategic: dict[str, float]) -> dict[str, dict[str, object]]:
    """Share, pareto, score, key and tier of each account, one account at a time."""
    total = sum(revenue.values())
    ranked = sorted(revenue, key=lambda n: (-revenue[n], n))
    out: dict[str, dict[str, object]] = {}
    above = 0.0
    for name in ranked:
        share = revenue[name] / total
        part_share = min(max((share - 0) / (0.001 - 0), 0), 1)
        part_strategic = min(max((strategic[name] - 1) / (5 - 1), 0), 1)
        score = 0.0 + 100 * 60 * part_share / 100
        score = score + 100 * 40 * part_strategic / 100
        pareto = above / total
        key = score >= 60 or pareto < 0.5
        tier = "A" if score >= 75 else "B" if score >= 50 else "C"
        out[name] = {"share": share, "pareto": pareto, "score": round(score, 6), "key": key, "tier": tier}
        above += revenue[name]
    return out


def test_across_accounts_equal_a_plain_loop(book: tuple[Path, dict[str, float], dict[str, float]]) -> None:
    folder, revenue, strategic = book
    expected = plain_loop(revenue, strategic)
    engine = Engine(load_config(folder / "kpisheet.yaml"))
    assert engine.accounts == sorted(revenue)
    for name, want in expected.items():
        assert engine.result("revenue_share", "2025", name).value == want["share"]
        assert engine.result("revenue_pareto", "2025", name).value == want["pareto"]
    table = engine.key_accounts("2025")
    assert [r.account for r in table] == sorted(expected, key=lambda n: (-float(expected[n]["score"]), n))  # type: ignore[arg-type]
    for row in table:
        want = expected[row.account]
        assert (row.score, row.key, row.tier) == (want["score"], want["key"], want["tier"])
        assert row.criteria["share"].value == want["share"]
        assert row.criteria["strategic"].value == strategic[row.account]
    keys = [r for r in table if r.key]
    assert 0 < len(keys) < ACCOUNTS
    assert engine.key_accounts("2025", top=25) == table[:25]
    assert engine.key_accounts("2025", key_only=True) == keys
    assert engine.key_accounts("2025", top=7, key_only=True) == keys[:7]


def test_top_and_key_only_on_the_command_line(book: tuple[Path, dict[str, float], dict[str, float]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder, revenue, strategic = book
    expected = plain_loop(revenue, strategic)
    keys = sorted((n for n in expected if expected[n]["key"]), key=lambda n: (-float(expected[n]["score"]), n))  # type: ignore[arg-type]
    args = ["accounts", str(folder / "sales.csv"), "--config", str(folder / "kpisheet.yaml"), "--period", "2025",
            "--format", "json"]
    assert main([*args, "--top", "5", "--key-only"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["account"] for r in rows] == keys[:5]
    assert all(r["key"] for r in rows)
    assert main([*args, "--top", "0"]) == 2
    assert "--top" in capsys.readouterr().err


def test_an_account_column_is_hashed_once_for_the_names_and_the_grid_columns(
        book: tuple[Path, dict[str, float], dict[str, float]], monkeypatch: pytest.MonkeyPatch) -> None:
    """``accounts`` and the rows' grid columns share one factorize per source (issue 12)."""
    from kpisheet.engine import core

    folder, revenue, _ = book
    calls: list[int] = []
    real = core._factorized

    def counting(column):  # type: ignore[no-untyped-def]
        calls.append(len(column))
        return real(column)

    monkeypatch.setattr(core, "_factorized", counting)
    engine = Engine(load_config(folder / "kpisheet.yaml"))
    result = engine.result("revenue", "2025")
    assert len(engine.accounts) >= len(revenue)
    assert result.value == pytest.approx(sum(revenue.values()))
    assert len(calls) == len(set(engine._account_sources())), calls  # one per source, none twice
