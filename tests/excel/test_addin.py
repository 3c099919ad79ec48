"""templates/kpisheet.xlam: built from xlwings' own ribbon template, edited only where SPEC §4 says."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("xlwings", reason="the excel extra (xlwings) is not installed")

from kpisheet.errors import KpisheetError
from kpisheet.excel import addin

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "templates" / "kpisheet.xlam"
EDITED = {"customUI/customUI.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"}


@pytest.fixture(scope="module")
def template() -> Path:
    return addin.xlwings_template()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def test_template_is_the_pinned_xlwings() -> None:
    import xlwings

    assert xlwings.__version__ == "0.37.8"  # the pin of the `excel` extra; rebuild the add-in when it moves
    assert addin.xlwings_template().name == "quickstart_addin_ribbon.xlam"


def test_committed_addin_is_a_fresh_build(template: Path, tmp_path: Path) -> None:
    fresh = addin.build(tmp_path / "kpisheet.xlam", template)
    assert COMMITTED.read_bytes() == fresh.read_bytes(), "run: python scripts/build_addin.py"
    assert subprocess.run([sys.executable, str(ROOT / "scripts" / "build_addin.py"), "--check"],
                          capture_output=True).returncode == 0


def test_only_ribbon_and_settings_change(template: Path) -> None:
    ours, theirs = _parts(COMMITTED), _parts(template)
    assert list(ours) == list(theirs)  # same parts, same order
    assert ours["xl/vbaProject.bin"] == theirs["xl/vbaProject.bin"]
    assert {n for n in ours if ours[n] != theirs[n]} == EDITED
    with zipfile.ZipFile(COMMITTED) as a, zipfile.ZipFile(template) as b:
        for x, y in zip(a.infolist(), b.infolist()):
            assert (x.filename, x.date_time, x.compress_type) == (y.filename, y.date_time, y.compress_type)


def test_ribbon_is_a_kpis_tab_with_refresh_on_the_template_callback(template: Path) -> None:
    import xml.etree.ElementTree as ET

    theirs = ET.fromstring(_parts(template)["customUI/customUI.xml"])
    ours = ET.fromstring(_parts(COMMITTED)["customUI/customUI.xml"])
    ns = {"c": "http://schemas.microsoft.com/office/2006/01/customui"}
    tabs = ours.findall(".//c:tab", ns)
    assert [t.get("label") for t in tabs] == ["KPIs"]
    buttons = ours.findall(".//c:button", ns)
    assert [(b.get("label"), b.get("onAction")) for b in buttons] == [("Refresh", "RibbonMyAddin.RunMain")]
    assert [b.get("onAction") for b in theirs.findall(".//c:button", ns)] == ["RibbonMyAddin.RunMain"]


def test_settings_sheet_points_at_the_udfs() -> None:
    settings = addin.read_settings(COMMITTED)
    assert settings.pop("__sheet__") == "myaddin.conf"  # active: PROJECT_NAME & ".conf" in the VBA
    assert settings["UDF Modules"] == "kpisheet.excel.udfs"
    assert settings["Interpreter_Win"] == "" and settings["Debug UDFs"] == "0"
    assert list(settings) == ["Interpreter_Win", "Interpreter_Mac", "PYTHONPATH", "Conda Path", "Conda Env",
                              "UDF Modules", "Debug UDFs", "Use UDF Server", "Show Console"]


def test_vba_runs_main_of_the_module_named_like_the_addin() -> None:
    """The callback in the (unchanged) VBA imports the module named after the add-in file."""
    vba = _parts(COMMITTED)["xl/vbaProject.bin"]
    assert vba  # compressed VBA: RunMain runs "import <name>; <name>.main()" for <name>.xlam
    assert addin.ADDIN_NAME == "kpisheet.xlam"
    import kpisheet

    assert callable(kpisheet.main) and "main" in kpisheet.__all__


def test_another_reader_sees_the_settings() -> None:
    """A second, independent reader (python-calamine) opens what we wrote. (openpyxl and
    LibreOffice refuse the add-in content type, xlwings' own template included.)"""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(COMMITTED))
    assert wb.sheet_names == ["myaddin.conf"]
    rows = wb.get_sheet_by_name("myaddin.conf").to_python()
    assert dict((r[0], r[1]) for r in rows)["UDF Modules"] == "kpisheet.excel.udfs"


def test_build_sets_more_settings(template: Path, tmp_path: Path) -> None:
    out = addin.build(tmp_path / "k.xlam", template, {"Interpreter_Win": r"C:\py\pythonw.exe", "PYTHONPATH": "a&b"})
    settings = addin.read_settings(out)
    assert settings["Interpreter_Win"] == r"C:\py\pythonw.exe"
    assert settings["PYTHONPATH"] == "a&b"
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("myaddin.conf").to_python()
    assert dict((r[0], r[1]) for r in rows)["PYTHONPATH"] == "a&b"
    assert _parts(out)["xl/vbaProject.bin"] == _parts(template)["xl/vbaProject.bin"]
    with pytest.raises(KpisheetError, match="no 'Nope' row"):
        addin.build(tmp_path / "x.xlam", template, {"Nope": "1"})


def test_build_refuses_another_template(tmp_path: Path) -> None:
    other = tmp_path / "other.xlam"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(KpisheetError, match="not xlwings' ribbon add-in template"):
        addin.build(tmp_path / "k.xlam", other)


def test_install_needs_desktop_excel() -> None:
    with pytest.raises(KpisheetError) as exc:
        addin.install(platform="linux")
    assert exc.value.lines() == ["error: addin: kpisheet addin install needs desktop Excel on Windows or macOS"]


def test_install_goes_through_xlwings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where Excel runs, xlwings' own ``addin install --file`` copies a build set to this Python."""
    seen: dict[str, Any] = {}

    def fake_install(args: Any) -> None:
        seen["file"] = args.file
        seen["settings"] = addin.read_settings(Path(args.file))
        print("Successfully installed the xlwings add-in!")

    from xlwings import cli

    monkeypatch.setattr(cli, "addin_install", fake_install)
    said = addin.install(platform="darwin")
    assert Path(seen["file"]).name == "kpisheet.xlam"
    assert seen["settings"]["Interpreter_Mac"] == sys.executable
    assert seen["settings"]["UDF Modules"] == "kpisheet.excel.udfs"
    assert said.startswith("Successfully installed") and sys.executable in said

    def failing(args: Any) -> None:
        raise OSError("no Excel")

    monkeypatch.setattr(cli, "addin_install", failing)
    with pytest.raises(KpisheetError, match="could not install"):
        addin.install(platform="win32")


def test_cli_addin_install_on_linux(capsys: pytest.CaptureFixture[str]) -> None:
    from kpisheet.cli import main

    if sys.platform.startswith(("win", "darwin")):
        pytest.skip("installs for real where Excel runs")
    assert main(["addin", "install"]) == 2
    assert capsys.readouterr().err == "error: addin: kpisheet addin install needs desktop Excel on Windows or macOS\n"


def test_install_fails_when_xlwings_says_it_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    """xlwings prints its failures and returns normally: that is no success (issue 11)."""
    from xlwings import cli

    def refused(args: Any) -> None:
        print("Error: Failed to install the add-in: If Excel is running, quit Excel and try again. "
              "If you are using the '--glob' option make sure to run this command from an Elevated Command Prompt.")

    monkeypatch.setattr(cli, "addin_install", refused)
    with pytest.raises(KpisheetError) as exc:
        addin.install(platform="win32")
    lines = exc.value.lines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: addin: xlwings could not install the add-in: Failed to install the add-in: If Excel is running")

    monkeypatch.setattr(cli, "addin_install", lambda args: print("PermissionError(13, 'Permission denied')"))
    with pytest.raises(KpisheetError, match=r"could not install the add-in: PermissionError\(13"):
        addin.install(platform="darwin")
    monkeypatch.setattr(cli, "addin_install", lambda args: None)
    with pytest.raises(KpisheetError, match="it said nothing"):
        addin.install(platform="win32")


def test_cli_addin_install_exits_2_on_an_xlwings_error(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from xlwings import cli

    from kpisheet.cli import main

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(cli, "addin_install", lambda args: print("Error: Failed to install the add-in: busy"))
    assert main(["addin", "install"]) == 2
    err = capsys.readouterr().err
    assert err == "error: addin: xlwings could not install the add-in: Failed to install the add-in: busy\n"


def test_install_in_a_conda_environment_uses_conda_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """As xlwings' own ``config create``: Conda Path (conda.exe's folder two up) and Conda Env."""
    from xlwings import cli

    seen: dict[str, Any] = {}

    def fake_install(args: Any) -> None:
        seen.update(addin.read_settings(Path(args.file)))
        print("Successfully installed the xlwings add-in!")

    conda = tmp_path / "miniconda3"
    monkeypatch.setenv("CONDA_DEFAULT_ENV", "finance")
    monkeypatch.setenv("CONDA_EXE", str(conda / "Scripts" / "conda.exe"))
    monkeypatch.setattr(cli, "addin_install", fake_install)
    said = addin.install(platform="win32")
    assert seen["Conda Path"] == str(conda) and seen["Conda Env"] == "finance"
    assert seen["Interpreter_Win"] == ""  # xlwings activates the environment instead
    assert said.endswith(f"Its Python: conda environment 'finance' of {conda}")
    monkeypatch.delenv("CONDA_DEFAULT_ENV")
    addin.install(platform="win32")
    assert seen["Interpreter_Win"] == sys.executable
