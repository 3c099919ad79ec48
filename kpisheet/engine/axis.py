"""The period axis of a grain, and the spans (plain, rolling, ytd, qtd, shifted) over it.

An :class:`Axis` is a run of consecutive period ordinals ``lo .. lo+P-1`` at one
grain. A :class:`Family` says which span of days each row of a grid covers:
the period itself (``plain``), the ``n`` periods ending with it (``rolling``), or
the fiscal year / quarter to date (``ytd`` / ``qtd``). Spans are day ordinals,
inclusive at both ends, and never shrink from one row to the next, which is what
lets measures assign rows to spans with two binary searches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Optional

import numpy as np

from .. import periods
from ..periods import Calendar, Grain


@dataclass(frozen=True)
class Family:
    """Which span of days each row covers.

    ``kind`` plain | rolling | ytd | qtd; ``n`` periods for a unit-less rolling window, or
    ``n`` ``unit`` s for a rolling window with a time unit (README#real-questions). ``shifts`` are
    ``prev(k, n, unit)`` s applied to the span, innermost last: each moves it ``n`` units back.
    """

    kind: str  # plain | rolling | ytd | qtd
    n: int = 1
    unit: Optional[str] = None  # rolling only: a time unit of README#real-questions, None: periods of the grain
    shifts: tuple[tuple[int, str], ...] = ()

    def __str__(self) -> str:
        base = self.kind
        if self.kind == "rolling":
            base = f"rolling({self.n}, '{self.unit}')" if self.unit else f"rolling({self.n})"
        return base + "".join(f" back {n} {unit}" for n, unit in self.shifts)

    def shifted(self, n: int, unit: str) -> "Family":
        """This family moved ``n`` units back (``prev(k, n, unit)``)."""
        return Family(self.kind, self.n, self.unit, self.shifts + ((n, unit),))

    def span(self, kind: str, n: int = 1, unit: Optional[str] = None) -> "Family":
        """Another span kind that keeps this family's shifts (``prev(rolling(...), n, unit)``)."""
        return Family(kind, n, unit, self.shifts)

    @property
    def is_period(self) -> bool:
        """Whether each row covers exactly its own period (the measures' fast path)."""
        return self.kind == "plain" and not self.shifts


PLAIN = Family("plain")
_MAX_PERIODS_BACK = 10_000_000  # periods: more than 20,000 years at any grain (a day is the shortest)


@dataclass(frozen=True)
class Axis:
    grain: Grain
    lo: int  # ordinal of row 0
    size: int
    calendar: Calendar
    # None: row 0 is a period before every row of data, and so stands for every period before it.
    # Else a window (issue 12): rows are exact from this ordinal on only (see engine.window).
    exact_from: Optional[int] = None
    # A window's whole axis, (lo, size): spanned sums are taken over its segments, as they would be
    # there, so that a window gives the very numbers the whole axis gives (see measures._prefix).
    whole: Optional[tuple[int, int]] = None

    @cached_property
    def ordinals(self) -> np.ndarray:
        return np.arange(self.lo, self.lo + self.size, dtype=np.int64)

    def row(self, ordinal: int) -> int:
        """The row of a period; periods before the axis map to row 0 (a period with no data).

        On a window, a period before its exact rows is refused (a caller asked the engine for
        the wrong periods): never a value from rows the window does not hold exactly."""
        if self.exact_from is not None and ordinal < self.exact_from:
            raise ValueError(f"period {ordinal} is before the window of this axis (from {self.exact_from})")
        return max(0, ordinal - self.lo)

    def whole_axis(self) -> "Axis":
        """The axis this one is a window of (itself when it is not one)."""
        if self.whole is None:
            return self
        return Axis(self.grain, self.whole[0], self.whole[1], self.calendar)

    def holds(self, through: int, since: Optional[int] = None) -> bool:
        """Whether periods ``since .. through`` (``since`` None: every period up to ``through``)
        have exact rows here."""
        if through >= self.lo + self.size:
            return False
        return self.exact_from is None or (since is not None and since >= self.exact_from)

    def spans(self, family: Family) -> tuple[np.ndarray, np.ndarray]:
        """First and last day ordinal of each row's span."""
        first, last = self._base_spans(family)
        for n, unit in family.shifts:
            first, last = periods.shifted_spans(first, last, n, unit)
        return first, last

    def _base_spans(self, family: Family) -> tuple[np.ndarray, np.ndarray]:
        first, last = periods.spans(self.grain, self.ordinals, self.calendar)
        if family.kind == "plain":
            return first, last
        if family.kind == "rolling" and family.unit is not None:
            return periods.window_starts(last, family.n, family.unit), last
        if family.kind == "rolling":
            back = min(family.n - 1, _MAX_PERIODS_BACK)  # more reaches before any date (and must not overflow)
            first, _ = periods.spans(self.grain, self.ordinals - back, self.calendar)
            return first, last
        if family.kind == "ytd":
            return periods.ytd_start(last, self.calendar), last
        if family.kind == "qtd":
            return periods.qtd_start(last, self.calendar), last
        raise ValueError(family.kind)
