"""An independent reckoning of SPEC §8 for the tests: plain Python and pandas over the rows.

Nothing here imports kpisheet: periods are parsed, spans computed and month arithmetic done
with ``datetime`` and ``dateutil.relativedelta`` (which clamps to the month's end, as §8.1 asks).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Optional

import pandas as pd
from dateutil.relativedelta import relativedelta

Span = tuple[dt.date, dt.date]
ACCOUNTS = ["Acme", "Bolt", "Cori", "Dune", "Echo", "Fjord"]


def make_rows(seed: int = 7) -> pd.DataFrame:
    """About 1,500 sales rows from 2021-01-04 to 2023-06-28; Fjord buys only in 2022."""
    rnd = random.Random(seed)
    rows = []
    day = dt.date(2021, 1, 4)
    while day <= dt.date(2023, 6, 28):
        for _ in range(rnd.randint(0, 3)):
            account = rnd.choice(ACCOUNTS[:5] + (["Fjord"] * 2 if day.year == 2022 else []))
            weight = {"Acme": 5, "Bolt": 3}.get(account, 1)
            rows.append({"Date": dt.datetime.combine(day, dt.time()), "Account": account,
                         "Amount": float(rnd.randint(1, 100) * weight)})
        day += dt.timedelta(days=rnd.choice([1, 1, 2]))
    return pd.DataFrame(rows)


def span(period: str) -> Span:
    """The first and last day of a period written as SPEC §2.2 writes it (no fiscal periods)."""
    if len(period) == 4:
        y = int(period)
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if "-Q" in period:
        y, q = int(period[:4]), int(period[-1])
        first = dt.date(y, 3 * q - 2, 1)
        return first, first + relativedelta(months=3) - dt.timedelta(days=1)
    if "-W" in period:
        first = dt.date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
        return first, first + dt.timedelta(days=6)
    if len(period) == 7:
        first = dt.date(int(period[:4]), int(period[5:]), 1)
        return first, first + relativedelta(months=1) - dt.timedelta(days=1)
    d = dt.date.fromisoformat(period)
    return d, d


def units(n: int, unit: str) -> relativedelta:
    return {"day": relativedelta(days=n), "week": relativedelta(days=7 * n), "month": relativedelta(months=n),
            "quarter": relativedelta(months=3 * n), "year": relativedelta(months=12 * n)}[unit]


def back(s: Span, n: int, unit: str) -> Span:
    """prev(k, n, unit): [start − n units, (end + 1 day) − n units − 1 day]."""
    one = dt.timedelta(days=1)
    return s[0] - units(n, unit), s[1] + one - units(n, unit) - one


def window(s: Span, n: int, unit: str) -> Span:
    """rolling(k, n, unit): [(end + 1 day) − n units, end]."""
    return s[1] + dt.timedelta(days=1) - units(n, unit), s[1]


def rows_in(df: pd.DataFrame, s: Span, account: Optional[str] = None) -> pd.DataFrame:
    days = df["Date"]
    keep = (days >= pd.Timestamp(s[0])) & (days <= pd.Timestamp(s[1]))
    if account is not None:
        keep &= df["Account"] == account
    return df[keep]


def measure(df: pd.DataFrame, func: str, s: Span, account: Optional[str] = None) -> float:
    """A measure over a span: NaN (#N/A) wholly outside the data; sum/count 0 inside without rows."""
    first, last = df["Date"].min().date(), df["Date"].max().date()
    if s[1] < first or s[0] > last:
        return math.nan
    got = rows_in(df, s, account)["Amount"]
    if func == "sum":
        return float(got.sum())
    if func == "count":
        return float(len(got))
    if len(got) == 0:
        return math.nan
    return float({"average": got.mean, "max": got.max, "min": got.min}[func]())


def per_account(df: pd.DataFrame, func: str, s: Span, accounts: list[str] = ACCOUNTS) -> dict[str, float]:
    """:func:`measure` for each account, with one filter and one groupby."""
    first, last = df["Date"].min().date(), df["Date"].max().date()
    if s[1] < first or s[0] > last:
        return {a: math.nan for a in accounts}
    grouped = rows_in(df, s).groupby("Account")["Amount"]
    got = {"sum": grouped.sum, "count": grouped.count, "average": grouped.mean, "max": grouped.max,
           "min": grouped.min}[func]().to_dict()
    empty = 0.0 if func in ("sum", "count") else math.nan
    return {a: float(got.get(a, empty)) for a in accounts}
