"""Loading a config: parse each YAML file, validate its shape, merge, build the model.

    load_config(path) -> Config

Every problem in every file is collected and raised together as one
:class:`ConfigError`, each with its ``file:line:col``.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
import re
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError, Mark, Problem
from ..hints import did_you_mean
from ..safetext import printable
from ..expr import ExprSyntaxError, check, parse
from ..expr.ast import Name
from ..periods import Calendar, Grain
from . import schema
from ..sources.refs import CsvOptions
from .model import Bound, Config, Criterion, Expr, Join, KeyAccounts, Kpi, Measure, Source
from .rules import dependency_order, validate
from .yamlload import MDict, MList, load_yaml

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MEASURE = re.compile(
    r"\s*(?P<func>sum|average|median|min|max|count_distinct|count)\s*\(\s*"
    r"(?:(?P<col>[A-Za-z_][A-Za-z0-9_]*)|`(?P<quoted>[^`]+)`)?\s*\)\s*\Z"
)
_MEASURE_EXPR = re.compile(r"\s*(?P<func>sum|average|median|min|max|count_distinct)\s*\((?P<expr>.*)\)\s*\Z", re.S)


def config_files(path: Path) -> list[Path]:
    """The YAML files a config path stands for: the file, or a folder's *.yaml/*.yml."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise ConfigError("no *.yaml or *.yml files in this folder", place=str(path))
        return files
    if not path.exists():
        raise ConfigError("no such file or folder", place=str(path))
    return [path]


def load_config(path: str | Path) -> Config:
    """Load, validate and freeze a config (a YAML file or a folder of them)."""
    root = Path(path)
    files = config_files(root)
    problems: list[Problem] = []
    parsed: list[tuple[Path, MDict, schema.FileSpec]] = []
    digest = hashlib.sha256()
    for file in files:
        try:
            data = load_yaml(file)  # first: it refuses a device, a pipe or a file past 10 MiB unread
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        digest.update(str(file).encode() + b"\0" + file.read_bytes() + b"\0")
        sections = list(schema.FileSpec.model_fields)
        if not isinstance(data, MDict):
            problems.append(Problem(f"{file}:1:1", "not a kpisheet config: a config file is a YAML mapping of "
                                                   f"sections ({', '.join(sections)}), and this file holds "
                                                   f"{_kind(data)}"))
            continue
        if data and not any(str(k) in sections or did_you_mean(str(k), sections) for k in data):
            # README#hostile-and-broken-input: a CSV, a .env or another program's YAML given as --config: one
            # line, and its
            # keys (which may be its data, or its secrets) never shown
            problems.append(Problem(f"{file}:1:1", f"not a kpisheet config: none of its {len(data)} top-level "
                                                   f"keys is a config section ({', '.join(sections)})"))
            continue
        try:
            parsed.append((file, data, schema.FileSpec.model_validate(dict(data))))
        except ValidationError as exc:
            problems.extend(_schema_problems(exc, data))
    if problems:
        raise ConfigError(problems)
    builder = _Builder(parsed)
    config = builder.build(root, tuple(files), digest.hexdigest())
    problems.extend(builder.problems)
    if not problems:
        problems.extend(validate(config))
    if problems:
        raise ConfigError(problems)
    return replace(config, kpis={name: config.kpis[name] for name in dependency_order(config)})


# --- schema errors -> places -------------------------------------------------------------

_MODELS: dict[str, type[BaseModel]] = {
    "": schema.FileSpec,
    "calendar": schema.CalendarSpec,
    "sources.*": schema.SourceSpec,
    "sources.*.csv": schema.CsvSpec,
    "sources.*.join.*": schema.JoinSpec,
    "kpis.*": schema.KpiSpec,
    "kpis.*.thresholds": schema.Thresholds,
    "key_accounts": schema.KeyAccountsSpec,
    "key_accounts.criteria.*": schema.CriterionSpec,
}


def _model_at(path: tuple[Any, ...]) -> Optional[type[BaseModel]]:
    key = ".".join(str(p) for p in path)
    for pattern, model in _MODELS.items():
        if re.fullmatch(re.escape(pattern).replace(r"\*", r"[^.]+"), key):
            return model
    return None


