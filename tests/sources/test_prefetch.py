"""CSV files read ahead, in a thread, while the engine imports (kpisheet.sources.prefetch): the
reader takes what was read only where it is what it would read itself, so the numbers, tables
and messages are those of a reader without it, whatever happens to the file in between."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpisheet.cli import main
from kpisheet.config import load_config
from kpisheet.engine.core import Engine
from kpisheet.sources.files import FileReader
from kpisheet.sources.prefetch import Prefetch

from .prefetchspy import run_spied

CONFIG = """\
version: 1
sources:
  sales:
    workbook: sales.csv
    columns: {date: Day, account: Client, amount: Amount}
  accounts:
    workbook: accounts.csv
kpis:
  revenue: {description: Revenue, source: sales, measure: sum(amount), owner: Finance}
  lines: {description: Lines, source: sales, measure: count(), owner: Finance}
key_accounts:
  attributes: accounts
  criteria:
    big: {formula: share(revenue), weight: 100, scale: [0, 1]}
  key_if: score >= 50
  tiers: {A: "true"}
"""
SALES = "Day,Client,Amount,Note\n2026-01-05,A,12.5,x\n2026-01-07,B,3,y\n2026-02-01,A,7,z\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "kpisheet.yaml").write_text(CONFIG)
    (tmp_path / "sales.csv").write_text(SALES)
    (tmp_path / "accounts.csv").write_text("account,tier\nA,gold\nB,silver\n")
    return tmp_path


def _engine(folder: Path, prefetched: Prefetch | None) -> Engine:
    return Engine(load_config(folder / "kpisheet.yaml"), reader=FileReader(prefetched=prefetched))


def _tables(engine: Engine) -> dict[str, pd.DataFrame]:
    return {name: engine.table(name).df for name in engine.config.sources}


def test_what_is_read_ahead_is_taken_and_gives_the_same_tables(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyarrow")
    import kpisheet.sources.csvcolumns as csvcolumns

    parsed_here: list[Any] = []
    real = csvcolumns.arrow_columns
    monkeypatch.setattr(csvcolumns, "arrow_columns", lambda *a: parsed_here.append(a) or real(*a))
    prefetched = Prefetch(load_config(folder / "kpisheet.yaml"), None)
    ahead = _engine(folder, prefetched)
    got = _tables(ahead)
    prefetched.close()
    assert parsed_here == []  # both files' columns came from the thread
    plain = _engine(folder, None)
    for name, df in _tables(plain).items():
        pd.testing.assert_frame_equal(got[name], df)
    assert [r.value for r in ahead.results("2026-01")] == [r.value for r in plain.results("2026-01")] == [15.5, 2]


def test_a_file_changed_after_it_was_read_ahead_is_read_again(folder: Path) -> None:
    prefetched = Prefetch(load_config(folder / "kpisheet.yaml"), None)
    prefetched._thread.join()  # the thread has read the old file
    path = folder / "sales.csv"
    path.write_text(SALES + "2026-01-20,B,100,w\n")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a clock too coarse still shows it
    engine = _engine(folder, prefetched)
    assert [r.value for r in engine.results("2026-01")] == [115.5, 3]


def test_a_file_the_thread_cannot_read_is_the_readers_to_report(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "sales.csv").unlink()
    code = main(["evaluate", "--config", str(folder / "kpisheet.yaml"), "--period", "2026-01"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.endswith("sales.csv: no such file") and err.startswith("error: ") and "\n" not in err


def test_a_quoted_file_is_left_to_the_reader(folder: Path) -> None:
    """pyarrow's parse, which knows no quotes, is not taken: the reader asks only where the file
    holds none."""
    (folder / "sales.csv").write_text('Day,Client,Amount,Note\n2026-01-05,"A",12.5,x\n2026-01-07,B,3,"y,z"\n')
    config = load_config(folder / "kpisheet.yaml")
    prefetched = Prefetch(config, None)
    prefetched._thread.join()
    engine = Engine(config, reader=FileReader(prefetched=prefetched))
    assert engine.table("sales").df["amount"].tolist() == [12.5, 3.0]
    assert engine.table("sales").df["account"].tolist() == ["A", "B"]


def test_close_waits_for_the_thread_and_lets_go(folder: Path) -> None:
    prefetched = Prefetch(load_config(folder / "kpisheet.yaml"), None)
    prefetched.close()
    assert not prefetched._thread.is_alive()
    reader = FileReader(prefetched=prefetched)
    assert reader.read(_engine(folder, None).pipeline("sales").read).df["amount"].tolist() == [12.5, 3.0, 7.0]


def test_evaluate_gives_the_same_output_with_and_without_the_thread(folder: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    args = ["evaluate", "--config", str(folder / "kpisheet.yaml"), "--period", "2026-01", "--format", "json"]
    assert main(args) == 0
    ahead = capsys.readouterr()
    import kpisheet.cli as cli

    class NoThread(Prefetch):  # a config without sources: nothing to read ahead
        def __init__(self, config: Any, workbook: Any) -> None:
            super().__init__(replace(config, sources={}), workbook)

    monkeypatch.setattr(cli, "Prefetch", NoThread)
    assert main(args) == 0
    assert capsys.readouterr() == ahead


@pytest.mark.parametrize("command", ["evaluate", "accounts"])
def test_the_commands_start_reading_before_pandas_imports(folder: Path, command: str) -> None:
    """The point of the thread: it starts while the engine and pandas are still to import."""
    printed = run_spied(f"""
        from kpisheet.cli import main
        assert main([{command!r}, "--config", {str(folder / "kpisheet.yaml")!r}, "--period", "2026-01",
                     "--format", "json", "-o", {str(folder / "out.json")!r}]) == 0
        print(seen)
    """)
    assert printed == "[False]"


def test_number_columns_are_scanned_ahead_and_read_the_same(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A number column's scan (plain numbers cast by pyarrow) is made in the thread; a cell that
    is not plainly written (1e3) is still read the reader's way, and the scan is not changed."""
    pytest.importorskip("pyarrow")
    import kpisheet.sources.csvcolumns as csvcolumns

    (folder / "sales.csv").write_text("Day,Client,Amount,Note\n2026-01-05,A,12.5,x\n2026-01-07,B,1e3,y\n"
                                      "2026-01-09,B,,z\n2026-02-01,A,-7,z\n")
    scanned_here: list[Any] = []
    real = csvcolumns.number_scan
    monkeypatch.setattr(csvcolumns, "number_scan", lambda *a: scanned_here.append(a) or real(*a))
    config = load_config(folder / "kpisheet.yaml")
    prefetched = Prefetch(config, None)
    prefetched._thread.join()
    parsed = next(iter(prefetched._files[str(folder / "sales.csv")].columns.values()))
    scans = {i: s for i, s in enumerate(parsed.scans) if s is not None}
    assert len(scans) == 1  # Amount: the only column whose first cell is a plain number
    before = next(iter(scans.values())).values.copy()
    ahead = Engine(config, reader=FileReader(prefetched=prefetched)).table("sales").df
    assert scanned_here == []
    assert next(iter(scans.values())).values.tolist() == pytest.approx(before.tolist(), nan_ok=True)
    plain = Engine(config).table("sales").df
    pd.testing.assert_frame_equal(ahead, plain)
    assert ahead["amount"].tolist()[:2] == [12.5, 1000.0]


def test_closing_early_reads_no_file_not_begun(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error before the reads (or Ctrl-C) closes the thread: the file being read is finished,
    the others are not begun."""
    import threading

    started, release = threading.Event(), threading.Event()
    real = Prefetch._read
    begun: list[str] = []

    def slow(found: Any) -> None:
        begun.append(Path(found.path).name)
        started.set()
        release.wait(10)
        real(found)

    monkeypatch.setattr(Prefetch, "_read", staticmethod(slow))
    prefetched = Prefetch(load_config(folder / "kpisheet.yaml"), None)
    assert started.wait(10)
    closer = threading.Thread(target=prefetched.close)
    closer.start()
    while not prefetched._closing:
        pass
    release.set()
    closer.join(10)
    assert begun == ["sales.csv"]  # accounts.csv, second in the config, never begun


def test_the_switch_interval_is_short_while_the_thread_reads_and_restored_after(folder: Path) -> None:
    before = sys.getswitchinterval()
    prefetched = Prefetch(load_config(folder / "kpisheet.yaml"), None)
    assert sys.getswitchinterval() <= 0.0005
    prefetched.close()
    assert sys.getswitchinterval() == before
