"""Docs that run: every command and Python example in the README is executed here."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import kpisheet
from kpisheet.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


COMMANDS = [line.split("#")[0].strip() for block in blocks("sh") for line in block.splitlines()
            if line.startswith("kpisheet ")]


def test_the_readme_has_examples() -> None:
    assert len(COMMANDS) >= 3 and blocks("python")


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_commands_run(command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                             tmp_path: Path) -> None:
    for name in ("config", "templates"):  # the repository as the README's reader sees it, in a scratch folder
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    args = shlex.split(command)[1:]
    assert main(args) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    assert captured.out or captured.err


@pytest.mark.parametrize("code", blocks("python"))
def test_readme_python_runs(code: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(code)
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_public_api_is_complete_and_sorted() -> None:
    names = kpisheet.__all__
    assert names == sorted(names)
    assert all(hasattr(kpisheet, n) for n in names)
    public = {n for n, v in vars(kpisheet).items() if not n.startswith("_") and not isinstance(v, type(kpisheet))}
    assert public <= set(names) | {"annotations"}
