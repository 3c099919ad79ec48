"""A restaurant: the VIP guest, Giulia Romano, who hosts business dinners every week, is the key
account among the guests with a loyalty card (the others are walk-ins, with no guest name).

KPIs: average customer rating, revenue per table and table turnover (SPEC §6), from the
till (one row a table seated), the review sites and the monthly capacity plan.
"""

from __future__ import annotations

import datetime as dt
import random

from .common import Example, Headline, Row, Series, Sheet, days, months, ramp, season

VIP = "Giulia Romano"
INDOOR, TERRACE = 10, 4  # tables; the terrace is open from May to September

# guest: (visit weight as (YYYY-MM, weight) points, usual party size, spend factor)
GUESTS: dict[str, tuple[list[tuple[str, float]], int, float]] = {
    "Famiglia Esposito": ([("2024-01", 1.0), ("2026-10", 1.0)], 5, 0.9),
    "Marco Bassi": ([("2024-01", 0.0), ("2025-09", 0.1), ("2026-03", 1.3), ("2026-10", 1.6)], 2, 1.25),
    "Studio Legale Neri": ([("2024-01", 1.8), ("2025-03", 1.4), ("2026-01", 0.2), ("2026-10", 0.1)], 4, 1.3),
    "Paolo Ferri": ([("2024-01", 0.6), ("2026-10", 0.6)], 2, 1.0),
    "Anna Galli": ([("2024-01", 0.5), ("2026-10", 0.7)], 2, 1.05),
    "Luca Moretti": ([("2024-01", 0.45), ("2026-10", 0.3)], 3, 0.95),
    "Sofia Marchetti": ([("2024-06", 0.0), ("2024-07", 0.5), ("2026-10", 0.5)], 2, 1.1),
    "Dario e Lisa Conte": ([("2024-01", 0.35), ("2026-10", 0.4)], 2, 1.2),
    "Hotel Miramare": ([("2024-01", 0.7), ("2026-10", 0.8)], 6, 0.85),
    "Elena Fabbri": ([("2024-01", 0.3), ("2026-10", 0.3)], 2, 1.0),
    "Roberto Villa": ([("2024-01", 0.5), ("2025-06", 0.5), ("2025-07", 0.0)], 3, 1.0),
    "Chiara De Luca": ([("2024-01", 0.25), ("2026-10", 0.35)], 2, 1.15),
    "Tecnomar SpA": ([("2024-01", 0.3), ("2026-10", 0.6)], 6, 1.2),
    "Giorgio Sala": ([("2024-01", 0.2), ("2026-10", 0.2)], 2, 0.9),
}
ATTRIBUTES: list[Row] = [  # account, member since, strategic_value, engagement
    [VIP, dt.date(2019, 4, 1), 5, 5],
    ["Famiglia Esposito", dt.date(2016, 9, 1), 3, 4],
    ["Marco Bassi", dt.date(2025, 9, 1), 4, 5],  # food writer: brings press
    ["Studio Legale Neri", dt.date(2018, 2, 1), 4, 2],
    ["Paolo Ferri", dt.date(2020, 5, 1), 2, 3],
    ["Anna Galli", dt.date(2021, 3, 1), 2, 4],
    ["Luca Moretti", dt.date(2017, 11, 1), 2, 2],
    ["Sofia Marchetti", dt.date(2024, 7, 1), 3, 5],
    ["Dario e Lisa Conte", dt.date(2022, 1, 1), 2, 3],
    ["Hotel Miramare", dt.date(2015, 6, 1), 4, 3],  # sends its guests
    ["Elena Fabbri", dt.date(2023, 2, 1), 1, 2],
    ["Roberto Villa", dt.date(2019, 8, 1), 2, 1],
    ["Chiara De Luca", dt.date(2022, 10, 1), 2, 4],
    ["Tecnomar SpA", dt.date(2020, 1, 1), 3, 2],
    ["Giorgio Sala", dt.date(2021, 6, 1), 1, 1],
]
PLATFORMS = ["Google", "Google", "TripAdvisor", "TheFork"]


def is_open(day: dt.date) -> bool:
    if day.weekday() == 0:  # closed on Mondays
        return False
    if day.month == 1 and 7 <= day.day <= 20:  # winter break
        return False
    return not (day.month == 8 and 12 <= day.day <= 18)  # Ferragosto week


def services(day: dt.date) -> list[str]:
    if not is_open(day):
        return []
    return ["lunch", "dinner"] if day.weekday() >= 4 else ["dinner"]


def tables(day: dt.date) -> int:
    return INDOOR + (TERRACE if 5 <= day.month <= 9 else 0)


def _turns(day: dt.date, service: str) -> float:
    """How many times each table is seated in a service, on average."""
    wd = day.weekday()
    base = {"lunch": 1.25 if wd == 6 else 0.95, "dinner": 1.75 if wd in (4, 5) else (1.0 if wd == 6 else 1.15)}
    busy = season(day, 0.12, 7) * (1.1 if day.month == 12 else 1.0)
    slump = ramp(day, [("2024-01", 1.0), ("2026-06", 1.02), ("2026-10", 0.9)])  # a new chef, mixed reviews
    return base[service] * busy * slump


def _price(day: dt.date) -> float:
    return 1.0 + 0.035 * (day.year - 2024) + 0.003 * (day.month - 1)


