"""``kpisheet init DIR [--example NAME]``: the example's config and workbook, ready to use,
never over a file that exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpisheet.cli import cli, main
from kpisheet.errors import KpisheetError
from kpisheet.excel.recalc import recalc
from kpisheet.init import EXAMPLES, init

ROOT = Path(__file__).resolve().parents[1]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", EXAMPLES)
def test_init_writes_the_example_and_says_what_next(name: str, tmp_path: Path) -> None:
    target = tmp_path / "finance"
    lines = init(target, name)
    assert (target / f"{name}.xlsx").read_bytes() == (ROOT / "templates" / f"{name}.xlsx").read_bytes()
    assert (target / "config" / "kpisheet.yaml").read_bytes() == (ROOT / "config" / name / "kpisheet.yaml").read_bytes()
    assert sorted(p.name for p in target.rglob("*") if p.is_file()) == sorted([f"{name}.xlsx", "kpisheet.yaml"])
    assert lines[:2] == [f"wrote {target / 'config' / 'kpisheet.yaml'}", f"wrote {target / f'{name}.xlsx'}"]
    text = "\n".join(lines)
    for command in ("kpisheet evaluate", "kpisheet accounts", "kpisheet lint", "kpisheet recalc"):
        assert f"  {command} " in text
    assert "KPIs > Refresh" in text


def test_startup_is_the_default(tmp_path: Path) -> None:
    init(tmp_path)
    assert (tmp_path / "startup.xlsx").is_file() and (tmp_path / "config" / "kpisheet.yaml").is_file()


def test_the_written_folder_works_without_config_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("KPISHEET_CONFIG", raising=False)
    init(tmp_path / "books", "consulting")
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "books/consulting.xlsx", "--kpi", "client_satisfaction"]) == 0
    assert "client_satisfaction" in capsys.readouterr().out
    assert main(["lint", "books/config", "--workbook", "books/consulting.xlsx", "--strict"]) == 0
    report = recalc(Path("books/consulting.xlsx"), check=True)  # the config is found beside the workbook
    assert report.config is not None and report.config.name == "config" and not report.changes


def test_init_never_overwrites(tmp_path: Path) -> None:
    init(tmp_path, "agency")
    (tmp_path / "agency.xlsx").write_bytes(b"my own edits")
    before = snapshot(tmp_path)
    with pytest.raises(KpisheetError) as caught:
        init(tmp_path, "agency")
    assert caught.value.problems[0].place == str(tmp_path / "config" / "kpisheet.yaml")
    assert "already exists" in str(caught.value)
    assert snapshot(tmp_path) == before


def test_init_refuses_a_workbook_already_there(tmp_path: Path) -> None:
    (tmp_path / "restaurant.xlsx").write_bytes(b"x")
    with pytest.raises(KpisheetError) as caught:
        init(tmp_path, "restaurant")
    assert caught.value.problems[0].place == str(tmp_path / "restaurant.xlsx")
    assert not (tmp_path / "config").exists()


@pytest.mark.parametrize("existing", ["kpisheet.yaml", "config/kpis.yaml"])
def test_init_refuses_a_config_that_would_be_found_or_merged(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("version: 1\n")
    before = snapshot(tmp_path)
    with pytest.raises(KpisheetError) as caught:
        init(tmp_path, "startup")
    assert caught.value.problems[0].place == str(tmp_path / existing)
    assert snapshot(tmp_path) == before


def test_init_refuses_a_file_as_folder(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("x")
    with pytest.raises(KpisheetError) as caught:
        init(tmp_path / "notes", "startup")
    assert caught.value.problems[0].place == str(tmp_path / "notes")


def test_unknown_example(tmp_path: Path) -> None:
    with pytest.raises(KpisheetError) as caught:
        init(tmp_path, "bakery")
    assert caught.value.problems[0].place == "--example"
    assert "startup, consulting, agency, restaurant" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_cli_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if "init" not in cli.commands:
        pytest.skip("kpisheet init is not wired into the command line yet")
    assert main(["init", str(tmp_path / "a"), "--example", "agency"]) == 0
    out = capsys.readouterr().out
    assert "agency.xlsx" in out and "kpisheet evaluate" in out
    assert main(["init", str(tmp_path / "a"), "--example", "agency"]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'a' / 'config' / 'kpisheet.yaml'}: already exists")
