"""A ``parquet:`` or ``sql:`` source as one Ibis query: read → where → join → derive
(README#when-the-data-outgrows-the-workbook).

:class:`Warehouse` builds, for each database source, the table expression of its pipeline
(the same steps as :mod:`kpisheet.sources.pipeline` runs in pandas), and asks the database
only for what the engine needs, each a grouped query:

- :meth:`daily`: a measure KPI's rows, filtered, grouped by day × account into the parts
  that add up (row count, sum, count of values, min, max), from **one** grouped query per
  source (and date column) that computes every KPI over it with conditional aggregates.
  The engine's spans (periods of any grain, fiscal calendars, ``rolling``, ``ytd``) are
  unions of days, so these parts give every plain and spanned grid of ``sum``, ``count``,
  ``average``, ``min`` and ``max``.
- :meth:`spans`: ``median`` and ``count_distinct``, which do not add up, grouped by the
  engine's own spans (a table of first and last days sent to the database) × account.
- :meth:`accounts`, :meth:`last_day`: distinct accounts, the latest date.

Rows never come back to Python; every failure is a :class:`WorkbookError` with the place of
the source or expression, and never shows a password.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import numpy as np
import pandas as pd

from ..config.model import Config, Expr, Kpi, Source
from ..errors import KpisheetError, Problem, WorkbookError
from .check import is_database
from .connect import Connections, redact, resolve

if TYPE_CHECKING:  # pyarrow comes with the warehouse extra (Ibis), imported when a query runs
    import pyarrow as pa

_DAY0 = datetime.date(1970, 1, 1)  # where the rows of a snapshot source sit (README#your-data)


class Warehouse:
    """The database sources of one config, their queries, and the open connections."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.connections = Connections()
        self._tables: dict[str, Any] = {}
        self._groups: dict[tuple[str, str], pd.DataFrame] = {}
        self._index: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
        self._broken: dict[str, WorkbookError] = {}  # KPIs whose filter or measure does not compile

    def handles(self, source: Optional[str]) -> bool:
        src = self.config.sources.get(source or "")
        return src is not None and is_database(src)

    def url(self, name: str) -> str:
        src = self.config.sources[name]
        return resolve(None if src.parquet is not None else src.connection, str(src.mark))

    # --- the pipeline as one table expression ----------------------------------------------

    def table(self, name: str) -> Any:
        """The Ibis table of a source after where, join and derive; columns by kpisheet name."""
        if name not in self._tables:
            src = self.config.sources[name]
            t = self._read(src)
            if src.where is not None:
                t = t.filter(self._condition(src, src.where, t, "where"))
            for join in src.joins:
                t = self._join(src, t, join.source, join.on, str(join.mark))
            for column, expr in src.derive:
                t = t.mutate(**{column: self._value(src, expr, t, f"derive {column}")})
            self._tables[name] = t
        return self._tables[name]

    def _read(self, src: Source) -> Any:
        con = self.connections.get(self.url(src.name), str(src.mark))
        try:
            if src.parquet is not None:
                found = sorted(Path(src.parquet).parent.glob(Path(src.parquet).name)) if any(
                    c in src.parquet for c in "*?[") else [Path(src.parquet)]
                if not found or not all(p.is_file() for p in found):
                    raise WorkbookError(f"source {src.name}: no Parquet file matches {src.parquet}", place=str(src.mark))
                t = con.read_parquet([str(p) for p in found])
            else:
                t = con.sql(src.sql)
        except KpisheetError:
            raise
        except Exception as exc:
            raise self._failed(src, "cannot be read", exc) from None
        by_header = {str(h).casefold(): k for k, h in src.columns.items()}
        renames = {by_header.get(str(c).casefold(), str(c)): c for c in t.columns}
        missing = [h for k, h in src.columns.items() if k not in renames]
        if missing:
            raise WorkbookError(f"source {src.name}: no column '{missing[0]}' (columns: "
                                f"{', '.join(map(str, t.columns))})", place=str(src.mark))
        return t.select(**{k: _blank_nan(t[c]) for k, c in renames.items()})

    def _columns(self, t: Any) -> dict[str, Any]:
        return {c: t[c] for c in t.columns}

    def _condition(self, src: Source, expr: Expr, t: Any, what: str) -> Any:
        from .compile import CompileError, compile_condition

        try:
            return compile_condition(expr.node, self._columns(t))
        except CompileError as exc:
            raise WorkbookError(f"source {src.name}: {what}: {exc.message}", place=expr.place(exc.pos)) from None

    def _value(self, src: Source, expr: Expr, t: Any, what: str) -> Any:
        from .compile import CompileError, compile_expr

        try:
            return compile_expr(expr.node, self._columns(t))
        except CompileError as exc:
            raise WorkbookError(f"source {src.name}: {what}: {exc.message}", place=expr.place(exc.pos)) from None

    def _join(self, src: Source, t: Any, other_name: str, on: tuple[tuple[str, str], ...], place: str) -> Any:
        other = self.table(other_name)
        for mine, theirs in on:
            if mine not in t.columns or theirs not in other.columns:
                missing = mine if mine not in t.columns else f"{other_name}.{theirs}"
                raise WorkbookError(f"source {src.name}: join {other_name}: no column '{missing}'", place=place)
        pairs = [_keys(t[a], other[b], a, f"{other_name}.{b}", src.name, other_name, place) for a, b in on]
        keys = {f"__k{i}": theirs for i, (_, theirs) in enumerate(pairs)}
        twice = other.select(**keys).group_by(list(keys)).aggregate(n=lambda g: g.count())
        twice = twice.filter(twice.n > 1).limit(1)
        found = self._run(src, twice, f"join {other_name}")
        if len(found):
            shown = ", ".join(str(found.iloc[0][k]) for k in keys)
            raise WorkbookError(f"source {src.name}: join {other_name}: the key '{shown}' occurs twice in source "
                                f"'{other_name}'", place=place)
        right = other.select(**keys, **{(c if "." in c else f"{other_name}.{c}"): other[c] for c in other.columns
                                        if (c if "." in c else f"{other_name}.{c}") not in t.columns})
        preds = [mine == right[f"__k{i}"] for i, (mine, _) in enumerate(pairs)]
        joined = t.left_join(right, preds)
        return joined.drop(*[k for k in keys if k in joined.columns])

    def problems(self) -> list[Problem]:
        """Every source pipeline, filter and measure over a database source compiled against the
        sources' columns, before any query over their rows runs: each that cannot, with its place
        (the CLI reports them all at once, as config errors are)."""
        found: list[Problem] = []
        broken: set[str] = set()
        for name, src in self.config.sources.items():
            if is_database(src):
                try:
                    self.table(name)
                except WorkbookError as exc:
                    found.extend(exc.problems)
                    broken.add(name)
        for kpi in self.config.kpis.values():
            if kpi.measure is not None and self.handles(kpi.source) and kpi.source not in broken:
                try:
                    self._parts(kpi, self.table(kpi.source or ""))
                except WorkbookError as exc:
                    found.extend(exc.problems)
        return found

    # --- what the engine asks ----------------------------------------------------------------

    def _parts(self, kpi: Kpi, t: Any) -> dict[str, Any]:
        """The KPI's columns over ``t``: day (NULL for an undated row), account, keep (its
        filter; None without one) and v (its value, where the measure reads one)."""
        import ibis

        src = self.config.sources[kpi.source or ""]
        assert kpi.measure is not None
        if src.snapshot:  # README#your-data: no time; every row sits on day 0 (1970-01-01), as for workbooks
            date = ibis.literal(_DAY0, type="date")
        elif kpi.date not in t.columns:
            raise WorkbookError(f"{kpi.name}: source {src.name} has no column '{kpi.date}'", place=kpi.place("date"))
        else:
            date = t[kpi.date]
        if date.type().is_string():  # text dates: date_format's codes, else ISO; a blank is no date
            text = date.strip().nullif("")
            date = text.cast("timestamp") if src.date_format is None else text.as_timestamp(src.date_format)
        keep = None if kpi.filter is None else self._condition(src, kpi.filter, t, f"{kpi.name}: filter")
        cols: dict[str, Any] = {"day": date.cast("date"), "keep": keep,
                                "account": t["account"] if "account" in t.columns
                                else ibis.literal(None, type="string")}
        if kpi.measure.expr is not None:
            cols["v"] = self._value(src, kpi.measure.expr, t, f"{kpi.name}: measure")
        elif kpi.measure.column is not None:
            if kpi.measure.column not in t.columns:
                raise WorkbookError(f"{kpi.name}: source {src.name} has no column '{kpi.measure.column}'",
                                    place=kpi.place("measure"))
            cols["v"] = t[kpi.measure.column]
        if "v" in cols and kpi.measure.func != "count_distinct":
            v = cols["v"]
            if v.type().is_boolean() or not (v.type().is_numeric() or v.type().is_null()):
                raise WorkbookError(f"{kpi.name}: measure: {kpi.measure.func}() needs numbers, and the source gives "
                                    f"{v.type()}", place=kpi.place("measure"))
            cols["v"] = v.cast("float64")
        return cols

    def _rows(self, kpi: Kpi, t: Any) -> Any:
        """The KPI's rows as (day, account, v): dated and filtered."""
        cols = self._parts(kpi, t)
        keep, dated = cols.pop("keep"), cols["day"].notnull()
        return t.filter(dated if keep is None else dated & keep).select(**cols)

    def _grouped(self, source: str, date: str) -> pd.DataFrame:
        """One grouped query for every measure KPI over ``source`` placed by ``date``: per
        day × account, the parts of each KPI (grids.daily_grid): its kept rows ``n`` and, as its
        measure needs, ``s`` (sum), ``c`` (count of values), ``lo``, ``hi``. KPIs asking for the
        same aggregate (the same value under the same filter) share one column; :attr:`_index`
        maps KPI -> part -> column. A group without a day holds the undated rows (``dated``)."""
        key = (source, date)
        if key not in self._groups:
            t = self.table(source)
            kpis = [k for k in self.config.kpis.values() if k.source == source and k.measure is not None
                    and k.date == date]
            built = []
            for kpi in kpis:  # a KPI that does not compile fails alone, when it is asked for
                try:
                    built.append((kpi, self._parts(kpi, t)))
                except WorkbookError as exc:
                    self._broken[kpi.name] = exc
            if not built:
                self._groups[key] = pd.DataFrame({"day": pd.Series([], dtype=np.int64), "account": [],
                                                  "dated": pd.Series([], dtype=bool)})
                self._index[key] = {}
                return self._groups[key]
            first = built[0][1]
            # each distinct filter and value once, as a column of an inner select (a filter written in
            # each FILTER clause would be evaluated once per aggregate), then each distinct aggregate once
            inner: dict[str, Any] = {"day": first["day"], "account": first["account"]}
            named: dict[Any, str] = {}  # Ibis operations compare by value

            def name(expr: Any, prefix: str) -> str:
                if expr.op() not in named:
                    named[expr.op()] = f"{prefix}{len(named)}"
                    inner[named[expr.op()]] = expr
                return named[expr.op()]

            wants = []
            for kpi, parts in built:
                func = kpi.measure.func if kpi.measure is not None else ""
                keep = None if parts["keep"] is None else name(parts["keep"], "k")
                value = name(parts["v"], "v") if "v" in parts and func != "count_distinct" else None
                wants.append((kpi.name, func, keep, value))
            m = t.select(**inner)
            aggs: dict[str, Any] = {}
            seen: dict[Any, str] = {}

            def column(agg: Any) -> str:
                if agg.op() not in seen:
                    seen[agg.op()] = f"a{len(seen)}"
                    aggs[seen[agg.op()]] = agg
                return seen[agg.op()]

            index: dict[str, dict[str, str]] = {}
            for kpi_name, func, keep, value in wants:
                where = None if keep is None else m[keep]
                mine = index[kpi_name] = {"n": column(m.count(where=where))}
                if value is not None:  # only the parts the measure needs (grids.daily_grid)
                    v = m[value]
                    wanted = {"sum": ("s",), "average": ("s", "c"), "min": ("lo",), "max": ("hi",)}.get(func, ())
                    how = {"s": v.sum, "c": v.count, "lo": v.min, "hi": v.max}
                    mine.update({p: column(how[p](where=where)) for p in wanted})
            query = m.group_by(["day", "account"]).aggregate(**aggs)
            table = self._arrow(self.config.sources[source], query, "the grouped query")
            self._groups[key] = _frame(table)
            self._index[key] = index
        return self._groups[key]

    def daily(self, kpi: Kpi) -> pd.DataFrame:
        """day (int64 ordinal), account, n, s, c, lo, hi: one row per day × account holding a
        kept row of ``kpi`` (a slice of the one grouped query of its source)."""
        df = self._grouped(kpi.source or "", kpi.date)
        if kpi.name in self._broken:
            raise self._broken[kpi.name]
        parts = self._index[(kpi.source or "", kpi.date)][kpi.name]
        mine = df["dated"].to_numpy() & (df[parts["n"]].to_numpy() > 0)
        return pd.DataFrame({"day": df["day"].to_numpy()[mine], "account": df["account"].array[mine],
                             **{p: df[c].to_numpy()[mine] for p, c in parts.items()}})

    def spans(self, kpi: Kpi, first: np.ndarray, last: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
        """median / count_distinct per span (q = index into first/last) × account, and per span."""
        import ibis
        import pyarrow as pa

        assert kpi.measure is not None
        t = self.table(kpi.source or "")
        m = self._rows(kpi, t)

        def days(ordinals: np.ndarray) -> pa.Array:  # days since 1970-01-01 as dates, as Arrow holds them
            return pa.array(ordinals.astype(np.int32), pa.int32()).cast(pa.date32())

        spans = ibis.memtable(pa.table({"q": pa.array(np.arange(len(first), dtype=np.int64)),
                                        "first": days(first), "last": days(last)}))
        j = m.join(spans, (m.day >= spans["first"]) & (m.day <= spans["last"]))

        def agg(g: Any) -> Any:
            return g.v.nunique() if kpi.measure is not None and kpi.measure.func == "count_distinct" else g.v.median()

        src = self.config.sources[kpi.source or ""]
        per_account = self._run(src, j.group_by(["q", "account"]).aggregate(x=agg(j)), kpi.name)
        per_span = self._run(src, j.group_by(["q"]).aggregate(x=agg(j)), kpi.name)
        return per_account, per_span

    def accounts(self, name: str) -> list[Any]:
        """The distinct accounts of a source (from its grouped query when a KPI reads it)."""
        t = self.table(name)
        if "account" not in t.columns:
            return []
        dates = [k.date for k in self.config.kpis.values() if k.source == name and k.measure is not None]
        if dates:
            grouped = self._grouped(name, dates[0])
            if self._index[(name, dates[0])]:
                return [a for a in pd.unique(grouped["account"]) if not pd.isna(a)]
        q = t.select(account=t["account"]).distinct()
        return list(self._run(self.config.sources[name], q, "accounts")["account"])

    def data_span(self, kpi: Kpi) -> tuple[Optional[int], Optional[int]]:
        """The first and last day of the KPI's source, filter or not (as :class:`Engine` keeps them)."""
        df = self._grouped(kpi.source or "", kpi.date)
        if kpi.name in self._broken:
            raise self._broken[kpi.name]
        days = df["day"][df["dated"]]
        return (int(days.min()), int(days.max())) if len(days) else (None, None)

    def _arrow(self, src: Source, expr: Any, what: str) -> "pa.Table":
        """The query's result as Arrow columns (not through Ibis' pandas conversion, which
        converts a column with a NULL value by value)."""
        import pyarrow as pa

        try:
            out = expr.to_pyarrow()
        except Exception as exc:
            raise self._failed(src, f"{what}: the query failed", exc) from None
        assert isinstance(out, pa.Table)
        return out

    def _run(self, src: Source, expr: Any, what: str) -> pd.DataFrame:
        return self._arrow(src, expr, what).to_pandas()

    def _failed(self, src: Source, what: str, exc: Exception) -> WorkbookError:
        text = " ".join(str(exc).split())
        url = self.url(src.name) if src.sql is not None else ""
        if url:
            text = text.replace(url, redact(url))
        return WorkbookError(f"source {src.name}: {what} ({type(exc).__name__}: {text[:160]})", place=str(src.mark))


def _blank_nan(column: Any) -> Any:
    """A floating column with its NaNs read as NULL: a NaN in Parquet or a database is a blank,
    as a workbook's empty cell (not a number that makes a sum NaN or stops ``round``)."""
    import ibis

    if not column.type().is_floating():
        return column
    return column.isnan().ifelse(ibis.null(column.type()), column)


def _keys(mine: Any, theirs: Any, mine_name: str, their_name: str, source: str, other: str,
          place: str) -> tuple[Any, Any]:
    """A join's two key columns as matched, as :mod:`kpisheet.sources.pipeline` matches them:
    text trimmed, runs of spaces as one, case ignored; a number beside text as text (``1001``
    equal to ``'1001'``, a whole number without ``.0``); numbers and dates as they are. Keys
    of kinds that never match (a date and a number...) are an error with the join's place."""
    kinds = (_key_kind(mine), _key_kind(theirs))
    if kinds[0] != kinds[1] and set(kinds) != {"text", "number"}:
        shown = {"text": "text", "number": "numbers", "date": "dates"}
        raise WorkbookError(f"source {source}: join {other}: the keys {mine_name} ({shown.get(kinds[0], mine.type())}) "
                            f"and {their_name} ({shown.get(kinds[1], theirs.type())}) cannot match", place=place)
    if kinds[0] == kinds[1] != "text":
        return mine, theirs
    return _key_text(mine), _key_text(theirs)


def _key_kind(column: Any) -> str:
    t = column.type()
    return "text" if t.is_string() else "number" if t.is_numeric() and not t.is_boolean() else \
        "date" if t.is_date() or t.is_timestamp() else "other"


def _key_text(column: Any) -> Any:
    if column.type().is_string():
        return column.re_replace(r"\s+", " ").strip().lower()
    if column.type().is_integer():
        return column.cast("string")
    whole = column == column.floor()  # 1001.0 is '1001', as a workbook cell's number
    return whole.ifelse(column.cast("int64").cast("string"), column.cast("string"))


def _frame(table: "pa.Table") -> pd.DataFrame:
    """The grouped query's result for the engine: day as days since 1970-01-01 (-1: undated),
    dated, account as a categorical (each distinct account is looked up once), the parts as numpy."""
    import pyarrow as pa
    import pyarrow.compute as pc

    day = table["day"]
    if pa.types.is_timestamp(day.type):  # a backend returning a timestamp for a date
        day = pc.cast(day, pa.date32())
    dated = pc.is_valid(day).to_numpy(zero_copy_only=False)
    days = pc.fill_null(pc.cast(day, pa.int32()), -1).to_numpy(zero_copy_only=False).astype(np.int64)
    out = {"day": days, "dated": dated, "account": table["account"].dictionary_encode().to_pandas()}
    for name in table.column_names:
        if name not in out:
            out[name] = table[name].to_numpy(zero_copy_only=False)
    return pd.DataFrame(out)

