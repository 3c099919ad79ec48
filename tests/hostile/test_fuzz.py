"""Fuzzing (hypothesis) over mutated workbooks and mutated YAML: every command ends with
exit 0, 1 or 2 and, on 2, one ``error:`` line; never a traceback or an internal error.
Bounded: small inputs, a few examples each, run in-process. (A config's mistakes are all
listed, one ``error:`` line each, as DESIGN's rule 1 asks.)"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpisheet.cli import main
from tests.hostile.harness import CONFIG, SALES, Formula, _record, write_xlsb, write_xlsx, xlsb_sheet

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _clean(code: int, err: str) -> None:
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "error: internal" not in err, err
    if code == 2:
        lines = [line for line in err.splitlines() if line and not line.startswith("warning:")]
        assert lines and all(line.startswith("error:") for line in lines), err  # config: every mistake


def _base(folder: Path) -> bytes:
    cells = {**SALES, "D1": "Double", "D2": Formula("C2*2"), "E5": Formula("SUM(C2:C4)")}
    return write_xlsx(folder / "base.xlsx", {"Data": cells}).read_bytes()


@FUZZ
@given(data=st.data())
def test_mutated_workbooks(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject,
                           capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path_factory.mktemp("fuzzbook")
    (folder / "kpisheet.yaml").write_text(CONFIG, encoding="utf-8")
    base = _base(folder)
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    how = data.draw(st.sampled_from(["truncate-file", "bytes-in-sheet", "cut-sheet", "odd-ref"]))
    sheet = parts["xl/worksheets/sheet1.xml"]
    if how == "truncate-file":
        blob = base[:data.draw(st.integers(0, len(base)))]
    else:
        if how == "bytes-in-sheet":
            at = data.draw(st.integers(0, len(sheet)))
            sheet = sheet[:at] + data.draw(st.binary(min_size=1, max_size=12)) + sheet[at:]
        elif how == "cut-sheet":
            sheet = sheet[:data.draw(st.integers(0, len(sheet)))]
        else:
            ref = data.draw(st.sampled_from(["XFD1048576", "XFE1", "A0", "A99999999", "", "1A", "AAAA1", "ZZ9"]))
            sheet = sheet.replace(b'r="C3"', f'r="{ref}"'.encode(), 1)
        parts["xl/worksheets/sheet1.xml"] = sheet
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, body in parts.items():
                z.writestr(name, body)
        blob = buf.getvalue()
    book = folder / "book.xlsx"
    book.write_bytes(blob)
    for args in (["evaluate", str(book), "--format", "json"], ["recalc", str(book), "--check"]):
        code = main(args)
        _clean(code, capsys.readouterr().err)


@FUZZ
@given(data=st.data())
def test_mutated_yaml(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject,
                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path_factory.mktemp("fuzzyaml")
    text = CONFIG
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        what = data.draw(st.sampled_from(["delete", "insert", "token"]))
        if what == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 8)):]
        elif what == "insert":
            text = text[:at] + data.draw(st.text(max_size=6)) + text[at:]
        else:
            token = data.draw(st.sampled_from(["&a ", "*a", "!!python/object ", "{", "[", ": ", ".nan", "1e999",
                                               "9" * 60, "\0", "\t", "- ", "'", '"', "prev(revenue, 1e300)"]))
            text = text[:at] + token + text[at:]
    cfg = folder / "kpisheet.yaml"
    cfg.write_bytes(text.encode("utf-8", "surrogatepass"))
    book = write_xlsx(folder / "book.xlsx", {"Data": SALES})
    for args in (["lint", str(cfg)], ["evaluate", str(book), "--config", str(cfg)]):
        code = main(args)
        _clean(code, capsys.readouterr().err)


@FUZZ
@given(data=st.data())
def test_mutated_xlsb_sheets(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject,
                             capsys: pytest.CaptureFixture[str]) -> None:
    """The .xlsb sheet part, written record by record, cut, given random bytes, or given a cell
    at a random row and column (32 bits each, as the file stores them)."""
    folder = tmp_path_factory.mktemp("fuzzxlsb")
    (folder / "kpisheet.yaml").write_text(CONFIG, encoding="utf-8")
    part = xlsb_sheet(SALES)
    how = data.draw(st.sampled_from(["bytes-in-sheet", "cut-sheet", "far-cell"]))
    if how == "bytes-in-sheet":
        at = data.draw(st.integers(0, len(part)))
        part = part[:at] + data.draw(st.binary(min_size=1, max_size=12)) + part[at:]
    elif how == "cut-sheet":
        part = part[:data.draw(st.integers(0, len(part)))]
    else:
        row, col = data.draw(st.integers(0, 2**32 - 1)), data.draw(st.integers(0, 2**32 - 1))
        end = _record(0x92)
        part = part.replace(end, _record(0x00, row.to_bytes(4, "little") + bytes(13))
                            + _record(0x05, col.to_bytes(4, "little") + bytes(12)) + end)
    book = write_xlsb(folder / "book.xlsb", {}, part=part)
    code = main(["evaluate", str(book), "--format", "json"])
    _clean(code, capsys.readouterr().err)
