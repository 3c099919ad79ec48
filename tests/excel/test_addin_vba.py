"""What the add-in's own VBA does, read from ``templates/kpisheet.xlam`` itself (issue 11).

docs/excel.md says how Refresh finds ``kpisheet.main``, in what order the settings are
looked up, when Refresh runs in the functions' process, and where xlwings' fallback puts
the functions. Those claims rest on the template's VBA, which no test could read until
now: here it is decompressed (MS-OVBA 2.4.1; olefile, a test dependency through
msoffcrypto-tool, opens the compound file) and the claims are checked against it, so that
a new xlwings template that changes any of them fails here.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest

olefile = pytest.importorskip("olefile")
pytest.importorskip("xlwings", reason="the excel extra (xlwings) is not installed")

from kpisheet.excel import addin

COMMITTED = Path(__file__).resolve().parents[2] / "templates" / "kpisheet.xlam"


def _decompress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1: a signature byte, then chunks of literal bytes and copy tokens."""
    if not data or data[0] != 1:
        raise ValueError("not a compressed VBA container")
    out = bytearray()
    pos = 1
    while pos + 2 <= len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        end = min(pos + 2 + (header & 0x0FFF) + 1, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:  # a raw chunk
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not (flags >> bit) & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = max((len(out) - start - 1).bit_length(), 4)
                offset, length = (token >> (16 - bits)) + 1, (token & (0xFFFF >> bits)) + 3
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _modules(path: Path) -> dict[str, str]:
    """The source text of every VBA module of a workbook, by module name."""
    with zipfile.ZipFile(path) as z:
        ole = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    out: dict[str, str] = {}
    for entry in ole.listdir():
        if len(entry) != 2 or entry[0] != "VBA" or entry[1] in ("dir", "_VBA_PROJECT"):
            continue
        data = ole.openstream(entry).read()
        # the source follows the module's p-code; find where its compressed container starts
        for at in (m.start() for m in re.finditer(b"\x01", data)):
            try:
                text = _decompress(data[at:]).decode("latin-1")
            except (ValueError, IndexError, struct.error):
                continue
            if text.startswith("Attribute VB_Name"):
                out[entry[1]] = text
                break
    return out


@pytest.fixture(scope="module")
def vba() -> dict[str, str]:
    return _modules(COMMITTED)


def test_refresh_imports_the_module_named_like_the_addin_file(vba: dict[str, str]) -> None:
    run_main = vba["RibbonMyAddin"]
    assert "Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, \".\"" in run_main
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in run_main
    assert addin.ADDIN_NAME == "kpisheet.xlam"  # so the file name must stay kpisheet.xlam


def test_settings_lookup_order(vba: dict[str, str]) -> None:
    """The active workbook's sheet, then the add-in's sheet, then the files; a key that
    exists wins even when empty — so the add-in's sheet, which lists every key, hides the files."""
    code = vba["xlwings"]
    assert 'Public Const PROJECT_NAME As String = "myaddin"' in code
    body = code[code.index("Function GetConfig(configKey"):]
    active = body.index('SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf")')
    own = body.index('SheetExists(ThisWorkbook, PROJECT_NAME & ".conf")')
    directory = body.index("' Directory Config")
    user = body.index("GetConfigFilePath()")
    assert active < own < directory < user
    assert body.count("Exists(configKey) = True Then") >= 2
    assert set(addin.read_settings(COMMITTED)) >= {"Interpreter_Win", "PYTHONPATH", "Use UDF Server"}


def test_refresh_runs_in_the_functions_process_only_with_use_udf_server(vba: dict[str, str]) -> None:
    code = vba["xlwings"]
    run_python = code[code.index("Public Function RunPython("):]
    assert 'OPTIMIZED_CONNECTION = GetConfig("USE UDF SERVER", False)' in run_python
    assert 'XLPy.Exec "" & PythonCommand & ""' in run_python  # the functions' process
    assert addin.read_settings(COMMITTED)["Use UDF Server"] == "0"  # as shipped: a process of its own


def test_xlwings_fallback_imports_into_the_active_workbook(vba: dict[str, str]) -> None:
    """Why Refresh checks the user's workbook after registering (ribbon.register_functions)."""
    code = vba["xlwings"]
    fallback = code[code.index("Sub ImportXlwingsUdfsModule("):]
    fallback = fallback[: fallback.index("End Sub")]
    assert "ActiveWorkbook.VBProject.VBComponents.Import tf" in fallback
