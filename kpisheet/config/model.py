"""The loaded config: frozen, validated, expressions parsed, every part with its mark.

This is what the engine, the CLI and the Excel door read. It is built by
:func:`kpisheet.config.load_config` and never changes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Union

from ..errors import Mark
from ..expr.ast import Node
from ..periods import Calendar, Grain
from ..sources.refs import CsvOptions


@dataclass(frozen=True)
class Expr:
    """An expression as written, its syntax tree, and where it starts."""

    text: str
    node: Node
    mark: Mark

    def place(self, pos: int = 0) -> str:
        """``file:line:col`` of the character at ``pos`` in the text."""
        return str(self.mark.shifted(pos)) if "\n" not in self.text[:pos] else str(self.mark)


Bound = Union[float, Expr]  # a target or a threshold: a number, or a formula over KPIs


@dataclass(frozen=True)
class Measure:
    """``sum(amount)`` or ``count()``: an aggregate and its column."""

    func: str  # sum | average | median | min | max | count_distinct | count
    column: Optional[str]
    expr: Optional[Expr] = None  # sum(qty * menu.price): a row expression instead of a column (README#your-data)

    def __str__(self) -> str:
        if self.expr is not None:
            return f"{self.func}({self.expr.text})"
        return f"{self.func}({self.column or ''})"


@dataclass(frozen=True)
class Source:
    name: str
    mark: Mark
    sheet: Optional[str]
    table: Optional[str]
    range: Optional[str]
    workbook: Optional[Path]  # resolved against the YAML file; None: the workbook evaluated
    header_row: int
    columns: Mapping[str, str]
    # --- v2, real data in (README#your-data): a pipeline read -> where -> join -> derive ---
    csv: CsvOptions = field(default_factory=CsvOptions)
    date_format: Optional[str] = None
    where: Optional[Expr] = None
    joins: tuple["Join", ...] = ()
    derive: tuple[tuple[str, Expr], ...] = ()  # in order, each sees those before it
    snapshot: bool = False  # date: none — rows without time (README#your-data)
    # --- v2, past Excel's million rows (README#when-the-data-outgrows-the-workbook): read and computed in a
    # database ---
    parquet: Optional[str] = None  # a file or glob, resolved against the YAML file
    sql: Optional[str] = None  # a SELECT run on connection
    connection: Optional[str] = None  # a URL or ${ENV}, as written; None: DuckDB in memory


@dataclass(frozen=True)
class Join:
    """``join: {menu: {on: {item: item}}}``: a left, many-to-one join on ``on`` (this -> other)."""

    source: str
    on: tuple[tuple[str, str], ...]
    mark: Mark


@dataclass(frozen=True)
class Kpi:
    name: str
    mark: Mark
    description: Optional[str]
    source: Optional[str]
    measure: Optional[Measure]
    formula: Optional[Expr]
    filter: Optional[Expr]
    date: str
    grain: Grain  # the default grain when no period is given
    explicit_grain: bool
    unit: Optional[str]
    owner: Optional[str]
    target: Union[float, Expr, None]
    direction: str
    thresholds: Optional[tuple[float, float]]  # (green, amber)
    marks: Mapping[str, Mark] = field(default_factory=dict)  # field name -> mark of its value
    # README#real-questions: a period (and account) without rows is #N/A ("na") or 0 ("zero")
    when_empty: str = "zero"
    # README#real-questions: a target or thresholds per grain (None: the same at every grain), and
    # thresholds written as formulas (then ``thresholds`` above is None)
    target_by_grain: Optional[Mapping[Grain, Bound]] = None
    threshold_bounds: Optional[tuple[Bound, Bound]] = None
    thresholds_by_grain: Optional[Mapping[Grain, tuple[Bound, Bound]]] = None

    def target_at(self, grain: Grain) -> Optional[Bound]:
        """The target at a grain: the mapping's entry (None where it lacks the grain), else ``target``."""
        if self.target_by_grain is not None:
            return self.target_by_grain.get(grain)
        return self.target

    def thresholds_at(self, grain: Grain) -> Optional[tuple[Bound, Bound]]:
        """(green, amber) at a grain, numbers or formulas; None where there are none."""
        if self.thresholds_by_grain is not None:
            return self.thresholds_by_grain.get(grain)
        return self.threshold_bounds or self.thresholds

    def has_bands(self, grain: Optional[Grain] = None) -> bool:
        """Whether a status can be given (at a grain; at some grain when None)."""
        grains = [grain] if grain is not None else list(Grain)
        return any(self.target_at(g) is not None or self.thresholds_at(g) is not None for g in grains)

    def bound_exprs(self) -> list[Expr]:
        """The formulas of targets and thresholds, every grain's."""
        bounds: list[Optional[Bound]] = [self.target, *(self.threshold_bounds or ())]
        bounds += list((self.target_by_grain or {}).values())
        bounds += [b for pair in (self.thresholds_by_grain or {}).values() for b in pair]
        return [b for b in bounds if isinstance(b, Expr)]

    @property
    def is_measure(self) -> bool:
        return self.measure is not None

    def place(self, key: str | None = None) -> str:
        return str(self.marks.get(key, self.mark)) if key else str(self.mark)


@dataclass(frozen=True)
class Criterion:
    name: str
    mark: Mark
    formula: Expr
    weight: float
    scale: Optional[tuple[float, float]]


@dataclass(frozen=True)
class KeyAccounts:
    mark: Mark
    attributes: Optional[str]
    grain: Grain
    criteria: Mapping[str, Criterion]
    key_if: Expr
    tiers: tuple[tuple[str, Expr], ...]  # in order: the first that holds wins


@dataclass(frozen=True)
class Config:
    calendar: Calendar
    sources: Mapping[str, Source]
    kpis: Mapping[str, Kpi]  # in dependency order: a KPI comes after those it reads
    key_accounts: Optional[KeyAccounts]
    files: tuple[Path, ...]
    fingerprint: str  # changes whenever any config file's content changes
    root: Path  # the file or folder that was loaded
