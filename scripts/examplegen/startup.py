"""A young SaaS company: Client A brings most of the revenue and is the key account.

KPIs: monthly revenue growth and customer concentration (SPEC §6), with seat
activation from the product's daily usage export, and revenue against a budget per month
and client (the Budget sheet).
"""

from __future__ import annotations

import datetime as dt
import math
import random

from .common import Example, Headline, Row, Series, Sheet, months

# name: (monthly base, first month index, growth per month, churn month index or None)
CLIENTS = {
    "Client A": (52000, 0, 0.012, None),
    "Brightwave": (9000, 2, 0.02, None),
    "Nordlys Retail": (6500, 5, 0.015, 27),
    "Castello Foods": (4800, 8, 0.03, None),
    "Helix Labs": (3000, 14, 0.06, None),
    "Mistral Mobility": (2500, 20, 0.08, None),
    "Orto Verde": (1800, 11, 0.0, 22),
    "Quanta Health": (2200, 26, 0.10, None),
}
PRODUCTS = ["Subscription", "Onboarding", "Support", "Add-on"]
ACCOUNTS: list[Row] = [
    ["Client A", "Enterprise", 5, 4], ["Brightwave", "Mid-market", 4, 5], ["Nordlys Retail", "Mid-market", 2, 2],
    ["Castello Foods", "SMB", 3, 4], ["Helix Labs", "SMB", 4, 5], ["Mistral Mobility", "SMB", 3, 3],
    ["Orto Verde", "SMB", 1, 1], ["Quanta Health", "Mid-market", 5, 4], ["Aurora Bank", "Enterprise", 5, 2],
]
# how much of its licensed seats each client uses on a working day (before noise)
ACTIVATION = {"Client A": 0.74, "Brightwave": 0.81, "Nordlys Retail": 0.48, "Castello Foods": 0.66,
              "Helix Labs": 0.86, "Mistral Mobility": 0.58, "Orto Verde": 0.35, "Quanta Health": 0.79}
SEAT_PRICE = 95.0  # EUR a seat a month


def invoices(rnd: random.Random) -> tuple[list[Row], dict[tuple[str, int], float]]:
    """Invoice lines, and each client's monthly amount (before it is split into lines)."""
    out: list[Row] = []
    billed: dict[tuple[str, int], float] = {}
    for i, month in enumerate(months()):
        season = 1 + 0.06 * math.sin(2 * math.pi * (month.month - 3) / 12)
        for name, (base, first, growth, churn) in CLIENTS.items():
            if i < first or (churn is not None and i >= churn):
                continue
            amount = base * (1 + growth) ** (i - first) * season * rnd.uniform(0.9, 1.1)
            if name == "Client A" and month.year == 2026 and month.month >= 8:
                amount *= 0.82  # Client A trims its licence count: growth turns negative
            billed[(name, i)] = amount
            for _ in range(rnd.randint(1, 3)):
                share = rnd.uniform(0.25, 0.6)
                day = month + dt.timedelta(days=rnd.randint(0, 27))
                status = "cancelled" if rnd.random() < 0.04 else "paid"
                product = rnd.choice(PRODUCTS)
                out.append([day, name, product, round(amount * share, 2), status])
                if status == "cancelled":  # a wrong invoice is cancelled and issued again, corrected
                    again = min(day + dt.timedelta(days=4), month + dt.timedelta(days=27))
                    out.append([again, name, product, round(amount * share * 0.97, 2), "paid"])
                amount *= 1 - share
            out.append([month + dt.timedelta(days=27), name, "Subscription", round(amount, 2), "paid"])
    out.sort(key=lambda r: (r[0], r[1]))
    return out, billed


def budget() -> list[Row]:
    """The budget: one line per client and month of 2025 and 2026, planned at the start of each year.

    Planned from each client's trend (no noise, no seasonality, rounded to hundreds), for the
    clients that bought before the plan was made: a client won during the year has no line, so
    its revenue has no target there (SPEC §8.3), and a client that churns keeps its plan. No
    random draw is taken, so the other sheets stay what they were.
    """
    out: list[Row] = []
    all_months = months(dt.date(2024, 1, 1), dt.date(2026, 12, 1))
    for i, month in enumerate(all_months):
        if month.year < 2025:
            continue
        planned_at = all_months.index(dt.date(month.year, 1, 1))
        for name, (base, first, growth, churn) in CLIENTS.items():
            if first > planned_at or (churn is not None and churn <= planned_at):
                continue
            out.append([month, name, round(base * (1 + growth) ** (i - first) / 100) * 100])
    return out


def usage(rnd: random.Random, billed: dict[tuple[str, int], float]) -> list[Row]:
    """The product's daily usage export: licensed seats and active users per client and day."""
    out: list[Row] = []
    for i, month in enumerate(months()):
        day = month
        while day.month == month.month:
            for name in CLIENTS:
                if (name, i) not in billed:
                    continue
                seats = max(5, round(billed[(name, i)] * 0.8 / SEAT_PRICE / 5) * 5)
                rate = ACTIVATION[name]
                if name == "Client A" and (month.year, month.month) >= (2026, 6):
                    rate -= 0.012 * (month.month - 5)  # the warning sign before the licence cut
                if day.weekday() >= 5:
                    rate *= 0.18
                active = min(seats, max(0, round(seats * rate * rnd.uniform(0.88, 1.1))))
                out.append([day, name, seats, active, round(active / seats, 4)])
            day += dt.timedelta(days=1)
    return out


def build(rnd: random.Random) -> Example:
    lines, billed = invoices(rnd)
    return Example(
        name="startup",
        title="Startup: KPIs and key accounts",
        subtitle="A young SaaS company where Client A brings most of the revenue. "
                 "Every number on this sheet is a kpisheet function over the Invoices, Usage and Budget sheets.",
        sheets=[
            Sheet("Invoices", ["Date", "Client", "Product", "Amount", "Status"], lines,
                  {"Date": "yyyy-mm-dd", "Amount": "#,##0.00"}, {"Client": 18}),
            Sheet("Usage", ["Date", "Client", "Seats", "Active users", "Activation"], usage(rnd, billed),
                  {"Date": "yyyy-mm-dd", "Activation": "0.0%"}, {"Client": 18}),
            Sheet("Accounts", ["account", "segment", "strategic_value", "engagement"], ACCOUNTS,
                  widths={"account": 18}),
            Sheet("Budget", ["Month", "Client", "Budget"], budget(),
                  {"Month": "yyyy-mm", "Budget": "#,##0"}, {"Client": 18}),
        ],
        headline=[
            Headline("revenue_growth", "Is revenue still growing month over month?"),
            Headline("customer_concentration", "How much of our revenue hangs on Client A?"),
            Headline("revenue_hhi", "How concentrated is revenue across all clients?"),
            Headline("revenue", "Net revenue of the month against budget, all clients"),
            Headline("revenue_yoy", "Is revenue growing on the same month last year?"),
            Headline("client_a_revenue", "Is Client A's monthly revenue where the plan has it?"),
            Headline("seat_activation", "Does Client A use the seats it pays for?", "Client A"),
        ],
        key_account="Client A",
        card=[Headline("revenue", "Revenue this month", "Client A"),
              Headline("revenue_3m", "Revenue, last 3 months", "Client A"),
              Headline("revenue_growth", "Growth on last month", "Client A")],
        series=[Series("revenue", "All clients"), Series("revenue", "Client A", "Client A")],
        chart_title="Net revenue per month (EUR): all clients and Client A",
        formats={"revenue_hhi": "0.000", "revenue_share": "0.0%", "growth": "0.0%", "strategic_value": "0", "engagement": "0"},
    )
