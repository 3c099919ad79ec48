"""``kpisheet recalc``'s run (:func:`kpisheet.excel.recalc.recalc` is the door): the book
opened, the KPI cells' engine made, every formula cell computed, the changed cells written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from ...errors import EvaluationError
from ...xlerrors import XlError
from ..functions import EXCEL_FUNCTIONS, ExcelFunction, convert, invoke
from .ahead import SourcesAhead
from . import values as V
from .ast import Call, walk
from .book import LoadedBook
from .calc import Calculator
from .cellguard import parse_within_limits
from .model import CalcResult, ExtraFunction, FormulaEngine
from .parser import FormulaSyntaxError
from .values import Err, show
from .writer import Change, add_metadata_part, dynamic_cm, patch_sheet, plan_sheet, snapshot

__all__ = ["RecalcReport", "run"]


@dataclass
class RecalcReport:
    """What ``recalc`` found and did."""

    workbook: Path
    out: Optional[Path]
    check: bool
    changes: list[Change] = field(default_factory=list)  # cells whose cached value changes, judged by --check
    volatile_changes: list[Change] = field(default_factory=list)  # volatile, or reading a volatile cell
    uncertain_changes: list[Change] = field(default_factory=list)  # a function we lack is involved
    unsupported: dict[str, str] = field(default_factory=dict)  # function → a cell using it
    circular: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    formulas: int = 0
    kpi_cells: int = 0
    volatile: int = 0
    uncertain: int = 0
    written: bool = False
    config: Optional[Path] = None

    def lines(self) -> list[str]:
        """``Sheet!A1: old → new``, one line a changed cell (volatile cells, and cells of
        functions we lack, left out: ``--check`` does not judge them)."""
        return [f"{c.place}: {show(c.old) if c.had_value else '(no value)'} → {show(c.new)}" for c in self.changes]

    def warning_lines(self) -> list[str]:
        out = []
        if self.unsupported:
            listed = ", ".join(f"{name} ({cell})" for name, cell in sorted(self.unsupported.items()))
            judged = "; --check does not judge them or the cells that read them" if self.check else ""
            out.append(f"warning: functions not supported, their cells are #NAME?{judged}: {listed}")
        if self.circular:
            more = f" and {len(self.circular) - 5} more" if len(self.circular) > 5 else ""
            out.append(f"warning: circular references: {', '.join(self.circular[:5])}{more}")
        out.extend(f"warning: {w}" for w in self.warnings)
        return out

    @property
    def judged(self) -> int:
        """Formula cells --check judges: all but the volatile ones and those of functions we lack."""
        return self.formulas - self.volatile - self.uncertain

    @property
    def agreement(self) -> Optional[float]:
        """Share of judged formula cells whose cached value recalc reproduces (None: none judged).
        On a workbook saved by Excel, this is recalc's fidelity to Excel."""
        if not self.judged:
            return None
        stale = sum(1 for c in self.changes if c.formula)
        return max(0.0, 1 - stale / self.judged)

    @property
    def exit_code(self) -> int:
        return 1 if self.check and self.changes else 0

    def summary(self) -> str:
        verb = "would change" if self.check else "changed"
        where = "" if self.check else (f", written to {self.out}" if self.written else ", nothing to write")
        agree = self.agreement
        match = f" ({agree:.1%} of {self.judged} judged formula cells match their cached value)" \
            if self.check and agree is not None else ""
        return (f"{self.workbook.name}: {self.formulas} formula cells ({self.kpi_cells} calling kpisheet functions), "
                f"{len(self.changes)} {verb}{where}{match}")


