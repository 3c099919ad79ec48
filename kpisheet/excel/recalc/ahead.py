"""The config of a workbook to recalculate, loaded, and its sources' files being read in a
thread (:mod:`kpisheet.sources.prefetch`) while the run imports pandas and the engine.

Needs no pandas: :func:`kpisheet.excel.recalc.recalc` calls :func:`sources_ahead` before it
imports the run (issue 12).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ...config.model import Config
from ...errors import KpisheetError
from ...sources.prefetch import Prefetch


@dataclass(frozen=True)
class SourcesAhead:
    """The config found for a workbook, loaded, and the files its sources read being read in a thread."""

    config_path: Path
    config: Config
    prefetch: Prefetch


def sources_ahead(workbook: Path, config_path: Optional[Path]) -> Optional[SourcesAhead]:
    """The config beside ``workbook`` (or ``config_path``) and its sources' files being read, or
    None where no config is found or it does not load: that is an error only if a cell calls
    docs/excel.md's functions, which the run finds out and reports as before."""
    from ...config.discover import find_config
    from ...config.load import load_config
    try:
        found = find_config(workbook, config_path)
        config = load_config(found)
    except KpisheetError:
        return None
    return SourcesAhead(found, config, Prefetch(config, workbook))
