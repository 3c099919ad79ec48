"""SPEC §9: each hostile input built here, each command run bounded (2 GB, 60 s CPU) in a
subprocess: exit 0/1/2, no traceback, one ``error:`` line on 2, the rest computed, nothing
damaged."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from kpisheet.excel.recalc.book import load
from tests.hostile.harness import CONFIG, KEY_ACCOUNTS, SALES, Formula, assert_clean, run_bounded, snapshot, \
    write_config, write_xlsx


def _book(tmp_path: Path, cells: dict[str, object] | None = None) -> Path:
    write_config(tmp_path)
    return write_xlsx(tmp_path / "book.xlsx", {"Data": cells or SALES})


def test_one_value_at_the_far_corner_costs_nothing(tmp_path: Path) -> None:
    book = _book(tmp_path, {**SALES, "XFD1048576": 7})
    before = snapshot(tmp_path)
    write_config(tmp_path, KEY_ACCOUNTS)  # accounts reads the sheet only for a config with key accounts
    run = run_bounded("accounts", str(book), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(0,))
    assert [(r["account"], r["score"]) for r in json.loads(run.out)] == [("Acme", 100.0), ("Beta", 50.0)]
    write_config(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(0,))
    assert [r["value"] for r in json.loads(run.out)] == [150.0, 2.0]
    assert snapshot(tmp_path) == before
    recalc_book = write_xlsx(tmp_path / "r.xlsx", {"Data": {"A1": 2, "XFD1048576": 3, "B1": Formula("A1*2")}})
    run = run_bounded("recalc", str(recalc_book))
    assert_clean(run, codes=(0,))


def test_formatting_far_away_is_not_a_value(tmp_path: Path) -> None:
    sheet = write_xlsx(tmp_path / "x.xlsx", {"Data": SALES})
    with zipfile.ZipFile(sheet) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = xml.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>').encode()
    book = tmp_path / "book.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    write_config(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(0,))
    assert json.loads(run.out)[0]["value"] == 150.0


def test_zip_bomb_refused_before_inflating(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", {"Data": SALES})
    with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/media/padding.bin", "w") as part:
        chunk = b"\0" * (1 << 20)
        for _ in range(24):  # 24 MiB of zeros: about 1000:1, written streaming
            part.write(chunk)
    write_config(tmp_path)
    before = snapshot(tmp_path)
    for args in (("evaluate", str(book)), ("recalc", str(book))):
        run = run_bounded(*args)
        assert_clean(run, codes=(2,))
        assert "zip bomb" in run.err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("text, said", [
    ("a: &a [*a]\n", "anchors and aliases"),
    ("a: &x [1, 2]\nb: *x\n", "anchors and aliases"),
    ("version: 1\0\n", "NUL"),
    ("version: 1\nkpis:\n  r: {description: x, formula: '1', target: " + "9" * 5000 + "}\n", "5,000 digits"),
    ("version: 1\nkpis:\n  r: {description: x, formula: '1', target: .nan}\n", "finite number"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 50"),
    ("version: 1\nkpis:\n  r: {description: x, formula: 'prev(r, 1e300)'}\n", "at most"),
])
def test_hostile_yaml_is_one_error_line(tmp_path: Path, text: str, said: str) -> None:
    cfg = tmp_path / "kpisheet.yaml"
    cfg.write_text(text, encoding="utf-8")
    run = run_bounded("lint", str(cfg))
    assert_clean(run, codes=(2,))
    assert said in run.err and str(cfg) in run.err


def test_yaml_over_ten_mib_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "kpisheet.yaml"
    with cfg.open("w") as f:
        f.write("version: 1\n")
        for i in range(11 * 1024):
            f.write(f"# {'x' * 1020}\n")
    run = run_bounded("lint", str(cfg))
    assert_clean(run, codes=(2,))
    assert "10 MiB" in run.err


def test_formulas_past_excel_limits_are_errors_and_the_rest_is_computed(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "f.xlsx", {
        "Data": {"A1": 1, "B1": 2, "XFD1048576": 3},
        "S": {"A1": Formula('REPT("x",3E9)'), "A2": Formula("SUM(SEQUENCE(1048576,16384))"),
              "A3": Formula("SUM(Data!A:XFD)"), "A4": Formula("ABS(" * 5000 + "1" + ")" * 5000),
              "A5": Formula("ABS(" * 70 + "1" + ")" * 70), "A6": Formula('REPT("ab",20000)'),
              "A7": Formula("Data!A1+Data!B1"), "A8": Formula('LEN(REPT("x",32767))'),
              "A9": Formula('TEXT(-1234.567,"""dd""$#,##0.00")')}})  # raised IndexError: must not cost the book
    run = run_bounded("recalc", str(book))
    assert_clean(run, codes=(0,))
    for cell in ("S!A1", "S!A2", "S!A3", "S!A4", "S!A5", "S!A6"):
        assert f"warning: {cell}:" in run.err
    loaded = load(book)
    values = loaded.book.sheets[1].values
    loaded.pkg.close()
    shown = {k: getattr(v, "text", v) for k, v in values.items()}
    assert shown[(1, 1)] == "#VALUE!" and shown[(2, 1)] == "#NUM!" and shown[(3, 1)] == "#NUM!"
    assert shown[(4, 1)] == "#VALUE!" and shown[(5, 1)] == "#VALUE!" and shown[(6, 1)] == "#VALUE!"
    assert shown[(7, 1)] == 3.0 and shown[(8, 1)] == 32767.0


