"""What every example generator shares: the calendar, sheets, and the Dashboard's content."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Optional

START = dt.date(2024, 1, 1)
END = dt.date(2026, 10, 31)  # the last full month before these examples were made

Row = list[object]


def months(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    """The first day of every month from ``start`` to ``end``."""
    out, d = [], start.replace(day=1)
    while d <= end:
        out.append(d)
        d = next_month(d)
    return out


def next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(d: dt.date) -> dt.date:
    return next_month(d) - dt.timedelta(days=1)


def days(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def mondays(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    first = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    return [first + dt.timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


def season(day: dt.date, amplitude: float, peak_month: float) -> float:
    """1 ± amplitude over the year, highest in ``peak_month`` (1-12, may be fractional)."""
    return 1 + amplitude * math.cos(2 * math.pi * (day.month - peak_month) / 12)


def index_of(day: dt.date) -> int:
    """Months since START (0 for January 2024)."""
    return (day.year - START.year) * 12 + day.month - START.month


def ramp(day: dt.date, points: list[tuple[str, float]]) -> float:
    """A value that moves linearly between (``YYYY-MM``, value) points, flat outside them."""
    x = index_of(day) + (day.day - 1) / 31
    marks = [(index_of(dt.date(int(p[:4]), int(p[5:7]), 1)), v) for p, v in points]
    if x <= marks[0][0]:
        return marks[0][1]
    for (x0, v0), (x1, v1) in zip(marks, marks[1:]):
        if x <= x1:
            return v0 + (v1 - v0) * (x - x0) / (x1 - x0)
    return marks[-1][1]


def poisson(rnd: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, the normal approximation above 50."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rnd.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rnd.random()
        if p <= limit:
            return k
        k += 1


@dataclass
class Sheet:
    """A data sheet: a header row, then rows. ``formats``: header text → Excel number format."""

    name: str
    header: list[str]
    rows: list[Row]
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Headline:
    """One headline row of the Dashboard: a KPI (for one account, or all) and why it matters."""

    kpi: str
    label: str
    account: Optional[str] = None


@dataclass(frozen=True)
class Series:
    """One line of the Dashboard's chart: ``KPI_SERIES(kpi, first, last, [account])``."""

    kpi: str
    label: str
    account: Optional[str] = None
    secondary_axis: bool = False


@dataclass
class Example:
    """An example's data and what its Dashboard shows."""

    name: str
    title: str
    subtitle: str
    sheets: list[Sheet]
    headline: list[Headline]
    key_account: str  # the account the Dashboard's key-account card is about
    card: list[Headline]  # KPI values of the key account shown on its card (no target: they are the account's)
    series: list[Series]
    chart_title: str
    first_period: str = "2024-11"
    last_period: str = "2026-10"
    chart_format: str = "#,##0"
    formats: dict[str, str] = field(default_factory=dict)  # KPI or criterion name → number format
