"""The example generator writes Dashboards a viewer without kpisheet can show where the file
format allows it: the key-account flag is a cached text (``yes``/``no``), not a cached boolean,
which LibreOffice would recompute to ``#NAME?`` (see tests/excel/test_libreoffice_viewer.py).

The Dashboard is built here from the generator, into a temporary folder, so this checks the
generator itself, whatever the committed workbooks hold until ``make examples`` remakes them.
"""

from __future__ import annotations

import csv
import random
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from kpisheet import Engine, load_config
from kpisheet.excel.recalc import recalc
from tests.excel.libreoffice_tool import make_profile, soffice

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The startup example's workbook as ``make examples`` writes it, in a temporary folder."""
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(ROOT / "scripts"))
    try:
        import make_examples as mk
        from dashboard import write_dashboard
        from examplegen import BUILDERS
    finally:
        mp.undo()
    folder = tmp_path_factory.mktemp("example")
    example = BUILDERS["startup"](random.Random("kpisheet-startup"))
    config_dir = ROOT / "config" / "startup"
    config = load_config(config_dir)
    data, out = folder / "data.xlsx", folder / "startup.xlsx"
    mk.write_data(example, data)
    wb: Any = mk._workbook(out)
    write_dashboard(wb, example, config, Engine(config, data))
    for sheet in example.sheets:
        mk._write_sheet(wb, sheet)
    wb.close()
    recalc(out, config_dir)  # as make_examples does: the cached values kpisheet recalc writes
    assert not recalc(out, config_dir, check=True).changes
    return out


def test_key_flag_is_a_cached_text(dashboard: Path) -> None:
    with zipfile.ZipFile(dashboard) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    q = '(?:"|&quot;)'
    cell = re.search(rf'<c r="(\w+)"[^>]*>\s*<f>IF\(IS_KEY_ACCOUNT\({q}Client A{q}\),{q}yes{q},{q}no{q}\)</f>'
                     r"\s*<v>([^<]*)</v>", xml)
    assert cell, "the key flag is not IF(IS_KEY_ACCOUNT(...),\"yes\",\"no\")"
    assert re.search(rf'<c r="{cell.group(1)}"[^>]*t="str"', xml) and cell.group(2) == "yes"
    assert 't="b"><f>IS_KEY_ACCOUNT' not in xml
    assert re.search(r"<formula>(?:\"|&quot;)yes(?:\"|&quot;)</formula>", xml)  # the highlight follows the text


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_shows_the_key_flag(dashboard: Path, tmp_path: Path) -> None:
    profile = make_profile(tmp_path / "lo")
    never = (profile / "user" / "registrymodifications.xcu").read_text().replace("<value>0</value>", "<value>1</value>")
    (profile / "user" / "registrymodifications.xcu").write_text(never)  # LibreOffice's default: never recalculate
    subprocess.run([str(soffice()), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
                    "--outdir", str(tmp_path), str(dashboard)], check=True, capture_output=True, timeout=300)
    rows = list(csv.reader((tmp_path / "startup.csv").open(encoding="utf-8")))
    flag = next(row for row in rows if "Key account?" in row)
    assert flag[flag.index("Key account?") + 1] == "yes"