def till(rnd: random.Random) -> list[Row]:
    """One row a table seated: date, service, table, guest (blank for walk-ins), covers, amount, minutes."""
    rows: list[Row] = []
    names = list(GUESTS)
    for day in days():
        for service in services(day):
            n = tables(day)
            seated = min(2 * n, max(0, round(n * _turns(day, service) * rnd.uniform(0.8, 1.15))))
            vip = service == "dinner" and ((day.weekday() == 3 and rnd.random() < 0.9) or
                                           (day.weekday() == 5 and rnd.random() < 0.3))
            for i in range(seated):
                guest, party, spend = None, rnd.choices([1, 2, 3, 4, 5, 6], [8, 45, 15, 22, 5, 5])[0], 1.0
                if vip and i == 0:
                    guest, party, spend = VIP, rnd.randint(4, 8), 1.45
                elif rnd.random() < 0.05:
                    weights = [ramp(day, GUESTS[g][0]) for g in names]
                    guest = rnd.choices(names, weights)[0]
                    party, spend = max(1, GUESTS[guest][1] + rnd.randint(-1, 1)), GUESTS[guest][2]
                per_cover = (27.0 if service == "lunch" else 49.0) * _price(day) * spend
                amount = round(party * per_cover * rnd.lognormvariate(0, 0.18), 2)
                minutes = (rnd.randint(50, 80) if service == "lunch" else rnd.randint(85, 135)) + 5 * party
                rows.append([day, service, f"T{rnd.randint(1, n)}", guest, party, amount, minutes])
    return rows


def reviews(rnd: random.Random, checks: list[Row]) -> list[Row]:
    """About one table in twelve leaves a rating (1-5); loyalty-card guests rate on their card."""
    rows: list[Row] = []
    for day, _service, _table, guest, *_rest in checks:
        if rnd.random() > 0.085:
            continue
        assert isinstance(day, dt.date)
        mood = ramp(day, [("2024-01", 4.5), ("2025-12", 4.62), ("2026-06", 4.58), ("2026-10", 4.18)])
        rating = min(5, max(1, round(rnd.gauss(mood + (0.2 if guest else 0.0), 0.62))))
        platform = "Loyalty card" if guest else rnd.choice(PLATFORMS)
        rows.append([day + dt.timedelta(days=rnd.randint(0, 3)), guest, platform, rating])
    rows.sort(key=lambda r: (r[0], r[2]))
    return [r for r in rows if r[0] <= dt.date(2026, 10, 31)]  # type: ignore[operator]


def capacity() -> list[Row]:
    rows: list[Row] = []
    for month in months():
        open_days = [d for d in days(month, (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                                     - dt.timedelta(days=1)) if services(d)]
        count = sum(len(services(d)) for d in open_days)
        rows.append([month, tables(month), count, sum(len(services(d)) * tables(d) for d in open_days)])
    return rows


def build(rnd: random.Random) -> Example:
    checks = till(rnd)
    return Example(
        name="restaurant",
        title="Restaurant: KPIs and key accounts",
        subtitle=f"An osteria whose VIP guest, {VIP}, hosts business dinners every week. "
                 "Every number on this sheet is a kpisheet function over the Checks, Reviews and Capacity sheets.",
        sheets=[
            Sheet("Checks", ["Date", "Service", "Table", "Guest", "Covers", "Amount", "Minutes"], checks,
                  {"Date": "yyyy-mm-dd", "Amount": "#,##0.00"}, {"Guest": 20}),
            Sheet("Reviews", ["Date", "Guest", "Platform", "Rating"], reviews(rnd, checks),
                  {"Date": "yyyy-mm-dd"}, {"Guest": 20, "Platform": 14}),
            Sheet("Capacity", ["Month", "Tables", "Services", "Table services"], capacity(),
                  {"Month": "yyyy-mm"}, {"Table services": 14}),
            Sheet("Guests", ["account", "member_since", "strategic_value", "engagement"], ATTRIBUTES,
                  {"member_since": "yyyy-mm-dd"}, {"account": 20, "member_since": 14}),
        ],
        headline=[
            Headline("average_rating", "What guests say about us, 1 to 5"),
            Headline("revenue_per_table", "Net revenue each table brings in a month"),
            Headline("table_turnover", "Times each table is seated in a service"),
            Headline("spend_per_cover", "What a guest spends, on average"),
            Headline("spend_per_cover", f"What {VIP}'s guests spend, on average", VIP),
        ],
        key_account=VIP,
        card=[Headline("seatings", "Visits this month", VIP),
              Headline("covers", "Guests brought this month", VIP),
              Headline("revenue_12m", "Spent, last 12 months", VIP)],
        series=[Series("revenue_per_table", "Revenue per table (EUR)"),
                Series("average_rating", "Average rating (right axis)", secondary_axis=True)],
        chart_title="Revenue per table and average rating, per month",
        formats={"visits": "0", "spend_share": "0.0%", "strategic_value": "0", "engagement": "0",
                 "average_rating": "0.00", "table_turnover": "0.00", "spend_per_cover": "#,##0.00",
                 "tables": "0.0", "seatings": "#,##0", "covers": "#,##0", "table_services": "#,##0"},
    )