def _locate(data: MDict, loc: tuple[Any, ...], key: bool) -> tuple[Mark, tuple[Any, ...]]:
    """The mark that a pydantic ``loc`` points at, and the part of loc that exists."""
    node: Any = data
    mark = data.mark
    real: tuple[Any, ...] = ()
    for i, step in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, MDict) and step in node:
            mark = node.key_marks[step] if (key and last) else node.value_marks[step]
            node = node[step]
        elif isinstance(node, MList) and isinstance(step, int) and step < len(node):
            mark = node.item_marks[step]
            node = node[step]
        else:
            continue  # pydantic's union member names, e.g. 'str' or 'constrained-int'
        real += (step,)
    return mark, real


def _kind(data: object) -> str:
    """What a YAML document that is no mapping holds, in words (never its content)."""
    if isinstance(data, MList):
        return f"a list of {len(data)} items"
    if isinstance(data, str):
        return "a single text, as a CSV or a plain text file does"
    return f"a single {type(data).__name__} value"


def _short(value: object, limit: int = 40) -> str:
    """A value echoed in a message: its repr, control characters escaped, at most ``limit``
    characters (README#hostile-and-broken-input: a message never dumps a file's content)."""
    text = printable(repr(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _schema_problems(exc: ValidationError, data: MDict) -> list[Problem]:
    out: dict[tuple[Any, ...], Problem] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        mark, real = _locate(data, loc, key=kind == "extra_forbidden")
        where = ".".join(str(p) for p in real)
        if kind == "extra_forbidden":
            name = str(loc[-1])
            model = _model_at(real[:-1])
            allowed = list(model.model_fields) if model else []
            message = f"unknown key {_short(name)}" + did_you_mean(name, allowed)
            if allowed:
                message += f" (allowed: {', '.join(allowed)})" if not did_you_mean(name, allowed) else ""
        elif kind == "missing":
            mark, _ = _locate(data, loc[:-1], key=True)
            message = f"missing key '{loc[-1]}'" + (f" in {'.'.join(str(p) for p in loc[:-1])}" if len(loc) > 1 else "")
        elif kind == "value_error":
            message = str(err["msg"]).removeprefix("Value error, ")
            mark, _ = _locate(data, loc, key=True)
            if where:
                message = f"{where}: {message}"
        else:
            shown = err.get("input")
            message = f"{where}: {err['msg']}" + ("" if isinstance(shown, (dict, list)) else f", got {_short(shown)}")
        if real in out and kind not in ("extra_forbidden", "missing"):
            continue  # one message per place: a union reports each of its members
        out[real + ((loc[-1],) if kind in ("extra_forbidden", "missing") else ())] = Problem(str(mark), message)
    return list(out.values())


# --- building the frozen model ---------------------------------------------------------------


class _Builder:
    def __init__(self, parsed: list[tuple[Path, MDict, schema.FileSpec]]) -> None:
        self.parsed = parsed
        self.problems: list[Problem] = []

    def problem(self, place: object, message: str) -> None:
        self.problems.append(Problem(str(place), message))

    def expr(self, text: object, mark: Mark, context: str) -> Optional[Expr]:
        if isinstance(text, bool):
            text = "true" if text else "false"
        elif isinstance(text, (int, float)):
            text = repr(text)
        source = str(text)
        try:
            node = parse(source, qualified=context == "filter")  # row expressions read menu.price
        except ExprSyntaxError as exc:
            self.problem(mark.shifted(exc.pos) if "\n" not in source[: exc.pos] else mark, str(exc.args[0]))
            return None
        found = Expr(source, node, mark)
        for pos, message in check(node, context):
            self.problem(found.place(pos), message)
        return found

    def build(self, root: Path, files: tuple[Path, ...], fingerprint: str) -> Config:
        calendar = Calendar()
        calendar_mark: Optional[Mark] = None
        sources: dict[str, Source] = {}
        kpis: dict[str, Kpi] = {}
        key_accounts: Optional[KeyAccounts] = None
        ka_mark: Optional[Mark] = None
        for file, data, spec in self.parsed:
            if spec.calendar is not None:
                here = data.key_marks["calendar"]
                if calendar_mark is not None:
                    self.problem(here, f"calendar is defined twice (also at {calendar_mark})")
                calendar, calendar_mark = Calendar(spec.calendar.fiscal_year_start), here
            for name, src in spec.sources.items():
                mark = data["sources"].key_marks[name]
                if self._name_ok(name, mark, "source") and self._unique(name, mark, sources, "source"):
                    sources[name] = self.source(file, name, mark, src, data["sources"][name])
            for name, kspec in spec.kpis.items():
                mark = data["kpis"].key_marks[name]
                if self._name_ok(name, mark, "KPI") and self._unique(name, mark, kpis, "KPI"):
                    kpis[name] = self.kpi(name, mark, kspec, data["kpis"][name])
            if spec.key_accounts is not None:
                here = data.key_marks["key_accounts"]
                if ka_mark is not None:
                    self.problem(here, f"key_accounts is defined twice (also at {ka_mark})")
                key_accounts, ka_mark = self.key_accounts(here, spec.key_accounts, data["key_accounts"]), here
        return Config(calendar, sources, kpis, key_accounts, files, fingerprint, root)

    def _name_ok(self, name: object, mark: Mark, what: str) -> bool:
        if isinstance(name, str) and _NAME.match(name):
            return True
        self.problem(mark, f"{what} name '{name}' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)")
        return False

    def _unique(self, name: str, mark: Mark, seen: dict[str, Any], what: str) -> bool:
        if name in seen:
            self.problem(mark, f"{what} '{name}' is defined twice: here and at {seen[name].mark}")
            return False
        return True

    def source(self, file: Path, name: str, mark: Mark, spec: schema.SourceSpec, raw: MDict) -> Source:
        workbook = (file.parent / spec.workbook) if spec.workbook else None
        for key in spec.columns:
            if not _NAME.match(key):
                self.problem(raw["columns"].key_marks[key], f"column name '{key}' is not an identifier")
        csv = CsvOptions(**spec.csv.model_dump()) if spec.csv is not None else CsvOptions()
        where = self.expr(spec.where, raw.value_marks["where"], "filter") if spec.where is not None else None
        joins = tuple(Join(other, tuple(j.on.items()), raw["join"].key_marks[other]) for other, j in spec.join.items())
        derive: list[tuple[str, Expr]] = []
        for column, text in spec.derive.items():
            if not _NAME.match(column):
                self.problem(raw["derive"].key_marks[column], f"derived column name '{column}' is not an identifier")
                continue
            found = self.expr(text, raw["derive"].value_marks[column], "filter")
            if found is not None:
                derive.append((column, found))
        return Source(name, mark, spec.sheet, spec.table, spec.range, workbook,
                      spec.header_row or 1, dict(spec.columns), csv, spec.date_format, where, joins, tuple(derive),
                      snapshot=spec.date == "none",
                      parquet=str(file.parent / spec.parquet) if spec.parquet is not None else None,
                      sql=spec.sql, connection=spec.connection)

    def kpi(self, name: str, mark: Mark, spec: schema.KpiSpec, raw: MDict) -> Kpi:
        marks = dict(raw.value_marks)
        measure = None
        if spec.measure is not None:
            m = _MEASURE.match(spec.measure)
            over = _MEASURE_EXPR.match(spec.measure) if not m else None
            if over is not None:  # sum(qty * menu.price): a row expression (README#your-data)
                inner = over["expr"]
                found = self.expr(inner, marks["measure"].shifted(over.start("expr")), "filter")
                if found is not None:
                    if isinstance(found.node, Name):
                        measure = Measure(over["func"], found.node.id)
                    else:
                        measure = Measure(over["func"], None, found)
            elif not m:
                self.problem(marks["measure"], f"cannot read measure '{spec.measure}': write one of "
                             "sum(col), average(col), median(col), min(col), max(col), count_distinct(col), count()")
            else:
                func, col = m["func"], m["col"] or m["quoted"]
                if (func == "count") != (col is None):
                    self.problem(marks["measure"], "count() takes no column" if col else f"{func}() needs a column")
                else:
                    measure = Measure(func, col)
        formula = self.expr(spec.formula, marks["formula"], "kpi") if spec.formula is not None else None
        flt = self.expr(spec.filter, marks["filter"], "filter") if spec.filter is not None else None
        target: float | Expr | None = None
        target_by_grain: Optional[dict[Grain, Bound]] = None
        if isinstance(spec.target, dict):  # README#real-questions: a mapping per grain
            target_by_grain = {}
            for grain, value in spec.target.items():
                bound = self.bound(value, raw["target"].value_marks[grain.value])
                if bound is not None:
                    target_by_grain[grain] = bound
        elif spec.target is not None:
            target = self.bound(spec.target, marks["target"])
        thresholds = None
        threshold_bounds: Optional[tuple[Bound, Bound]] = None
        thresholds_by_grain: Optional[dict[Grain, tuple[Bound, Bound]]] = None
        if isinstance(spec.thresholds, dict):
            thresholds_by_grain = {}
            for grain, bands in spec.thresholds.items():
                pair = self.bands(bands, raw["thresholds"][grain.value], spec.direction)
                if pair is not None:
                    thresholds_by_grain[grain] = pair
        elif spec.thresholds is not None:
            pair = self.bands(spec.thresholds, raw["thresholds"], spec.direction)
            if pair is not None and all(isinstance(b, float) for b in pair):
                thresholds = (float(pair[0]), float(pair[1]))  # type: ignore[arg-type]
            else:
                threshold_bounds = pair
        return Kpi(name=name, mark=mark, description=spec.description, source=spec.source, measure=measure,
                   formula=formula, filter=flt, date=spec.date or "date", grain=spec.grain or Grain.MONTH,
                   explicit_grain=spec.grain is not None, unit=spec.unit, owner=spec.owner, target=target,
                   direction=spec.direction, thresholds=thresholds, marks=marks,
                   when_empty=spec.when_empty, target_by_grain=target_by_grain,
                   threshold_bounds=threshold_bounds, thresholds_by_grain=thresholds_by_grain)

    # README#real-questions: targets and thresholds as numbers or formulas, per grain

    def bound(self, value: object, mark: Mark) -> Optional[Bound]:
        """A target or threshold: a number, or a formula (None when the formula is wrong)."""
        if isinstance(value, str):
            return self.expr(value, mark, "kpi")
        return float(value)  # type: ignore[arg-type]

    def bands(self, spec: schema.Thresholds, raw: MDict, direction: str) -> Optional[tuple[Bound, Bound]]:
        """(green, amber), checked for order when both are numbers."""
        green = self.bound(spec.green, raw.value_marks["green"])
        amber = self.bound(spec.amber, raw.value_marks["amber"])
        if green is None or amber is None:
            return None
        if isinstance(green, float) and isinstance(amber, float):
            bad = {"higher_is_better": amber > green, "lower_is_better": amber < green,
                   "on_target": amber < green or green < 0}[direction]
            if bad:
                self.problem(raw.mark, f"thresholds green {green:g} and amber {amber:g} are in the wrong "
                             f"order for {direction}")
        return green, amber

    def key_accounts(self, mark: Mark, spec: schema.KeyAccountsSpec, raw: MDict) -> Optional[KeyAccounts]:
        criteria: dict[str, Criterion] = {}
        for name, cspec in spec.criteria.items():
            cmark = raw["criteria"].key_marks[name]
            if not self._name_ok(name, cmark, "criterion"):
                continue
            expr = self.expr(cspec.formula, raw["criteria"][name].value_marks["formula"], "accounts")
            if expr is not None:
                scale = (float(cspec.scale[0]), float(cspec.scale[1])) if cspec.scale else None
                criteria[name] = Criterion(name, cmark, expr, float(cspec.weight), scale)
        key_if = self.expr(spec.key_if, raw.value_marks["key_if"], "accounts")
        tiers = []
        for tier, rule in spec.tiers.items():
            expr = self.expr(rule, raw["tiers"].value_marks[tier], "accounts")
            if expr is not None:
                tiers.append((str(tier), expr))
        if key_if is None:
            return None
        return KeyAccounts(mark, spec.attributes, spec.grain, criteria, key_if, tuple(tiers))
