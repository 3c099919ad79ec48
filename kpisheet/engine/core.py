"""The engine: a config and its data in, any (KPI, period, account) out.

Each KPI is computed once per grain for every period and account (a
:class:`~.grid.Grid`) and kept; a request is then a lookup. A question about all accounts
together over KPIs that read no account's own value (:meth:`Engine._totals_only`) is answered
on grids of that one column, kept apart from the wide ones. An :class:`Engine`
is bound to one config and one state of the data; build a new one (or call
:meth:`Engine.clear`) when either changes (the config's ``fingerprint`` tells).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple, Optional, Sequence, Union, cast

import numpy as np
import pandas as pd

from .. import periods
from ..config.model import Bound, Config, Kpi
from ..config.rules import refs
from ..errors import EvaluationError, WorkbookError
from ..expr import ExprEvalError
from ..expr.ast import Node
from ..expr.frame import eval_filter_coded, eval_rows_coded
from ..names import name_text as account_name  # an account cell as text: 1001.0 -> "1001"
from ..names import name_texts as account_names  # the same over many distinct cells at once
from ..periods import Calendar, Grain, Period, resolve_period
from ..sources import FileReader, Reader, SourceRef, Table
from ..sources.pipeline import Pipeline, PipelineRunner, expr_failed, row_error_codes
from .errorcells import ErrorRows, first_codes, lay_errors
from ..config.usage import columns_used
from .sourcing import pipeline_of
from ..xlerrors import XlError
from .accounts import AccountResult, KeyAccountEngine
from .axis import PLAIN, Axis, Family
from .formulas import Scope, evaluate, needs_accounts
from .grid import Grid
from .measures import Rows, measure
from .window import periods_back
from ..warehouse import Warehouse
from ..warehouse.grids import SPANNED, daily_grid, daily_rows, no_data, spanned_grid

FLAT_WITHIN = 0.005  # KPI_TREND: "flat" within 0.5 % of the previous period
SNAPSHOT_PERIOD = "all"  # the one period of a KPI that reads only snapshot sources (README#your-data)
_Bands = Union[tuple[float, float], XlError]  # one cell's (green, amber), or the error of one of them


@dataclass(frozen=True)
class Result:
    """One KPI at one period, for all accounts (``account`` None) or one."""

    kpi: str
    period: str
    account: Optional[str]
    value: Optional[float]
    error: Optional[XlError]
    target: Optional[float]
    status: str  # green | amber | red | "" (no target, no thresholds)
    trend: str  # up | down | flat | "" (no previous value to compare)
    unit: Optional[str]
    description: Optional[str] = None

    def as_json(self) -> dict[str, Any]:
        """The object docs/reference.md#commands gives for ``evaluate --format json``."""
        return {"kpi": self.kpi, "period": self.period, "account": self.account, "value": self.value,
                "error": self.error.text if self.error else None, "target": self.target,
                "status": self.status, "trend": self.trend, "unit": self.unit}


@dataclass(frozen=True)
class _Prepared:
    """A measure KPI's rows, for grids of all accounts together: every row's account is 0
    (:meth:`Engine._account_rows` gives them their accounts' columns)."""

    rows: Rows
    last_day: Optional[int]  # the latest dated row of the source, filter or not
    first_day: Optional[int] = None  # the earliest dated row of the source, filter or not
    kept: Optional[np.ndarray] = None  # which rows of the table ``rows`` are (None: all of them, in order)
    errors_at: Optional[np.ndarray] = None  # the rows of the table that the KPI's error rows are

    @property
    def data_span(self) -> Optional[tuple[int, int]]:
        """First and last day of the source's data (README#real-questions); None when it has no dated row."""
        if self.first_day is None or self.last_day is None:
            return None
        return self.first_day, self.last_day



class _Days(NamedTuple):
    """A source's date column as day ordinals (:meth:`Engine._days_of`)."""

    days: np.ndarray
    dated: np.ndarray
    first: Optional[int]
    last: Optional[int]


