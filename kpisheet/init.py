"""``kpisheet init DIR [--example NAME]``: a config and a workbook to start from (docs/reference.md#commands).

    for line in init(Path("finance"), "consulting"):
        print(line)

Writes ``DIR/config/`` (the example's YAML files) and ``DIR/<name>.xlsx`` (its data and
Dashboard, with cached values), so that the config is found beside the workbook as docs/excel.md
says, and returns the lines to print: what was written, then the commands to run next.
It never overwrites: if any file it would write exists, or DIR already holds a config that
would be found instead of the new one, it writes nothing and raises
:class:`~kpisheet.errors.KpisheetError` naming that file.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic import write_atomic
from .errors import KpisheetError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

EXAMPLES = ("startup", "consulting", "agency", "restaurant")
DEFAULT = "startup"
CONFIG_SUFFIXES = (".yaml", ".yml")

__all__ = ["DEFAULT", "EXAMPLES", "example_files", "init"]


def _example_place(example: str) -> tuple[Traversable, Traversable]:
    """The example's config folder and workbook.

    Installed from a wheel, they are package data (``kpisheet/examples/<name>/``, copied there
    by setup.py at build time). Run from the repository (an editable install, the tests), the
    package holds none, and they are read where git keeps them: ``config/<name>/`` and
    ``templates/<name>.xlsx`` beside the package.
    """
    packaged = resources.files("kpisheet.examples") / example
    if packaged.is_dir():
        return packaged / "config", packaged / f"{example}.xlsx"
    repository = Path(__file__).resolve().parent.parent
    return repository / "config" / example, repository / "templates" / f"{example}.xlsx"


def example_files(example: str) -> list[tuple[Path, Traversable]]:
    """The files of an example: (path relative to DIR, file to copy), config first."""
    if example not in EXAMPLES:
        raise KpisheetError(f"unknown example '{example}': choose one of {', '.join(EXAMPLES)}", place="--example")
    folder, workbook = _example_place(example)
    config = sorted((f for f in folder.iterdir() if f.is_file() and f.name.endswith(CONFIG_SUFFIXES)),
                    key=lambda f: f.name) if folder.is_dir() else []
    if not config or not workbook.is_file():
        raise KpisheetError(f"the '{example}' example is missing from this installation of kpisheet",
                            place=str(folder))
    return [(Path("config") / f.name, f) for f in config] + [(Path(workbook.name), workbook)]


def _refuse(path: Path, why: str) -> KpisheetError:
    return KpisheetError(f"{why}; kpisheet init never overwrites: choose another folder, or move it away",
                         place=str(path))


def _check(directory: Path, targets: list[Path]) -> None:
    if directory.exists() and not directory.is_dir():
        raise _refuse(directory, "exists and is not a folder")
    for path in targets:
        if path.exists() or path.is_symlink():
            raise _refuse(path, "already exists")
    # a config already there would be found beside the workbook, or merged with the new one
    shadow = directory / "kpisheet.yaml"
    if shadow.exists():
        raise _refuse(shadow, "already exists and would be used instead of the new config/")
    config = directory / "config"
    if config.exists() and not config.is_dir():
        raise _refuse(config, "exists and is not a folder")
    if config.is_dir():
        for other in sorted(config.iterdir()):
            if other.name.endswith(CONFIG_SUFFIXES):
                raise _refuse(other, "already exists and would be merged with the new config")


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all (:func:`~kpisheet.atomic.write_atomic`), with the user's umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)


def _arg(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if any(c in text for c in " '&;()") else text


def init(directory: Path, example: str = DEFAULT) -> list[str]:
    """Copy an example into ``directory``; return what to print (files written, next commands)."""
    directory = Path(directory)
    files = example_files(example)
    targets = [directory / rel for rel, _ in files]
    _check(directory, targets)
    written: list[Path] = []
    created_dirs = [d for d in (directory, directory / "config") if not d.exists()]
    try:
        for target, (_rel, source) in zip(targets, files):
            _write(target, source.read_bytes())
            written.append(target)
    except (OSError, KpisheetError) as exc:
        for path in written:
            path.unlink(missing_ok=True)
        for d in reversed(created_dirs):
            try:
                d.rmdir()
            except OSError:
                pass
        if isinstance(exc, KpisheetError):
            raise
        raise KpisheetError(f"cannot write: {exc.strerror or exc}", place=str(exc.filename or directory)) from None
    book, config = _arg(directory / f"{example}.xlsx"), _arg(directory / "config")
    return [
        *(f"wrote {path}" for path in written),
        "",
        "Next:",
        f"  kpisheet evaluate {book}  # every KPI at the latest period",
        f"  kpisheet accounts {book}  # the key accounts, scored, tiered and explained",
        f"  kpisheet lint {config} --workbook {book}  # SMART findings",
        f"  kpisheet recalc {book}  # after changing data or config: the Dashboard's cached numbers",
        f"Then open {book} in Excel with the kpisheet add-in and press KPIs > Refresh (see the README).",
        f"kpisheet finds the config, {config}, beside the workbook: edit it to make the KPIs yours.",
    ]
