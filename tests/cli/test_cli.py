"""The command line: outputs, exit codes, and one clear line for every bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from kpisheet.cli import main
from tests.conftest import ACCOUNTS, KEY_ACCOUNTS, SALES, write_book

KPIS = """\
revenue: {description: Net revenue booked, source: sales, measure: sum(amount), target: 100, unit: EUR}
growth: {description: Month over month revenue growth, formula: revenue / prev(revenue) - 1, unit: "%"}
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_evaluate_json_is_the_spec_shape(capsys: pytest.CaptureFixture[str], book: Path,
                                         make_config: Callable[..., Path]) -> None:
    cfg = make_config(KPIS)
    code, out, err = run(capsys, "evaluate", str(book), "--config", str(cfg), "--period", "2026-02", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows[0] == {"kpi": "revenue", "period": "2026-02", "account": None, "value": 150.0, "error": None,
                       "target": 100.0, "status": "green", "trend": "down", "unit": "EUR"}
    assert rows[1]["kpi"] == "growth" and rows[1]["value"] == pytest.approx(150 / 155 - 1)


def test_evaluate_csv_table_account_and_kpi_filter(capsys: pytest.CaptureFixture[str], book: Path,
                                                   make_config: Callable[..., Path], tmp_path: Path) -> None:
    cfg = make_config(KPIS)
    out_file = tmp_path / "out.csv"
    code, _, err = run(capsys, "evaluate", str(book), "-c", str(cfg), "-p", "2026-02", "-a", "C", "-k", "growth",
                       "-f", "csv", "-o", str(out_file))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out_file.read_text())))
    assert rows == [{"kpi": "growth", "period": "2026-02", "account": "C", "value": "", "error": "#DIV/0!",
                     "target": "", "status": "", "trend": "", "unit": "%"}]
    code, out, _ = run(capsys, "evaluate", str(book), "-c", str(cfg))
    assert code == 0 and "revenue" in out and "2026-03" in out and "100" in out