def _factorized(column: pd.Series) -> tuple[np.ndarray, list[Optional[str]]]:
    """Each cell's code into the column's distinct non-blank cells (-1: blank), and their names."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes, account_names(np.asarray(uniques, dtype=object))  # one object per account, not per row

class Engine:
    """A config and its data in, any (KPI, period, account) out.

        >>> engine = Engine(load_config("config/startup"), "templates/startup.xlsx")
        >>> engine.result("revenue_growth", "2026-10").value

    ``workbook`` is the file that sources naming no ``workbook`` read; ``reader`` reads the
    tables (the files on disk by default; the add-in passes one over the open workbook).
    Nothing is read until asked, and everything read or computed is kept until :meth:`clear`.

    The requests: :meth:`result` (one KPI at one period, for all accounts or one),
    :meth:`results`, :meth:`series`; :meth:`key_accounts` and :meth:`account` (README#key-accounts).
    Periods are text (``2026-Q3``, ``FY2026``, ``latest``), a date, a :class:`~kpisheet.periods.Period`
    or None (latest). A request that cannot be answered (an unknown KPI, a period that cannot
    be read) raises :class:`~kpisheet.errors.EvaluationError`; a source that cannot be read,
    :class:`~kpisheet.errors.WorkbookError`. Errors inside the data (a division by zero, no
    data) are values: a :class:`Result` with its ``error``.

    What the data holds: :attr:`accounts`, :meth:`table` (a source's finished rows; :meth:`pipeline`
    the steps that make them, which a subclass may change),
    :meth:`data_start` / :meth:`data_end`, :meth:`latest`, :meth:`after_data`,
    :meth:`source_warnings`. Members whose names start with ``_`` are the engine's own.
    """

    def __init__(self, config: Config, workbook: str | Path | None = None, reader: Reader | None = None) -> None:
        self.config = config
        self.workbook = Path(workbook) if workbook is not None else None
        self.reader: Reader = reader or FileReader()
        self.clear()

    def clear(self) -> None:
        """Forget every table read and every grid computed."""
        self._runner: Optional[PipelineRunner] = None
        self._tables: dict[str, Table] = {}
        self._prepared: dict[str, _Prepared] = {}
        self._error_rows: dict[str, Optional[ErrorRows]] = {}
        self._snapshot_rows: dict[str, Rows] = {}
        self._accounts: Optional[list[str]] = None
        self._columns_by_name: Optional[dict[str, int]] = None
        self._axes: dict[Grain, Axis] = {}
        self._grids: dict[tuple[str, Grain, Family, bool], Grid] = {}  # by KPI, grain, family, totals only
        self._targets: dict[tuple[str, Grain, bool], Optional[Grid]] = {}
        self._thresholds: dict[tuple[str, Grain, bool], Optional[tuple[Grid, Grid]]] = {}
        self._attrs: dict[str, Grid] = {}
        self._measures: dict[str, set[str]] = {}  # _measure_kpis by KPI: the config does not change
        self._key_accounts: Optional[KeyAccountEngine] = None
        self._warehouse: Optional[Warehouse] = None
        self._daily: dict[str, pd.DataFrame] = {}
        self._universes: dict[frozenset[str], np.ndarray] = {}
        self._source_codes: dict[str, Optional[np.ndarray]] = {}  # a source's rows' grid columns, once
        self._distinct: dict[str, tuple[np.ndarray, list[Optional[str]]]] = {}  # _distinct_accounts by source
        self._days: dict[tuple[str, str], _Days] = {}  # _days_of by source and date column
        self._wide: dict[str, tuple[Rows, Optional[ErrorRows]]] = {}  # _account_rows by KPI
        self._totals_ok: dict[str, bool] = {}  # _totals_only by KPI

    # --- data -------------------------------------------------------------------------------

    def source_ref(self, name: str) -> SourceRef:
        """Where a source's rows are read: its workbook (else the engine's), sheet or table, columns.

        Raises :class:`~kpisheet.errors.WorkbookError` for a source that names no workbook when
        the engine has none."""
        src = self.config.sources[name]
        path = src.workbook or self.workbook
        if path is None:
            raise WorkbookError(f"source '{name}' names no workbook and none is being evaluated", place=str(src.mark))
        return SourceRef(name=name, path=Path(path), sheet=src.sheet, table=src.table, range=src.range,
                         header_row=src.header_row, columns=dict(src.columns), csv=src.csv,
                         date_format=src.date_format)

    def pipeline(self, name: str) -> Pipeline:
        """The source as a description: read, then where, join and derive (README#your-data)."""
        return pipeline_of(self.config.sources[name], self.source_ref(name), columns_used(self.config).get(name))

    def table(self, source: str) -> Table:
        """The finished rows of a source: read, filtered by where, joined, derived."""
        if source not in self._tables:
            # README#when-the-data-outgrows-the-workbook: a database source is never loaded whole
            if self.warehouse.handles(source):
                raise WorkbookError(f"source '{source}' lives in a database: only KPIs over it are computed, "
                                    "its rows are not read", place=str(self.config.sources[source].mark))
            runner = self._runner
            if runner is None or runner.reader is not self.reader:
                runner = self._runner = PipelineRunner(self.reader, self.pipeline)
            self._tables[source] = runner.table(source)
        return self._tables[source]

    def _account_sources(self) -> list[str]:
        names = [k.source for k in self.config.kpis.values() if k.source is not None]
        ka = self.config.key_accounts
        if ka is not None and ka.attributes:
            names.append(ka.attributes)
        return list(dict.fromkeys(names))

    @property
    def accounts(self) -> list[str]:
        """Every account with a row in a source that a KPI reads, or in the attributes; by name."""
        if self._accounts is None:
            found: set[Optional[str]] = set()  # None (a blank name) taken out once, at the end
            for name in self._account_sources():
                if self.warehouse.handles(name):
                    found.update(map(account_name, self.warehouse.accounts(name)))
                    continue
                df = self.table(name).df
                if "account" in df.columns:
                    found.update(self._distinct_accounts(name)[1])
                    column = df["account"]
                    blank = column[column.isna()]  # factorize leaves blanks out; a name is theirs only if not None
                    if len(blank):
                        found.update(account_names(np.asarray(pd.unique(blank), dtype=object)))
            found.discard(None)
            self._accounts = sorted(cast("set[str]", found))
        return self._accounts

    def _universe(self, names: Iterable[str], key_rules: bool = False) -> np.ndarray:
        """The grid columns that across-account functions count (README#real-questions), as a mask.

        Section 3's universe: the accounts of the key-account ``attributes`` and those with a row
        in a source that ``names`` read (KPIs; with ``key_rules``, a criterion or the score, whose
        sources are the criteria's), at any time. Column 0 (all accounts) never counts.
        """
        if key_rules and self.config.key_accounts is not None:
            mask = np.zeros(self._shape_accounts, bool)
            mask[self._key_account_engine().universe()] = True
            return mask
        sources = {self.config.kpis[k].source for n in names if n in self.config.kpis for k in self._measure_kpis(n)}
        ka = self.config.key_accounts
        if ka is not None and ka.attributes:
            sources.add(ka.attributes)
        key = frozenset(s for s in sources if s is not None)
        if key not in self._universes:
            mask = np.zeros(self._shape_accounts, bool)
            if not key:  # nothing read (count_accounts(true)): every account
                mask[:] = True
            for source in key:
                codes = self._source_account_codes(source)
                if codes is not None:
                    mask[codes] = True
            mask[0] = False
            self._universes[key] = mask
        return self._universes[key]

    def _account_column(self, account: Optional[str]) -> Optional[int]:
        """0 for all accounts, 1.. for a known account, None for an unknown one."""
        if account is None:
            return 0
        name = account_name(account)
        return None if name is None else self._account_index.get(name)

    @property
    def _account_index(self) -> dict[str, int]:
        """Account name -> its grid column (1..A)."""
        if self._columns_by_name is None:
            self._columns_by_name = {name: i + 1 for i, name in enumerate(self.accounts)}
        return self._columns_by_name

    def _account_codes(self, column: pd.Series) -> np.ndarray:
        """Each cell's grid column (0: blank or unknown); one hash pass over the rows, then a
        lookup per distinct account (a dict ``map`` over 250,000 text cells took over a second)."""
        return self._columns_of(*_factorized(column))

    def _distinct_accounts(self, source: str) -> tuple[np.ndarray, list[Optional[str]]]:
        """A file source's account column factorised once (README#changelog, issue 12): each row's
        code into its distinct non-blank cells, and their names. :attr:`accounts` reads the names
        and the grid columns both, so the 250,000 cells are hashed once, not twice."""
        if source not in self._distinct:
            self._distinct[source] = _factorized(self.table(source).df["account"])
        return self._distinct[source]

    def _columns_of(self, codes: np.ndarray, names: list[Optional[str]]) -> np.ndarray:
        index = self._account_index
        lookup = np.zeros(len(names) + 1, dtype=np.int64)  # a blank (None) and an unknown name: 0
        get = cast("dict[Optional[str], int]", index).get  # None is no key: 0
        lookup[:-1] = np.fromiter(map(get, names, itertools.repeat(0)), dtype=np.int64, count=len(names))
        columns: np.ndarray = lookup[codes]  # a blank's code is -1: the last entry, 0
        return columns

    def _prepare(self, kpi_name: str) -> _Prepared:
        if kpi_name in self._prepared:
            return self._prepared[kpi_name]
        kpi = self.config.kpis[kpi_name]
        assert kpi.measure is not None and kpi.source is not None
        if self.warehouse.handles(kpi.source):
            return self._prepared_in_database(kpi)
        table = self.table(kpi.source)
        column = kpi.measure.column
        snapshot = self.config.sources[kpi.source].snapshot
        if snapshot:  # README#your-data: no time; every row counts at every period
            table.require(*([column] if column else []))
            dated = np.ones(len(table.df), dtype=bool)
            days = np.zeros(len(table.df), dtype=np.int64)
            first_day = last_day = None  # its rows place nothing on the period axis (below)
        else:
            table.require(kpi.date, *([column] if column else []))
            days, dated, first_day, last_day = self._days_of(kpi.source, kpi.date)
        keep = dated
        failed: Optional[np.ndarray] = None  # rows whose filter is an error (a division by zero)
        if kpi.filter is not None:
            passed, failed = self._filter(kpi, table)
            keep = keep & passed
        df = table.df
        per_account = "account" in df.columns
        accounts = np.zeros(len(df), np.int64)  # all accounts together; _account_rows gives each its column
        values: Optional[np.ndarray] = None
        computed: Optional[np.ndarray] = None
        if kpi.measure.expr is not None:  # sum(qty * menu.price) (README#your-data)
            values, computed = self._measure_values(kpi, table)
        elif kpi.measure.func == "count_distinct":
            values = pd.factorize(df[column])[0].astype(np.int64)
        elif column is not None:
            values = table.numbers(column)
        kept: Optional[np.ndarray] = None  # which rows of the table the rows are (None: all)
        if keep.all():  # every row counts: the arrays as they are (read-only where shared), not copies
            rows = Rows(days, accounts, values, per_account)
        else:
            kept = keep
            rows = Rows(days[keep], accounts[keep], None if values is None else values[keep], per_account)
        if snapshot:  # kept apart: its rows place nothing on the period axis
            self._snapshot_rows[kpi_name] = rows
            rows = Rows(days[:0], accounts[:0], None if values is None else values[:0], per_account)
            last_day = first_day = None
        if failed is not None:
            failed = np.where(dated, failed, 0).astype(np.int8)
        broken, errors_at = self._errors_read(kpi, table, days, keep, per_account, computed, failed)
        self._error_rows[kpi_name] = broken
        self._prepared[kpi_name] = _Prepared(rows, last_day, first_day, kept, errors_at)
        return self._prepared[kpi_name]

    def _account_rows(self, kpi_name: str) -> tuple[Rows, Optional[ErrorRows]]:
        """A measure KPI's rows and error rows with each row's account column (1..A), for grids of
        every account; those of :meth:`_prepare` (every row's account 0, for the totals) given
        their accounts when first asked, so that a question about all accounts never factorises
        the account column (issue 12)."""
        if kpi_name not in self._wide:
            prepared = self._prepare(kpi_name)
            rows = self._snapshot_rows[kpi_name] if self._is_snapshot(kpi_name) else prepared.rows
            broken = self._error_rows.get(kpi_name)
            source = self.config.kpis[kpi_name].source
            assert source is not None
            if rows.per_account and not self.warehouse.handles(source):  # a database's rows have them already
                codes = self._source_account_codes(source)
                assert codes is not None
                kept = prepared.kept
                rows = Rows(rows.days, codes if kept is None else codes[kept], rows.values, rows.per_account)
                if broken is not None:
                    assert prepared.errors_at is not None
                    broken = ErrorRows(broken.days, codes[prepared.errors_at], broken.codes, broken.per_account)
            self._wide[kpi_name] = (rows, broken)
        return self._wide[kpi_name]

    def _days_of(self, source: str, column: str) -> _Days:
        """Each row's day ordinal (read-only) and whether it has a date, and the first and last
        day of the dated rows, for a source's date column: worked out once, as the KPIs that read
        the column share them (four KPIs of one source converted its 250,000 dates four times)."""
        key = (source, column)
        if key not in self._days:
            dates = self.table(source).dates(column)
            dated = ~np.isnat(dates)
            days = dates.astype("datetime64[D]").astype(np.int64)
            days.flags.writeable = False
            dated.flags.writeable = False
            some = bool(dated.any())
            spread = days[dated] if some else days[:0]
            self._days[key] = _Days(days, dated, int(spread.min()) if some else None,
                                    int(spread.max()) if some else None)
        return self._days[key]

    def _errors_read(self, kpi: Kpi, table: Table, days: np.ndarray, keep: np.ndarray, per_account: bool,
                     computed: Optional[np.ndarray] = None,
                     failed: Optional[np.ndarray] = None) -> tuple[Optional[ErrorRows], Optional[np.ndarray]]:
        """The kept rows whose cells the measure reads hold an error cell (README#your-data), or whose
        measure expression is an error (``computed``: a division by zero), and the dated rows
        whose filter is an error (``failed``, first: Excel's FILTER over them is the error,
        ``count()`` included), every one's account 0; and which rows of the table they are.
        None, None if none."""
        assert kpi.measure is not None
        if kpi.measure.expr is not None:
            codes = row_error_codes(table, kpi.measure.expr.node, computed)
        else:
            codes = table.error_codes(kpi.measure.column) if kpi.measure.column else None
        if failed is not None:  # such a row is its filter's error, whatever the measure reads
            measured = np.zeros(len(keep), np.int8) if codes is None else np.where(keep, codes, 0).astype(np.int8)
            codes = first_codes(failed, measured)
            keep = keep | (failed != 0)
        if codes is None:
            return None, None
        at = np.flatnonzero(keep & (codes != 0))
        if not len(at):
            return None, None
        return ErrorRows(days[at], np.zeros(len(at), np.int64), codes[at], per_account), at

    def source_warnings(self) -> list[str]:
        """``PLACE: message`` for each source read that holds error cells (README#your-data)."""
        lines = []
        for name, table in self._tables.items():
            found = table.error_summary()
            if found is not None:
                count, place, text = found
                cells = "an error cell" if count == 1 else f"{count} error cells"
                lines.append(f"{place}: source '{name}' has {cells} (the first: {text}); the KPIs that read "
                             "them show the error")
            elif table.path.suffix.lower() == ".xlsb" and bool(table.df.isna().to_numpy().any()):
                # python-calamine reads an .xlsb error cell as blank and nothing here can tell them apart
                lines.append(f"{table.place()}: source '{name}' has blank cells, and in an .xlsb workbook an error "
                             "cell (#N/A ...) reads as blank: save the workbook as .xlsx to have errors shown")
        return lines

    def _measure_values(self, kpi: Kpi, table: Table) -> tuple[np.ndarray, Optional[np.ndarray]]:
        """A measure's expression for every row: float64 (NaN blank), or codes for count_distinct;
        and the rows' error codes (a division by zero), None when no row is an error."""
        assert kpi.measure is not None and kpi.measure.expr is not None
        expr = kpi.measure.expr
        try:
            values, computed = eval_rows_coded(expr.node, table.df)
        except ExprEvalError as exc:
            raise expr_failed(table, f"{kpi.name}: measure", exc, expr.place) from None
        if kpi.measure.func == "count_distinct":
            return pd.factorize(values)[0].astype(np.int64), computed
        if not (pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)):
            if values.isna().all():
                return np.full(len(values), np.nan), computed
            raise WorkbookError(f"{kpi.name}: measure: {kpi.measure.func}() needs numbers, and '{expr.text}' "
                                "does not give numbers", place=expr.place())
        return values.to_numpy(dtype=np.float64, na_value=np.nan), computed

    def _filter(self, kpi: Kpi, table: Table) -> tuple[np.ndarray, Optional[np.ndarray]]:
        """The rows the KPI's filter keeps, and the codes of the rows where it is an error."""
        assert kpi.filter is not None
        try:
            return eval_filter_coded(kpi.filter.node, table.df)
        except ExprEvalError as exc:
            expr_failed(table, "filter", exc, kpi.filter.place)  # raises the cell's own error for a mistyped column
            raise WorkbookError(f"{kpi.name}: filter: {exc.args[0]} (in {table.place()})",
                                place=kpi.filter.place(exc.pos)) from None

    # --- axes and grids --------------------------------------------------------------------

    def _measure_kpis(self, name: str, seen: Optional[set[str]] = None) -> set[str]:
        """The measure KPIs a KPI's value reads, itself included (its formula's, not its target's:
        a budget target does not move the KPI's ``latest`` nor its data's span)."""
        if seen is None:  # asked once a result: remembered (callers only read the set)
            found = self._measures.get(name)
            if found is None:
                found = self._measures[name] = self._measure_kpis(name, set())
            return found
        if name in seen:
            return seen
        seen.add(name)
        formula = self.config.kpis[name].formula
        for dep in dict.fromkeys(n.id for n in refs(formula.node)) if formula is not None else ():
            if dep in self.config.kpis:
                self._measure_kpis(dep, seen)
        return {n for n in seen if self.config.kpis[n].is_measure}

    def _axis(self, grain: Grain, through: Optional[int] = None, since: Optional[int] = None) -> Axis:
        """The period axis of a grain: from the period before the first row to the last (or ``through``).

        With ``since``, a question about periods ``since .. through`` only: the grain's first axis
        is then a window of them and the periods formulas reach back from them
        (:func:`.window.periods_back`), so that grids at a day are not every day × account of the
        data (issue 12); where that reach goes back past the data, the axis runs from the period
        before the data to ``through``, not past it (a question about the first days of 27,000, as
        one row mistyped as 1950 makes, was every day × account). A later question it does not
        hold makes the whole axis."""
        axis = self._axes.get(grain)
        if axis is None or (through is not None and not axis.holds(through, since)):
            cal = self.config.calendar
            days = [d for d in (self._prepare(k).rows.days for k in self.config.kpis
                                if self.config.kpis[k].is_measure) if len(d)]
            if days:
                bounds = np.array([min(d.min() for d in days), max(d.max() for d in days)]).astype("datetime64[D]")
                lo, hi = (int(x) for x in periods.ordinals(bounds, grain, cal))
            else:
                lo = hi = periods.period_of_date(dt.date.today(), grain, cal).ordinal
            start = None if axis is not None or through is None or since is None else \
                min(since, through) - periods_back(self.config)
            if start is not None and start >= lo:  # the window starts after the data does
                assert through is not None and since is not None
                whole = (lo - 1, max(hi, through) - lo + 2)  # the axis the else branch would make
                axis = Axis(grain, start, through - start + 1, cal, exact_from=min(since, through), whole=whole)
            elif start is not None:  # it would start before the data: the whole axis, but only up to the question
                assert through is not None
                axis = Axis(grain, lo - 1, max(through, lo) - lo + 2, cal)
            else:
                if through is not None:
                    hi = max(hi, through)
                if axis is not None:
                    hi = max(hi, axis.lo + axis.size - 1)
                lo -= 1  # row 0: a period before every row of data (see grid.shift)
                axis = Axis(grain, lo, hi - lo + 1, cal)
            self._axes[grain] = axis
            self._grids = {k: v for k, v in self._grids.items() if k[1] != grain}
            self._targets = {k: v for k, v in self._targets.items() if k[1] != grain}
            self._thresholds = {k: v for k, v in self._thresholds.items() if k[1] != grain}
        return axis

    @property
    def _shape_accounts(self) -> int:
        return len(self.accounts) + 1

    def _grid(self, name: str, grain: Grain, family: Family = PLAIN, totals: bool = False) -> Grid:
        """One KPI for every period of the grain's axis and every account; with ``totals``, for all
        accounts together only (one column, column 0 of the other to the last digit: a KPI of
        :meth:`_totals_only`). The two are kept apart."""
        key = (name, grain, family, totals)
        if key not in self._grids:
            kpi = self.config.kpis[name]
            axis = self._axis(grain)
            if kpi.measure is not None and self.warehouse.handles(kpi.source) and totals:
                wide = self._grid(name, grain, family)  # grouped by account in the database: its column 0
                grid = Grid(wide.val[:, :1].copy(), wide.err[:, :1].copy())
            elif kpi.measure is not None and self.warehouse.handles(kpi.source):
                grid = self._database_grid(kpi, axis, family)
            elif kpi.measure is not None and self._is_snapshot(name):
                grid = self._snapshot_grid(name, axis.size, totals)
            elif kpi.measure is not None:
                prepared = self._prepare(name)
                rows, broken = (prepared.rows, self._error_rows.get(name)) if totals else self._account_rows(name)
                grid = measure(kpi.measure.func, rows, axis, family, 0 if totals else len(self.accounts),
                               prepared.data_span, kpi.when_empty)
                if broken is not None:
                    grid = lay_errors(grid, broken, axis, family)
            else:
                assert kpi.formula is not None
                grid = evaluate(kpi.formula.node, self._scope(grain, totals=totals), family)
            if totals and grid.shape[1] != 1:  # numpy would broadcast it silently against the totals
                raise AssertionError(f"{name}: a grid of every account where the totals alone were asked")
            self._grids[key] = grid
        return self._grids[key]

    def _totals_only(self, name: str) -> bool:
        """Whether a KPI's value for all accounts together reads only the values for all accounts
        together of what it reaches: a measure, or a formula of :func:`.formulas.needs_accounts`
        false whose every KPI is one too (no ``share``, ``pareto``, ``attr``, nor function across
        accounts anywhere). Such a question is answered on grids of column 0 alone (issue 12)."""
        found = self._totals_ok.get(name)
        if found is None:
            formula = self.config.kpis[name].formula
            found = self._totals_ok[name] = formula is None or self._reads_totals(formula.node)
        return found

    def _reads_totals(self, node: Node) -> bool:
        """:meth:`_totals_only` of a formula: of a KPI, or a target or threshold."""
        kpis = self.config.kpis
        return not needs_accounts(node) and all(n.id in kpis and self._totals_only(n.id) for n in refs(node))

    # --- database sources (README#when-the-data-outgrows-the-workbook): grouped in the database, only grids
    # come back -----------

    @property
    def warehouse(self) -> Warehouse:
        """The database sources' side (README#when-the-data-outgrows-the-workbook): their connections, checks and
        queries."""
        if self._warehouse is None:
            self._warehouse = Warehouse(self.config)
        return self._warehouse

    def _source_account_codes(self, source: str) -> Optional[np.ndarray]:
        """The grid column of each account a source holds (None: it has no account column);
        a database source is asked for its distinct accounts, not its rows."""
        if self.warehouse.handles(source):
            if "account" not in self.warehouse.table(source).columns:
                return None
            return self._account_codes(pd.Series(self.warehouse.accounts(source), dtype=object))
        if source not in self._source_codes:
            df = self.table(source).df
            codes = self._columns_of(*self._distinct_accounts(source)) if "account" in df.columns else None
            if codes is not None:
                codes.flags.writeable = False  # shared by the rows of every KPI of the source
            self._source_codes[source] = codes
        return self._source_codes[source]

    def _prepared_in_database(self, kpi: Kpi) -> _Prepared:
        """The day × account groups of a KPI over a database source (they place it on the axis)."""
        daily = self.warehouse.daily(kpi)
        daily["code"] = self._account_codes(daily["account"])  # once, for every grid of the KPI
        per_account = "account" in self.warehouse.table(kpi.source or "").columns
        self._daily[kpi.name] = daily
        rows = daily_rows(daily, "", self._account_codes, per_account)
        first, last = self.warehouse.data_span(kpi)
        if self._is_snapshot(kpi.name):  # README#your-data: its rows (all on day 0) place nothing on the period axis
            rows, first, last = Rows(rows.days[:0], rows.accounts[:0], None, per_account), None, None
        self._prepared[kpi.name] = _Prepared(rows, last, first)
        return self._prepared[kpi.name]

    def _database_grid(self, kpi: Kpi, axis: Axis, family: Family) -> Grid:
        assert kpi.measure is not None
        rows = self._prepare(kpi.name).rows
        span = self._prepare(kpi.name).data_span
        if self._is_snapshot(kpi.name):  # one value, the same in every period (as _snapshot_grid)
            size, axis, family = axis.size, self._snapshot_axis(), PLAIN
            first_day, last_day = self.warehouse.data_span(kpi)
            span = None if first_day is None or last_day is None else (first_day, last_day)
            grid = self._database_grid_on(kpi, axis, family, rows.per_account, span)
            return Grid(np.repeat(grid.val, size, axis=0), np.repeat(grid.err, size, axis=0))
        return self._database_grid_on(kpi, axis, family, rows.per_account, span)

    def _database_grid_on(self, kpi: Kpi, axis: Axis, family: Family, per_account: bool,
                          span: Optional[tuple[int, int]]) -> Grid:
        assert kpi.measure is not None
        if kpi.measure.func in SPANNED:
            first, last = axis.spans(family)
            by_account, by_span = self.warehouse.spans(kpi, first, last)
            grid = spanned_grid(kpi.measure.func, by_account, by_span, axis.size, len(self.accounts),
                                self._account_codes, per_account)
            return no_data(kpi.measure.func, grid, first, last, span, kpi.when_empty)
        return daily_grid(kpi.measure.func, self._daily[kpi.name], axis, family, len(self.accounts),
                          self._account_codes, per_account, span, kpi.when_empty)

    # --- snapshot sources (README#your-data) ----------------------------------------------------------

    def _is_snapshot(self, name: str) -> bool:
        """A measure KPI over a source with ``date: none``."""
        kpi = self.config.kpis[name]
        source = self.config.sources.get(kpi.source or "")
        return kpi.is_measure and source is not None and source.snapshot

    def _reads_only_snapshots(self, name: str) -> bool:
        """A KPI whose every measure is a snapshot: its one period is ``all``."""
        measures = self._measure_kpis(name)
        return bool(measures) and all(self._is_snapshot(k) for k in measures)

    def _snapshot_grid(self, name: str, rows: int, totals: bool = False) -> Grid:
        """The measure over all its rows, the same in every period (and span: ``prev``,
        ``rolling``, ``ytd`` of it are itself); for all accounts together only with ``totals``."""
        kpi = self.config.kpis[name]
        assert kpi.measure is not None
        self._prepare(name)
        one = self._snapshot_axis()
        assert kpi.source is not None
        # every row sits on day 0; a source without any row (after where, before filter) is no data
        # (README#real-questions)
        span = (0, 0) if len(self.table(kpi.source).df) else None
        held, broken = (self._snapshot_rows[name], self._error_rows.get(name)) if totals else self._account_rows(name)
        grid = measure(kpi.measure.func, held, one, PLAIN, 0 if totals else len(self.accounts), span, kpi.when_empty)
        if broken is not None:
            grid = lay_errors(grid, broken, one, PLAIN)
        return Grid(np.repeat(grid.val, rows, axis=0), np.repeat(grid.err, rows, axis=0))

    def _snapshot_axis(self) -> Axis:
        """One period holding day 0 (1970-01-01), where every row of a snapshot source is put."""
        cal = self.config.calendar
        return Axis(Grain.YEAR, periods.period_of_date(dt.date(1970, 1, 1), Grain.YEAR, cal).ordinal, 1, cal)

    def _snapshot_result(self, kpi: Kpi, account: Optional[str]) -> Result:
        grain = kpi.grain
        row = self._axis(grain).size - 1
        col = self._account_column(account)
        shown_account = account_name(account) if account is not None else None
        value: Optional[float]
        error: Optional[XlError]
        if col is None:
            value, error, tval, terr = None, XlError.NA, None, 0
        else:
            value, error = _cell(self._grid(kpi.name, grain, PLAIN, col == 0 and self._totals_only(kpi.name)), row, col)
            target = self._target_grid(kpi.name, grain, col == 0)
            tval, terr = (None, 0) if target is None else (target.val[row, col], int(target.err[row, col]))
        goal = None if terr or tval is None else float(tval)
        return Result(kpi.name, SNAPSHOT_PERIOD, shown_account, value, error, goal,
                      self._status(kpi, value, error, goal), "", kpi.unit, kpi.description)

    def _target_grid(self, name: str, grain: Grain, totals: bool = False) -> Optional[Grid]:
        """The KPI's target at every period and account of the grain; None where it has none (README#real-questions).
        With ``totals``, column 0 is all that is read (:meth:`_bound_grid`)."""
        key = (name, grain, totals)
        if key not in self._targets:
            self._targets[key] = self._bound_grid(self.config.kpis[name].target_at(grain), grain, totals)
        return self._targets[key]

    def _threshold_grids(self, name: str, grain: Grain, totals: bool = False) -> Optional[tuple[Grid, Grid]]:
        """The KPI's (green, amber) thresholds at every period and account of the grain, or None."""
        key = (name, grain, totals)
        if key not in self._thresholds:
            bands = self.config.kpis[name].thresholds_at(grain)
            grids = None if bands is None else (self._bound_grid(bands[0], grain, totals),
                                                self._bound_grid(bands[1], grain, totals))
            self._thresholds[key] = grids  # type: ignore[assignment]
        return self._thresholds[key]

    def _bound_grid(self, bound: Optional[Bound], grain: Grain, totals: bool = False) -> Optional[Grid]:
        """A number (the same for every period and account) or a formula, as a grid. With ``totals``
        only column 0 is read: the grid is that column alone where the formula reads only totals
        (:meth:`_reads_totals`), else the one of every account."""
        if bound is None:
            return None
        if isinstance(bound, float):
            return Grid.const(bound, (self._axis(grain).size, 1 if totals else self._shape_accounts))
        totals = totals and self._reads_totals(bound.node)
        return evaluate(bound.node, self._scope(grain, totals=totals)).numeric()

    def _scope(self, grain: Grain, names: Optional[Mapping[str, Grid]] = None, totals: bool = False) -> "_Scope":
        return _Scope(self, grain, names or {}, totals)

    def _attr_grid(self, column: str, rows: int) -> Grid:
        """An attribute of each account, the same in every period; ``#N/A`` where missing."""
        if column not in self._attrs:
            ka = self.config.key_accounts
            a1 = self._shape_accounts
            if ka is None or ka.attributes is None:
                self._attrs[column] = Grid.error(XlError.NA, (1, a1))
            else:
                table = self.table(ka.attributes)
                table.require("account", column)
                cols = self._account_codes(table.df["account"])
                raw = table.df[column]
                numeric = pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw)
                val = np.full(a1, np.nan, dtype=np.float64 if numeric else object)
                val[cols] = table.numbers(column) if numeric else raw.to_numpy(dtype=object)
                missing = np.array(pd.isna(val), dtype=bool)
                missing[0] = True  # "all accounts" has no attribute
                err = np.where(missing, np.int8(XlError.NA), np.int8(0))
                if numeric:
                    self._attrs[column] = Grid.of(val[None, :], err[None, :])
                else:
                    val[missing] = None
                    self._attrs[column] = Grid(val[None, :], err[None, :])
        one = self._attrs[column]
        return Grid(np.repeat(one.val, rows, axis=0), np.repeat(one.err, rows, axis=0))

    # --- requests --------------------------------------------------------------------------

    def kpi(self, name: str) -> Kpi:
        """The KPI of the config; an unknown name raises :class:`EvaluationError` (``#NAME?``)."""
        kpi = self.config.kpis.get(name)
        if kpi is None:
            raise EvaluationError(f"unknown KPI '{name}'", kind="#NAME?")
        return kpi

    def latest(self, name: str, grain: Grain) -> Optional[Period]:
        """The last period of the grain holding a row of any source the KPI reads."""
        end = self.data_end(name)
        return None if end is None else periods.period_of_date(end, grain, self.config.calendar)

    def data_start(self, name: str) -> Optional[dt.date]:
        """The first date of the data a KPI reads (any source, any account); None without data."""
        days = [d for d in (self._prepare(k).first_day for k in self._measure_kpis(name)) if d is not None]
        return dt.date(1970, 1, 1) + dt.timedelta(days=min(days)) if days else None

    def data_end(self, name: str) -> Optional[dt.date]:
        """The last date of the data a KPI reads (any source, any account); None without data."""
        days = [d for d in (self._prepare(k).last_day for k in self._measure_kpis(name)) if d is not None]
        return dt.date(1970, 1, 1) + dt.timedelta(days=max(days)) if days else None

    def after_data(self, name: str, period: object = None) -> Optional[dt.date]:
        """The data's last date when the asked period starts after it (README#real-questions's warning); else None."""
        p = self.period(name, period)
        end = self.data_end(name)
        if p is None or end is None:
            return None
        return end if periods.start_day(p, self.config.calendar) > end else None

    def period(self, name: str, period: object = None) -> Optional[Period]:
        """A period argument as a :class:`Period`: text, a date (the KPI's grain), or latest."""
        kpi = self.kpi(name)
        if isinstance(period, str) and period.strip().lower() == SNAPSHOT_PERIOD and self._reads_only_snapshots(name):
            return None
        return resolve_period(period, kpi.grain, self.config.calendar, lambda: self.latest(name, kpi.grain))

    def result(self, name: str, period: object = None, account: Optional[str] = None) -> Result:
        """One KPI at one period (default: latest at its grain), for all accounts (None) or one.

        An unknown account gives ``#N/A``, as does a period without data; a KPI that reads only
        snapshot sources ignores the period and answers for ``all`` (README#your-data)."""
        kpi = self.kpi(name)
        if self._reads_only_snapshots(name):  # README#your-data: the period is accepted and ignored
            self.period(name, period)
            return self._snapshot_result(kpi, account)
        p = self.period(name, period)
        shown_account = account_name(account) if account is not None else None
        if p is None:
            return Result(name, "latest", shown_account, None, XlError.NA, None, "", "", kpi.unit, kpi.description)
        text = periods.period_text(p, self.config.calendar)
        col = self._account_column(account)
        axis = self._axis(p.grain, through=p.ordinal, since=p.ordinal - 1)  # the period before: the trend
        row = axis.row(p.ordinal)
        target = self._target_grid(name, p.grain, col == 0)
        if col is not None:
            grid = self._grid(name, p.grain, PLAIN, col == 0 and self._totals_only(name))  # issue 12
            return self._result_in(kpi, text, grid, target, row, col, shown_account, p.grain)
        status = self._status(kpi, None, XlError.NA, None, None, self._bands_at(name, p.grain, row, col), p.grain)
        return Result(name, text, shown_account, None, XlError.NA, None, status, "", kpi.unit, kpi.description)

    def _result_in(self, kpi: Kpi, text: str, grid: Grid, target: Optional[Grid], row: int, col: int,
                   account: Optional[str], grain: Grain) -> Result:
        """The result in row ``row`` (of the period ``text`` names) and column ``col`` of a KPI's
        grid, with its target from ``target``, its trend from the row before and its status: the
        one assembly of :meth:`result` and :meth:`results_for_accounts`."""
        value, error = _cell(grid, row, col)
        tval, terr = (None, 0) if target is None else (target.val[row, col], int(target.err[row, col]))
        prev_value, prev_error = _cell(grid, row - 1, col) if row > 0 else _cell(grid, 0, col)
        trend = _trend(value, prev_value) if error is None and prev_error is None else ""
        shown_target = None if terr or tval is None else float(tval)
        bands = self._bands_at(kpi.name, grain, row, col)
        status = self._status(kpi, value, error, shown_target, XlError(terr) if terr else None, bands, grain)
        return Result(kpi.name, text, account, value, error, shown_target, status, trend, kpi.unit, kpi.description)

    def results_for_accounts(self, name: str, period: object, accounts: Sequence[Optional[str]]) -> list[Result]:
        """:meth:`result` of one KPI at one period for each of ``accounts``: the same results, with
        the period, axis and grids looked up once for all (``kpisheet recalc`` asks a column of
        ``=KPI(A2,B2,C2)`` cells at once). Raises as :meth:`result` does. Each known account's
        result is assembled by :meth:`result`'s own step (a test compares the two); the rest
        (an unknown account, no period, a snapshot KPI) is :meth:`result`'s own."""
        kpi = self.kpi(name)
        p = None if self._reads_only_snapshots(name) else self.period(name, period)
        if p is None:
            return [self.result(name, period, a) for a in accounts]
        text = periods.period_text(p, self.config.calendar)
        axis = self._axis(p.grain, through=p.ordinal, since=p.ordinal - 1)
        row = axis.row(p.ordinal)
        target = self._target_grid(name, p.grain)
        grid = self._grid(name, p.grain)
        out = []
        for account in accounts:
            col = self._account_column(account)
            if col is None:
                out.append(self.result(name, period, account))
                continue
            shown = account_name(account) if account is not None else None
            out.append(self._result_in(kpi, text, grid, target, row, col, shown, p.grain))
        return out

    def results(self, period: object = None, account: Optional[str] = None,
                kpis: Optional[Iterable[str]] = None) -> list[Result]:
        """:meth:`result` for every KPI of the config (or those of ``kpis``), in config order."""
        names = list(kpis) if kpis is not None else list(self.config.kpis)
        return [self.result(n, period, account) for n in names]

    def series(self, name: str, start: object, end: object, account: Optional[str] = None) -> list[Result]:
        """One result a period from ``start`` to ``end`` (either order), both of the same grain;
        empty when either is latest and there is no data; one result for a snapshot KPI."""
        if self._reads_only_snapshots(name):
            return [self.result(name, start, account)]
        first, last = self.period(name, start), self.period(name, end)
        if first is None or last is None:
            return []
        if first.grain != last.grain:
            raise EvaluationError(f"'{start}' and '{end}' are periods of different grains")
        lo, hi = sorted((first.ordinal, last.ordinal))
        self._axis(first.grain, through=hi, since=lo - 1)  # one axis for the whole series
        return [self.result(name, Period(first.grain, o), account) for o in range(lo, hi + 1)]

    def _key_account_engine(self) -> KeyAccountEngine:
        if self.config.key_accounts is None:
            raise EvaluationError("the config has no key_accounts section", place=str(self.config.root))
        if self._key_accounts is None:
            self._key_accounts = KeyAccountEngine(_KeyAccountData(self), self.config.key_accounts)
        return self._key_accounts

    def key_accounts(self, period: object = None, top: Optional[int] = None,
                     key_only: bool = False) -> list[AccountResult]:
        """The key-account table (README#key-accounts) at a period (default: latest), by score descending;
        with ``key_only`` the key accounts only, with ``top`` the first ``top`` rows."""
        return self._key_account_engine().table(period, top, key_only)

    def account(self, account: str, period: object = None) -> Optional[AccountResult]:
        """One account's key-account result; None for an account outside the universe."""
        return self._key_account_engine().account(account, period)

    def account_warnings(self) -> list[str]:
        """One ``warning:`` line for each account that could not be judged so far (shown as
        ``#VALUE!`` in :meth:`key_accounts`); empty without key accounts."""
        if self.config.key_accounts is None:
            return []
        return list(self._key_account_engine().warnings)

    def _bands_at(self, name: str, grain: Grain, row: int, col: Optional[int]) -> Optional[_Bands]:
        """The thresholds of one cell: (green, amber) numbers, or the first error among them."""
        grids = self._threshold_grids(name, grain, col == 0)
        if grids is None:
            return None
        if col is None:
            return XlError.NA
        cells = [_cell(g, row, col) for g in grids]
        for _, err in cells:
            if err is not None:
                return err
        return float(cells[0][0]), float(cells[1][0])  # type: ignore[arg-type]

    def _status(self, kpi: Kpi, value: Optional[float], error: Optional[XlError], target: Optional[float],
                target_error: Optional[XlError] = None, bands: Optional[_Bands] = None,
                grain: Optional[Grain] = None) -> str:
        """The status (docs/reference.md#errors-and-statuses, README#real-questions): empty without
        target and thresholds at the grain, for ``#N/A`` (no data), and where the target or a
        threshold is ``#N/A`` (none there); ``red`` for any other error of the value, the target
        or a threshold."""
        if not kpi.has_bands(grain):
            return ""
        if XlError.NA in (error, target_error, bands):
            return ""
        if error is not None or value is None or target_error is not None or isinstance(bands, XlError):
            return "red"
        return status(value, target, kpi.direction, bands) or "red"


