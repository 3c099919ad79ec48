"""How kpisheet is run and shipped: ``python -m kpisheet``, click's shell completion, ``py.typed``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import kpisheet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=ROOT)


def test_python_dash_m_kpisheet_is_the_cli() -> None:
    done = _run("-m", "kpisheet", "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"kpisheet, version {kpisheet.__version__}"
    bad = _run("-m", "kpisheet", "evaluate", "missing.xlsx", "--config", "nowhere")
    assert bad.returncode == 2 and bad.stderr.startswith("error: nowhere: ") and "Traceback" not in bad.stderr


def test_click_shell_completion_completes_commands_and_choices() -> None:
    script = _run("-c", "from kpisheet.cli import entry; entry()", env={"_KPISHEET_COMPLETE": "bash_source"})
    assert script.returncode == 0 and "_kpisheet_completion()" in script.stdout
    words = _run("-c", "from kpisheet.cli import entry; entry()",
                 env={"_KPISHEET_COMPLETE": "bash_complete", "COMP_WORDS": "kpisheet ev", "COMP_CWORD": "1"})
    assert words.stdout.split() == ["plain,evaluate"]
    formats = _run("-c", "from kpisheet.cli import entry; entry()",
                   env={"_KPISHEET_COMPLETE": "bash_complete", "COMP_WORDS": "kpisheet evaluate --format x",
                        "COMP_CWORD": "3"})
    assert formats.stdout.split() == ["plain,xlsx"]


def test_py_typed_is_shipped() -> None:
    assert (ROOT / "kpisheet" / "py.typed").is_file()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["kpisheet"]
