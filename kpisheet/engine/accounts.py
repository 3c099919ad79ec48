"""Key accounts (README#key-accounts): criteria, score, tier, key flag, reason, movement.

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
from typing import Any, Iterable, Mapping, Optional, Protocol, Sequence

import numpy as np

from .. import periods
from ..config.model import KeyAccounts
from ..config.rules import refs
from ..expr.ast import Binary, Node
from ..expr.parser import unparse
from ..names import name_text as account_name
from ..periods import Calendar, Grain, Period
from ..xlerrors import XlError
from .axis import Axis
from .formulas import Scope, evaluate
from .grid import Grid


class Data(Protocol):
    """What key accounts read from the engine that computes their criteria.

    The engine hands :class:`KeyAccountEngine` an object with these members (as it hands
    formulas a :class:`~.formulas.Scope`); nothing else of the engine is read here. Days are
    day ordinals (days since 1970-01-01); grid column ``c`` (1..) is account ``accounts[c - 1]``,
    column 0 all accounts together.
    """

    @property
    def calendar(self) -> Calendar: ...

    @property
    def accounts(self) -> Sequence[str]:
        """Every account the engine knows, by grid column."""
        ...

    def sources_read(self, names: Iterable[str]) -> set[str]:
        """The sources read by the measures that these KPIs' values read (formulas followed)."""
        ...

    def account_columns(self, source: str) -> Optional[np.ndarray]:
        """The grid column of each account a source holds; None when it has no account column."""
        ...

    def data_span(self, names: Iterable[str]) -> Optional[tuple[int, int]]:
        """The first and last day of the dated rows these KPIs read; None without any."""
        ...

    def axis(self, grain: Grain, through: Optional[int] = None, since: Optional[int] = None) -> Axis:
        """The period axis of the grids of a grain, grown to hold the period ``through`` (with
        ``since``: a window from ``since`` may do, see :meth:`kpisheet.Engine._axis`)."""
        ...

    def scope(self, grain: Grain, names: Optional[Mapping[str, Grid]] = None) -> Scope:
        """What a formula at the grain reads: KPIs' grids, then ``names`` (criteria, score)."""
        ...

    def has_rows(self, names: Iterable[str], period: Period) -> np.ndarray:
        """Per grid column (bool): whether a measure these KPIs read counts a row of that
        account in the period (a snapshot source's rows count in every period)."""
        ...


@dataclass(frozen=True)
class CriterionResult:
    value: Any  # float, text (attributes), or None on error
    points: Optional[float]  # None for a criterion without weight (README#real-questions: shown, not scored)
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
    points: dict[str, Optional[np.ndarray]]  # float, errors count 0; None: no weight
    score: Grid
    key: np.ndarray  # bool
    tier: np.ndarray  # int: index into tiers, -1 none
    # the reasons' grids, computed once per grain, never per account: for each part of key_if
    # (by id), whether it held; for each comparison in it, its left side's value
    held: dict[int, np.ndarray] = field(default_factory=dict)
    sides: dict[int, Grid] = field(default_factory=dict)