class _MemoEngine:
    """The core engine with ``result`` remembered, so KPI() and KPI_STATUS() of one cell share it."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._results: dict[tuple[Any, ...], Any] = {}
        self._accounts: dict[Any, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def result(self, name: str, period: Any = None, account: Any = None) -> Any:
        key = (name, period, account)
        try:
            found = self._results.get(key)
        except TypeError:
            return self._engine.result(name, period, account)
        if found is None:
            found = self._engine.result(name, period, account)
            self._results[key] = found
        return found

    def results_for_accounts(self, name: str, period: Any, accounts: list[Any]) -> list[Any]:
        """:meth:`result` for each account (one engine question for those not asked before)."""
        results = self._results
        todo = list(dict.fromkeys(a for a in accounts if (name, period, a) not in results))
        if todo:
            ask = getattr(self._engine, "results_for_accounts", None)
            found = ask(name, period, todo) if ask is not None else \
                [self._engine.result(name, period, a) for a in todo]
            for a, r in zip(todo, found):
                results[(name, period, a)] = r
        return [results[(name, period, a)] for a in accounts]

    def key_accounts(self, period: Any = None) -> Any:
        if period not in self._accounts:
            self._accounts[period] = self._engine.key_accounts(period)
        return self._accounts[period]


def find_config(workbook: Path, explicit: Optional[Path]) -> Path:
    """docs/excel.md's order: --config, KPISHEET_CONFIG, kpisheet.yaml beside the workbook, config/ beside it."""
    from ...config.discover import find_config as _find
    return _find(workbook, explicit)


def _default_engine(ahead: Optional[SourcesAhead]) -> Callable[[Path, Path], Any]:
    """The core engine over ``workbook``, reading through ``ahead``'s prefetch where its config is the one found."""
    def make(config_path: Path, workbook: Path) -> Any:
        from ...config import load_config
        from ...engine.core import Engine
        from ...sources.files import FileReader
        if ahead is not None and ahead.config_path == config_path:
            return Engine(ahead.config, workbook, reader=FileReader(prefetched=ahead.prefetch))
        return Engine(load_config(config_path), workbook)
    return make


def _our_calls(loaded: LoadedBook) -> int:
    """How many formula cells call docs/excel.md's functions (a formula we cannot read calls none)."""
    names = set(EXCEL_FUNCTIONS)
    calls: dict[str, bool] = {}  # by text: formulas of one shape share their first one's text
    count = 0
    for text in loaded.book.shared_formulas[0]:
        found = calls.get(text)
        if found is None:
            found = calls[text] = _calls_ours(text, names)
        count += found
    return count


def _calls_ours(text: str, names: set[str]) -> bool:
    up = text.upper()
    if not any(n in up for n in names):
        return False
    try:
        node = parse_within_limits(text)
    except FormulaSyntaxError:
        return False
    return any(isinstance(n, Call) and n.name in names for n in walk(node))


def _to_cell(v: Any) -> Any:
    """A registry result as a cell value (or a 2-D array for the spilled tables)."""
    import numpy as np
    if isinstance(v, list):
        if not v:
            return V.CALC
        width = max(len(r) for r in v)
        out = np.empty((len(v), width), dtype=object)
        for i, row in enumerate(v):
            for j in range(width):
                out[i, j] = _to_cell(row[j]) if j < len(row) else ""
        return out
    if isinstance(v, XlError):
        return Err(v.text)
    if isinstance(v, bool) or isinstance(v, str) or v is None:
        return v
    if isinstance(v, (int, float)):
        return float(v)
    return str(v)


def _from_cell(v: Any) -> Any:
    if isinstance(v, Err):
        return XlError.from_text(v.text) or XlError.VALUE
    return v


def _date1904(a: Any) -> Any:
    """A period argument of a 1904-system workbook: a serial becomes its date (whole numbers
    1000-9999 stay years, as :func:`~kpisheet.excel.functions.period_arg` reads them)."""
    import datetime as dt
    if isinstance(a, float) and a >= 0 and not (a.is_integer() and 1000 <= a <= 9999):
        return dt.date(1904, 1, 1) + dt.timedelta(days=int(a))
    return a


