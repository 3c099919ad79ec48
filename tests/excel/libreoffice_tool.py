"""Recalculating workbooks with LibreOffice headless, the independent second program the
recalc tests and benchmarks compare with. ``OOXMLRecalcMode`` is set to 0 (always
recalculate) in a private user profile, so cached values are never trusted."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Optional

PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> Optional[str]:
    return shutil.which("soffice") or shutil.which("libreoffice")


def make_profile(folder: Path) -> Path:
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE)
    return folder


def recalc_with_libreoffice(paths: Iterable[Path], outdir: Path, profile: Optional[Path] = None,
                            timeout: float = 300) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate everything, save as .xlsx into ``outdir``."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    paths = list(paths)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as tmp:
        prof = profile or make_profile(Path(tmp))
        subprocess.run([exe, f"-env:UserInstallation={prof.resolve().as_uri()}", "--headless", "--norestore",
                        "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, paths)],
                       check=True, capture_output=True, timeout=timeout)
    out = [outdir / (p.stem + ".xlsx") for p in paths]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice wrote no {missing}")
    return out
