"""``kpisheet recalc``: evaluate every formula cell of an .xlsx/.xlsm — Excel's functions and
docs/excel.md's — and write the cached values back, leaving every other byte as it was.

    report = recalc(Path("book.xlsx"), config_path=None, out=None, check=False)
    print(report.summary())

Pieces, each replaceable on its own:

- :mod:`.zipio` — the package: raw-copies untouched parts, atomic write;
- :mod:`.book` / :mod:`.sheetxml` — cells, formulas, names, tables out of the XML;
- :mod:`.calc` — the formula engine behind :class:`~.model.FormulaEngine`: :mod:`.parser`
  (text → the tree of :mod:`.ast`), :mod:`.compiler` (tree → closures), :mod:`.order`
  (dependencies, cycles), :mod:`.spill` (results onto the grid), :mod:`.operators`,
  :mod:`.xlfuncs` (Excel's functions by family), :mod:`.ranges` (range views, vectorised criteria),
  :mod:`.datatable` (what-if data tables, trials on the same evaluation);
- :mod:`kpisheet.excel.functions` — docs/excel.md's functions, evaluated by the core engine;
- :mod:`.writer` — the cells that change and the patched parts;
- :mod:`.run` — the run itself, behind :func:`recalc`.

Importing this package imports no pandas: :func:`recalc` first opens the book and, where a
sheet's formulas may call kpisheet's functions, loads the config and sets the files it reads
being parsed in a thread (:mod:`.ahead`, :mod:`kpisheet.sources.prefetch`) while the book is
parsed and the run imports pandas and the engine (issue 12).
"""


from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from ...errors import WorkbookError
from ...lazy import lazy_names
from .ahead import opened_ahead

if TYPE_CHECKING:
    from .model import FormulaEngine
    from .run import RecalcReport
    from .writer import Change

__all__ = ["Change", "RecalcReport", "cli_recalc", "recalc"]
__getattr__ = lazy_names(__name__, {"Change": ".writer", "RecalcReport": ".run"})

SUFFIXES = (".xlsx", ".xlsm")


def recalc(workbook: Path, config_path: Optional[Path] = None, out: Optional[Path] = None, check: bool = False,
           *, engine_factory: Optional[Callable[[Path, Path], Any]] = None,
           formula_engine: Optional["FormulaEngine"] = None) -> "RecalcReport":
    """Evaluate every formula cell of ``workbook`` and write the cached values (docs/reference.md#commands).

    ``out`` None writes in place, atomically. ``check`` writes nothing; the report lists
    the cells whose cached value would change (volatile ones apart). Raises
    :class:`~kpisheet.errors.WorkbookError` for a file that is not a readable .xlsx/.xlsm and
    :class:`~kpisheet.errors.ConfigError` when docs/excel.md's functions are called and no config
    can be loaded; in both cases no file is touched. ``engine_factory(config_path, workbook)``
    makes the engine KPI cells ask (the core engine over the workbook by default).
    """
    workbook = Path(workbook)
    if workbook.suffix.lower() not in SUFFIXES:
        raise WorkbookError(f"recalc works on .xlsx and .xlsm files, not {workbook.suffix or 'this file'}",
                            place=workbook.name)
    if not workbook.exists():
        raise WorkbookError("no such file", place=str(workbook))
    with opened_ahead(workbook, config_path, read_ahead=engine_factory is None) as (loaded, ahead):
        from .run import run  # pandas and the engine import while the sources are read
        return run(loaded, workbook, config_path, out, check, engine_factory=engine_factory,
                   formula_engine=formula_engine, ahead=ahead)


def cli_recalc(workbook: str | Path, config: Optional[str | Path] = None, output: Optional[str | Path] = None,
               check: bool = False, echo: Callable[[str], Any] = print,
               warn: Optional[Callable[[str], Any]] = None, verbose: bool = False) -> int:
    """The ``kpisheet recalc`` command: run, print, return the exit code (0, or 1 for ``--check``
    with stale cells). Warnings go to ``warn`` (stderr in the CLI); ``Sheet!A1: old → new``
    lines are listed with ``--check`` (or ``verbose``), then a one-line summary.
    :class:`~kpisheet.errors.KpisheetError` propagates for the CLI to print."""
    report = recalc(Path(workbook), Path(config) if config else None, Path(output) if output else None, check)
    warn = warn or echo
    for line in report.warning_lines():
        warn(line)
    if check or verbose:
        for line in report.lines():
            echo(line)
    echo(report.summary())
    return report.exit_code
