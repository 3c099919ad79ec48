"""Checks over many files at once, for pre-commit and CI: ``python -m kpisheet.hooks``.

    python -m kpisheet.hooks lint FILE... [--strict]
        pre-commit's ``kpisheet-lint``: lint the configs the changed YAML files belong to
    python -m kpisheet.hooks recalc-check FILE... [--config C]
        pre-commit's ``kpisheet-recalc-check``: ``recalc --check`` each changed workbook
    python -m kpisheet.hooks ci [--workbooks GLOB]... [--config C]... [--strict]
        the GitHub action (``action.yml``): ``recalc --check`` over globs, ``lint`` of configs

Each check runs the ordinary command (:func:`kpisheet.cli.main`) once per config or workbook,
so messages and exit codes are the commands' own. The result is the worst of them: 0 all
clean, 1 a check or lint failed, 2 bad input. Every file is checked even after a failure, so
one run shows every problem.

Which config a YAML file belongs to: a file named ``kpisheet.yaml`` (or ``.yml``) is a config
on its own; any other YAML file is part of the config folder that holds it (a folder's files
are merged), so a change to ``config/kpis.yaml`` lints ``config/`` as a whole.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import click

__all__ = ["config_roots", "expand", "main"]

_SINGLE = ("kpisheet.yaml", "kpisheet.yml")


def config_roots(files: Iterable[str | Path]) -> list[Path]:
    """The configs (files or folders) that ``files`` belong to, each once, in first-seen order."""
    roots: list[Path] = []
    for file in files:
        path = Path(file)
        root = path if path.name in _SINGLE or path.is_dir() else path.parent
        if root not in roots:
            roots.append(root)
    return roots


def expand(patterns: Iterable[str]) -> list[Path]:
    """Files matching shell-style globs (``**`` spans folders), sorted, each once.

    A pattern without wildcards is a file name and is kept as is, so a missing file is
    reported by the command that reads it rather than silently skipped.
    """
    found: list[Path] = []
    for pattern in patterns:
        if not glob.has_magic(pattern):
            matches = [pattern]
        else:
            matches = sorted(glob.glob(pattern, recursive=True))
        for match in matches:
            path = Path(match)
            if path not in found:
                found.append(path)
    return found


def _run_all(commands: Iterable[list[str]], run: Callable[[list[str]], int]) -> int:
    worst = 0
    for args in commands:
        worst = max(worst, run(args))
    return worst


def _cli(args: list[str]) -> int:
    from .cli import main as kpisheet

    return kpisheet(args)


def _lint_args(roots: Sequence[Path], strict: bool) -> list[list[str]]:
    return [["lint", str(root)] + (["--strict"] if strict else []) for root in roots]


def _recalc_args(books: Sequence[Path], config: Optional[str]) -> list[list[str]]:
    return [["recalc", str(book), "--check"] + (["--config", config] if config else []) for book in books]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def hooks() -> None:
    """kpisheet's checks over many files, for pre-commit and CI."""


@hooks.command("lint")
@click.argument("files", nargs=-1)
@click.option("--strict", is_flag=True, help="fail on warnings too")
def lint_hook(files: tuple[str, ...], strict: bool) -> None:
    """Lint the configs that the given YAML files belong to."""
    sys.exit(_run_all(_lint_args(config_roots(files), strict), _cli))


@hooks.command("recalc-check")
@click.argument("files", nargs=-1)
@click.option("--config", "-c", help="config for every workbook (default: found beside each workbook)")
def recalc_hook(files: tuple[str, ...], config: Optional[str]) -> None:
    """``kpisheet recalc --check`` each given workbook."""
    sys.exit(_run_all(_recalc_args([Path(f) for f in files], config), _cli))


@hooks.command("ci")
@click.option("--workbooks", "-w", "workbooks", multiple=True,
              help="glob of workbooks to recalc --check, such as 'reports/**/*.xlsx' (repeatable)")
@click.option("--config", "-c", "configs", multiple=True,
              help="config file or folder to lint (repeatable); also the config of the workbooks when one is given")
@click.option("--strict/--no-strict", default=True, show_default=True, help="fail the lint on warnings too")
def ci(workbooks: tuple[str, ...], configs: tuple[str, ...], strict: bool) -> None:
    """What the GitHub action runs: recalc --check over the globs, then lint each config."""
    if not workbooks and not configs:
        click.echo("error: nothing to check: give --workbooks GLOB and/or --config CONFIG", err=True)
        sys.exit(2)
    books = expand(workbooks)
    if workbooks and not books:
        click.echo(f"error: --workbooks: no file matches {' '.join(workbooks)}", err=True)
        sys.exit(2)
    book_config = configs[0] if len(configs) == 1 else None
    commands = _recalc_args(books, book_config) + _lint_args([Path(c) for c in configs], strict)
    click.echo(f"kpisheet: checking {len(books)} workbook(s) and {len(configs)} config(s)", err=True)
    sys.exit(_run_all(commands, _cli))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run a hook; return its exit code (0, 1 or 2)."""
    try:
        hooks.main(args=list(argv) if argv is not None else None, prog_name="python -m kpisheet.hooks",
                   standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