def _cell(grid: Grid, row: int, col: int) -> tuple[Optional[float], Optional[XlError]]:
    err = int(grid.err[row, col])
    if err:
        return None, XlError(err)
    value = grid.val[row, col]
    return (float(value) if not isinstance(value, str) else value), None  # type: ignore[return-value]


def status(value: float, target: Optional[float], direction: str,
           thresholds: Optional[tuple[float, float]]) -> str:
    """docs/reference.md#errors-and-statuses. Empty when there is nothing to compare with (no target nor thresholds)."""
    if direction == "on_target":
        if target is None:
            return ""
        green, amber = thresholds if thresholds else (0.0, 0.1 * abs(target))
        gap = abs(value - target)
        return "green" if gap <= green else "amber" if gap <= amber else "red"
    if thresholds is not None:
        green, amber = thresholds
    elif target is not None:
        bad_side = -0.1 * abs(target) if direction == "higher_is_better" else 0.1 * abs(target)
        green, amber = target, target + bad_side
    else:
        return ""
    if direction == "higher_is_better":
        return "green" if value >= green else "amber" if value >= amber else "red"
    return "green" if value <= green else "amber" if value <= amber else "red"


def _trend(value: Optional[float], previous: Optional[float]) -> str:
    if value is None or previous is None:
        return ""
    if abs(value - previous) <= FLAT_WITHIN * abs(previous):
        return "flat"
    return "up" if value > previous else "down"


