"""The Excel add-in, ``templates/kpisheet.xlam``: built from xlwings' own template, and installed.

:func:`build` copies xlwings' ``quickstart_addin_ribbon.xlam`` (of the installed, pinned
xlwings) entry by entry and edits three parts of it, as text, never by hand in Excel:

- ``customUI/customUI.xml``: a ribbon tab **KPIs** with one **Refresh** button, on the
  template's own callback (``RibbonMyAddin.RunMain``). That callback runs
  ``import <add-in name>; <add-in name>.main()``, so the file is named ``kpisheet.xlam``
  and Refresh runs :func:`kpisheet.main`.
- the settings sheet: the template's ``_myaddin.conf`` (inactive, as xlwings ships it) is
  renamed ``myaddin.conf``, the name the template's VBA reads (its ``PROJECT_NAME`` is
  ``myaddin`` and cannot change without rewriting the VBA), and ``UDF Modules`` is set
  to ``kpisheet.excel.udfs``. :func:`install` also sets the Python there (the interpreter,
  or ``Conda Path``/``Conda Env`` in a conda environment on Windows).
- nothing else: ``xl/vbaProject.bin`` and every other part stay byte-identical (the VBA
  cannot be built without Excel), and each entry keeps its name, order, date and
  compression, so the same template always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Mapping, Optional
from xml.sax.saxutils import escape, unescape

from ..atomic import write_atomic
from ..errors import KpisheetError

__all__ = [
    "ADDIN_NAME", "CALLBACK", "RIBBON_XML", "SETTINGS_SHEET", "TEMPLATE", "UDF_MODULE", "build", "install",
    "interpreter", "python_settings", "read_settings", "xlwings_template",
]

TEMPLATE = "quickstart_addin_ribbon.xlam"  # in the xlwings package
ADDIN_NAME = "kpisheet.xlam"  # the callback imports the module named like the add-in
UDF_MODULE = "kpisheet.excel.udfs"
TEMPLATE_SHEET = "_myaddin.conf"  # as xlwings ships it: inactive
SETTINGS_SHEET = "myaddin.conf"  # PROJECT_NAME & ".conf", the sheet the template's VBA reads
CALLBACK = "RibbonMyAddin.RunMain"

RIBBON_XML = """\
<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
    <ribbon>
        <tabs>
            <tab id="kpisheetTab" label="KPIs">
                <group id="kpisheetGroup" label="kpisheet">
                    <button id="kpisheetRefresh" label="Refresh" size="large" onAction="{callback}" imageMso="RefreshAll"
                            screentip="Refresh KPIs" supertip="Reload the kpisheet config and data, recalculate every KPI cell and write the findings to the KPI Check sheet." />
                </group>
            </tab>
        </tabs>
    </ribbon>
</customUI>"""

_RIBBON = "customUI/customUI.xml"
_WORKBOOK = "xl/workbook.xml"
_SHEET = "xl/worksheets/sheet1.xml"
_STRINGS = "xl/sharedStrings.xml"


def xlwings_template() -> Path:
    """xlwings' ribbon add-in template, from the installed xlwings package."""
    import importlib.util

    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise KpisheetError("xlwings is not installed: pip install 'kpisheet[excel]'", place="addin")
    path = Path(spec.origin).parent / TEMPLATE
    if not path.is_file():
        raise KpisheetError(f"{TEMPLATE} is not in the installed xlwings ({path.parent})", place="addin")
    return path


