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
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from kpisheet.config import load_config
from kpisheet.engine.core import Engine

from kpisheet.expr.parser import parse

from . import test_agree as agreeing
from .conftest import KPIS, PIPELINE, rows

psycopg = pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")

from kpisheet.warehouse.compile import compile_condition, compile_expr  # noqa: E402

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


@pytest.fixture(scope="module")
def pg(server: str) -> Iterator[Any]:
    """An Ibis connection to the throwaway server."""
    import ibis

    con = ibis.connect(server)
    yield con
    con.disconnect()


@settings(max_examples=25, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
@given(agreeing.CASES, agreeing.ROWS_OF, agreeing.TEXTS_OF, agreeing.BLANKS)
def test_postgresql_gives_the_frame_answer(pg: Any, case: Any, nums: list[list[float]], txts: list[list[str]],
                                           blank: str) -> None:
    """The random row expressions of test_agree.py, fewer of them: PostgreSQL's round(float8) rounds
    halves to even and its float8::numeric too, its text order follows a collation."""
    agreeing.agree(pg, case, nums, txts, blank)


def test_round_examples_in_postgresql(pg: Any) -> None:
    import pandas as pd

    import ibis

    cases = [(x, d, want) for x, d, want in agreeing.ISSUE_ROUNDS if want is not None]
    table = ibis.memtable(pd.DataFrame({"i": range(len(cases)), "x": [x for x, _, _ in cases]}))
    got = pg.execute(table.select(i=table.i, **{
        f"r{n}": compile_expr(parse(f"round(x, {d})", qualified=True), {"x": table.x}, "postgres")
        for n, (_, d, _) in enumerate(cases)}).order_by("i"))
    assert [got[f"r{n}"][n] for n in range(len(cases))] == [want for _, _, want in cases]
    agreeing.powers_of_ten_are_exact(pg)


def test_text_order_ignores_the_collation(pg: Any, server: str) -> None:
    """Under ICU's collation 'é' sorts before 'f' and 'B' after 'a' as a database orders them;
    Excel's rule (xlrules) is case ignored, then by code point: 'é' after 'f'."""
    with psycopg.connect(server) as con:
        found = con.execute("select 1 from pg_collation where collname = 'und-x-icu'").fetchone()
        if found is None:
            pytest.skip("this PostgreSQL has no ICU collation to order by")
        con.execute('create table ordered (i int, s text collate "und-x-icu")')
        con.execute("insert into ordered values (0, 'é'), (1, 'B'), (2, 'a'), (3, null), (4, 'F')")
    t = pg.table("ordered")
    assert pg.execute(t.select(i=t.i, v=_collated(t)).order_by("i"))["v"].tolist() == [False] * 5
    got = pg.execute(t.select(i=t.i, v=compile_condition(parse("s > 'f'", qualified=True), {"s": t.s})).order_by("i"))
    assert got["v"].tolist() == [True, False, False, False, False]  # a blank is '' beside text


def _collated(t: Any) -> Any:
    """What the database alone says of s > 'f': ICU's order, where 'é' is not after 'f'."""
    return (t.s.lower() > "f").fill_null(False)


def test_a_nan_in_a_postgresql_column_is_a_blank(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'NaN'::double precision reads as the workbook's empty cell, as in Parquet."""
    from .test_parquet import NAN_KPIS, NAN_ROWS, assert_nan_read_as_blank, nan_workbook_engine

    port = int(server.rsplit(":", 1)[1].split("/")[0])
    with psycopg.connect(host="127.0.0.1", port=port, user="kpisheet", dbname="postgres") as con:
        con.execute('create table if not exists nan_lines ("Date" date, "Customer" text, "Amount" double precision)')
        with con.cursor() as cur:
            cur.executemany("insert into nan_lines values (%s, %s, %s)", list(zip(*NAN_ROWS)))
        assert con.execute("select count(*) from nan_lines where \"Amount\" = 'NaN'").fetchone() == (1,)
    monkeypatch.setenv("KPISHEET_TEST_PG", server)
    (tmp_path / "pg.yaml").write_text(NAN_KPIS.replace(
        "SOURCE", "sql: select * from nan_lines, connection: '${KPISHEET_TEST_PG}'"))
    assert_nan_read_as_blank(nan_workbook_engine(tmp_path), Engine(load_config(tmp_path / "pg.yaml")))
