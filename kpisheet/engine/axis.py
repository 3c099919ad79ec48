"""The period axis of a grain, and the spans (plain, rolling, ytd, qtd) over it.

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

import numpy as np

from .. import periods
from ..periods import Calendar, Grain


@dataclass(frozen=True)
class Family:
    kind: str  # plain | rolling | ytd | qtd
    n: int = 1

    def __str__(self) -> str:
        return f"rolling({self.n})" if self.kind == "rolling" else self.kind


PLAIN = Family("plain")


@dataclass(frozen=True)
class Axis:
    grain: Grain
    lo: int  # ordinal of row 0
    size: int
    calendar: Calendar

    @cached_property
    def ordinals(self) -> np.ndarray:
        return np.arange(self.lo, self.lo + self.size, dtype=np.int64)

    def row(self, ordinal: int) -> int:
        """The row of a period; periods before the axis map to row 0 (a period with no data)."""
        return max(0, ordinal - self.lo)

    def contains(self, ordinal: int) -> bool:
        return ordinal < self.lo + self.size

    def spans(self, family: Family) -> tuple[np.ndarray, np.ndarray]:
        """First and last day ordinal of each row's span."""
        first, last = periods.spans(self.grain, self.ordinals, self.calendar)
        if family.kind == "plain":
            return first, last
        if family.kind == "rolling":
            first, _ = periods.spans(self.grain, self.ordinals - (family.n - 1), self.calendar)
            return first, last
        if family.kind == "ytd":
            return periods.ytd_start(last, self.calendar), last
        if family.kind == "qtd":
            return periods.qtd_start(last, self.calendar), last
        raise ValueError(family.kind)
