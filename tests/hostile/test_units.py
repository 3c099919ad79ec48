"""The pieces behind SPEC §9, one at a time: zip limits, write_atomic, the per-KPI guard."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest

from kpisheet import limits
from kpisheet.atomic import ReadState, write_atomic
from kpisheet.errors import KpisheetError, WorkbookError
from kpisheet.zipguard import check_package
from tests.hostile.harness import KEY_ACCOUNTS, SALES, write_config, write_xlsx


def _claiming(sizes: list[int]) -> zipfile.ZipFile:
    """A small archive whose central directory claims each part inflates to ``sizes[i]`` bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(len(sizes)):
            z.writestr(f"part{i}.xml", b"<x/>" * 10)
    data = bytearray(buf.getvalue())
    at = 0
    for size in sizes:
        at = data.index(b"PK\x01\x02", at)
        struct.pack_into("<I", data, at + 24, size)  # uncompressed size in the central directory
        at += 4
    return zipfile.ZipFile(io.BytesIO(bytes(data)))


@pytest.mark.parametrize("sizes, said", [
    ([limits.MAX_PART_BYTES + 1], "beyond the limit of 1.0 GiB a part"),
    ([10 << 20] * 410, "would inflate to 4.0 GiB"),  # each part under the ratio check
    ([11 << 20], "compressed"),  # 11 MiB from a few dozen bytes: past 200:1
])
def test_packages_past_the_limits_are_refused(sizes: list[int], said: str) -> None:
    with pytest.raises(WorkbookError, match=said):
        check_package(_claiming(sizes), "book.xlsx")


def test_packages_within_the_limits_pass() -> None:
    check_package(_claiming([9 << 20, 1000]), "book.xlsx")  # large ratio, but under 10 MiB
    assert not limits.ratio_too_high(1 << 20, 100 << 20) and limits.ratio_too_high(1 << 10, 11 << 20)


def test_write_errors_name_the_users_path_not_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.csv"
    with pytest.raises(KpisheetError) as caught:
        write_atomic(target, "a\n")
    assert str(caught.value).startswith(f"{target}: cannot write") and ".tmp" not in str(caught.value)


def test_write_refuses_a_file_changed_since_read(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_bytes(b"old\n")
    state = ReadState.of(path, b"old\n")
    write_atomic(path, "new\n", was=state)  # unchanged: written
    assert path.read_text() == "new\n"
    with pytest.raises(KpisheetError, match="changed on disk"):
        write_atomic(path, "newer\n", was=state)
    assert path.read_text() == "new\n"
    same_size = ReadState(path.stat().st_size, path.stat().st_mtime_ns, state.sha256)  # size and time agree
    with pytest.raises(KpisheetError, match="content changed"):
        write_atomic(path, "newer\n", was=same_size)
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_keeps_the_mode_of_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    os.chmod(path, 0o604)
    write_atomic(path, "new\n")
    assert path.stat().st_mode & 0o777 == 0o604


def test_write_to_a_character_device_is_a_stream(tmp_path: Path) -> None:
    write_atomic("/dev/null", "a\n")  # before: refused as "not a regular file"
    assert not list(tmp_path.iterdir())


def test_write_to_a_named_pipe_reaches_its_reader(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    for _ in range(500):  # the reader's open() of the pipe must come first
        try:
            write_atomic(fifo, "a;b\n" * 50_000)
            break
        except KpisheetError as exc:
            assert "no program reads" in str(exc)
            threading.Event().wait(0.01)
    reader.join(timeout=10)
    assert got == [b"a;b\n" * 50_000]
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_write_to_a_named_pipe_nobody_reads_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(KpisheetError) as caught:
        write_atomic(fifo, "a\n")
    assert str(caught.value) == f"{fifo}: a named pipe no program reads: nothing written"


def test_write_to_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KpisheetError, match="not a regular file .a folder, a block device or a socket."):
        write_atomic(tmp_path, "a\n")
    assert not list(tmp_path.iterdir())


def test_one_failing_kpi_is_value_error_and_the_others_are_computed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from kpisheet.cli import main
    from kpisheet.engine.core import Engine

    write_config(tmp_path)
    book = write_xlsx(tmp_path / "book.xlsx", {"Data": SALES})
    real = Engine.result

    def flaky(self: Engine, name: str, *args: object) -> object:
        if name == "revenue":
            raise ZeroDivisionError("float division by zero")
        return real(self, name, *args)  # type: ignore[arg-type]
    monkeypatch.setattr(Engine, "result", flaky)
    assert main(["evaluate", str(book), "--period", "2026-02", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert [(r["kpi"], r["value"], r["error"]) for r in rows] == [("revenue", None, "#VALUE!"), ("clients", 2.0, None)]
    assert err.startswith("warning: revenue: cannot be computed (ZeroDivisionError") and err.count("\n") == 1


def test_recalc_lines_escape_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kpisheet.cli import main
    from tests.hostile.harness import Formula

    book = write_xlsx(tmp_path / "f.xlsx", {"S": {"A1": Formula('"a"&CHAR(27)&"[2J"&CHAR(13)&"b"')}})
    assert main(["recalc", str(book), "--check"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "a\\x1b[2J\\rb" in out



@pytest.mark.parametrize("fmt", ["json", "table", "csv"])
def test_one_account_that_cannot_be_judged_is_value_error_and_the_others_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """`accounts` as `evaluate` for a KPI: an exception while judging one account makes that
    account #VALUE! with one warning naming it; the other accounts are judged and the run exits 0."""
    import json

    from kpisheet.cli import main
    from kpisheet.engine.accounts import KeyAccountEngine

    write_config(tmp_path, KEY_ACCOUNTS)
    book = write_xlsx(tmp_path / "book.xlsx", {"Data": SALES})
    real = KeyAccountEngine.reason

    def flaky(self: KeyAccountEngine, row: int, col: int, *args: object) -> str:
        if self.data.accounts[col - 1] == "Beta":
            raise IndexError("list index out of range")
        return real(self, row, col, *args)  # type: ignore[arg-type]
    monkeypatch.setattr(KeyAccountEngine, "reason", flaky)
    assert main(["accounts", str(book), "--period", "2026-02", "--format", fmt]) == 0
    out, err = capsys.readouterr()
    assert err == ("warning: key accounts: account Beta at 2026-02: cannot be judged "
                   "(IndexError: list index out of range); shown as #VALUE!\n")
    if fmt == "json":
        rows = {r["account"]: r for r in json.loads(out)}
        assert rows["Acme"]["score"] == 100.0 and rows["Acme"]["key"] is True
        assert rows["Beta"]["score"] is None and rows["Beta"]["key"] is False
        assert rows["Beta"]["criteria"]["sales"]["error"] == "#VALUE!"
    else:
        assert "Acme" in out and "Beta" in out and "#VALUE!" in out
