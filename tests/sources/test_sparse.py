"""A sheet whose cells are few and far apart is read by its cells (SPEC §9), and the result
is the same table, places included, as reading it densely."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kpisheet.sources.files as files
from kpisheet.errors import WorkbookError
from kpisheet.sources import FileReader, SourceRef
from kpisheet.sources.extent import too_sparse
from tests.hostile.harness import SALES, write_xlsx

CELLS = {**SALES, "A1": "Date", "E1": "Note", "E3": "late", "A7": 46060, "B7": "Gamma", "C7": 5, "AB9": "far",
         "B12": "Delta", "C12": 7}
RANGE_CELLS = {"A1": "title", "B3": "Client", "C3": "Amount", "B4": "Acme", "C4": 1, "B6": "Beta", "C6": 2,
               "D6": "beside", "C9": 3, "Z30": "outside"}


def _tables(path: Path, ref: SourceRef, monkeypatch: pytest.MonkeyPatch, sparse: bool) -> object:
    monkeypatch.setattr(files, "too_sparse", lambda data, sheet, scanned={}: sparse)
    return FileReader().read(ref)


@pytest.mark.parametrize("cells, ref", [
    (CELLS, dict(sheet="Data")),
    (CELLS, dict(sheet="Data", header_row=1)),
    (RANGE_CELLS, dict(range="Data!B3:D9")),
    (RANGE_CELLS, dict(range="Data!B3:C6")),
    (RANGE_CELLS, dict(sheet="Data", header_row=3)),
])
def test_sparse_reading_equals_dense_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             cells: dict[str, object], ref: dict[str, object]) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", {"Data": cells})
    source = SourceRef("s", path, **ref)  # type: ignore[arg-type]
    dense = _tables(path, source, monkeypatch, False)
    sparse = _tables(path, source, monkeypatch, True)
    pd.testing.assert_frame_equal(sparse.df, dense.df)  # type: ignore[attr-defined]
    for attr in ("first_row", "first_col", "column_numbers", "headers"):
        assert getattr(sparse, attr) == getattr(dense, attr), attr


def test_places_in_messages_are_the_sheets_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", {"Data": {**SALES, "C900000": "oops", "XFD1048576": 1}})
    assert too_sparse(path.read_bytes(), "Data")
    table = FileReader().read(SourceRef("s", path, sheet="Data", columns={"amount": "Amount"}))
    with pytest.raises(WorkbookError, match=r"Data!C900000: text 'oops'"):
        table.numbers("amount")  # type: ignore[attr-defined]


def test_empty_header_rows_say_so_as_a_dense_sheet_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", {"Data": RANGE_CELLS})
    for sparse in (False, True):
        with pytest.raises(WorkbookError) as caught:
            _tables(path, SourceRef("s", path, sheet="Data", header_row=2), monkeypatch, sparse)
        assert "header row 2 is empty" in str(caught.value)


def test_cells_strewn_on_a_diagonal_are_refused(tmp_path: Path) -> None:
    from kpisheet.sources.refs import col_letter as letters

    cells = {f"{letters(1 + i * 7)}{1 + i * 500}": float(i) for i in range(2000)}
    path = write_xlsx(tmp_path / "book.xlsx", {"Data": {"A1": "x", **cells}})
    with pytest.raises(WorkbookError, match="strewn"):
        FileReader().read(SourceRef("s", path, sheet="Data"))


def test_a_table_on_a_sheet_with_a_far_corner(tmp_path: Path) -> None:
    import openpyxl
    from openpyxl.worksheet.table import Table

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for row in (("Date", "Client", "Amount"), (46023, "Acme", 100), (46054, "Beta", 50)):
        ws.append(row)
    ws.add_table(Table(displayName="Sales", ref="A1:C3"))
    path = tmp_path / "book.xlsx"
    wb.save(path)
    dense = FileReader().read(SourceRef("s", path, table="Sales"))
    ws["XFD1048576"] = 1
    wb.save(path)
    assert too_sparse(path.read_bytes(), "Data")
    sparse = FileReader().read(SourceRef("s", path, table="sales"))
    pd.testing.assert_frame_equal(sparse.df, dense.df)
    assert sparse.column_numbers == dense.column_numbers and sparse.first_row == dense.first_row


@pytest.mark.parametrize("dimension, far, sparse", [
    ("A1:C4", "", False),  # the fast path: the dimension is small and nothing goes past it
    ("A1:C4", '<c r="XFD1048576"><v>1</v></c>', True),  # a dimension that lies
    ("A1:C4", '<c\tr="XFD1048576"><v>1</v></c>', True),  # ... and hides its cell behind a tab
    ("A1:C4", '<c r = "XFD1048576"><v>1</v></c>', True),  # ... or behind spaces around =
    ("A1:XFD1048576", "", False),  # a dimension that overstates: the cells decide
    ("A1:C4", '<c r="XFD1048576" s="1"/>', False),  # formatting only
])
def test_the_extent_is_judged_by_the_cells(tmp_path: Path, dimension: str, far: str, sparse: bool) -> None:
    from tests.hostile.harness import sheet_xml

    xml = sheet_xml(SALES).replace("<sheetData>", f'<dimension ref="{dimension}"/><sheetData>')
    xml = xml.replace("</sheetData>", f'<row r="1048576">{far}</row></sheetData>' if far else "</sheetData>")
    path = write_xlsx(tmp_path / "book.xlsx", {"Data": xml})
    assert too_sparse(path.read_bytes(), "Data") is sparse


def test_error_cells_of_a_far_flung_sheet_are_errors_not_blanks(tmp_path: Path) -> None:
    """SPEC §7.3 holds on the sparse path too: calamine reads the compact copy's error cells as
    blanks, so the error values from the sheet's XML are laid over it."""
    import datetime as dt

    import openpyxl

    from kpisheet.xlerrors import XlError

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Date", "Amount"])
    ws.append([dt.datetime(2026, 1, 5), 100])
    ws.append([dt.datetime(2026, 1, 6), "#N/A"])  # openpyxl writes the error cell t="e"
    ws["XFD1048576"] = 1
    path = tmp_path / "book.xlsx"
    wb.save(path)
    assert too_sparse(path.read_bytes(), "Data")
    table = FileReader().read(SourceRef("s", path, sheet="Data", columns={"amount": "Amount"}))
    codes = table.error_codes("amount")  # type: ignore[attr-defined]
    # rows 2, 3 and the far row 1048576 (whose Amount is blank)
    assert codes is not None and [XlError(int(c)) if c else None for c in codes] == [None, XlError.NA, None]


