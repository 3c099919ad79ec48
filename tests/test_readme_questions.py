"""The README's "Real questions" section runs: its book, its config, every number of its tables."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kpisheet import Engine, load_config
from tests.conftest import write_book

ROOT = Path(__file__).resolve().parent.parent
SECTION = (ROOT / "README.md").read_text().split("\n## Real questions\n")[1].split("\n## ")[0]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _book_tables() -> tuple[list[list[object]], list[list[object]]]:
    lines = [line for line in SECTION.splitlines() if re.match(r"\| \d{4}-\d\d-\d\d|\| \|", line)]
    invoices: list[list[object]] = [["Date", "Client", "Amount"]]
    budget: list[list[object]] = [["Month", "Client", "Amount"]]
    for line in lines:
        cells = _cells(line)
        for table, part in ((invoices, cells[:3]), (budget, cells[4:7])):
            if part and part[0]:
                table.append([dt.datetime.fromisoformat(part[0]), part[1], float(part[2])])
    return invoices, budget


EXPECTED = [_cells(line) for line in SECTION.splitlines()
            if line.startswith("| ") and len(_cells(line)) == 6 and _cells(line)[0] not in ("KPI", "---")]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("readme")
    invoices, budget = _book_tables()
    assert len(invoices) == 9 and len(budget) == 4
    book = write_book(folder / "book.xlsx", {"Invoices": invoices, "Budget": budget})
    config = folder / "kpisheet.yaml"
    config.write_text(re.findall(r"```yaml\n(.*?)```", SECTION, flags=re.S)[0])
    return Engine(load_config(config), book)


def test_the_section_has_its_four_parts() -> None:
    for title in ("### Windows with time units", "### Across accounts", "### Targets and budgets",
                  '### What "no data" gives'):
        assert title in SECTION
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("kpi, period, account, value, target, status", EXPECTED)
def test_every_number_of_the_tables(engine: Engine, kpi: str, period: str, account: str, value: str,
                                    target: str, status: str) -> None:
    result = engine.result(kpi, period, account or None)
    if value.startswith("#"):
        assert result.error is not None and result.error.text == value
    else:
        assert result.error is None and result.value == pytest.approx(float(value), abs=5e-5)
    assert result.target == (float(target) if target else None)
    assert result.status == status
