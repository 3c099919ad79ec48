"""SPEC §10 against a real PostgreSQL server: the same rows in tables give the workbook's KPIs.

The fixture starts a throwaway cluster (``initdb`` + ``pg_ctl``, trust authentication) on
127.0.0.1 at a free port, with its socket and data under a temporary folder, loads the rows
and stops it afterwards. Where no server can start (no PostgreSQL installed: ``.ci/run``
installs Debian's ``postgresql``), the tests skip and say why.
"""

from __future__ import annotations

import glob
import math
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from kpisheet.config import load_config
from kpisheet.engine.core import Engine

from .conftest import KPIS, PIPELINE, rows

psycopg = pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")

SOURCES = """sources:
  menu:
    sql: select * from menu
    connection: ${KPISHEET_TEST_PG}
    columns: {item: item_id, price: Price, category: Category}
  lines:
    sql: select * from lines
    connection: ${KPISHEET_TEST_PG}
    columns: {date: Order Date, account: Customer, item: Item, qty: Qty, status: Status}
"""


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A URL of a running throwaway PostgreSQL cluster holding ``lines`` and ``menu``."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL is not installed (initdb not found): .ci/run installs Debian's postgresql")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="kpisheet-pg-"))
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no 'postgres' user to run the server as")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = folder / "data"
    try:
        subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "kpisheet", "-N"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60", "-o",
                        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off", "start"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"a PostgreSQL server could not start here: {exc}")
    try:
        url = f"postgres://kpisheet@127.0.0.1:{port}/postgres"
        lines, menu = rows()
        with psycopg.connect(host="127.0.0.1", port=port, user="kpisheet", dbname="postgres") as con:
            con.execute('create table lines ("Order Date" timestamp, "Customer" text, "Item" text, '
                        '"Qty" double precision, "Status" text)')
            con.execute('create table menu ("item_id" text, "Price" double precision, "Category" text)')
            with con.cursor() as cur:
                cur.executemany("insert into lines values (%s, %s, %s, %s, %s)",
                                [tuple(None if v is None or v != v else v for v in (
                                    r[0].to_pydatetime() if r[0] == r[0] else None, r[1], r[2], r[3], r[4]))
                                 for r in lines.itertuples(index=False)])
                cur.executemany("insert into menu values (%s, %s, %s)", list(menu.itertuples(index=False)))
        yield url
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_postgresql_table_equals_the_workbook(server: str, same_rows: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPISHEET_TEST_PG", server)
    (same_rows / "pg").mkdir()
    (same_rows / "pg" / "kpis.yaml").write_text(SOURCES + PIPELINE + KPIS, encoding="utf-8")
    excel = Engine(load_config(same_rows / "xlsx" / "kpis.yaml"), same_rows / "book.xlsx")
    pg = Engine(load_config(same_rows / "pg" / "kpis.yaml"))
    assert pg.accounts == excel.accounts
    compared = 0
    for period in ["2024-05", "2025-Q3", "FY2025", "2025-W20", "2025", "latest"]:
        for account in [None, "Acme", "Café Rossi", "Nobody"]:
            for kpi in excel.config.kpis:
                a, b = excel.result(kpi, period, account), pg.result(kpi, period, account)
                assert (a.error, a.status, a.period) == (b.error, b.status, b.period), (kpi, period, account)
                assert (a.value is None) == (b.value is None), (kpi, period, account)
                if a.value is not None and b.value is not None:
                    assert math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9), (kpi, period, account, a, b)
                compared += 1
    assert compared == 6 * 4 * len(excel.config.kpis)


def test_snapshots_text_dates_date_arithmetic_and_mixed_keys_in_postgresql_equal_the_workbook(
        server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/warehouse/test_shapes.py's comparison against PostgreSQL: its TO_TIMESTAMP reads
    date_format's codes, MAKE_INTERVAL moves dates, a bigint key meets text keys."""
    import pandas as pd

    from .test_shapes import _config, _frames, _result

    orders, menu, stock = _frames()
    with pd.ExcelWriter(tmp_path / "book.xlsx", engine="xlsxwriter") as xl:
        for name, df in (("Orders", orders), ("Menu", menu), ("Stock", stock)):
            df.to_excel(xl, sheet_name=name, index=False)
    port = int(server.rsplit(":", 1)[1].split("/")[0])
    with psycopg.connect(host="127.0.0.1", port=port, user="kpisheet", dbname="postgres") as con:
        con.execute('create table if not exists shapes_orders ("Date" text, "Shipped" timestamp, "Paid" timestamp, '
                    '"Customer" text, "Item" text, "Amount" double precision)')
        con.execute('create table if not exists shapes_menu ("Id" bigint, "Category" text)')
        con.execute('create table if not exists shapes_stock ("Customer" text, "Item" text, "Qty" double precision)')
        with con.cursor() as cur:
            cur.executemany("insert into shapes_orders values (%s, %s, %s, %s, %s, %s)",
                            [(r[0], r[1].to_pydatetime(), r[2].to_pydatetime(), r[3],
                              r[4] if isinstance(r[4], str) else None, r[5])  # a blank item is NULL, not 'NaN'
                             for r in orders.itertuples(index=False)])
            cur.executemany("insert into shapes_menu values (%s, %s)", [(int(a), b) for a, b in menu.itertuples(index=False)])
            cur.executemany("insert into shapes_stock values (%s, %s, %s)",
                            [(a, b, None if c != c else c) for a, b, c in stock.itertuples(index=False)])
    monkeypatch.setenv("KPISHEET_TEST_PG", server)
    for kind in ("xlsx", "pg"):
        (tmp_path / kind).mkdir()
        (tmp_path / kind / "kpis.yaml").write_text(_config(kind), encoding="utf-8")
    excel = Engine(load_config(tmp_path / "xlsx" / "kpis.yaml"), tmp_path / "book.xlsx")
    pg = Engine(load_config(tmp_path / "pg" / "kpis.yaml"))
    assert pg.accounts == excel.accounts
    compared = 0
    for period in ["2024-07", "2025-03", "2025-Q2", "all", "latest", "2023-01"]:
        for account in [None, "Acme", "Dyna"]:
            for kpi in excel.config.kpis:
                a, b = _result(excel, kpi, period, account), _result(pg, kpi, period, account)
                if isinstance(a, str) or isinstance(b, str):
                    assert a == b, (kpi, period, account, a, b)
                    continue
                assert (a.error, a.status, a.period) == (b.error, b.status, b.period), (kpi, period, account, a, b)
                assert (a.value is None) == (b.value is None), (kpi, period, account, a, b)
                if a.value is not None and b.value is not None:
                    assert math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9), (kpi, period, account, a, b)
                    compared += 1
    assert compared > 100
