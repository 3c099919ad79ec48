"""SPEC §10: ``sql:`` sources on a DuckDB file, connections from the environment, the CLI
without WORKBOOK, config errors for what cannot run in a database, and credentials."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from kpisheet.cli import main
from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.errors import ConfigError, WorkbookError
from kpisheet.lint import lint

from .conftest import KPIS, PIPELINE, rows

duckdb = pytest.importorskip("duckdb")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The CLI as a user runs it: exit code, and what it printed (stdout and stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err

SQL_SOURCES = """sources:
  menu:
    sql: select * from menu
    connection: ${KPISHEET_TEST_DB}
    columns: {item: item_id, price: Price, category: Category}
  lines:
    sql: select * from lines where "Order Date" is not null or "Customer" = 'TOTAL'
    connection: ${KPISHEET_TEST_DB}
    columns: {date: Order Date, account: Customer, item: Item, qty: Qty, status: Status}
"""


@pytest.fixture
def duck_file(same_rows: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The same rows as tables of a DuckDB file, named by an environment variable."""
    lines, menu = rows()
    path = same_rows / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.register("lines_df", lines)
    con.register("menu_df", menu)
    con.execute("create table lines as select * from lines_df")
    con.execute("create table menu as select * from menu_df")
    con.close()
    (same_rows / "sql").mkdir()
    (same_rows / "sql" / "kpis.yaml").write_text(SQL_SOURCES + PIPELINE + KPIS, encoding="utf-8")
    monkeypatch.setenv("KPISHEET_TEST_DB", f"duckdb://{path}")
    return same_rows


def test_a_duckdb_table_equals_the_workbook(duck_file: Path) -> None:
    excel = Engine(load_config(duck_file / "xlsx" / "kpis.yaml"), duck_file / "book.xlsx")
    sql = Engine(load_config(duck_file / "sql" / "kpis.yaml"))
    assert sql.accounts == excel.accounts
    for period in ["2024-05", "2025-Q3", "FY2025", "2025-W20", "latest"]:
        for account in [None, "Acme", "Café Rossi"]:
            for kpi in excel.config.kpis:
                a, b = excel.result(kpi, period, account), sql.result(kpi, period, account)
                assert (a.error, a.status, a.period) == (b.error, b.status, b.period), (kpi, period, account)
                assert (a.value is None) == (b.value is None)
                if a.value is not None and b.value is not None:
                    assert math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9), (kpi, period, account)


def test_cli_evaluates_without_a_workbook(capsys: pytest.CaptureFixture[str], duck_file: Path) -> None:
    code, out = run(capsys, "evaluate", "--config", str(duck_file / "parquet"), "--period", "2025-06",
                                   "--kpi", "revenue", "--format", "json")
    assert code == 0, out
    excel = Engine(load_config(duck_file / "xlsx" / "kpis.yaml"), duck_file / "book.xlsx")
    got = json.loads(out)[0]
    assert math.isclose(got["value"], excel.result("revenue", "2025-06").value or 0.0, rel_tol=1e-9)
    code, out = run(capsys, "evaluate", "--config", str(duck_file / "xlsx"), "--period", "2025-06")
    assert code == 2 and "names no workbook" in out


def test_an_unset_connection_variable_is_one_line(capsys: pytest.CaptureFixture[str], duck_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KPISHEET_TEST_DB")
    code, out = run(capsys, "evaluate", "--config", str(duck_file / "sql"))
    assert code == 2
    assert "KPISHEET_TEST_DB is not set" in out and "Traceback" not in out


def test_a_password_in_yaml_is_flagged_and_never_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "kpis.yaml").write_text(
        "sources:\n  gl:\n    sql: select 1 as x\n    connection: postgres://ann:s3cr3t-pw@127.0.0.1:1/gl\n"
        "kpis:\n  n: {source: gl, measure: count(), target: 1, grain: month, owner: me,"
        " description: Lines posted to the ledger}\n", encoding="utf-8")
    config = load_config(tmp_path / "kpis.yaml")
    findings = [f for f in lint(config) if f.kpi == "gl"]
    assert len(findings) == 1 and findings[0].severity == "error" and "password" in findings[0].message
    assert "s3cr3t" not in str(findings[0])
    code, out = run(capsys, "evaluate", "--config", str(tmp_path / "kpis.yaml"))
    assert code == 2 and "s3cr3t" not in out and "***" in out, out
    code, out = run(capsys, "lint", str(tmp_path / "kpis.yaml"))
    assert code != 0 and "s3cr3t" not in out


