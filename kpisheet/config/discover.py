"""Finding the config of a workbook (docs/excel.md): the ``KPISHEET_CONFIG`` environment
variable, then ``kpisheet.yaml`` beside the workbook, then a ``config/`` folder beside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from ..errors import ConfigError

ENV = "KPISHEET_CONFIG"


def find_config(workbook: Optional[Path], explicit: Optional[str | Path] = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    if workbook is not None:
        for candidate in (workbook.parent / "kpisheet.yaml", workbook.parent / "config"):
            if candidate.exists():
                return candidate
    where = str(workbook) if workbook is not None else "."
    raise ConfigError(f"no config found: pass --config, set {ENV}, or put kpisheet.yaml or config/ "
                      "beside the workbook", place=where)