def build(out: Path, template: Optional[Path] = None, settings: Optional[Mapping[str, str]] = None) -> Path:
    """Write the add-in to ``out`` from ``template`` (default: xlwings' own).

    ``settings`` are set on the settings sheet, over ``{"UDF Modules": UDF_MODULE}``;
    their keys must be ones the template lists (``Interpreter_Win``, ``PYTHONPATH`` ...).
    """
    template = template or xlwings_template()
    wanted = {"UDF Modules": UDF_MODULE, **(settings or {})}
    with zipfile.ZipFile(template) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
        infos = zin.infolist()
    for name in (_RIBBON, _WORKBOOK, _SHEET, _STRINGS, "xl/vbaProject.bin"):
        if name not in parts:
            raise KpisheetError(f"{template} has no {name}: not xlwings' ribbon add-in template", place="addin")
    parts[_RIBBON] = ribbon_xml(parts[_RIBBON].decode("utf-8")).encode("utf-8")
    parts[_WORKBOOK] = _activate_settings(parts[_WORKBOOK].decode("utf-8")).encode("utf-8")
    sheet, strings = parts[_SHEET].decode("utf-8"), parts[_STRINGS].decode("utf-8")
    for key, value in wanted.items():
        sheet, strings = _set_setting(sheet, strings, key, value)
    parts[_SHEET], parts[_STRINGS] = sheet.encode("utf-8"), strings.encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zout:
        for info in infos:
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            copy.create_system = info.create_system
            zout.writestr(copy, parts[info.filename])
    write_atomic(out, buffer.getvalue())
    return out


def ribbon_xml(template_xml: str) -> str:
    """The KPIs tab, on the callback the template's button uses."""
    m = re.search(r'onAction="([^"]+)"', template_xml)
    if m is None or m.group(1) != CALLBACK:
        raise KpisheetError(f"the template's ribbon has no {CALLBACK} button; was xlwings' template changed?",
                            place="addin")
    return RIBBON_XML.format(callback=m.group(1))


def _activate_settings(workbook_xml: str) -> str:
    old = f'name="{TEMPLATE_SHEET}"'
    if old not in workbook_xml:
        if f'name="{SETTINGS_SHEET}"' in workbook_xml:
            return workbook_xml
        raise KpisheetError(f"the template has no {TEMPLATE_SHEET} sheet", place="addin")
    return workbook_xml.replace(old, f'name="{SETTINGS_SHEET}"', 1)


_SI = re.compile(r"<si>(.*?)</si>", re.S)
_T = re.compile(r"<t(?:\s[^>]*)?>(.*?)</t>", re.S)


def _strings(sst: str) -> list[str]:
    return [unescape("".join(_T.findall(si))) for si in _SI.findall(sst)]


def _add_string(sst: str, text: str) -> tuple[str, int]:
    items = _strings(sst)
    if text in items:
        return sst, items.index(text)
    sst = sst.replace("</sst>", f"<si><t>{escape(text)}</t></si></sst>", 1)
    n = len(items) + 1
    sst = re.sub(r'count="\d+"', f'count="{n}"', sst, count=1)
    sst = re.sub(r'uniqueCount="\d+"', f'uniqueCount="{n}"', sst, count=1)
    return sst, n - 1


def _set_setting(sheet: str, sst: str, key: str, value: str) -> tuple[str, str]:
    """Put ``value`` (a text) in column B beside ``key`` in column A of the settings sheet."""
    strings = _strings(sst)
    row = None
    for m in re.finditer(r'<c r="A(\d+)"[^>]*t="s"[^>]*><v>(\d+)</v></c>', sheet):
        if strings[int(m.group(2))].casefold() == key.casefold():
            row = int(m.group(1))
    if row is None:
        raise KpisheetError(f"the template's settings sheet has no '{key}' row", place="addin")
    sst, index = _add_string(sst, value)
    cell = f'<c r="B{row}" s="1" t="s"><v>{index}</v></c>'
    row_re = re.compile(rf'(<row r="{row}"[^>]*>)(.*?)(</row>)', re.S)
    found = row_re.search(sheet)
    assert found is not None
    cells = re.sub(rf'<c r="B{row}"(?:[^>]*/>|[^>]*>.*?</c>)', "", found.group(2))
    opening = re.sub(r'spans="(\d+):\d+"', lambda s: f'spans="{s.group(1)}:2"', found.group(1))
    return sheet[: found.start()] + opening + cells + cell + found.group(3) + sheet[found.end():], sst


