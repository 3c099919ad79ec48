"""A workbook's bytes opened: what kind of file it is, the checks that come before
python-calamine may open it (README#hostile-and-broken-input), and the opening.

Needs no pandas: :mod:`.prefetch` opens workbooks in a thread while pandas imports, through
this same function as :class:`.files.FileReader`, so both meet the same checks and messages.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Optional

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from ..errors import WorkbookError
from ..zipguard import check_inflated, check_package
from .extent import sheet_scans
from .odsextent import ods_extent

ZIP = (b"PK\x03\x04", b"PK\x05\x06")
OLE = bytes.fromhex("D0CF11E0A1B11AE1")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # stream name, in the CFB directory
PROTECTED = "the workbook is password-protected; save a copy without a password"


@dataclass
class OpenedWorkbook:
    """A workbook file's bytes, checked and opened."""

    kind: str  # xlsx | xlsb | ods | xls
    workbook: Optional[CalamineWorkbook] = None  # None where calamine must not open it (by_cells)
    by_cells: Optional[list[str]] = None  # an .ods or .xls calamine must not open: its sheets, read by their cells
    scanned: dict[str, bool] = field(default_factory=dict)  # .xlsx sheet part -> fits its dimension (extent)


def one_line(text: object, limit: int = 120) -> str:
    """``text`` on one line, cut at ``limit`` characters (for an error message)."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def open_workbook(data: bytes, where: str) -> OpenedWorkbook:
    """The workbook in ``data`` (told apart by content, not name), opened by python-calamine
    once every check passed; a :class:`WorkbookError` at ``where`` for anything that is not a
    readable workbook. May raise calamine's Rust panic on damaged bytes (the caller holds
    descriptor 2: :func:`.panics.native_stderr_held`)."""
    scanned: dict[str, bool] = {}  # an .xlsx's sheet parts whose extent was scanned as they were inflated
    if data.startswith(OLE):
        if _is_encrypted(data):
            raise WorkbookError(PROTECTED, place=where)
        kind = "xls"
        from .xlscells import xls_by_cells  # imports numpy: not for the .xlsx files read ahead

        by_cells = xls_by_cells(data)  # README#hostile-and-broken-input: calamine lays out every sheet densely
        if by_cells is not None:
            return OpenedWorkbook(kind, by_cells=by_cells)
    elif data.startswith(ZIP):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            check_package(archive, where)  # README#hostile-and-broken-input: no zip bomb is inflated
            names = set(archive.namelist())
            # nor one whose headers lie about its sizes; the sheets' extent is scanned in the same
            # inflate (issue 12: a 244 MB sheet was inflated once for each)
            scans = sheet_scans(archive) if "xl/workbook.xml" in names else {}
            check_inflated(archive, where, scans)
            scanned = {part: scan.fits for part, scan in scans.items() if scan.fits is not None}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise WorkbookError(f"the workbook is damaged (a broken ZIP archive: {one_line(exc)}); "
                                "open it in Excel and save it again, or restore a copy", place=where) from None
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "xl/workbook.bin" in names:
            kind = "xlsb"
        elif "content.xml" in names:
            kind = "ods"
            # README#hostile-and-broken-input
            extent = ods_extent(data)  # calamine expands every sheet's repeats on opening
            if extent.refused is not None:
                raise WorkbookError(extent.refused[1], place=f"{where}!{extent.refused[0]}")
            if extent.too_sparse:  # a far cell: every sheet is read by its cells, without calamine
                return OpenedWorkbook(kind, by_cells=extent.sheets)
        else:
            raise WorkbookError("not a workbook (a ZIP archive with no workbook inside, "
                                "such as a Word document)", place=where)
    else:
        raise WorkbookError(_not_a_workbook(data), place=where)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise WorkbookError(PROTECTED, place=where) from None
    except CalamineError as exc:
        what = "not an Excel workbook" if kind == "xls" else "the workbook is damaged"
        raise WorkbookError(f"{what} ({one_line(exc)})", place=where) from None
    return OpenedWorkbook(kind, workbook, scanned=scanned)


def _is_encrypted(data: bytes) -> bool:
    """An OLE file holding an encrypted Office document (or a legacy .xls with a password)."""
    try:
        import msoffcrypto
    except ImportError:  # optional: the stream name is enough for OOXML files
        return _ENCRYPTED_PACKAGE in data
    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # not an Office file msoffcrypto knows: look for the stream by name
        return _ENCRYPTED_PACKAGE in data


def _not_a_workbook(data: bytes) -> str:
    """Why bytes that are neither ZIP nor OLE are no workbook, for the message."""
    if not data:
        return "not a workbook (the file is empty)"
    head = data[:4096]
    if b"\x00" not in head:
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n").lower()
        if text.startswith("<"):
            return ("not a workbook (it is an HTML or XML file, as some systems export under an Excel name); "
                    "open it in Excel and save it as .xlsx")
        return "not a workbook (it is a text file; a CSV file must be named .csv)"
    return "not a workbook (unknown content)"
