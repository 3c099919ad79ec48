"""Key accounts (SPEC §3): criteria, score, tier, key flag, reason, movement.

Everything is computed on grids, as KPIs are: each criterion is a formula
evaluated for every period and account at once; the score, ``key_if`` and the
tiers are whole-grid operations on those. Only building the result rows walks
the accounts.

Movement compares an account with itself in the previous period of the same
grain: ``new`` (key now, not before), ``lost`` (key before, not now), otherwise
``up`` / ``down`` / ``same`` by tier, the first tier in the config being highest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .. import periods
from ..config.model import KeyAccounts
from ..config.rules import refs
from ..expr.ast import Binary, Node
from ..expr.parser import unparse
from ..periods import Grain, Period
from ..xlerrors import XlError
from .formulas import evaluate
from .grid import Grid

if TYPE_CHECKING:
    from .core import Engine


@dataclass(frozen=True)
class CriterionResult:
    value: Any  # float, text (attributes), or None on error
    points: float
    error: Optional[XlError]

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "points": self.points, "error": self.error.text if self.error else None}


@dataclass(frozen=True)
class AccountResult:
    account: str
    period: str
    score: Optional[float]
    tier: Optional[str]
    key: bool
    reason: str
    criteria: dict[str, CriterionResult] = field(default_factory=dict)
    previous_tier: Optional[str] = None
    previous_key: bool = False
    movement: str = "same"

    def as_json(self) -> dict[str, Any]:
        return {"account": self.account, "period": self.period, "score": self.score, "tier": self.tier,
                "key": self.key, "reason": self.reason,
                "criteria": {k: c.as_json() for k, c in self.criteria.items()},
                "previous_tier": self.previous_tier, "movement": self.movement}


@dataclass(frozen=True)
class _Grids:
    criteria: dict[str, Grid]
    points: dict[str, np.ndarray]  # float, errors count 0
    score: Grid
    key: np.ndarray  # bool
    tier: np.ndarray  # int: index into tiers, -1 none


class KeyAccountEngine:
    """Key accounts over one :class:`~kpisheet.engine.core.Engine`; cached per grain."""

    def __init__(self, engine: "Engine", spec: KeyAccounts) -> None:
        self.engine = engine
        self.spec = spec
        self._grids: dict[Grain, _Grids] = {}
        self._universe: Optional[np.ndarray] = None

    def universe(self) -> np.ndarray:
        """Columns of the accounts in the attributes or with a row in a source a criterion reads."""
        if self._universe is None:
            engine = self.engine
            sources: set[str] = set()
            for crit in self.spec.criteria.values():
                for name in refs(crit.formula.node):
                    for kpi in engine.measure_kpis(name.id):
                        sources.add(engine.config.kpis[kpi].source or "")
            if self.spec.attributes:
                sources.add(self.spec.attributes)
            cols: set[int] = set()
            for source in sorted(sources - {""}):
                df = engine.table(source).df
                if "account" in df.columns:
                    codes = engine.account_codes(df["account"])
                    cols.update(int(c) for c in np.unique(codes) if c > 0)
            self._universe = np.array(sorted(cols, key=lambda c: engine.accounts[c - 1]), dtype=np.int64)
        return self._universe

    def latest(self, grain: Grain) -> Optional[Period]:
        names = {n.id for c in self.spec.criteria.values() for n in refs(c.formula.node)}
        days = [d for name in names for k in self.engine.measure_kpis(name)
                if (d := self.engine.prepared(k).last_day) is not None]
        if not days:
            return None
        last = dt.date(1970, 1, 1) + dt.timedelta(days=max(days))
        return periods.period_of_date(last, grain, self.engine.config.calendar)

    def period(self, period: object) -> Optional[Period]:
        from .core import resolve_period

        grain = self.spec.grain
        return resolve_period(period, grain, self.engine.config.calendar, lambda: self.latest(grain))

    def grids(self, grain: Grain) -> _Grids:
        if grain not in self._grids:
            scope = self.engine.scope(grain)
            criteria = {name: evaluate(c.formula.node, scope) for name, c in self.spec.criteria.items()}
            weights = sum(c.weight for c in self.spec.criteria.values() if c.scale)
            points: dict[str, np.ndarray] = {}
            total = np.zeros(scope.shape)
            for name, crit in self.spec.criteria.items():
                grid = criteria[name].numeric()
                if not crit.scale or not weights:
                    points[name] = np.zeros(scope.shape)
                    continue
                lo, hi = crit.scale
                with np.errstate(all="ignore"):
                    part = np.clip((grid.val - lo) / (hi - lo), 0, 1)
                points[name] = np.where(grid.err == 0, 100 * crit.weight * part / weights, 0.0)
                total += points[name]
            score = Grid.of(total)
            names = {**criteria, "score": score}
            rules = self.engine.scope(grain, names)
            key_if = evaluate(self.spec.key_if.node, rules)
            key = key_if.truthy() & (key_if.err == 0)
            tier = np.full(scope.shape, -1, dtype=np.int64)
            for i, (_, rule) in reversed(list(enumerate(self.spec.tiers))):
                held = evaluate(rule.node, rules)
                tier = np.where(held.truthy() & (held.err == 0), i, tier)
            self._grids[grain] = _Grids(criteria, points, score, key, tier)
        return self._grids[grain]

    def table(self, period: object = None, top: Optional[int] = None, key_only: bool = False) -> list[AccountResult]:
        """Every account of the universe at a period, by score descending (then name).

        ``key_only``: the key accounts only; ``top``: the first ``top`` of those rows. Only the
        rows returned are explained, so a few rows of a table of thousands cost a few rows."""
        p = self.period(period)
        if p is None:
            return []
        text = periods.period_text(p, self.engine.config.calendar)
        axis = self.engine.axis(p.grain, through=p.ordinal)
        row = axis.row(p.ordinal)
        g = self.grids(p.grain)
        tiers = [t for t, _ in self.spec.tiers]
        out = []
        for col in self._chosen(row, g, top, key_only):
            prev_row = max(row - 1, 0)
            tier = int(g.tier[row, col])
            prev_tier = int(g.tier[prev_row, col])
            key, prev_key = bool(g.key[row, col]), bool(g.key[prev_row, col])
            criteria = {}
            for name, grid in g.criteria.items():
                err = int(grid.err[row, col])
                v = grid.val[row, col]
                criteria[name] = CriterionResult(None if err else (v if isinstance(v, str) else float(v)),
                                                 round(float(g.points[name][row, col]), 6), XlError(err) if err else None)
            out.append(AccountResult(
                account=self.engine.accounts[col - 1], period=text,
                score=round(float(g.score.val[row, col]), 6), tier=tiers[tier] if tier >= 0 else None, key=key,
                reason=self.reason(p.grain, row, col, g, key), criteria=criteria,
                previous_tier=tiers[prev_tier] if prev_tier >= 0 else None, previous_key=prev_key,
                movement=_movement(key, prev_key, tier, prev_tier)))
        out.sort(key=lambda r: (-(r.score or 0.0), r.account))
        return out

    def _chosen(self, row: int, g: _Grids, top: Optional[int], key_only: bool) -> np.ndarray:
        """The universe's columns the table shows: the key ones with ``key_only``, the first
        ``top`` in the table's order (the score as shown, descending, then the name)."""
        cols = self.universe()
        if key_only:
            cols = cols[g.key[row, cols]]
        if top is not None and top < len(cols):
            names = self.engine.accounts
            shown = {int(c): round(float(g.score.val[row, c]), 6) for c in cols}
            cols = np.array(sorted(shown, key=lambda c: (-(shown[c] or 0.0), names[c - 1]))[:max(top, 0)],
                            dtype=np.int64)
        return cols

    def account(self, account: str, period: object = None) -> Optional[AccountResult]:
        from .core import account_name

        name = account_name(account)
        for result in self.table(period):
            if result.account == name:
                return result
        return None

    # --- reasons -----------------------------------------------------------------------

    def reason(self, grain: Grain, row: int, col: int, g: _Grids, key: bool) -> str:
        """The parts of key_if that held, with their numbers; or, when none did, why."""
        names = {**g.criteria, "score": g.score}
        scope = self.engine.scope(grain, names)
        parts = _disjuncts(self.spec.key_if.node)
        shown = []
        for part in parts:
            held = evaluate(part, scope)
            holds = bool(held.truthy()[row, col]) and held.err[row, col] == 0
            if holds == key:
                shown.append(self._explain(part, scope, row, col))
                if key:
                    break
        return ("; ".join(shown)) if key else "not key: " + "; ".join(shown)

    def _explain(self, node: Node, scope: Any, row: int, col: int) -> str:
        if isinstance(node, Binary) and node.op == "and":
            return f"{self._explain(node.left, scope, row, col)} and {self._explain(node.right, scope, row, col)}"
        if isinstance(node, Binary) and node.op in ("==", "!=", "<", "<=", ">", ">="):
            left = evaluate(node.left, scope)
            return f"{unparse(node.left)} = {_show(left, row, col)} {node.op} {unparse(node.right)}"
        return unparse(node)


def _disjuncts(node: Node) -> list[Node]:
    if isinstance(node, Binary) and node.op == "or":
        return _disjuncts(node.left) + _disjuncts(node.right)
    return [node]


def _show(grid: Grid, row: int, col: int) -> str:
    err = int(grid.err[row, col])
    if err:
        return XlError(err).text
    v = grid.val[row, col]
    return v if isinstance(v, str) else f"{float(v):.4g}"


def _movement(key: bool, prev_key: bool, tier: int, prev_tier: int) -> str:
    if key and not prev_key:
        return "new"
    if prev_key and not key:
        return "lost"
    if tier == prev_tier:
        return "same"
    if prev_tier < 0:
        return "up"
    if tier < 0:
        return "down"
    return "up" if tier < prev_tier else "down"


