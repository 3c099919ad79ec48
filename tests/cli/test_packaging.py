"""How kpisheet is run and shipped: ``python -m kpisheet``, click's shell completion, ``py.typed``,
and the examples in a wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
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


# --- the examples: one copy in git, in the wheel by a build step ---------------------------------

def _example_files() -> dict[str, bytes]:
    """The examples as git holds them, by their place in a wheel."""
    from kpisheet.init import EXAMPLES
    files = {}
    for name in EXAMPLES:
        files[f"kpisheet/examples/{name}/{name}.xlsx"] = (ROOT / "templates" / f"{name}.xlsx").read_bytes()
        for f in (ROOT / "config" / name).glob("*.y*ml"):
            files[f"kpisheet/examples/{name}/config/{f.name}"] = f.read_bytes()
    return files


def test_git_holds_one_copy_of_each_example() -> None:
    assert sorted(p.name for p in (ROOT / "kpisheet" / "examples").iterdir() if p.name != "__pycache__") == [
        "__init__.py"]


def test_from_the_repository_init_reads_config_and_templates() -> None:
    """An editable install (and these tests) has no package copy: init reads the repository."""
    from kpisheet.init import example_files
    assert [str(source) for _, source in example_files("agency")] == [
        str(ROOT / "config" / "agency" / "kpisheet.yaml"), str(ROOT / "templates" / "agency.xlsx")]


def _pip(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args],
                          capture_output=True, text=True, timeout=180, cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr


def _source(tmp_path: Path) -> Path:
    """A copy of what a build reads, so that building leaves the repository as it is."""
    pytest.importorskip("setuptools", minversion="70.1")  # bdist_wheel without the wheel package
    source = tmp_path / "source"
    for name in ("kpisheet", "config", "templates"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "~$*"))
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    return source


def _install(tmp_path: Path, *what: str, cwd: Path) -> tuple[Path, Path]:
    """A new virtual environment with ``pip install --no-deps *what`` (offline); its
    dependencies are this environment's. Returns its python and the folder it installs into."""
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _pip("--python", str(python), "install", "--no-deps", "--no-index", *what, cwd=cwd)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # this environment's site-packages after the new one's: a path named in a .pth file is not
    # itself scanned for .pth files, so this environment's own (editable) kpisheet is not seen
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python, Path(purelib)


def _init_from(python: Path, tmp_path: Path, example: str) -> Path:
    """Run the new environment's ``kpisheet init``; return where kpisheet was imported from."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KPISHEET_CONFIG")}
    command = python.parent / ("kpisheet.exe" if os.name == "nt" else "kpisheet")
    target = tmp_path / "mine"
    done = subprocess.run([str(command), "init", str(target), "--example", example], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert f"wrote {target / f'{example}.xlsx'}" in done.stdout
    assert (target / f"{example}.xlsx").read_bytes() == (ROOT / "templates" / f"{example}.xlsx").read_bytes()
    assert (target / "config" / "kpisheet.yaml").read_bytes() == (
        ROOT / "config" / example / "kpisheet.yaml").read_bytes()
    imported = subprocess.run([str(python), "-c", "import kpisheet; print(kpisheet.__file__)"], capture_output=True,
                              text=True, check=True, cwd=tmp_path, env=env)
    return Path(imported.stdout.strip())


def test_a_wheel_built_from_the_sdist_carries_the_examples_and_kpisheet_init_works_from_it(tmp_path: Path) -> None:
    """Offline, with the setuptools this environment has: an sdist, a wheel built from it, that
    wheel installed into a new virtual environment, and its ``kpisheet init``."""
    build = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                            "print(build_meta.build_sdist(sys.argv[1]))", str(tmp_path / "dist")],
                           capture_output=True, text=True, timeout=180, cwd=_source(tmp_path))
    assert build.returncode == 0, build.stderr
    with tarfile.open(tmp_path / "dist" / build.stdout.split()[-1]) as sdist:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12 and later
            sdist.extraction_filter = tarfile.data_filter
        sdist.extractall(tmp_path / "sdist")
    (unpacked,) = (tmp_path / "sdist").iterdir()
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "wheels"), ".",
         cwd=unpacked)
    (wheel,) = (tmp_path / "wheels").glob("kpisheet-*.whl")
    with zipfile.ZipFile(wheel) as z:
        shipped = {n: z.read(n) for n in z.namelist() if n.startswith("kpisheet/examples/") and
                   not n.endswith(".py")}
    assert shipped == _example_files()
    python, purelib = _install(tmp_path, str(wheel), cwd=tmp_path)
    assert _init_from(python, tmp_path, "restaurant").is_relative_to(purelib)  # the wheel ran, not the repository


def test_an_editable_install_finds_the_examples_in_the_repository(tmp_path: Path) -> None:
    """``pip install -e`` builds through the backend's PEP 660 hook; the hook is called here with
    this environment's setuptools (the new environment has none), then pip installs its wheel."""
    source = _source(tmp_path)
    build = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                            "print(build_meta.build_editable(sys.argv[1]))", str(tmp_path / "dist")],
                           capture_output=True, text=True, timeout=180, cwd=source)
    assert build.returncode == 0, build.stderr
    python, _ = _install(tmp_path, str(tmp_path / "dist" / build.stdout.split()[-1]), cwd=tmp_path)
    assert _init_from(python, tmp_path, "startup") == source / "kpisheet" / "__init__.py"
    assert not (source / "kpisheet" / "examples" / "startup").exists()  # no second copy was made