def test_config_found_beside_the_workbook(capsys: pytest.CaptureFixture[str], book: Path,
                                          make_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    make_config(KPIS)  # tmp_path/kpisheet.yaml, beside the book
    monkeypatch.delenv("KPISHEET_CONFIG", raising=False)
    code, out, err = run(capsys, "evaluate", str(book), "-f", "json", "-k", "revenue")
    assert code == 0, err
    assert json.loads(out)[0]["period"] == "2026-03"


BAD_CONFIGS = {
    "yaml syntax": ("revenue: {source: sales, measure: sum(amount)\n", ":"),
    "unknown key": ("revenue: {source: sales, measure: sum(amount), sauce: x}\n", "unknown key 'sauce'"),
    "unknown name": ("revenue: {formula: revnue * 2}\n", "unknown KPI 'revnue'"),
    "cycle": ("a: {formula: b}\nb: {formula: a}\n", "cycle between KPIs: a -> b -> a"),
    "import": ("a: {formula: \"__import__('os').system('true')\"}\n", "unknown function '__import__'"),
    "attribute": ("a: {formula: revenue.real}\nrevenue: {source: sales, measure: count()}\n", "attribute access"),
    "yaml tag": ("a: !!python/name:os.system {formula: b}\n", "YAML tag"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_configs_exit_2_with_the_place(capsys: pytest.CaptureFixture[str], book: Path,
                                           make_config: Callable[..., Path], tmp_path: Path, case: str) -> None:
    kpis, expected = BAD_CONFIGS[case]
    cfg = make_config(kpis)
    before = snapshot(tmp_path)
    for args in (["evaluate", str(book), "-c", str(cfg)], ["lint", str(cfg)]):
        code, out, err = run(capsys, *args)
        assert code == 2
        assert err.startswith(f"error: {cfg}:") and expected in err, err
        assert "Traceback" not in err and out == ""
    assert snapshot(tmp_path) == before


def test_a_name_defined_in_two_files(capsys: pytest.CaptureFixture[str], book: Path, tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "a.yaml").write_text("sources:\n  sales: {sheet: Sales}\nkpis:\n  n: {source: sales, measure: count()}\n")
    (folder / "b.yaml").write_text("kpis:\n  n: {source: sales, measure: count()}\n")
    code, _, err = run(capsys, "evaluate", str(book), "-c", str(folder))
    assert code == 2 and err == f"error: {folder / 'b.yaml'}:2:3: KPI 'n' is defined twice: here and at {folder / 'a.yaml'}:4:3\n"


def _protected(path: Path, plain: Path) -> None:
    import msoffcrypto.format.ooxml

    with open(plain, "rb") as src, open(path, "wb") as dst:
        msoffcrypto.format.ooxml.OOXMLFile(src).encrypt("secret", dst)


BAD_BOOKS: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "missing sheet": (lambda p, good: write_book(p, {"Sale": SALES, "Accounts": ACCOUNTS}) and None, "!Sales: no sheet 'Sales'"),
    "missing column": (lambda p, good: write_book(p, {"Sales": [["Date", "Account", "Amt", "Status"], *SALES[1:]],
                                                       "Accounts": ACCOUNTS}) and None, "no column 'amount'"),
    "text in numbers": (lambda p, good: write_book(p, {"Sales": [*SALES[:5], [SALES[5][0], "A", "n/a", "ok"], *SALES[6:]],
                                                        "Accounts": ACCOUNTS}) and None, "!Sales!C6: "),
    "truncated": (lambda p, good: p.write_bytes(good.read_bytes()[: good.stat().st_size // 2]), ""),
    "text named xlsx": (lambda p, good: p.write_text("Date,Account\n2026-01-01,A\n"), ""),
    "password": (lambda p, good: _protected(p, good), "password"),
}


@pytest.mark.parametrize("case", BAD_BOOKS)
def test_bad_workbooks_exit_2_with_the_place(capsys: pytest.CaptureFixture[str], book: Path,
                                             make_config: Callable[..., Path], tmp_path: Path, case: str) -> None:
    make, expected = BAD_BOOKS[case]
    bad = tmp_path / "bad.xlsx"
    make(bad, book)
    cfg = make_config(KPIS)
    before = snapshot(tmp_path)
    code, out, err = run(capsys, "evaluate", str(bad), "-c", str(cfg))
    assert code == 2, err
    assert err.startswith(f"error: {bad}") and expected in err and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("args, expected", [
    (["--period", "2026-13"], "error: --period: "),
    (["--kpi", "revenu"], "error: --kpi: unknown KPI 'revenu' (did you mean 'revenue'?)"),
    (["--format", "xml"], "error: Invalid value for '--format'"),
])
def test_bad_arguments(capsys: pytest.CaptureFixture[str], book: Path, make_config: Callable[..., Path],
                       args: list[str], expected: str) -> None:
    code, _, err = run(capsys, "evaluate", str(book), "-c", str(make_config(KPIS)), *args)
    assert code == 2 and err.startswith(expected) and err.count("\n") == 1, err


def test_output_file_is_not_touched_on_error(capsys: pytest.CaptureFixture[str], book: Path,
                                             make_config: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text("previous")
    code, _, _ = run(capsys, "evaluate", str(book), "-c", str(make_config(KPIS)), "-p", "nope", "-o", str(out))
    assert code == 2 and out.read_text() == "previous"


def test_a_real_process_prints_one_line_and_no_traceback(book: Path, make_config: Callable[..., Path]) -> None:
    cfg = make_config("a: {formula: b}\nb: {formula: a}\n")
    proc = subprocess.run([sys.executable, "-m", "kpisheet", "evaluate", str(book), "-c", str(cfg)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_accounts_json_and_key_account_kpis(capsys: pytest.CaptureFixture[str], book: Path,
                                           make_config: Callable[..., Path]) -> None:
    cfg = make_config(KPIS, KEY_ACCOUNTS)
    code, out, err = run(capsys, "accounts", str(book), "-c", str(cfg), "-p", "2026-Q1", "-f", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["account"] for r in rows] == ["A", "B", "C", "D"]  # 100, 35.2, 31.9, 30
    first = rows[0]
    assert first["score"] == pytest.approx(100) and first["tier"] == "A" and first["key"] is True
    assert first["reason"] == "score = 100 >= 60" and first["movement"] == "same"
    assert first["criteria"]["strategic"] == {"value": 5.0, "points": 40.0, "error": None}
    assert set(first) == {"account", "period", "score", "tier", "key", "reason", "criteria", "previous_tier",
                          "movement"}
    code, out, err = run(capsys, "evaluate", str(book), "-c", str(cfg), "-p", "2026-02", "--key-accounts",
                         "-f", "json")
    assert code == 0, err
    got = [(r["kpi"], r["account"], r["value"]) for r in json.loads(out)]
    assert got == [("revenue", "A", 120.0), ("growth", "A", pytest.approx(120 / 100 - 1))]


@pytest.mark.parametrize("change, expected", [
    ("scale: [0, 0.5]", "scale: [1, 1]", ),
    ("weight: 60", "weight: -5"),
    ("tiers: {A: score >= 80, B: score >= 50, C: true}", "tiers: {}"),
    ("key_if: score >= 60", "key_if: scroe >= 60"),
])
def test_bad_key_account_configs(capsys: pytest.CaptureFixture[str], book: Path, make_config: Callable[..., Path],
                                 change: str, expected: str) -> None:
    cfg = make_config(KPIS, KEY_ACCOUNTS.replace(change, expected))
    code, out, err = run(capsys, "accounts", str(book), "-c", str(cfg))
    assert code == 2 and out == "" and err.startswith(f"error: {cfg}:"), err
    assert {"scale: [1, 1]": "equal", "weight: -5": "greater than or equal to 0", "tiers: {}": "tiers",
            "key_if: scroe >= 60": "unknown name (a criterion, score or a KPI) 'scroe' (did you mean 'score'?)"}[expected] in err


def test_progress_bar_on_a_terminal_only(capsys: pytest.CaptureFixture[str], book: Path,
                                         make_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import kpisheet.cli as cli_module

    shown: list[str] = []

    class Recorder:
        def __init__(self, **kwargs: object) -> None: ...
        def __enter__(self) -> "Recorder": return self
        def __exit__(self, *exc: object) -> None: ...
        def add_task(self, description: str, total: int) -> int: shown.append(f"{description}/{total}"); return 0
        def update(self, task: int, description: str) -> None: shown.append(description)
        def advance(self, task: int) -> None: shown.append("+")

    import rich.progress

    monkeypatch.setattr(rich.progress, "Progress", Recorder)
    cfg = make_config(KPIS)
    assert run(capsys, "evaluate", str(book), "-c", str(cfg))[0] == 0
    assert shown == []  # stderr is not a terminal here
    monkeypatch.setattr(cli_module.sys.stderr, "isatty", lambda: True)
    assert run(capsys, "evaluate", str(book), "-c", str(cfg))[0] == 0
    assert shown == ["reading sources/2", "reading sales", "+", "reading accounts", "+"]


def test_recalc_check_then_write_then_check(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            make_config: Callable[..., Path]) -> None:
    from openpyxl import load_workbook

    book = write_book(tmp_path / "calc.xlsx", {"Sales": SALES, "Accounts": ACCOUNTS,
                                                "Sheet": [["=SUM(Sales!C2:C9)", '=KPI("revenue","2026-01")']]})
    cfg = make_config(KPIS)
    before = book.read_bytes()
    code, out, _ = run(capsys, "recalc", str(book), "-c", str(cfg), "--check")
    assert code == 1 and "Sheet!A1: (no value) → 415" in out and "Sheet!B1: (no value) → 155" in out
    assert book.read_bytes() == before  # --check writes nothing
    assert run(capsys, "recalc", str(book), "-c", str(cfg))[0] == 0
    values = load_workbook(book, data_only=True)["Sheet"]
    assert (values["A1"].value, values["B1"].value) == (415, 155)
    assert run(capsys, "recalc", str(book), "-c", str(cfg), "--check")[0] == 0


def test_output_to_dev_null_and_a_named_pipe(capsys: pytest.CaptureFixture[str], book: Path,
                                             make_config: Callable[..., Path], tmp_path: Path) -> None:
    """`-o /dev/null` (and a pipe) is written as a stream; before, it was refused as not a regular file."""
    cfg = make_config(KPIS)
    before = snapshot(book.parent)
    code, out, err = run(capsys, "evaluate", str(book), "-c", str(cfg), "-o", "/dev/null")
    assert (code, out, err) == (0, "", "")
    code, out, err = run(capsys, "recalc", str(book), "-c", str(cfg), "-o", "/dev/null")
    assert code == 0 and "written to /dev/null" in out, err
    assert snapshot(book.parent) == before
    fifo = tmp_path / "pipe"
    subprocess.run(["mkfifo", str(fifo)], check=True)
    code, _, err = run(capsys, "evaluate", str(book), "-c", str(cfg), "-o", str(fifo))
    assert code == 2 and err == f"error: {fifo}: a named pipe no program reads: nothing written\n"
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    for _ in range(500):  # until cat has the pipe open
        code, _, err = run(capsys, "evaluate", str(book), "-c", str(cfg), "-p", "2026-02", "-f", "csv",
                           "-o", str(fifo))
        if code == 0:
            break
        time.sleep(0.01)
    got, _ = reader.communicate(timeout=30)
    assert code == 0 and got.decode().startswith("kpi,period,account,value"), err
