"""A management consultancy: a large multinational, Globex International, is the key account.

KPIs: client satisfaction, project completion time and revenue per consultant (SPEC §6).
Projects are staffed week by week from the consultants employed; timesheets, invoices
and surveys follow from the staffing, so the numbers agree with each other.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Optional

from .common import END, START, Example, Headline, Row, Series, Sheet, month_end, mondays, months, ramp, \
    season

GLOBEX = "Globex International"

# client: (weight of new projects as (YYYY-MM, weight) points, day rate EUR, satisfaction as points)
CLIENTS: dict[str, tuple[list[tuple[str, float]], float, list[tuple[str, float]]]] = {
    GLOBEX: ([("2024-01", 0.22), ("2026-10", 0.22)], 1150, [("2024-01", 8.4), ("2025-12", 8.3), ("2026-10", 7.5)]),
    "Banca Alpina": ([("2024-01", 0.12), ("2026-10", 0.10)], 1300, [("2024-01", 8.8), ("2026-10", 8.9)]),
    "Vitalis Pharma": ([("2024-01", 0.03), ("2025-06", 0.08), ("2026-06", 0.17)], 1350,
                       [("2024-01", 8.6), ("2026-10", 9.0)]),
    "Atlas Insurance": ([("2024-01", 0.15), ("2025-03", 0.08), ("2026-03", 0.02)], 1200,
                        [("2024-01", 8.1), ("2026-10", 7.4)]),
    "Solaris Energy": ([("2025-02", 0.0), ("2025-03", 0.06), ("2026-10", 0.12)], 1250,
                       [("2025-03", 8.7), ("2026-10", 8.8)]),
    "Nordic Freight": ([("2024-01", 0.06), ("2026-10", 0.05)], 1100, [("2024-01", 8.3), ("2026-10", 8.5)]),
    "Kappa Retail": ([("2024-01", 0.05), ("2026-10", 0.06)], 1050, [("2024-01", 8.0), ("2026-10", 8.2)]),
    "Orion Telecom": ([("2024-01", 0.07), ("2026-10", 0.06)], 1200, [("2024-01", 8.5), ("2026-10", 8.4)]),
    "Delta Logistics": ([("2024-01", 0.04), ("2026-10", 0.04)], 1000, [("2024-01", 7.9), ("2026-10", 8.1)]),
    "Comune di Torino": ([("2024-01", 0.05), ("2026-10", 0.05)], 900, [("2024-01", 8.2), ("2026-10", 8.3)]),
    "Helios Utilities": ([("2024-01", 0.04), ("2026-10", 0.05)], 1100, [("2024-01", 8.4), ("2026-10", 8.6)]),
    "Zenit Software": ([("2024-01", 0.04), ("2025-05", 0.04), ("2025-06", 0.0)], 1150,
                       [("2024-01", 7.8), ("2026-10", 7.8)]),
}
ACCOUNTS: list[Row] = [  # account, industry, region, strategic_value, growth_potential, relationship
    [GLOBEX, "Manufacturing", "Global", 5, 4, 5],
    ["Banca Alpina", "Banking", "Italy", 4, 2, 4],
    ["Vitalis Pharma", "Pharma", "Europe", 4, 5, 4],
    ["Atlas Insurance", "Insurance", "Europe", 3, 1, 2],
    ["Solaris Energy", "Energy", "Europe", 4, 5, 3],
    ["Nordic Freight", "Logistics", "Nordics", 2, 3, 3],
    ["Kappa Retail", "Retail", "Italy", 2, 2, 3],
    ["Orion Telecom", "Telecom", "Europe", 3, 2, 3],
    ["Delta Logistics", "Logistics", "Italy", 2, 2, 2],
    ["Comune di Torino", "Public sector", "Italy", 3, 2, 4],
    ["Helios Utilities", "Energy", "Italy", 2, 3, 3],
    ["Zenit Software", "Technology", "Europe", 1, 1, 1],
    ["Aquila Aerospace", "Aerospace", "Europe", 5, 4, 2],  # a prospect: no project yet
]
TYPES = {  # project type: (planned weeks low, high, team size low, high)
    "Strategy": (4, 8, 2, 3), "Operations": (6, 14, 2, 4), "Digital": (8, 16, 2, 4),
    "Due diligence": (2, 4, 1, 2), "Change management": (6, 12, 2, 3),
}
FIRST = ["Anna", "Luca", "Sara", "Marco", "Giulia", "Paolo", "Elena", "Davide", "Chiara", "Matteo", "Laura",
         "Andrea", "Francesca", "Stefano", "Valentina", "Simone", "Marta", "Alessandro", "Irene", "Federico",
         "Silvia", "Tommaso", "Beatrice", "Nicola", "Alice", "Pietro", "Camilla", "Riccardo", "Martina", "Giorgio"]
LAST = ["Ricci", "Bianchi", "Conti", "Greco", "Marino", "Costa", "Fontana", "Gallo", "Moretti", "Lombardi",
        "Barbieri", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Vitale"]


@dataclass
class Project:
    code: str
    client: str
    kind: str
    start: dt.date
    planned_weeks: int
    weeks: int  # as it turns out
    team: int
    rate: float
    staff: list[str] = field(default_factory=list)

    @property
    def planned_end(self) -> dt.date:
        return self.start + dt.timedelta(weeks=self.planned_weeks) - dt.timedelta(days=3)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(weeks=self.weeks) - dt.timedelta(days=3)


def consultants(rnd: random.Random) -> list[tuple[str, dt.date, Optional[dt.date]]]:
    """(name, hired, left): 30 at the start, hiring to about 44, some leaving."""
    names = [f"{f} {l}" for f in FIRST for l in LAST]
    rnd.shuffle(names)
    out: list[tuple[str, dt.date, Optional[dt.date]]] = []
    for i in range(30):
        left = START + dt.timedelta(days=rnd.randint(100, 1400)) if rnd.random() < 0.3 else None
        out.append((names[i], START - dt.timedelta(days=rnd.randint(30, 2000)), left))
    hire = START + dt.timedelta(days=40)
    i = 30
    while hire < END:
        left = hire + dt.timedelta(days=rnd.randint(300, 900)) if rnd.random() < 0.15 else None
        out.append((names[i], hire, left))
        i += 1
        gap = 55 if hire.year < 2026 else 110  # hiring slows in 2026
        hire += dt.timedelta(days=gap + rnd.randint(-10, 20))
    return out


def _weight(client: str, day: dt.date) -> float:
    return ramp(day, CLIENTS[client][0])


def projects(rnd: random.Random, people: list[tuple[str, dt.date, Optional[dt.date]]]) -> list[Project]:
    """The sales pipeline: new projects are won while the team planned on projects is below
    about 80 % of the consultants employed (less in summer), one chance a week at a time."""
    clients = list(CLIENTS)
    first = START - dt.timedelta(weeks=16)  # some projects are running when the data starts
    # Globex's framework agreement: a programme office staffed all the time, beside its projects
    out = [Project("P2023-PMO", GLOBEX, "Programme office", dt.date(2023, 6, 5), 200, 200, 3, CLIENTS[GLOBEX][1])]
    for week in mondays(first, END):
        employed = sum(1 for _n, hired, left in people if hired <= week and (left is None or left > week))
        goal = employed * 0.8 * season(week, 0.08, 3) * (0.8 if week.month == 8 else 1.0)
        load = sum(p.team for p in out if p.start <= week <= p.end)
        tries = 0
        while load < goal and tries < 6 and rnd.random() < 0.8:
            tries += 1
            weights = [_weight(c, week) for c in clients]
            client = rnd.choices(clients, weights)[0]
            kind = rnd.choice(list(TYPES))
            lo, hi, tlo, thi = TYPES[kind]
            planned = rnd.randint(lo, hi)
            slip = 0.97 if week < dt.date(2026, 3, 1) else 1.12
            weeks = max(2, round(planned * rnd.lognormvariate(0, 0.18) * slip))
            team = rnd.randint(tlo, thi) + (1 if client == GLOBEX else 0)
            n = sum(1 for p in out if p.start.year == week.year) + 1
            out.append(Project(f"P{week.year}-{n:03d}", client, kind, week, planned, weeks, team,
                               CLIENTS[client][1] * rnd.uniform(0.95, 1.05)))
            load += team
    return out


def _pieces(week: dt.date) -> list[tuple[dt.date, int]]:
    """A week's working days split at a month's end, as timesheets are: (first day, days)."""
    out: list[tuple[dt.date, int]] = []
    for i in range(5):
        day = week + dt.timedelta(days=i)
        if out and out[-1][0].month == day.month:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((day, 1))
    return out


def staffing(rnd: random.Random, people: list[tuple[str, dt.date, Optional[dt.date]]],
             work: list[Project]) -> list[Row]:
    """Timesheets: each employed consultant books a week to a project, or to internal time."""
    rows: list[Row] = []
    for week in mondays():
        employed = [n for n, hired, left in people if hired <= week and (left is None or left > week)]
        running = [p for p in work if p.start <= week <= p.end]
        busy: set[str] = set()
        booked: list[tuple[str, Optional[str], str, int, str]] = []
        for p in sorted(running, key=lambda p: (p.start, p.code)):
            p.staff = [s for s in p.staff if s in employed and s not in busy]
            free = [n for n in employed if n not in busy and n not in p.staff]
            rnd.shuffle(free)
            p.staff += free[:max(0, p.team - len(p.staff))]
            busy.update(p.staff)
            for name in p.staff:
                if rnd.random() < 0.08:  # holiday or sick leave
                    continue
                booked.append((name, p.client, p.code, rnd.choice([32, 36, 40, 40, 40, 44]), "yes"))
        for name in employed:
            if name not in busy and rnd.random() > 0.08:
                booked.append((name, None, "Internal", rnd.choice([24, 32, 40]), "no"))
        for day, count in _pieces(week):
            for name, client, code, hours, billable in booked:
                rows.append([day, name, client, code, round(hours * count / 5, 1), billable])
    return rows


def invoices(rnd: random.Random, timesheets: list[Row], work: list[Project]) -> list[Row]:
    """One invoice a project a month: the billable hours at the project's rate, a few written off."""
    rate = {p.code: p.rate / 8 for p in work}
    client = {p.code: p.client for p in work}
    hours: dict[tuple[str, dt.date], float] = {}
    for week, _name, _client, code, h, billable in timesheets:
        if billable == "yes":
            assert isinstance(week, dt.date) and isinstance(code, str) and isinstance(h, float)
            key = (code, week.replace(day=1))
            hours[key] = hours.get(key, 0.0) + h
    rows: list[Row] = []
    for (code, month), h in sorted(hours.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        amount = h * rate[code] * rnd.uniform(0.93, 1.0)
        rows.append([month_end(month), client[code], code, round(amount, 2)])
    return rows


def surveys(rnd: random.Random, work: list[Project]) -> list[Row]:
    """A pulse survey half-way through each project and one at its end, from one to three people."""
    rows: list[Row] = []
    for p in work:
        for when, moment in ((p.start + (p.end - p.start) / 2, "mid-project"), (p.end, "closing")):
            if not START <= when <= END:
                continue
            base = ramp(when, CLIENTS[p.client][2]) - (0.4 if p.weeks > p.planned_weeks * 1.2 else 0.0)
            for _ in range(rnd.randint(1, 3)):
                score = min(10, max(1, round(rnd.gauss(base, 0.9))))
                rows.append([when + dt.timedelta(days=rnd.randint(1, 9)), p.client, p.code, moment, score])
    rows = [r for r in rows if r[0] <= END]  # type: ignore[operator]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return rows


def build(rnd: random.Random) -> Example:
    people = consultants(rnd)
    work = projects(rnd, people)
    timesheets = staffing(rnd, people, work)
    project_rows: list[Row] = []
    for p in work:
        if p.start < START and p.end < START:
            continue
        done = p.end if p.end <= END else None
        project_rows.append([p.code, p.client, p.kind, p.start, p.planned_end, done, p.planned_weeks * 7 - 3,
                             (p.end - p.start).days if done else None,
                             (1 if p.end <= p.planned_end else 0) if done else None, len(p.staff) or p.team])
    headcount: list[Row] = []
    for month in months():
        mid = month + dt.timedelta(days=14)
        fte = sum(1 for _n, hired, left in people if hired <= mid and (left is None or left > mid))
        headcount.append([month, fte])
    return Example(
        name="consulting",
        title="Consultancy: KPIs and key accounts",
        subtitle=f"A management consultancy whose key account is a large multinational, {GLOBEX}. "
                 "Every number on this sheet is a kpisheet function over the data sheets.",
        sheets=[
            Sheet("Timesheets", ["Week", "Consultant", "Client", "Project", "Hours", "Billable"], timesheets,
                  {"Week": "yyyy-mm-dd"}, {"Consultant": 20, "Client": 22}),
            Sheet("Invoices", ["Date", "Client", "Project", "Amount"], invoices(rnd, timesheets, work),
                  {"Date": "yyyy-mm-dd", "Amount": "#,##0.00"}, {"Client": 22}),
            Sheet("Projects", ["Project", "Client", "Type", "Start", "Planned end", "Completed", "Planned days",
                               "Days to complete", "On time", "Team"], project_rows,
                  {"Start": "yyyy-mm-dd", "Planned end": "yyyy-mm-dd", "Completed": "yyyy-mm-dd"},
                  {"Client": 22, "Type": 18}),
            Sheet("Surveys", ["Date", "Client", "Project", "Moment", "Score"], surveys(rnd, work),
                  {"Date": "yyyy-mm-dd"}, {"Client": 22}),
            Sheet("Headcount", ["Month", "Consultants"], headcount, {"Month": "yyyy-mm"}),
            Sheet("Accounts", ["account", "industry", "region", "strategic_value", "growth_potential",
                               "relationship"], ACCOUNTS, widths={"account": 22}),
        ],
        headline=[
            Headline("client_satisfaction", "Are clients happy with our work (0-10)?"),
            Headline("completion_days", "How long do projects take to complete?"),
            Headline("revenue_per_consultant", "Revenue each consultant brings in a month"),
            Headline("client_satisfaction", f"Is {GLOBEX} satisfied?", GLOBEX),
            Headline("completion_days", f"How long do {GLOBEX}'s projects take?", GLOBEX),
        ],
        key_account=GLOBEX,
        card=[Headline("revenue", "Fees this month", GLOBEX),
              Headline("revenue_12m", "Fees, last 12 months", GLOBEX),
              Headline("billable_hours", "Hours this month", GLOBEX)],
        series=[Series("revenue", "All clients"), Series("revenue", GLOBEX, GLOBEX)],
        chart_title=f"Net revenue per month (EUR): all clients and {GLOBEX}",
        formats={"revenue_share": "0.0%", "strategic_value": "0", "growth_potential": "0", "hours": "#,##0",
                 "satisfaction": "0.0", "client_satisfaction": "0.0", "completion_days": "0",
                 "on_time_rate": "0%", "consultants": "0", "billable_hours": "#,##0"},
    )