def read_settings(addin: Path) -> dict[str, str]:
    """The settings sheet of an add-in as {key: value}, and its name under ``"__sheet__"``."""
    with zipfile.ZipFile(addin) as z:
        sheet = z.read(_SHEET).decode("utf-8")
        strings = _strings(z.read(_STRINGS).decode("utf-8"))
        workbook = z.read(_WORKBOOK).decode("utf-8")
    cells: dict[str, str] = {}
    for m in re.finditer(r'<c r="([AB])(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', sheet, re.S):
        col, row, attrs, body = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        v = re.search(r"<v>(.*?)</v>", body)
        text = ""
        if v is not None:
            text = strings[int(v.group(1))] if 't="s"' in attrs else v.group(1)
        cells[col + row] = text
    out = {cells[k]: cells.get("B" + k[1:], "") for k in cells if k.startswith("A") and cells[k]}
    name = re.search(r'<sheet name="([^"]+)"', workbook)
    out["__sheet__"] = name.group(1) if name else ""
    return out


def interpreter() -> str:
    """The Python the add-in should run: this one (``pythonw.exe`` on Windows, no console)."""
    exe = Path(sys.executable)
    if sys.platform.startswith("win"):
        quiet = exe.with_name("pythonw.exe")
        if quiet.is_file():
            return str(quiet)
    return str(exe)


def python_settings(platform: str) -> dict[str, str]:
    """The add-in's settings that choose its Python, as xlwings' own ``config create`` does:
    in a conda environment on Windows, ``Conda Path`` and ``Conda Env`` (xlwings then
    activates the environment, which a bare ``pythonw.exe`` of it does not do: its DLLs are
    not found); otherwise this interpreter."""
    from xlwings.cli import get_conda_settings

    conda_path, conda_env = get_conda_settings()  # type: ignore[no-untyped-call]  # xlwings is untyped
    python = interpreter()
    if conda_path and conda_env and platform.startswith("win"):
        return {"Conda Path": conda_path, "Conda Env": conda_env, "Interpreter_Mac": python}
    return {"Interpreter_Win": python, "Interpreter_Mac": python}


_INSTALLED = "Successfully installed"  # what xlwings prints, and only, when it worked


def install(platform: Optional[str] = None) -> str:
    """Install the add-in where Excel runs, through xlwings; returns what was done.

    The add-in is built afresh with this Python (or conda environment) as its interpreter,
    then xlwings' ``addin install`` copies it to Excel's XLSTART folder (and on macOS
    enables RunPython). xlwings reports its failures by printing, not raising
    (``Error: Failed to install the add-in: ...``): anything but its success line is a
    failure, raised as one line.
    """
    platform = platform or sys.platform
    if not (platform.startswith("win") or platform.startswith("darwin")):
        raise KpisheetError("kpisheet addin install needs desktop Excel on Windows or macOS", place="addin")
    try:
        import argparse

        from xlwings import cli as xwcli
    except ImportError as exc:
        raise KpisheetError(f"xlwings is not installed ({exc}): pip install 'kpisheet[excel]'",
                            place="addin") from None
    settings = python_settings(platform)
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp) / ADDIN_NAME, settings=settings)
        said = io.StringIO()
        try:
            with contextlib.redirect_stdout(said):
                xwcli.addin_install(argparse.Namespace(file=str(path), dir=None, glob=False))  # type: ignore[no-untyped-call]
        except SystemExit as exc:
            raise KpisheetError(f"xlwings could not install the add-in: {exc}", place="addin") from None
        except Exception as exc:
            raise KpisheetError(f"xlwings could not install the add-in ({type(exc).__name__}: {exc}); "
                                "is Excel installed? close Excel and try again", place="addin") from None
    text = said.getvalue().strip()
    if _INSTALLED not in text:
        first = " ".join(text.splitlines()[0].split()) if text else "it said nothing"
        raise KpisheetError(f"xlwings could not install the add-in: {first.removeprefix('Error: ')}",
                            place="addin")
    if "Conda Env" in settings:
        python = f"conda environment '{settings['Conda Env']}' of {settings['Conda Path']}"
    else:
        python = settings["Interpreter_Win"]
    return f"{text}\nIts Python: {python}"