def _extra_functions(engine_of: Callable[[], Any], date1904: bool) -> dict[str, ExtraFunction]:
    out = {}
    # A call's value by its function and arguments, each argument with its type (TRUE and 1 are
    # equal keys, not equal arguments): a workbook asks for the same KPI in many cells, and each
    # answer is the same for the whole run. Spilled tables (arrays) are computed each time.
    memo: dict[tuple[Any, ...], Any] = {}
    engine_args: dict[tuple[Any, ...], Optional[list[Any]]] = {}  # for batches: a call's converted arguments
    for name, spec in EXCEL_FUNCTIONS.items():
        periods = frozenset(i for i, p in enumerate(spec.params) if p.kind == "period")

        def call(*args: Any, _name: str = name, _periods: frozenset[int] = periods) -> Any:
            key: Optional[tuple[Any, ...]] = (_name, args, tuple(map(type, args)))
            try:
                found = memo.get(key)  # type: ignore[arg-type]
            except TypeError:  # an unhashable argument
                key, found = None, None
            if found is not None:
                return found
            value = _to_cell(invoke(_name, engine_of(), _cell_args(args, _periods, date1904), raise_input_errors=True))
            if key is not None and not isinstance(value, list) and getattr(value, "ndim", None) is None:
                memo[key] = value
            return value
        batch = prepare = None
        if spec.of_result is not None:
            batch, prepare = _result_batch(spec, call, periods, date1904, engine_of, engine_args)
        out[name] = ExtraFunction(call, spills=spec.spills, batch=batch, prepare=prepare)
    return out


def _cell_args(args: tuple[Any, ...], periods: frozenset[int], date1904: bool) -> list[Any]:
    """A call's cell values as the registry's functions take them (docs/excel.md)."""
    conv = [_from_cell(a) for a in args]
    if date1904:  # only a period argument is a date; an account 12345 stays a number
        conv = [_date1904(a) if i in periods else a for i, a in enumerate(conv)]
    return conv


def _result_batch(spec: ExcelFunction, call: Callable[..., Any], periods: frozenset[int], date1904: bool,
                  engine_of: Callable[[], Any], engine_args: dict[tuple[Any, ...], Optional[list[Any]]]
                  ) -> tuple[Callable[[list[tuple[Any, ...]]], list[Any]], Callable[[list[tuple[Any, ...]]], None]]:
    """:attr:`ExtraFunction.batch` and :attr:`~ExtraFunction.prepare` for a function showing one
    field of ``engine.result`` (KPI, KPI_STATUS ...): the calls' arguments converted once each
    (``prepare`` converts them before the engine's first question, which waits for its sources),
    then one engine question per KPI and period for all the accounts asked
    (``results_for_accounts``). A call the registry would answer with an error (an argument it
    refuses, an unknown KPI, a bad period) is made as ``call``, one by one: the same values either way."""
    shown = spec.of_result
    assert shown is not None

    def converted(key: tuple[Any, ...]) -> Optional[list[Any]]:
        """A call's arguments (each with its type, as call's memo tells them apart) as the engine takes them; None: refused."""
        if key in engine_args:
            return engine_args[key]
        try:
            conv: Optional[list[Any]] = convert(spec, _cell_args(key[0], periods, date1904))
        except Exception:  # noqa: BLE001 - refused or an error argument: call says which
            conv = None
        engine_args[key] = conv
        return conv

    def prepare(calls: list[tuple[Any, ...]]) -> None:
        for args in calls:
            converted((args, tuple(map(type, args))))

    def batch(calls: list[tuple[Any, ...]]) -> list[Any]:
        # the distinct calls, each answered once
        distinct: dict[tuple[Any, ...], int] = {}
        at = [distinct.setdefault((args, tuple(map(type, args))), len(distinct)) for args in calls]
        keys = list(distinct)
        answers: list[Any] = [None] * len(keys)
        groups: dict[tuple[Any, Any], list[tuple[int, Any]]] = {}
        alone: list[int] = []
        for k, key in enumerate(keys):
            conv = converted(key)
            if conv is None:
                alone.append(k)
            else:
                groups.setdefault((conv[0], conv[1]), []).append((k, conv[2]))
        engine = engine_of()
        for (kpi, period), asked in groups.items():
            try:
                results = engine.results_for_accounts(kpi, period, [a for _, a in asked])
            except EvaluationError:  # an unknown KPI, a bad period: the error value call gives
                alone.extend(k for k, _ in asked)
                continue
            for (k, _), r in zip(asked, results):
                answers[k] = _to_cell(shown(r))
        for k in alone:
            answers[k] = call(*keys[k][0])
        return [answers[k] for k in at]
    return batch, prepare


