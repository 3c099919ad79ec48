"""No data is not zero at the command line: a period after the data is #N/A, with a warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from tests.cli.test_cli import KPIS, run
from tests.conftest import KEY_ACCOUNTS


def test_period_after_the_data_warns_and_gives_na(capsys: pytest.CaptureFixture[str], book: Path,
                                                   make_config: Callable[..., Path]) -> None:
    cfg = make_config(KPIS)
    code, out, err = run(capsys, "evaluate", str(book), "-c", str(cfg), "-p", "2026-05", "-f", "json")
    assert code == 0, err
    assert err.strip() == ("warning: --period: 2026-05 is after the last date of the data (2026-03-20): "
                           "values there are #N/A")
    rows = {r["kpi"]: r for r in json.loads(out)}
    assert (rows["revenue"]["value"], rows["revenue"]["error"], rows["revenue"]["status"]) == (None, "#N/A", "")
    assert rows["growth"]["error"] == "#N/A" and rows["growth"]["trend"] == ""


def test_no_warning_inside_the_data(capsys: pytest.CaptureFixture[str], book: Path,
                                    make_config: Callable[..., Path]) -> None:
    cfg = make_config(KPIS)
    code, _, err = run(capsys, "evaluate", str(book), "-c", str(cfg), "-p", "2026-03", "-f", "json")
    assert code == 0 and err == ""


def test_accounts_warn_as_evaluate_does(capsys: pytest.CaptureFixture[str], book: Path,
                                        make_config: Callable[..., Path]) -> None:
    """The key-account table of a period after the data says so once, like `evaluate`."""
    cfg = make_config(KPIS, KEY_ACCOUNTS)
    code, out, err = run(capsys, "accounts", str(book), "-c", str(cfg), "-p", "2026-05", "-f", "json")
    assert code == 0, err
    assert err.strip() == ("warning: --period: 2026-05 is after the last date of the data (2026-03-20): "
                           "values there are #N/A")
    assert json.loads(out)
    code, _, err = run(capsys, "accounts", str(book), "-c", str(cfg), "-p", "2026-03", "-f", "json")
    assert code == 0 and err == ""
