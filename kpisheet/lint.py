"""SMART findings on a config (SPEC §5): Specific, Measurable, Achievable, Relevant, Time-bound.

    lint(config, workbook=None) -> list[Finding]

Without a workbook only what the config itself shows is checked; with one, the
sources are read (M) and each target is compared with what the data reached (A).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np

from .config.model import Config, Kpi
from .config.paths import workbook_path_notes
from .errors import KpisheetError

if TYPE_CHECKING:
    from .engine.core import Engine

VAGUE = re.compile(r"\b(improve|improved|improving|better|properly|good|optimi[sz]e|enhance|various|stuff|etc)\b", re.I)
A_WINDOW = 12  # periods of history a target is compared with


@dataclass(frozen=True)
class Finding:
    place: str
    severity: str  # warning | error
    kpi: str
    letter: str  # S M A R T
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.severity}: {self.kpi}: {self.letter}: {self.message}"


def lint(config: Config, workbook: Optional[Path] = None, engine: Optional["Engine"] = None) -> list[Finding]:
    """Findings for every KPI; the data is read from ``workbook``, or through ``engine`` (live Excel)."""
    if engine is None and workbook is not None:
        from .engine.core import Engine

        engine = Engine(config, workbook)
    measurable = {k: _measurable(engine, kpi) if engine else [] for k, kpi in config.kpis.items()}
    readable = engine is not None and not any(measurable.values())  # A compares with data all KPIs share
    findings: list[Finding] = []
    for kpi in config.kpis.values():
        findings.extend(_specific(kpi))
        findings.extend(measurable[kpi.name])
        if readable:
            findings.extend(_achievable(engine, kpi))
        if not kpi.owner:
            findings.append(Finding(kpi.place(), "warning", kpi.name, "R", "no owner: say who answers for this KPI"))
        if not kpi.explicit_grain:
            findings.append(Finding(kpi.place(), "warning", kpi.name, "T", "no explicit grain"))
        if kpi.target is None:
            findings.append(Finding(kpi.place(), "warning", kpi.name, "T", "no target"))
    findings.extend(Finding(n.place, "warning", n.source, "M", n.message) for n in workbook_path_notes(config))
    return findings


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


def _measurable(engine: object, kpi: Kpi) -> list[Finding]:
    from .engine.core import Engine

    assert isinstance(engine, Engine)
    if not kpi.is_measure:
        return []
    try:
        engine.prepared(kpi.name)
    except KpisheetError as exc:
        return [Finding(p.place or kpi.place(), "error", kpi.name, "M", p.message) for p in exc.problems]
    return []


def _achievable(engine: object, kpi: Kpi) -> list[Finding]:
    """A target further from every value of the last 12 periods than their spread."""
    from .engine.core import Engine

    assert isinstance(engine, Engine)
    if kpi.target is None:
        return []
    try:
        latest = engine.latest(kpi.name, kpi.grain)
        if latest is None:
            return []
        axis = engine.axis(kpi.grain)
        row = axis.row(latest.ordinal)
        grid = engine.grid(kpi.name, kpi.grain)
        target = engine.target_grid(kpi.name, kpi.grain)
    except KpisheetError as exc:
        return [Finding(p.place or kpi.place(), "error", kpi.name, "M", p.message) for p in exc.problems]
    lo = max(0, row - A_WINDOW + 1)
    ok = grid.err[lo:row + 1, 0] == 0
    values = grid.val[lo:row + 1, 0][ok].astype(float)
    if target is None or target.err[row, 0] or len(values) < 2:
        return []
    goal = float(target.val[row, 0])
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