def run(loaded: LoadedBook, workbook: Path, config_path: Optional[Path] = None, out: Optional[Path] = None,
        check: bool = False, *, engine_factory: Optional[Callable[[Path, Path], Any]] = None,
        formula_engine: Optional[FormulaEngine] = None, ahead: Optional[SourcesAhead] = None) -> RecalcReport:
    """:func:`kpisheet.excel.recalc.recalc` of ``workbook``, as :func:`.ahead.opened_ahead` loaded
    it (within its block). ``ahead``: the config, loaded, and the sources being read in a thread
    (the default engine reads through them)."""
    return _recalc(loaded, workbook, config_path, out, check, engine_factory or _default_engine(ahead),
                   formula_engine or Calculator())


def _recalc(loaded: LoadedBook, workbook: Path, config_path: Optional[Path], out: Optional[Path], check: bool,
            engine_factory: Callable[[Path, Path], Any], formula_engine: FormulaEngine) -> RecalcReport:
    report = RecalcReport(workbook, out or workbook, check, formulas=len(loaded.book.formulas))
    report.kpi_cells = _our_calls(loaded)
    engine_box: list[Any] = []
    if report.kpi_cells:
        cfg = find_config(workbook, config_path)
        report.config = cfg
        engine_box.append(_MemoEngine(engine_factory(cfg, workbook)))

    def engine_of() -> Any:
        return engine_box[0]

    formulas = loaded.book.formulas
    by_sheet: dict[int, list[int]] = {}
    for i, f in enumerate(formulas):
        by_sheet.setdefault(f.sheet, []).append(i)
    originals = {s: snapshot(loaded.book.sheets[s].values, [formulas[i] for i in ix]) for s, ix in by_sheet.items()}
    # cut before calculating: where KPI cells are asked, the engine will wait for its sources
    plans = {s: plan_sheet(loaded, s) for s in by_sheet}
    result: CalcResult = formula_engine.calculate(loaded.book, _extra_functions(engine_of, loaded.book.date1904))
    report.unsupported = dict(result.unsupported)
    report.circular = list(result.circular)
    report.warnings = loaded.warnings + list(result.warnings)
    cells = result.cells
    converted = any(f.kind == "normal" and r.kind == "dynamic" for f, r in zip(formulas, cells))
    replaced: dict[str, bytes] = {}
    added: dict[str, bytes] = {}
    cm: Optional[int] = None
    if converted:
        cm = dynamic_cm(loaded)
        if cm is None and loaded.metadata_part is None:
            more, added = add_metadata_part(loaded)
            replaced.update(more)
            cm = 1
        elif cm is None:
            report.warnings.append("the workbook's metadata part has no dynamic-array entry: "
                                   "spilled tables are written as legacy array formulas")
    all_changes: list[Change] = []
    for s, ix in sorted(by_sheet.items()):
        patch = patch_sheet(loaded, s, [(formulas[i], cells[i]) for i in ix], originals[s], cm, plans[s])
        all_changes.extend(patch.changes)
        sp = loaded.parts[s]
        if patch.text != sp.text:
            assert sp.part is not None
            replaced[sp.part] = patch.text.encode("utf-8")
    report.volatile = sum(1 for r in cells if r.volatile)
    report.uncertain = sum(1 for r in cells if r.uncertain and not r.volatile)
    report.changes = [c for c in all_changes if not c.volatile and not c.uncertain]
    report.volatile_changes = [c for c in all_changes if c.volatile and not c.uncertain]
    report.uncertain_changes = [c for c in all_changes if c.uncertain]
    if not check and replaced:
        target = Path(out) if out is not None else workbook
        loaded.pkg.write(target, replaced, added)
        report.written = True
        report.out = target
    elif not check and out is not None and Path(out) != workbook:
        loaded.pkg.write(Path(out), {}, {})  # nothing changed: the copy is the file as it was
        report.written = True
    return report