def test_a_dense_sheet_past_the_dense_limit_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big sheet whose cells fill its dimension is judged by its <dimension> and a count of its
    cell tags, not cell by cell (that cost 15 s on a 5-million-cell sheet); a far cell still is not."""
    import kpisheet.limits as limits
    import kpisheet.sources.extent as extent

    monkeypatch.setattr(limits, "DENSE_CELLS", 10)  # a 5 x 5 sheet is then "big"
    import openpyxl

    cells = {f"{c}{r}": r for c in "ABCDE" for r in range(1, 6)}
    wb = openpyxl.Workbook()  # openpyxl writes the <dimension> Excel writes
    wb.active.title = "Data"
    for ref, value in cells.items():
        wb.active[ref] = value
    path = tmp_path / "dense.xlsx"
    wb.save(path)
    counted = []
    monkeypatch.setattr(extent, "col_number", lambda text: counted.append(text) or 1)
    assert not too_sparse(path.read_bytes(), "Data") and counted == [b"A", b"E"]  # the dimension only, no cell
    monkeypatch.undo()
    monkeypatch.setattr(limits, "DENSE_CELLS", 10)
    far = write_xlsx(tmp_path / "far.xlsx", {"Data": {**cells, "XFD1048576": 1}})
    assert too_sparse(far.read_bytes(), "Data")


@pytest.mark.parametrize("far", ['<c r="XFD1048576"><v>1</v></c>',
                                 '<c r' + " " * 300 + '="XFD1048576"><v>1</v></c>',
                                 '<c r=\n"XFD1048576"><v>1</v></c>'])
def test_the_extent_is_searched_a_chunk_at_a_time_and_nothing_hides_between_chunks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, far: str) -> None:
    """The sheet's XML is inflated a chunk at a time (issue 12: never held whole); a far cell,
    or spaces before its =, split across two chunks at any place, is still found."""
    import kpisheet.sources.extent as extent
    from tests.hostile.harness import sheet_xml

    xml = sheet_xml(SALES).replace("<sheetData>", '<dimension ref="A1:C4"/><sheetData>')
    xml = xml.replace("</sheetData>", f'<row r="1048576">{far}</row></sheetData>')
    path = write_xlsx(tmp_path / "book.xlsx", {"Data": xml})
    data = path.read_bytes()
    assert not extent.too_sparse(write_xlsx(tmp_path / "near.xlsx", {"Data": xml.replace(far, "")}).read_bytes(),
                                 "Data")
    at = xml.index(far)
    for size in range(90, 420, 7):  # chunk edges fall everywhere in and around the far cell
        monkeypatch.setattr(extent, "_CHUNK", size)
        assert extent.too_sparse(data, "Data"), (size, at)


def _padded_sheet(far: str) -> str:
    """A sheet part past the 8 KB head whose dimension says A1:C400, and ``far`` in row 1048576."""
    from tests.hostile.harness import sheet_xml

    cells = {**SALES, **{f"{c}{r}": r for r in range(5, 401) for c in "ABC"}}
    xml = sheet_xml(cells).replace("<sheetData>", '<dimension ref="A1:C400"/><sheetData>')
    return xml.replace("</sheetData>", f'<row r="1048576">{far}</row></sheetData>' if far else "</sheetData>")


FAR_CELLS = [("", False), ('<c r="XFD1048576"><v>1</v></c>', True),
             ('<c r' + " " * 300 + '="XFD1048576"><v>1</v></c>', True), ('<c r=\n"XFD1048576"><v>1</v></c>', True),
             ('<c r="XFD1048576" s="1"/>', True)]  # (formatting only: the careful path is taken, and says dense)


@pytest.mark.parametrize("far, far_found", FAR_CELLS)
def test_the_extent_is_scanned_in_the_inflate_of_the_zip_bomb_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, far: str, far_found: bool) -> None:
    """Issue 12: a large sheet part is inflated once, by the ZIP bomb check, and scanned there: the
    scan's verdict is what the scan of its own inflate says, pieces falling anywhere in the far cell."""
    import zipfile

    import kpisheet.limits as limits
    import kpisheet.sources.extent as extent
    from kpisheet import zipguard

    monkeypatch.setattr(limits, "TRUST_COMPRESSED_BYTES", 0)  # every part is inflated by the check
    path = write_xlsx(tmp_path / "book.xlsx", {"Data": _padded_sheet(far)})
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(part).file_size > 3 * extent._HEAD
        own = extent._fits_dimension(z, part)
    assert own is not far_found
    for size in [*range(90, 420, 7), 5000, 1 << 22]:  # piece edges fall everywhere in and around the far cell
        monkeypatch.setattr(zipguard, "PIECE", size)
        with zipfile.ZipFile(path) as z:
            scans = extent.sheet_scans(z)
            zipguard.check_inflated(z, "book.xlsx", scans)
        assert list(scans) == [part] and scans[part].fits is own, size
    asked: list[object] = []
    monkeypatch.setattr(extent, "_fits_dimension", lambda *a: asked.append(a) or True)
    reader = FileReader()
    table = reader.read(SourceRef("s", path, sheet="Data"))
    assert asked == [] and [b.scanned for b in reader._books.values()] == [{part: own}]
    assert (table.first_row, len(table.df)) == (2, 399 + (far_found and "XFD" in far and "s=" not in far))


def test_the_cell_tags_are_counted_until_there_are_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting stops once DENSE_FACTOR times the tags covers the dimension: the verdict is the
    verdict of a full count, and a dimension past it still does not fit."""
    import kpisheet.limits as limits
    from kpisheet.sources.extent import DimensionScan

    monkeypatch.setattr(limits, "DENSE_CELLS", 10)
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "ABCDE") + "</row>"
                   for r in range(1, 6))
    for dimension, fits, counted in (("A1:E5", True, range(7, 10)), ("A1:E6", True, range(8, 11)),
                                     ("A1:E40", False, [25]), ("A1:E25", False, [25])):
        views = "<sheetViews>" + "<sheetView/>" * 1000 + "</sheetViews>"  # the cells come after the 8 KB head
        xml = f'<worksheet><dimension ref="{dimension}"/>{views}<sheetData>{rows}</sheetData></worksheet>'.encode()
        for size in (1, 2, 3, 10, 4096):
            scan = DimensionScan()
            for at in range(0, len(xml), size):
                scan.feed(xml[at:at + size])
            scan.end()
            assert scan.fits is fits and (size > 10 or scan._cells in counted), (dimension, size, scan._cells)
