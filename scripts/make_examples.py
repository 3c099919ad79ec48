"""Make the example workbooks of SPEC §6 from a fixed seed.

    python scripts/make_examples.py [NAME ...]     (default: every example)

Writes templates/<name>.xlsx: realistic, seeded data (two years and more, with
seasonality and noise) for the config in config/<name>/. Same seed, same bytes
of data: rerun it after changing the generator and commit both.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parent.parent
START = dt.date(2024, 1, 1)
END = dt.date(2026, 10, 31)  # the last full month before these examples were made


def months(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    out, d = [], start.replace(day=1)
    while d <= end:
        out.append(d)
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[object]], first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet(title)
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col, name in zip("ABCDEFGHIJ", header):
        ws.column_dimensions[col].width = max(12, len(name) + 2)
        if name.lower() in ("date", "invoice date"):
            for cell in ws[col][1:]:
                cell.number_format = "yyyy-mm-dd"


def startup(rnd: random.Random) -> Workbook:
    """A young SaaS company: Client A brings most of the revenue; others come and go."""
    clients = {  # name: (monthly base, first month index, growth per month, churn month index or None)
        "Client A": (52000, 0, 0.012, None),
        "Brightwave": (9000, 2, 0.02, None),
        "Nordlys Retail": (6500, 5, 0.015, 27),
        "Castello Foods": (4800, 8, 0.03, None),
        "Helix Labs": (3000, 14, 0.06, None),
        "Mistral Mobility": (2500, 20, 0.08, None),
        "Orto Verde": (1800, 11, 0.0, 22),
        "Quanta Health": (2200, 26, 0.10, None),
    }
    products = ["Subscription", "Onboarding", "Support", "Add-on"]
    invoices: list[list[object]] = []
    for i, month in enumerate(months()):
        season = 1 + 0.06 * math.sin(2 * math.pi * (month.month - 3) / 12)
        for name, (base, first, growth, churn) in clients.items():
            if i < first or (churn is not None and i >= churn):
                continue
            amount = base * (1 + growth) ** (i - first) * season * rnd.uniform(0.9, 1.1)
            if name == "Client A" and month.year == 2026 and month.month >= 8:
                amount *= 0.82  # Client A trims its licence count: growth turns negative
            for _ in range(rnd.randint(1, 3)):
                share = rnd.uniform(0.25, 0.6)
                day = month + dt.timedelta(days=rnd.randint(0, 27))
                status = "cancelled" if rnd.random() < 0.04 else "paid"
                invoices.append([day, name, rnd.choice(products), round(amount * share, 2), status])
                amount *= 1 - share
            invoices.append([month + dt.timedelta(days=27), name, "Subscription", round(amount, 2), "paid"])
    invoices.sort(key=lambda r: (r[0], r[1]))
    accounts = [
        ["Client A", "Enterprise", 5, 4], ["Brightwave", "Mid-market", 4, 5], ["Nordlys Retail", "Mid-market", 2, 2],
        ["Castello Foods", "SMB", 3, 4], ["Helix Labs", "SMB", 4, 5], ["Mistral Mobility", "SMB", 3, 3],
        ["Orto Verde", "SMB", 1, 1], ["Quanta Health", "Mid-market", 5, 4], ["Aurora Bank", "Enterprise", 5, 2],
    ]
    wb = Workbook()
    _sheet(wb, "Invoices", ["Date", "Client", "Product", "Amount", "Status"], invoices, first=True)
    _sheet(wb, "Accounts", ["account", "segment", "strategic_value", "engagement"], accounts)
    return wb


EXAMPLES = {"startup": startup}


def main(names: list[str]) -> None:
    for name in names or list(EXAMPLES):
        wb = EXAMPLES[name](random.Random(f"kpisheet-{name}"))
        out = ROOT / "templates" / f"{name}.xlsx"
        wb.save(out)
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
