"""SPEC §9, paths: lint reports workbook paths that are absolute or leave the config's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpisheet.cli import main
from kpisheet.config import load_config
from kpisheet.config.paths import is_absolute, leaves_folder, workbook_path_notes

SOURCE = "  {name}:\n    sheet: Data\n    workbook: {path}\n    columns: {{amount: Amount}}\n"


@pytest.mark.parametrize("text, absolute", [
    ("/data/book.xlsx", True), ("~/book.xlsx", True), ("C:\\data\\book.xlsx", True), ("\\\\srv\\share\\b.xlsx", True),
    ("book.xlsx", False), ("../book.xlsx", False), ("data/book.xlsx", False),
])
def test_absolute_paths(text: str, absolute: bool) -> None:
    assert is_absolute(text) is absolute


@pytest.mark.parametrize("text, leaves", [
    ("book.xlsx", False), ("data/../book.xlsx", False), ("../book.xlsx", True), ("data/../../x.xlsx", True),
    ("..\\x.xlsx", True), ("/etc/x.xlsx", True),
])
def test_leaving_the_folder(tmp_path: Path, text: str, leaves: bool) -> None:
    assert leaves_folder(tmp_path / "cfg", text) is leaves


def test_lint_reports_them_with_their_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    sources = "".join(SOURCE.format(name=n, path=p) for n, p in
                      (("up", "../book.xlsx"), ("far", "/srv/book.xlsx"), ("here", "data/book.xlsx")))
    cfg = folder / "kpisheet.yaml"
    cfg.write_text(f"version: 1\nsources:\n{sources}kpis: {{}}\n", encoding="utf-8")
    notes = workbook_path_notes(load_config(cfg))
    assert [(n.source, n.place) for n in notes] == [("up", f"{cfg}:5:15"), ("far", f"{cfg}:9:15")]
    assert main(["lint", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert f"{cfg}:5:15: warning: up: M: workbook path ../book.xlsx leaves the config's folder" in out
    assert "far: M: workbook path /srv/book.xlsx is absolute" in out and "here" not in out
    assert main(["lint", str(cfg), "--strict"]) == 1