def test_one_failing_cell_is_value_error_and_the_book_is_written(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.excel.recalc import recalc
    from kpisheet.excel.recalc.xlfuncs import FUNCTIONS

    book = write_xlsx(tmp_path / "f.xlsx", {"S": {"A1": 2, "B1": Formula("ABS(A1)"), "C1": Formula("A1*3")}})
    spec = FUNCTIONS["ABS"]

    def boom(*args: object) -> object:
        raise IndexError("list index out of range")
    monkeypatch.setitem(FUNCTIONS, "ABS", type(spec)(**{**spec.__dict__, "impl": boom})
                        if hasattr(spec, "impl") else boom)
    report = recalc(book)
    loaded = load(book)
    values = loaded.book.sheets[0].values
    loaded.pkg.close()
    assert getattr(values[(1, 2)], "text", None) == "#VALUE!" and values[(1, 3)] == 6.0
    assert any("S!B1" in w and "IndexError" in w for w in report.warnings)


def test_read_only_book_is_refused_and_unchanged(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "f.xlsx", {"S": {"A1": 2, "B1": Formula("A1*3")}})
    os.chmod(book, 0o444)
    before = snapshot(tmp_path)
    run = run_bounded("recalc", str(book))
    assert_clean(run, codes=(2,))
    assert "read-only" in run.err and str(book) in run.err
    assert snapshot(tmp_path) == before and stat.S_IMODE(book.stat().st_mode) == 0o444


def test_in_place_through_a_symlink_updates_the_real_book(tmp_path: Path) -> None:
    real = write_xlsx(tmp_path / "real.xlsx", {"S": {"A1": 2, "B1": Formula("A1*3")}})
    os.chmod(real, 0o640)
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    run = run_bounded("recalc", str(link))
    assert_clean(run, codes=(0,))
    assert link.is_symlink() and stat.S_IMODE(real.stat().st_mode) == 0o640
    loaded = load(real)
    assert loaded.book.sheets[0].values[(1, 2)] == 6.0
    loaded.pkg.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_book_saved_meanwhile_is_not_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpisheet.errors import WorkbookError
    from kpisheet.excel.recalc import recalc
    from kpisheet.excel.recalc import calc

    book = write_xlsx(tmp_path / "f.xlsx", {"S": {"A1": 2, "B1": Formula("A1*3")}})
    other = write_xlsx(tmp_path / "other.xlsx", {"S": {"A1": 5, "B1": Formula("A1*4")}}).read_bytes()
    run = calc.Calculator.calculate

    def saved_by_someone_else(self: calc.Calculator, *args: object) -> object:
        book.write_bytes(other)  # Excel saves while recalc computes
        return run(self, *args)  # type: ignore[arg-type]
    monkeypatch.setattr(calc.Calculator, "calculate", saved_by_someone_else)
    with pytest.raises(WorkbookError, match="changed on disk"):
        recalc(book)
    assert book.read_bytes() == other
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_onto_the_input_is_refused(tmp_path: Path) -> None:
    book = _book(tmp_path)
    before = snapshot(tmp_path)
    run = run_bounded("evaluate", str(book), "-o", str(book))
    assert_clean(run, codes=(2,))
    assert "overwrite the input" in run.err and snapshot(tmp_path) == before


def test_new_files_get_the_umask(tmp_path: Path) -> None:
    from kpisheet.atomic import write_atomic

    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.csv", "a\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o640


def test_csv_formula_injection_and_terminal_control_characters(tmp_path: Path) -> None:
    from kpisheet.output import render_table, to_csv

    rows = [['=HYPERLINK("http://x","y")', 1.0], ["+cmd|' /C calc'!A0", -2.0], ["@SUM(A1)", None],
            ["\tx", None], ["-1", None], ["Acme", 3.0]]
    parsed = list(csv.reader(io.StringIO(to_csv(["account", "value"], rows))))[1:]
    assert [r[0] for r in parsed] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+cmd|' /C calc'!A0", "'@SUM(A1)",
                                      "'\tx", "'-1", "Acme"]
    assert [r[1] for r in parsed] == ["1.0", "-2.0", "", "", "", "3.0"]  # numbers stay numbers
    table = render_table(None, ["Account"], [["Evil\x1b[2J\rCo"]])
    assert "\x1b" not in table and "\r" not in table and "\\x1b" in table
    cells = {**SALES, "B4": "Evil\x1b[2J\rCo"}
    book = _book(tmp_path, cells)
    run = run_bounded("evaluate", str(book), "--period", "2026-02", "--account", "Evil\x1b[2J\rCo")
    assert_clean(run)
    assert "\x1b" not in run.out + run.err


