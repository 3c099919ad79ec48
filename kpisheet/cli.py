"""The command line (docs/reference.md#commands): ``kpisheet evaluate | accounts | lint | init | recalc``.

Exit codes: 0 done, 1 a check or lint failed, 2 bad input. Every
:class:`~kpisheet.errors.KpisheetError` becomes ``error: PLACE: what is wrong``
on stderr; nothing a user typed can produce a traceback.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

import click

from . import __version__
from .config import load_config
from .config.discover import find_config
from .config.model import Config
from .hints import did_you_mean
from .sources.prefetch import Prefetch

if TYPE_CHECKING:
    from .engine.accounts import AccountResult
    from .engine.core import Engine, Result
from .errors import ConfigError, EvaluationError, KpisheetError
from .warehouse.check import is_database
from .init import DEFAULT, EXAMPLES
from .init import init as init_example
from .safetext import printable
from .atomic import write_atomic
from .output import STATUS_STYLE, format_number, render_table, to_csv, to_json

FORMATS = click.Choice(["table", "json", "csv", "xlsx"])


#: What each exit code means; the reference lists them from here.
EXIT_CODES = {
    0: "done",
    1: "a check or lint failed (recalc --check found stale cells, lint found errors, or warnings with --strict)",
    2: "bad input: one line `error: PLACE: what is wrong` on standard error, every file left as it was",
}


class Failed(Exception):
    """A check or lint that found problems: exit 1 after printing them."""


def _warn(line: str) -> None:
    click.echo(printable(line), err=True)


def _emit(text: str, out: Optional[str]) -> None:
    if out:
        write_atomic(Path(out), text)
    else:
        click.echo(text, nl=False)


def _refuse_output_onto(out: Optional[str], *inputs: Optional[str]) -> None:
    """``-o`` onto a file the command reads would destroy it (README#hostile-and-broken-input): refused, nothing
    written."""
    if not out:
        return
    for given in inputs:
        if given and os.path.exists(given) and os.path.exists(out) and os.path.samefile(given, out):
            raise KpisheetError(f"-o would overwrite the input {given}: choose another output file", place=out)


def _engine(workbook: Optional[str], config: Optional[str], recalc: bool = False) -> Engine:
    path = Path(workbook) if workbook is not None else None
    cfg = load_config(find_config(path, config))
    if path is None:
        _self_contained(cfg)
    # The CSV files are read in a thread while the engine (and pandas) import, on the other core;
    # lint, init and --help never import them.
    prefetched = Prefetch(cfg, path)
    try:
        from .engine.core import Engine
        from .sources.files import FileReader

        engine = Engine(cfg, path, reader=FileReader(recalc=recalc, prefetched=prefetched))
        # README#when-the-data-outgrows-the-workbook: all that cannot compile, at once
        if any(is_database(src) for src in cfg.sources.values()):
            problems = engine.warehouse.problems()
            if problems:
                raise ConfigError(problems)
        _read_sources(engine)
    finally:
        prefetched.close()
    for line in engine.source_warnings():  # README#your-data: one line per source with error cells
        click.echo(f"warning: {line}", err=True)
    return engine


RECALC_HELP = "recompute every formula cell of the sources first, whatever their cached values say"


def _read_sources(engine: Engine) -> None:
    """Read every source up front, with a progress bar when a person is watching."""
    names = list(engine.config.sources)
    if not sys.stderr.isatty():
        for name in names:
            _read(engine, name)
        return
    from rich.progress import Progress

    with Progress(transient=True, console=None) as progress:
        task = progress.add_task("reading sources", total=len(names))
        for name in names:
            progress.update(task, description=f"reading {name}")
            _read(engine, name)
            progress.advance(task)


def _self_contained(cfg: Config) -> None:
    """README#when-the-data-outgrows-the-workbook: WORKBOOK may be left out when every source names its own file
    or connection."""
    for src in cfg.sources.values():
        if src.workbook is None and not is_database(src):
            raise ConfigError(f"source '{src.name}' names no workbook: give WORKBOOK, or workbook:, parquet: "
                              "or sql: for every source", place=str(src.mark))


def _read(engine: Engine, name: str) -> None:
    src = engine.config.sources[name]
    if is_database(src):  # README#when-the-data-outgrows-the-workbook: computed in the database, never read whole
        return
    if src.workbook is None and engine.workbook is None:
        return
    engine.table(name)


def _check_period(engine: Engine, kpis: Sequence[str], period: Optional[str]) -> None:
    if period is None:
        return
    try:
        for name in kpis:
            engine.period(name, period)
    except EvaluationError as exc:
        raise EvaluationError(exc.problems[0].message, place="--period") from None


def _warn_after_data(engine: Engine, names: Sequence[str], period: Optional[str]) -> None:
    """README#real-questions: one warning when the asked period starts after the last date of the data."""
    if period is None:
        return
    ends = [end for end in (engine.after_data(n, period) for n in names) if end is not None]
    if ends:
        click.echo(f"warning: --period: {period} is after the last date of the data ({max(ends).isoformat()}): "
                   "values there are #N/A", err=True)


def _check_kpis(engine: Engine, kpis: Sequence[str]) -> list[str]:
    for name in kpis:
        if name not in engine.config.kpis:
            raise EvaluationError(f"unknown KPI '{name}'" + did_you_mean(name, engine.config.kpis), place="--kpi")
    return list(kpis) or list(engine.config.kpis)


RESULT_HEADER = ["kpi", "period", "account", "value", "error", "target", "status", "trend", "unit"]


def _result_rows(results: Sequence[Result]) -> list[list[Any]]:
    return [[r.kpi, r.period, r.account, r.value, r.error.text if r.error else None, r.target,
             r.status, r.trend, r.unit] for r in results]


def _render_results(results: Sequence[Result], fmt: str, color: bool, title: Optional[str]) -> str:
    if fmt == "json":
        return to_json(r.as_json() for r in results)
    if fmt == "csv":
        return to_csv(RESULT_HEADER, _result_rows(results))
    with_account = any(r.account is not None for r in results)
    header = ["KPI", "Period"] + (["Account"] if with_account else []) + ["Value", "Target", "Status", "Trend", "Unit"]
    rows = []
    for r in results:
        value = r.error.text if r.error else format_number(r.value, r.unit)
        row = [r.kpi, r.period] + ([r.account or "(all)"] if with_account else [])
        rows.append(row + [value, format_number(r.target, r.unit), r.status, r.trend, r.unit or ""])
    status_col = header.index("Status")
    return render_table(title, header, rows, {status_col: STATUS_STYLE}, color=color)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kpisheet")
@click.option("--debug", is_flag=True, help="show the Python traceback of an internal error")
def cli(debug: bool) -> None:
    """KPIs and key accounts defined in YAML, evaluated over Excel workbooks."""


@cli.command()
@click.argument("workbook", required=False)
@click.option("--config", "-c", "config", help="config file or folder (default: found beside the workbook)")
@click.option("--period", "-p", help="2026-10, 2026-Q3, 2026, FY2026, 2026-W14, 2026-10-05 or latest (default)")
@click.option("--account", "-a", help="one account instead of all accounts together")
@click.option("--kpi", "-k", "kpis", multiple=True, help="only this KPI (repeatable)")
@click.option("--format", "-f", "fmt", type=FORMATS, default="table", show_default=True,
              help="a table for people, json or csv for programs, xlsx a formatted report (needs -o)")
@click.option("--output", "-o", "out", help="write to this file instead of standard output")
@click.option("--key-accounts", "key_accounts", is_flag=True,
              help="every KPI for every key account of the period, one row per account and KPI")
@click.option("--recalc", is_flag=True, help=RECALC_HELP)
def evaluate(workbook: Optional[str], config: Optional[str], period: Optional[str], account: Optional[str],
             kpis: tuple[str, ...], fmt: str, out: Optional[str], key_accounts: bool, recalc: bool) -> None:
    """Every KPI (or those named) at a period."""
    _refuse_output_onto(out, workbook, config)
    engine = _engine(workbook, config, recalc)
    from .engine.guarded import guarded_results  # after _engine: the files are read while it imports

    names = _check_kpis(engine, kpis)
    _check_period(engine, names, period)
    _warn_after_data(engine, names, period)
    if key_accounts:
        if account is not None:
            raise EvaluationError("--account and --key-accounts cannot be used together", place="--key-accounts")
        keys = [a.account for a in engine.key_accounts(period) if a.key]
        results = [r for acct in keys for r in guarded_results(engine, period, acct, names, _warn)]
    else:
        results = guarded_results(engine, period, account, names, _warn)
    color = fmt == "table" and not out and sys.stdout.isatty()
    if fmt == "xlsx":
        from .report import kpi_report, report_file, report_info

        info = report_info("KPIs", engine.config.root, workbook, period, [r.period for r in results])
        write_atomic(report_file(out), kpi_report(results, info))
        return
    _emit(_render_results(results, fmt, color, None), out)


ACCOUNT_HEADER = ["account", "period", "score", "tier", "key", "reason", "previous_tier", "movement"]


def _render_accounts(rows: Sequence["AccountResult"], fmt: str, color: bool) -> str:
    if fmt == "json":
        return to_json(r.as_json() for r in rows)
    criteria = list(rows[0].criteria) if rows else []
    if fmt == "csv":
        header = ACCOUNT_HEADER + [f"{c}_{part}" for c in criteria for part in ("value", "points", "error")]
        body = []
        for r in rows:
            line: list[Any] = [r.account, r.period, r.score, r.tier, r.key, r.reason, r.previous_tier, r.movement]
            for c in criteria:
                got = r.criteria[c]
                line += [got.value, got.points, got.error.text if got.error else None]
            body.append(line)
        return to_csv(header, body)
    header = ["Account", "Score", "Tier", "Key", "Movement"] + criteria + ["Reason"]
    body = []
    for r in rows:
        shown = []
        for c in criteria:
            got = r.criteria[c]
            text = got.error.text if got.error is not None else format_number(got.value, None)
            shown.append(text if got.points is None else f"{text} ({got.points:.1f})")
        body.append([r.account, f"{r.score:.1f}" if r.score is not None else "", r.tier or "",
                     "yes" if r.key else "", r.movement, *shown, r.reason])
    title = f"Key accounts, {rows[0].period}" if rows else "No accounts"
    return render_table(title, header, body, {3: {"yes": "bold green"}}, color=color, width=200)


@cli.command()
@click.argument("workbook", required=False)
@click.option("--config", "-c", "config", help="config file or folder (default: found beside the workbook)")
@click.option("--period", "-p", help="the period to rank accounts in (default: latest, at key_accounts.grain)")
@click.option("--format", "-f", "fmt", type=FORMATS, default="table", show_default=True,
              help="a table for people, json or csv for programs, xlsx a formatted report (needs -o)")
@click.option("--output", "-o", "out", help="write to this file instead of standard output")
@click.option("--top", type=click.IntRange(min=1), help="only the first N rows (in the table's order)")
@click.option("--key-only", "key_only", is_flag=True, help="only the key accounts")
@click.option("--recalc", is_flag=True, help=RECALC_HELP)
def accounts(workbook: Optional[str], config: Optional[str], period: Optional[str], fmt: str, out: Optional[str],
             top: Optional[int], key_only: bool, recalc: bool) -> None:
    """The key-account table: score, tier, key, reason and movement of every account."""
    _refuse_output_onto(out, workbook, config)
    engine = _engine(workbook, config, recalc)
    try:
        rows = engine.key_accounts(period, top=top, key_only=key_only)
    except EvaluationError as exc:
        raise EvaluationError(exc.problems[0].message, place="--period" if period else exc.problems[0].place) from None
    _warn_after_data(engine, list(engine.config.kpis), period)
    for line in engine.account_warnings():  # accounts that could not be judged: #VALUE!
        _warn(line)
    color = fmt == "table" and not out and sys.stdout.isatty()
    if fmt == "xlsx":
        from .report import accounts_report, criterion_units, report_file, report_info

        info = report_info("Key accounts", engine.config.root, workbook, period, [r.period for r in rows])
        write_atomic(report_file(out), accounts_report(rows, info, criterion_units(engine.config)))
        return
    _emit(_render_accounts(rows, fmt, color), out)


@cli.command()
@click.argument("config")
@click.option("--workbook", "-w", help="also read the sources and compare targets with the data")
@click.option("--strict", is_flag=True, help="exit 1 on warnings too")
def lint(config: str, workbook: Optional[str], strict: bool) -> None:
    """Validate a config and report SMART findings."""
    from .lint import lint as run_lint

    cfg = load_config(config)
    engine = None
    if workbook is None and cfg.sources and all(s.workbook is not None or is_database(s)
                                                 for s in cfg.sources.values()):
        # README#when-the-data-outgrows-the-workbook: every source names its own file or connection: the data
        # is checked
        from .engine.core import Engine

        engine = Engine(cfg)
    findings = run_lint(cfg, Path(workbook) if workbook else None, engine)
    for finding in findings:
        click.echo(str(finding))
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    click.echo(f"{len(cfg.kpis)} KPIs: {errors} errors, {warnings} warnings", err=True)
    if errors or (strict and warnings):
        raise Failed()


@cli.command()
@click.argument("directory")
@click.option("--example", "-e", type=click.Choice(EXAMPLES), default=DEFAULT, show_default=True,
              help="which of the article's four settings to start from")
def init(directory: str, example: str) -> None:
    """Write a config and a workbook to start from, and say what to run next."""
    for line in init_example(Path(directory), example):
        click.echo(line)


@cli.command()
@click.argument("workbook")
@click.option("--config", "-c", "config", help="config file or folder (needed only when the book calls kpisheet's functions)")
@click.option("--output", "-o", "out", help="write the recalculated workbook here instead of in place")
@click.option("--check", is_flag=True, help="write nothing; exit 1 listing each cell whose cached value would change")
def recalc(workbook: str, config: Optional[str], out: Optional[str], check: bool) -> None:
    """Evaluate every formula cell and write the cached values; nothing else in the file changes."""
    from .excel.recalc import cli_recalc

    if config:  # given explicitly, it must load even when the book calls none of our functions
        load_config(config)
    code = cli_recalc(workbook, config, out, check, echo=lambda line: click.echo(printable(line, keep_lines=True)),
                      warn=lambda line: click.echo(printable(line), err=True))
    if code:
        raise Failed()


@cli.command()
@click.option("--output", "-o", "out", help="write to this file instead of standard output")
def schema(out: Optional[str]) -> None:
    """Print the config's JSON Schema, for completion and checks while editing the YAML."""
    from .config.json_schema import schema_text

    _emit(schema_text(), out)


@cli.group()
def addin() -> None:
    """The Excel add-in: a KPIs ribbon tab and kpisheet's functions (desktop Excel, through xlwings)."""


@addin.command("install")
def addin_install() -> None:
    """Install the add-in where Excel runs (Windows, macOS), with this Python as its interpreter."""
    from .excel.addin import install

    click.echo(install())


@functools.cache  # once a process
def _exit_light() -> None:
    """At the interpreter's exit, leave the objects still alive to the operating system instead
    of walking them in the interpreter's last garbage collections (``gc.freeze`` as it exits):
    with pandas imported they are over a million, and the walk was 0.1 s of every command's
    time (issue 12). Objects freed by reference counting at exit still are; files are closed by
    the code that writes them (kpisheet.atomic), and standard output is flushed as always.
    Nothing changes for the process before it exits."""
    atexit.register(gc.freeze)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the CLI; return the exit code instead of raising.

    Nothing escapes as a traceback (README#hostile-and-broken-input): an error kpisheet did not foresee, out of
    memory included, is one ``error: internal: PLACE: ...`` line and exit 2; ``--debug``
    (before the command) shows the traceback too."""
    _exit_light()
    args = list(argv) if argv is not None else sys.argv[1:]
    if "--debug" not in args:  # a Rust panic in a reader: its message, not a page of Rust backtrace
        os.environ["RUST_BACKTRACE"] = "0"
    try:
        return _main(args)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        return 2
    except BaseException as exc:  # noqa: BLE001 - the last line of defence, by design
        from .crash import report_internal

        report_internal(exc, args, cli, debug="--debug" in args)
        return 2


def _main(args: list[str]) -> int:
    try:
        cli.main(args=args, prog_name="kpisheet", standalone_mode=False)
    except Failed:
        return 1
    except KpisheetError as exc:
        for line in exc.lines():
            click.echo(printable(line), err=True)
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("error: aborted", err=True)
        return 2
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" (see 'kpisheet {ctx.info_name} --help')" if ctx is not None else ""
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        return 2
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        click.echo(f"error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        return 2
    return 0


def entry() -> None:
    sys.exit(main())
