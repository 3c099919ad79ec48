"""SMART findings on a config (docs/reference.md#commands): Specific, Measurable, Achievable, Relevant, Time-bound.

    lint(config, workbook=None) -> list[Finding]

Without a workbook only what the config itself shows is checked; with one, the
sources are read (M) and each target is compared with what the data reached (A).
What is read of the data goes through the few members of :class:`Readings`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Protocol

import numpy as np

from .config.model import Config, Kpi
from .config.rules import refs
from .config.paths import workbook_path_notes
from .engine.core import Engine, Result
from .errors import KpisheetError
from .expr.ast import Call, walk
from .expr.functions import int_literal
from .expr.parser import unparse
from .periods import UNITS, Calendar, Period, period_of_date
from .sources import Table

VAGUE = re.compile(r"\b(improve|improved|improving|better|properly|good|optimi[sz]e|enhance|various|stuff|etc)\b", re.I)
A_WINDOW = 12  # periods of history a target is compared with
# README#real-questions: a description that names a stretch of time (then a unit-less window is a T finding)
STRETCH = re.compile(r"\b(days?|weeks?|months?|quarters?|years?|yoy|year over year|12 months)\b", re.I)


class Readings(Protocol):
    """What lint reads of the data: a :class:`~kpisheet.engine.core.Engine` has these members.

    Each raises :class:`~kpisheet.errors.KpisheetError` where the data cannot be read.
    """

    def table(self, source: str) -> Table:
        """A source's finished rows (``unmatched``: per joined source, the rows without a match)."""
        ...

    def data_start(self, name: str) -> Optional[dt.date]:
        """The first date of the data a KPI reads; None without data."""
        ...

    def data_end(self, name: str) -> Optional[dt.date]:
        """The last date of the data a KPI reads; None without data. Reads the KPI's rows."""
        ...

    def period(self, name: str, period: object = None) -> Optional[Period]:
        """A period argument at the KPI's grain; None (latest) gives its latest period, or None."""
        ...

    def series(self, name: str, start: object, end: object, account: Optional[str] = None) -> list[Result]:
        """The KPI at each period from ``start`` to ``end``."""
        ...


@dataclass(frozen=True)
class Finding:
    place: str
    severity: str  # warning | error
    kpi: str
    letter: str  # S M A R T
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.severity}: {self.kpi}: {self.letter}: {self.message}"


def lint(config: Config, workbook: Optional[Path] = None, engine: Optional[Readings] = None) -> list[Finding]:
    """Findings for every KPI; the data is read from ``workbook``, or through ``engine`` (live Excel)."""
    if engine is None and workbook is not None:
        engine = Engine(config, workbook)
    measurable = {k: _measurable(engine, kpi) if engine is not None else [] for k, kpi in config.kpis.items()}
    readable = engine is not None and not any(measurable.values())  # A compares with data all KPIs share
    findings: list[Finding] = []
    # a KPI that is another's target or threshold (a budget) is itself the goal: it needs no target
    targets = {n.id for k in config.kpis.values() for e in k.bound_exprs() for n in refs(e.node)}
    for kpi in config.kpis.values():
        findings.extend(_specific(kpi))
        findings.extend(measurable[kpi.name])
        if readable and engine is not None:
            findings.extend(_achievable(engine, kpi, config.calendar))
        if not kpi.owner:
            findings.append(Finding(kpi.place(), "warning", kpi.name, "R", "no owner: say who answers for this KPI"))
        if not kpi.explicit_grain and not _snapshot(config, kpi):
            findings.append(Finding(kpi.place(), "warning", kpi.name, "T", "no explicit grain"))
        if kpi.target is None and not kpi.target_by_grain and kpi.name not in targets:
            findings.append(Finding(kpi.place(), "warning", kpi.name, "T", "no target"))
        findings.extend(_unitless_windows(kpi))
    if engine is not None:
        findings.extend(_unmatched_joins(engine, config, measurable))
    findings.extend(Finding(n.place, "warning", n.source, "M", n.message) for n in workbook_path_notes(config))
    findings.extend(_credentials(config))
    return findings


def _credentials(config: Config) -> list[Finding]:
    """README#when-the-data-outgrows-the-workbook: a password written in the YAML (the finding never repeats it)."""
    from .warehouse.connect import has_password

    return [Finding(str(src.mark), "error", src.name, "R",
                    f"source {src.name}: connection: a password is written in the YAML; pass the URL "
                    "through the environment instead (connection: ${NAME})")
            for src in config.sources.values() if src.connection is not None and has_password(src.connection)]


def _snapshot(config: Config, kpi: Kpi) -> bool:
    """A measure over a snapshot source (``date: none``): its grain is ``all``, none to choose."""
    source = config.sources.get(kpi.source or "")
    return kpi.is_measure and source is not None and source.snapshot