class KeyAccountEngine:
    """The key accounts of one config (README#key-accounts) over the :class:`Data` of one engine.

    Grids are computed once per grain and tables once per period, then kept: build a new one
    when the config or the data change (the engine does, with its own caches).
    """

    def __init__(self, data: Data, spec: KeyAccounts) -> None:
        self.data = data
        self.spec = spec
        self._grids: dict[Grain, _Grids] = {}
        self._universe: Optional[np.ndarray] = None
        self._tables: dict[Period, list[AccountResult]] = {}
        # one line for each account that could not be judged (README#hostile-and-broken-input)
        self.warnings: list[str] = []

    def universe(self) -> np.ndarray:
        """Columns of the accounts in the attributes or with a row in a source a criterion reads,
        by account name."""
        if self._universe is None:
            sources = self.data.sources_read(self._criteria_names())
            if self.spec.attributes:
                sources.add(self.spec.attributes)
            cols: set[int] = set()
            for source in sorted(sources):
                codes = self.data.account_columns(source)
                if codes is not None:
                    cols.update(int(c) for c in np.unique(codes) if c > 0)
            accounts = self.data.accounts
            self._universe = np.array(sorted(cols, key=lambda c: accounts[c - 1]), dtype=np.int64)
        return self._universe

    def _criteria_names(self) -> set[str]:
        """The names the criteria read (KPIs)."""
        return {n.id for c in self.spec.criteria.values() for n in refs(c.formula.node)}

    def latest(self, grain: Grain) -> Optional[Period]:
        """The period of the grain holding the last day of the data the criteria read; None without data."""
        span = self.data.data_span(self._criteria_names())
        if span is None:
            return None
        last = dt.date(1970, 1, 1) + dt.timedelta(days=span[1])
        return periods.period_of_date(last, grain, self.data.calendar)

    def data_start(self) -> Optional[int]:
        """The first day of the data the criteria read (README#real-questions: no movement before it)."""
        span = self.data.data_span(self._criteria_names())
        return None if span is None else span[0]

    def period(self, period: object) -> Optional[Period]:
        """The period accounts are judged at (README#real-questions): a period finer than the key-account grain
        is widened to the grain period holding its last day; one at the grain or coarser is kept."""
        grain = self.spec.grain
        cal = self.data.calendar
        p = periods.resolve_period(period, grain, cal, lambda: self.latest(grain))
        if p is None or _days(p.grain) >= _days(grain):
            return p
        return periods.period_of_date(periods.end_day(p, cal), grain, cal)

    def grids(self, grain: Grain) -> _Grids:
        cached = self._grids.get(grain)
        if cached is not None and cached.score.shape[0] != self.data.axis(grain).size:
            del self._grids[grain]  # the axis grew (a later period was asked): the grids are stale
        if grain not in self._grids:
            scope = self.data.scope(grain)
            criteria = {name: evaluate(c.formula.node, scope) for name, c in self.spec.criteria.items()}
            weights = sum(c.weight for c in self.spec.criteria.values() if c.scale)
            points: dict[str, Optional[np.ndarray]] = {}
            total = np.zeros(scope.shape)
            for name, crit in self.spec.criteria.items():
                grid = criteria[name].numeric()
                if not crit.scale or not crit.weight:
                    points[name] = None
                    continue
                lo, hi = crit.scale
                with np.errstate(all="ignore"):
                    part = np.clip((grid.val - lo) / (hi - lo), 0, 1)
                scored = np.where(grid.err == 0, 100 * crit.weight * part / weights, 0.0)
                points[name] = scored
                total += scored
            score = Grid.of(total)
            names = {**criteria, "score": score}
            rules = self.data.scope(grain, names)
            key_if = evaluate(self.spec.key_if.node, rules)
            key = key_if.truthy() & (key_if.err == 0)
            tier = np.full(scope.shape, -1, dtype=np.int64)
            for i, (_, rule) in reversed(list(enumerate(self.spec.tiers))):
                held = evaluate(rule.node, rules)
                tier = np.where(held.truthy() & (held.err == 0), i, tier)
            grids = _Grids(criteria, points, score, key, tier)
            for disjunct in _disjuncts(self.spec.key_if.node):
                self._explained(disjunct, rules, grids)
            self._grids[grain] = grids
        return self._grids[grain]

    def _explained(self, node: Node, scope: Any, grids: _Grids) -> None:
        """Fill ``grids.held`` and ``grids.sides`` for one part of key_if, whole grids at once."""
        held = evaluate(node, scope)
        grids.held[id(node)] = held.truthy() & (held.err == 0)
        if isinstance(node, Binary) and node.op == "and":
            self._explained(node.left, scope, grids)
            self._explained(node.right, scope, grids)
        elif isinstance(node, Binary) and node.op in _COMPARISONS:
            grids.sides[id(node)] = evaluate(node.left, scope)

    def table(self, period: object = None, top: Optional[int] = None, key_only: bool = False) -> list[AccountResult]:
        """Every account of the universe at a period: first those with a row in the period (in a
        source a criterion reads, as its measure counts it), then those without; each part by
        score descending, then name.

        ``key_only``: the key accounts only; ``top``: the first ``top`` of those rows. The table
        is computed once per period (reasons read grids, never a loop of evaluations) and kept."""
        p = self.period(period)
        if p is None:
            return []
        if p not in self._tables:
            self._tables[p] = self._table(p)
        rows = self._tables[p]
        if key_only:
            rows = [r for r in rows if r.key]
        return rows if top is None else rows[:max(top, 0)]

    def _table(self, p: Period) -> list[AccountResult]:
        cal = self.data.calendar
        text = periods.period_text(p, cal)
        axis = self.data.axis(p.grain, through=p.ordinal, since=p.ordinal - 1)  # and the movement's period
        row = axis.row(p.ordinal)
        g = self.grids(p.grain)
        tiers = [t for t, _ in self.spec.tiers]
        start = self.data_start()
        _, prev_end = periods.span_of(p.grain, p.ordinal - 1, cal)
        before_data = start is None or prev_end < start  # README#real-questions: no movement from before the data
        accounts = self.data.accounts
        active = self.data.has_rows(self._criteria_names(), p)
        out = []
        idle: set[str] = set()  # accounts without a row in the period: listed after the others
        for col in self.universe():
            if not active[col]:
                idle.add(accounts[col - 1])
            try:
                out.append(self._row(text, row, col, g, tiers, before_data))
            # one account never kills the run (README#hostile-and-broken-input)
            except (Exception, RecursionError) as exc:  # noqa: BLE001
                out.append(self._failed(text, col, g, exc))
        out.sort(key=lambda r: (r.account in idle, -(r.score or 0.0), r.account))
        return out

    def _row(self, text: str, row: int, col: int, g: _Grids, tiers: list[str], before_data: bool) -> AccountResult:
        prev_row = max(row - 1, 0)
        tier = int(g.tier[row, col])
        prev_tier = int(g.tier[prev_row, col])
        key, prev_key = bool(g.key[row, col]), bool(g.key[prev_row, col])
        criteria = {}
        for name, grid in g.criteria.items():
            err = int(grid.err[row, col])
            v = grid.val[row, col]
            pts = g.points[name]
            criteria[name] = CriterionResult(None if err else (v if isinstance(v, str) else float(v)),
                                             None if pts is None else round(float(pts[row, col]), 6),
                                             XlError(err) if err else None)
        return AccountResult(
            account=self.data.accounts[col - 1], period=text,
            score=round(float(g.score.val[row, col]), 6), tier=tiers[tier] if tier >= 0 else None, key=key,
            reason=self.reason(row, col, g, key), criteria=criteria,
            previous_tier=tiers[prev_tier] if prev_tier >= 0 and not before_data else None,
            previous_key=prev_key and not before_data,
            movement="" if before_data else _movement(key, prev_key, tier, prev_tier))

    def _failed(self, text: str, col: int, g: _Grids, exc: BaseException) -> AccountResult:
        """The row of an account that could not be judged (a bug, a value nobody foresaw): every
        criterion #VALUE!, not key, no score, and one warning naming it in :attr:`warnings`."""
        accounts = self.data.accounts
        account = str(accounts[col - 1]) if 0 < col <= len(accounts) else f"#{col}"
        cause = " ".join(str(exc).split())[:200]
        self.warnings.append(f"warning: key accounts: account {account} at {text}: cannot be judged "
                             f"({type(exc).__name__}: {cause}); shown as #VALUE!")
        return AccountResult(account=account, period=text, score=None, tier=None, key=False,
                             reason=f"{XlError.VALUE.text}: cannot be judged ({type(exc).__name__})",
                             criteria={name: CriterionResult(None, None, XlError.VALUE) for name in g.criteria},
                             movement="")

    def account(self, account: str, period: object = None) -> Optional[AccountResult]:
        """One account's row of :meth:`table`; None for an account outside the universe."""
        name = account_name(account)
        for result in self.table(period):
            if result.account == name:
                return result
        return None

    # --- reasons -----------------------------------------------------------------------

    def reason(self, row: int, col: int, g: _Grids, key: bool) -> str:
        """The parts of key_if that held, with their numbers; or, when none did, what each needed.

        Reads the grids of :meth:`grids` only: one account's reason costs lookups, never an
        evaluation (an across-account function would otherwise be recomputed per account).
        """
        shown = []
        for part in _disjuncts(self.spec.key_if.node):
            if bool(g.held[id(part)][row, col]) == key:
                shown.append(_explain(part, g, row, col))
                if key:
                    break
        return ("; ".join(shown)) if key else "not key: " + "; ".join(shown)


_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


def _days(grain: Grain) -> int:
    """About how many days a period of the grain lasts: which grain is finer than which."""
    return {"day": 1, "week": 7, "month": 30, "quarter": 91, "fiscal_quarter": 91}.get(grain.value, 365)


def _explain(node: Node, g: _Grids, row: int, col: int) -> str:
    """``score = 100 >= 60`` for a comparison that held; ``score = 50.48, needs >= 70`` for one that did not."""
    if isinstance(node, Binary) and node.op == "and":
        return f"{_explain(node.left, g, row, col)} and {_explain(node.right, g, row, col)}"
    if isinstance(node, Binary) and node.op in _COMPARISONS:
        left = f"{unparse(node.left)} = {_show(g.sides[id(node)], row, col)}"
        if g.held[id(node)][row, col]:
            return f"{left} {node.op} {unparse(node.right)}"
        return f"{left}, needs {node.op} {unparse(node.right)}"
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