class _Scope:
    """What formulas evaluated at one grain read: KPIs, then any extra names (criteria, score)."""

    def __init__(self, engine: Engine, grain: Grain, names: Mapping[str, Grid], totals: bool = False) -> None:
        self.engine = engine
        self.grain = grain
        self.names = names
        self.totals = totals  # grids of all accounts together only (Engine._totals_only): one column
        self.shape = (engine._axis(grain).size, 1 if totals else engine._shape_accounts)

    def name(self, name: str, family: Family) -> Grid:
        if name in self.names:
            return self.names[name]
        return self.engine._grid(name, self.grain, family, self.totals)

    def attr(self, column: str) -> Grid:
        if self.totals:  # Engine._totals_only keeps attr() out: reaching it here is a bug, never a value
            raise AssertionError("attr() in a formula evaluated for all accounts together only")
        return self.engine._attr_grid(column, self.shape[0])

    def universe(self, node: Node) -> np.ndarray:
        if self.totals:  # as attr()
            raise AssertionError("a function across accounts in a formula evaluated for all accounts together only")
        names = {n.id for n in refs(node)}
        return self.engine._universe(names, key_rules=bool(names & set(self.names)))


class _KeyAccountData:
    """The engine as key accounts read it (:class:`~.accounts.Data`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def calendar(self) -> Calendar:
        return self._engine.config.calendar

    @property
    def accounts(self) -> Sequence[str]:
        return self._engine.accounts

    def _measures(self, names: Iterable[str]) -> list[str]:
        kpis = self._engine.config.kpis
        return sorted({k for n in names if n in kpis for k in self._engine._measure_kpis(n)})

    def sources_read(self, names: Iterable[str]) -> set[str]:
        kpis = self._engine.config.kpis
        return {source for k in self._measures(names) if (source := kpis[k].source) is not None}

    def account_columns(self, source: str) -> Optional[np.ndarray]:
        return self._engine._source_account_codes(source)

    def data_span(self, names: Iterable[str]) -> Optional[tuple[int, int]]:
        spans = [span for k in self._measures(names) if (span := self._engine._prepare(k).data_span) is not None]
        if not spans:
            return None
        return min(first for first, _ in spans), max(last for _, last in spans)

    def axis(self, grain: Grain, through: Optional[int] = None, since: Optional[int] = None) -> Axis:
        return self._engine._axis(grain, through, since)

    def scope(self, grain: Grain, names: Optional[Mapping[str, Grid]] = None) -> Scope:
        return self._engine._scope(grain, names)

    def has_rows(self, names: Iterable[str], period: Period) -> np.ndarray:
        engine = self._engine
        found = np.zeros(engine._shape_accounts, dtype=bool)
        for k in self._measures(names):
            rows, _ = engine._account_rows(k)
            # a snapshot's rows count at every period (README#your-data)
            if rows.per_account and not engine._is_snapshot(k):
                inside = periods.ordinals_of_days(rows.days, period.grain, self.calendar) == period.ordinal
                rows = Rows(rows.days[inside], rows.accounts[inside], None, rows.per_account)
            if rows.per_account:
                found[rows.accounts[rows.accounts > 0]] = True
        return found