def _unmatched_joins(engine: Readings, config: Config, measurable: dict[str, list[Finding]]) -> list[Finding]:
    """M: rows of a source that found no match in a joined source (README#your-data), once per join,
    told with the first KPI that reads the source."""
    findings: list[Finding] = []
    for kpi in config.kpis.values():
        source = config.sources.get(kpi.source or "")
        if source is None or not source.joins or measurable.get(kpi.name) or source.parquet or source.sql:
            continue
        if any(f.letter == "M" and f.kpi != kpi.name and f.message.startswith(f"source {source.name}:")
               for f in findings):
            continue
        try:
            unmatched = engine.table(source.name).unmatched
        except KpisheetError:
            continue
        for join in source.joins:
            count = unmatched.get(join.source, 0)
            if count:
                rows = "row has" if count == 1 else "rows have"
                findings.append(Finding(str(join.mark), "warning", kpi.name, "M",
                                        f"source {source.name}: {count} {rows} no match in '{join.source}' "
                                        f"(their {join.source}.* columns are blank)"))
    return findings


def _unitless_windows(kpi: Kpi) -> list[Finding]:
    """README#real-questions: with an explicit grain, ``prev``/``rolling`` without a unit count periods of the
    asked grain, so a description naming a stretch of time means something else at other grains."""
    stretch = STRETCH.search(kpi.description or "")
    if not kpi.explicit_grain or stretch is None or kpi.formula is None:
        return []
    out = []
    for node in walk(kpi.formula.node):
        if isinstance(node, Call) and node.func in ("prev", "rolling") and len(node.args) < 3:
            n = int_literal(node.args[1]) if len(node.args) > 1 else 1
            written = unparse(node)
            out.append(Finding(kpi.formula.place(node.pos), "warning", kpi.name, "T",
                               f"{written} counts periods of the asked grain, but the description names a "
                               f"stretch of time ('{stretch.group(0)}'): give it a unit, such as "
                               f"{node.func}({unparse(node.args[0])}, {n}, '{kpi.grain.value if kpi.grain.value in UNITS else 'month'}')"))
    return out


def _specific(kpi: Kpi) -> list[Finding]:
    text = (kpi.description or "").strip()
    place = kpi.place("description") if kpi.description else kpi.place()
    if not text:
        return [Finding(place, "warning", kpi.name, "S", "no description: say what is counted")]
    if len(text.split()) < 3:
        return [Finding(place, "warning", kpi.name, "S", f"description '{text}' is too short to say what is counted")]
    vague = VAGUE.search(text)
    if vague:
        return [Finding(place, "warning", kpi.name, "S", f"vague description ('{vague.group(0)}'): say what is counted")]
    return []


def _measurable(engine: Readings, kpi: Kpi) -> list[Finding]:
    """M: a measure whose rows cannot be read (a missing sheet or column, a bad filter)."""
    if not kpi.is_measure:
        return []
    try:
        engine.data_end(kpi.name)  # reads the measure's rows
    except KpisheetError as exc:
        return [Finding(p.place or kpi.place(), "error", kpi.name, "M", p.message) for p in exc.problems]
    return []


def _achievable(engine: Readings, kpi: Kpi, calendar: Calendar) -> list[Finding]:
    """A: a target further from every value of the last 12 periods (of the data, at the KPI's
    grain, all accounts; error values left out) than their spread."""
    if kpi.target_at(kpi.grain) is None:
        return []
    try:
        latest = engine.period(kpi.name)  # the latest period of the data at the KPI's grain
        start = engine.data_start(kpi.name)
        if latest is None or start is None:
            return []
        first = max(latest.ordinal - A_WINDOW + 1, period_of_date(start, latest.grain, calendar).ordinal)
        history = engine.series(kpi.name, Period(latest.grain, first), latest)
    except KpisheetError as exc:
        return [Finding(p.place or kpi.place(), "error", kpi.name, "M", p.message) for p in exc.problems]
    values = np.array([r.value for r in history if r.error is None and r.value is not None], dtype=float)
    target = history[-1].target
    if target is None or len(values) < 2:
        return []
    goal = float(target)
    high, low = float(np.max(values)), float(np.min(values))
    spread = high - low
    window = f"the last {len(values)} periods"
    if kpi.direction != "lower_is_better" and goal > high + spread:
        return [Finding(kpi.place("target"), "warning", kpi.name, "A",
                        f"target {goal:g} is above every value of {window} (highest {high:g}) by more than their spread")]
    if kpi.direction != "higher_is_better" and goal < low - spread:
        return [Finding(kpi.place("target"), "warning", kpi.name, "A",
                        f"target {goal:g} is below every value of {window} (lowest {low:g}) by more than their spread")]
    return []