def test_a_join_across_databases_is_a_config_error_with_its_place(same_rows: Path) -> None:
    text = (same_rows / "parquet" / "kpis.yaml").read_text(encoding="utf-8")
    text = text.replace("parquet: ../menu.parquet", "workbook: ../book.xlsx\n    sheet: Menu")
    (same_rows / "parquet" / "kpis.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(same_rows / "parquet" / "kpis.yaml")
    assert "join menu: a join runs within one database" in str(err.value)
    assert "kpis.yaml:" in err.value.problems[0].place


def test_a_type_mistake_names_its_place_and_reads_no_rows(same_rows: Path) -> None:
    text = (same_rows / "parquet" / "kpis.yaml").read_text(encoding="utf-8")
    text = text.replace("filter: status != 'cancelled'", "filter: status > 3")
    (same_rows / "parquet" / "kpis.yaml").write_text(text, encoding="utf-8")
    engine = Engine(load_config(same_rows / "parquet" / "kpis.yaml"))
    with pytest.raises(WorkbookError) as err:
        engine.result("revenue", "2025-01")
    assert "cannot compare text with number" in str(err.value)
    assert "kpis.yaml:" in err.value.problems[0].place
    with pytest.raises(WorkbookError):
        engine.table("lines")  # the rows of a database source are never loaded into Python


def test_parquet_and_workbook_keys_are_refused(tmp_path: Path) -> None:
    (tmp_path / "kpis.yaml").write_text("sources:\n  s:\n    parquet: a.parquet\n    sheet: S\n"
                                        "kpis:\n  n: {source: s, measure: count()}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "kpis.yaml")
    assert "takes none of sheet" in str(err.value)


def test_no_parquet_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "kpis.yaml").write_text("sources:\n  s:\n    parquet: nothing/*.parquet\n"
                                        "kpis:\n  n: {source: s, measure: count()}\n", encoding="utf-8")
    code, out = run(capsys, "evaluate", "--config", str(tmp_path / "kpis.yaml"))
    assert code == 2 and "no Parquet file matches" in out and len(out.splitlines()) == 1


def test_parquet_written_and_read_back_keeps_its_rows(same_rows: Path) -> None:
    back = pd.concat([pd.read_parquet(p) for p in sorted(same_rows.glob("lines-*.parquet"))], ignore_index=True)
    lines, _ = rows()
    assert back.shape == lines.shape and list(back.columns) == list(lines.columns)
    assert back["Qty"].sum() == pytest.approx(lines["Qty"].sum()) and back["Order Date"].equals(lines["Order Date"])
    assert back["Item"].iloc[:-1].tolist() == lines["Item"].iloc[:-1].tolist() and pd.isna(back["Item"].iloc[-1])


def test_every_expression_that_cannot_compile_is_reported_before_any_query(
        capsys: pytest.CaptureFixture[str], same_rows: Path) -> None:
    path = same_rows / "parquet" / "kpis.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("filter: status != 'cancelled'", "filter: status > 3")
    text = text.replace("measure: average(qty)", "measure: average(status)")
    path.write_text(text, encoding="utf-8")
    code, out = run(capsys, "evaluate", "--config", str(path))
    lines = out.splitlines()
    assert code == 2 and len(lines) == 2, out
    assert "revenue: filter: cannot compare text with number" in lines[0] and "kpis.yaml:" in lines[0]
    assert "avg_qty: measure: average() needs numbers" in lines[1]


def test_a_kpi_that_does_not_compile_is_named_by_its_own_place(same_rows: Path) -> None:
    """The grouped query of a source serves every KPI over it; a KPI whose filter cannot
    compile is left out of it and its own error, with its place, is what the engine raises."""
    path = same_rows / "parquet" / "kpis.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("filter: status != 'cancelled'", "filter: status > 3"),
                    encoding="utf-8")
    engine = Engine(load_config(path))
    for kpi in ("revenue", "avg_qty"):  # the period axis spans every measure KPI, as for workbooks
        with pytest.raises(WorkbookError) as err:
            engine.result(kpi, "2025-06")
        assert "revenue: filter: cannot compare text with number" in str(err.value)
        assert err.value.problems[0].place.endswith(":19:58")
    daily = engine.warehouse.daily(engine.config.kpis["avg_qty"])  # the others were grouped all the same
    assert len(daily) > 0 and {"s", "c"} <= set(daily.columns)


def test_a_division_in_a_row_expression_is_refused_over_a_database(
        capsys: pytest.CaptureFixture[str], same_rows: Path) -> None:
    """A workbook row dividing by zero is #DIV/0! (SPEC §7.3 through the row evaluator); a database
    gives NULL, which would be read as a blank and skipped: refused with its place, never a
    plausible number."""
    path = same_rows / "parquet" / "kpis.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("measure: average(qty)", "measure: average(qty / qty)"),
                    encoding="utf-8")
    code, out = run(capsys, "evaluate", "--config", str(path))
    assert code == 2 and "a division in a row expression cannot run in the database" in out, out
    assert "kpis.yaml:" in out
