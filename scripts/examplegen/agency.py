"""A digital-marketing agency: Lumina Cosmetics, a high-profile brand running several campaigns
at once, is the key account.

KPIs: conversion rate, click-through rate and return on ad spend (SPEC §6), from a daily
export of the ad platforms (one row a campaign a day), and the agency's own fees.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from .common import END, Example, Headline, Row, Series, Sheet, days, month_end, months, poisson, ramp, season

LUMINA = "Lumina Cosmetics"

# channel: (cost per thousand impressions EUR, click-through rate, conversion rate)
CHANNELS = {
    "Search": (45.0, 0.048, 0.052),
    "Social": (8.0, 0.0115, 0.019),
    "Display": (3.0, 0.0038, 0.011),
    "Video": (12.0, 0.0065, 0.008),
}


@dataclass(frozen=True)
class Campaign:
    client: str
    name: str
    channel: str
    start: dt.date
    end: dt.date
    budget: float  # EUR a day, before seasonality


# client: (average order value EUR, conversion-rate factor, monthly retainer EUR, fee on media spend)
CLIENTS: dict[str, tuple[float, float, float, float]] = {
    LUMINA: (78.0, 1.4, 9000, 0.12),
    "Verde Bikes": (880.0, 0.12, 3500, 0.10),
    "Casa Bella Furniture": (410.0, 0.17, 4000, 0.10),
    "Nimbus Travel": (520.0, 0.17, 4500, 0.10),
    "FitNow Gyms": (95.0, 0.55, 2500, 0.12),
    "Polaris Insurance": (310.0, 0.2, 5000, 0.10),
    "Urban Sneakers": (115.0, 0.67, 3000, 0.12),
    "EcoHome Energy": (650.0, 0.11, 3000, 0.10),
    "Artisan Coffee Co": (42.0, 1.25, 1800, 0.12),
    "Mondo Books": (31.0, 1.6, 1500, 0.12),
}
ACCOUNTS: list[Row] = [  # account, sector, strategic_value, growth_potential, engagement
    [LUMINA, "Beauty", 5, 4, 5],
    ["Verde Bikes", "Sport", 3, 4, 4],
    ["Casa Bella Furniture", "Home", 3, 2, 3],
    ["Nimbus Travel", "Travel", 4, 5, 4],
    ["FitNow Gyms", "Fitness", 2, 3, 3],
    ["Polaris Insurance", "Insurance", 4, 2, 2],
    ["Urban Sneakers", "Fashion", 3, 3, 4],
    ["EcoHome Energy", "Energy", 3, 4, 2],
    ["Artisan Coffee Co", "Food", 2, 2, 5],
    ["Mondo Books", "Retail", 1, 2, 3],
    ["Stella Motors", "Automotive", 5, 5, 2],  # pitched in 2026: no campaign yet
]


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def campaigns(rnd: random.Random) -> list[Campaign]:
    """Always-on campaigns and seasonal bursts; Lumina Cosmetics runs several at any time."""
    c = Campaign
    out = [
        c(LUMINA, "Lumina Always-on Search", "Search", _d("2024-01-01"), END, 620),
        c(LUMINA, "Lumina Social Glow", "Social", _d("2024-01-01"), END, 480),
        c(LUMINA, "Lumina Retargeting", "Display", _d("2025-02-01"), END, 210),
        c(LUMINA, "Lumina Creators", "Social", _d("2026-04-01"), END, 380),
        c("Verde Bikes", "Verde Search", "Search", _d("2024-01-01"), END, 300),
        c("Casa Bella Furniture", "Casa Bella Search", "Search", _d("2024-01-01"), _d("2026-02-28"), 340),
        c("Casa Bella Furniture", "Casa Bella Display", "Display", _d("2024-01-01"), _d("2025-06-30"), 150),
        c("Nimbus Travel", "Nimbus Search", "Search", _d("2024-06-01"), END, 260),
        c("Nimbus Travel", "Nimbus Social", "Social", _d("2025-03-01"), END, 330),
        c("FitNow Gyms", "FitNow Social", "Social", _d("2024-01-01"), END, 170),
        c("Polaris Insurance", "Polaris Search", "Search", _d("2024-01-01"), _d("2025-04-30"), 420),
        c("Urban Sneakers", "Urban Social", "Social", _d("2024-09-01"), END, 240),
        c("EcoHome Energy", "EcoHome Search", "Search", _d("2025-09-01"), END, 230),
        c("Artisan Coffee Co", "Artisan Social", "Social", _d("2024-01-01"), END, 80),
        c("Mondo Books", "Mondo Search", "Search", _d("2024-01-01"), _d("2025-12-31"), 70),
    ]
    for year in (2024, 2025, 2026):  # the seasonal bursts
        out.append(c(LUMINA, f"Lumina Spring Launch {year}", "Video", _d(f"{year}-03-01"), _d(f"{year}-05-15"), 520))
        out.append(c(LUMINA, f"Lumina Summer Glow {year}", "Social", _d(f"{year}-06-01"), _d(f"{year}-08-15"), 300))
        out.append(c("Verde Bikes", f"Verde Spring {year}", "Video", _d(f"{year}-03-15"), _d(f"{year}-05-31"), 220))
        out.append(c("Urban Sneakers", f"Urban Back to School {year}", "Display", _d(f"{year}-08-15"),
                     _d(f"{year}-09-30"), 160))
        if year < 2026:
            out.append(c(LUMINA, f"Lumina Holiday {year}", "Display", _d(f"{year}-11-01"), _d(f"{year}-12-31"), 700))
            out.append(c("Nimbus Travel", f"Nimbus Winter Deals {year}", "Display", _d(f"{year}-11-15"),
                         _d(f"{year + 1}-01-31"), 250))
    out.append(c(LUMINA, "Lumina Autumn Video 2026", "Video", _d("2026-09-01"), END, 560))
    rnd.shuffle(out)
    out.sort(key=lambda x: (x.start, x.client, x.name))
    return out


def stats(rnd: random.Random, all_campaigns: list[Campaign]) -> list[Row]:
    """One row a campaign a day: impressions, clicks, conversions, spend and conversion value."""
    rows: list[Row] = []
    for day in days():
        weekday = 0.86 if day.weekday() >= 5 else 1.05
        holidays = season(day, 0.22, 11.5)  # November-December peak, summer low
        tracking = ramp(day, [("2024-01", 1.0), ("2025-12", 0.97), ("2026-10", 0.80)])  # consent and cookie loss
        for camp in all_campaigns:
            if not camp.start <= day <= camp.end:
                continue
            cpm, ctr, cvr = CHANNELS[camp.channel]
            aov, factor, _retainer, _fee = CLIENTS[camp.client]
            growth = 1.0 + (0.35 if camp.client == "Nimbus Travel" else 0.0) * (day.year - 2024)
            spend = camp.budget * growth * holidays * weekday * rnd.uniform(0.85, 1.15)
            impressions = round(spend / cpm * 1000 * rnd.uniform(0.9, 1.1))
            clicks = poisson(rnd, impressions * ctr * rnd.uniform(0.85, 1.12))
            conversions = poisson(rnd, clicks * cvr * factor * tracking * rnd.uniform(0.8, 1.2))
            value = round(sum(aov * rnd.uniform(0.6, 1.5) for _ in range(conversions)), 2)
            rows.append([day, camp.client, camp.name, camp.channel, impressions, clicks, conversions,
                         round(spend, 2), value])
    return rows


def fees(rows: list[Row]) -> list[Row]:
    """The agency's invoices: a monthly retainer per active client and a fee on the media it bought."""
    spend: dict[tuple[str, dt.date], float] = {}
    for day, client, *_rest, cost, _value in rows:
        assert isinstance(day, dt.date) and isinstance(client, str) and isinstance(cost, float)
        key = (client, day.replace(day=1))
        spend[key] = spend.get(key, 0.0) + cost
    out: list[Row] = []
    for month in months():
        for client, (_aov, _factor, retainer, fee) in CLIENTS.items():
            media = spend.get((client, month))
            if media is None:
                continue
            out.append([month_end(month), client, "Retainer", float(retainer)])
            out.append([month_end(month), client, "Media fee", round(media * fee, 2)])
    return out