def test_explicit_config_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "f.xlsx", {"S": {"A1": 2, "B1": Formula("A1*3")}})
    before = snapshot(tmp_path)
    run = run_bounded("recalc", str(book), "--config", str(tmp_path / "missing.yaml"))
    assert_clean(run, codes=(2,))
    assert "missing.yaml" in run.err and snapshot(tmp_path) == before


def test_internal_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from kpisheet import cli

    book = _book(tmp_path)

    def boom(*args: object) -> None:
        raise MemoryError()
    monkeypatch.setattr(cli, "_engine", boom)
    assert cli.main(["evaluate", str(book)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: internal: {book}: out of memory") and err.count("\n") == 1
    assert cli.main(["--debug", "evaluate", str(book)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_config_constant_is_valid(tmp_path: Path) -> None:
    book = _book(tmp_path)
    run = run_bounded("evaluate", str(book), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(0,))
    assert [r["value"] for r in json.loads(run.out)] == [150.0, 2.0] and CONFIG


def test_a_cut_sheet_is_not_patched(tmp_path: Path) -> None:
    from tests.hostile.harness import sheet_xml

    xml = sheet_xml({"A1": 2, "B1": Formula("A1*3"), "A2": 5})
    book = write_xlsx(tmp_path / "f.xlsx", {"S": xml[: xml.index("</sheetData>")]})
    before = snapshot(tmp_path)
    run = run_bounded("recalc", str(book))
    assert_clean(run, codes=(2,))
    assert "cut short" in run.err and "f.xlsx!S" in run.err
    assert snapshot(tmp_path) == before


def test_cells_beyond_excels_grid_are_a_damaged_file(tmp_path: Path) -> None:
    book = _book(tmp_path, {**SALES, "A99999999": 1})
    run = run_bounded("evaluate", str(book))
    assert_clean(run, codes=(2,))
    assert "beyond Excel's grid" in run.err


def test_unclosed_cells_do_not_hang(tmp_path: Path) -> None:
    import time

    from tests.hostile.harness import sheet_xml

    xml = sheet_xml({"A1": 2, "B1": Formula("A1*3")})
    xml = xml.replace("</sheetData>", '<row r="5">' + '<c r="C5"><v>1</v>' * 20000 + "</row></sheetData>")
    book = write_xlsx(tmp_path / "f.xlsx", {"S": xml, "Data": xml.replace("A1*3", "A1*4") + " "})
    write_config(tmp_path)
    started = time.monotonic()
    run = run_bounded("recalc", str(book), "--check")
    assert_clean(run, codes=(2,))
    assert "not closed" in run.err and "f.xlsx!S" in run.err  # never patched, never guessed
    assert_clean(run_bounded("evaluate", str(book)))
    assert time.monotonic() - started < 60  # the quadratic scan took minutes


_ODS = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="Data">{rows}</table:table></office:spreadsheet></office:body>'
        '</office:document-content>')


def _ods(path: Path, rows: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", _ODS.format(rows=rows))
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:'
                   'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
    return path


def _cell(value: object, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if isinstance(value, str):
        return f'<table:table-cell{rep} office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell{rep} office:value-type="float" office:value="{value}"><text:p>{value}</text:p>' \
           "</table:table-cell>"


def test_ods_repeated_cells_do_not_expand_past_the_file(tmp_path: Path) -> None:
    header = "<table:table-row>" + _cell("Date") + _cell("Client") + _cell("Amount") + "</table:table-row>"
    row = "<table:table-row>" + _cell(46054) + _cell("Acme") + _cell(100) + "</table:table-row>"
    edge = ('<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
            'table:number-columns-repeated="1024"/></table:table-row>')  # as LibreOffice pads a sheet
    write_config(tmp_path)
    fine = _ods(tmp_path / "fine.ods", header + row * 3 + edge)
    run = run_bounded("evaluate", str(fine), "--period", "2026-02", "--format", "json")
    assert_clean(run, codes=(0,))
    assert json.loads(run.out)[0]["value"] == 300.0
    bomb = ('<table:table-row table:number-rows-repeated="1048000">' + _cell(1, repeat=90)  # 94M cells
            + "</table:table-row>")
    hostile = _ods(tmp_path / "bomb.ods", header + row + bomb)
    run = run_bounded("evaluate", str(hostile))
    assert_clean(run, codes=(2,))
    assert "repeated cells" in run.err and "bomb.ods!Data" in run.err
