"""Render each example's Dashboard sheet to docs/<name>.png with LibreOffice headless.

    python scripts/render_dashboards.py [NAME ...]      (default: every example)

Needs ``soffice`` (LibreOffice: apt-get install libreoffice-calc-nogui) and ``pdftoppm``
(poppler-utils). The workbook goes to PDF through LibreOffice, then page 1 (the Dashboard,
the first sheet) to PNG through pdftoppm.

LibreOffice does not know kpisheet's functions, and it recalculates every array formula
when it opens a file (whatever its recalculation setting), so the spilled tables would
show ``#NAME?``. The picture is therefore taken from a copy of the workbook whose formulas
are dropped and whose cells keep the values ``kpisheet recalc`` cached: what the
workbook holds, shown as any viewer that reads cached values shows it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("startup", "consulting", "agency", "restaurant")
DPI = 110

# LibreOffice's own setting "never recalculate on load", for Excel and ODF files alike
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>1</value></prop></item>
</oor:items>
"""
FORMULA = re.compile(r"<f\b[^>]*/>|<f\b[^>]*>.*?</f>", re.S)
CELL_METADATA = re.compile(r'(<c\b[^>]*?) cm="\d+"')
# a formula's text result (t="str") becomes an inline string once the formula is gone
TEXT_RESULT = re.compile(r'(<c\b[^>]*?) t="str"([^>]*)>\s*<v>(.*?)</v>', re.S)
EMPTY_TEXT_RESULT = re.compile(r'(<c\b[^>]*?) t="str"([^>]*)>\s*(?:<v/>|<v></v>)?\s*</c>')
# LibreOffice 7.4 stops ("Unspecified Application Error") on a plain TRUE/FALSE cell that a
# conditional format compares with TRUE; in the copy they become the text TRUE/FALSE
BOOLEAN = re.compile(r'(<c\b[^>]*?) t="b"([^>]*)>\s*<v>([01])</v>')
CF_TRUE = "<formula>TRUE</formula>"


def values_only(src: Path, dst: Path) -> None:
    """A copy of ``src`` whose formula cells keep only their cached values."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", item.filename):
                text = data.decode("utf-8")
                text = CELL_METADATA.sub(r"\1", FORMULA.sub("", text))
                text = EMPTY_TEXT_RESULT.sub(r"\1\2/>", text)
                text = TEXT_RESULT.sub(r'\1 t="inlineStr"\2><is><t xml:space="preserve">\3</t></is>', text)
                text = BOOLEAN.sub(lambda m: f'{m[1]} t="inlineStr"{m[2]}><is><t>{"TRUE" if m[3] == "1" else "FALSE"}'
                                   '</t></is>', text)
                text = text.replace(CF_TRUE, '<formula>"TRUE"</formula>')
                data = text.encode("utf-8")
            zout.writestr(item, data)


def render(name: str, out_dir: Path, work: Path) -> Path:
    book = ROOT / "templates" / f"{name}.xlsx"
    copy = work / f"{name}.xlsx"
    values_only(book, copy)
    profile = work / "profile"
    settings = profile / "user" / "registrymodifications.xcu"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(PROFILE_SETTINGS)
    export = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", export,
                    "--outdir", str(work), str(copy)], check=True, capture_output=True, timeout=300)
    pdf = work / f"{name}.pdf"
    if not pdf.exists():
        raise SystemExit(f"LibreOffice made no PDF of {copy}")
    stem = work / f"{name}-page"
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True, capture_output=True, timeout=120)
    target = out_dir / f"{name}.png"
    shutil.copyfile(stem.with_suffix(".png"), target)
    return target


def main(names: list[str]) -> None:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed: apt-get install -y libreoffice-calc-nogui poppler-utils")
    unknown = [n for n in names if n not in EXAMPLES]
    if unknown:
        raise SystemExit(f"unknown example {', '.join(unknown)}: choose from {', '.join(EXAMPLES)}")
    out_dir = ROOT / "docs"
    out_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or list(EXAMPLES):
            target = render(name, out_dir, Path(tmp))
            print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