def build(rnd: random.Random) -> Example:
    daily = stats(rnd, campaigns(rnd))
    return Example(
        name="agency",
        title="Digital-marketing agency: KPIs and key accounts",
        subtitle=f"An agency whose key account, {LUMINA}, runs several campaigns at once. "
                 "Every number on this sheet is a kpisheet function over the Campaigns and Fees sheets.",
        sheets=[
            Sheet("Campaigns", ["Date", "Client", "Campaign", "Channel", "Impressions", "Clicks", "Conversions",
                                "Spend", "Conversion value"], daily,
                  {"Date": "yyyy-mm-dd", "Spend": "#,##0.00", "Conversion value": "#,##0.00"},
                  {"Client": 20, "Campaign": 28}),
            Sheet("Fees", ["Date", "Client", "Type", "Amount"], fees(daily),
                  {"Date": "yyyy-mm-dd", "Amount": "#,##0.00"}, {"Client": 20}),
            Sheet("Accounts", ["account", "sector", "strategic_value", "growth_potential", "engagement"],
                  ACCOUNTS, widths={"account": 20}),
        ],
        headline=[
            Headline("conversion_rate", "Share of clicks that become a sale or a lead"),
            Headline("ctr", "Share of ad impressions that get a click"),
            Headline("roas", "Sales value per euro of media spend"),
            Headline("roas", f"Return on ad spend for {LUMINA}", LUMINA),
            Headline("conversion_rate", f"Conversion rate of the campaigns for {LUMINA}", LUMINA),
        ],
        key_account=LUMINA,
        card=[Headline("active_campaigns", "Campaigns running", LUMINA),
              Headline("agency_revenue", "Fees this month", LUMINA),
              Headline("media_spend", "Media spend this month", LUMINA)],
        series=[Series("roas", "All clients"), Series("roas", LUMINA, LUMINA)],
        chart_title=f"Return on ad spend per month: all clients and {LUMINA}",
        chart_format="0.0",
        formats={"fee_share": "0.0%", "strategic_value": "0", "growth_potential": "0", "running": "0", "performance": "0.0",
                 "roas": '0.00"x"', "active_campaigns": "0", "ctr": "0.00%", "conversion_rate": "0.00%"},
    )
