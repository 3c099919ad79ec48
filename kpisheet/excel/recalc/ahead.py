"""Before the run imports pandas and the engine: the config loaded and its sources' files
read in a thread (:mod:`kpisheet.sources.prefetch`) while the workbook is opened, then
parsed, where the book's formulas may call docs/excel.md's functions, while the run imports:
calamine parses the data sheets on the other core meanwhile (issue 12).

Needs no pandas: :func:`kpisheet.excel.recalc.recalc` enters :func:`opened_ahead` before it
imports the run.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from ...config.model import Config
from ...errors import KpisheetError
from ...gcpause import gc_paused
from ...inflated import sharing
from ...sources.prefetch import Prefetch
from .book import LoadedBook, load

#: A formula calling one of docs/excel.md's functions holds, upper-cased, one of these words and
#: "(" (every name of :data:`kpisheet.excel.functions.EXCEL_FUNCTIONS` does: a test holds them
#: together), and so does the sheet's XML. Only a cue for reading ahead: a book it misses has its
#: sources read when asked, one it finds in vain has them parsed for nothing.
OUR_CALL = re.compile(rb"(?:KPI|ACCOUNT)\w*\(")


@dataclass(frozen=True)
class SourcesAhead:
    """The config found for a workbook, loaded, and the files its sources read being read in a thread."""

    config_path: Path
    config: Config
    prefetch: Prefetch


@contextmanager
def opened_ahead(workbook: Path, config_path: Optional[Path],
                 read_ahead: bool = True) -> Iterator[tuple[LoadedBook, Optional[SourcesAhead]]]:
    """The workbook loaded and, with ``read_ahead``, its sources being read, for the ``with``
    block (None where no formula may call our functions, or no config loads); the thread is
    waited for and the package closed as the block ends. Raises
    :class:`~kpisheet.errors.WorkbookError` for a file that is not a readable .xlsx/.xlsm.

    No cyclic garbage collection in the block: the sheets' cells, the formulas, their results
    and the engine's tables are made once and live to the end, so each collection would walk
    them all again for nothing (a fifth of recalc's own time on 10,000 KPI cells). Collection
    resumes when the block ends: the book and the run are freed by then (the formula engine
    breaks its own cycles), so the first collection after it walks the report, not every cell
    of the run (60-90 ms on 10,000 KPI cells)."""
    with gc_paused():
        ahead = _sources_ahead(workbook, config_path) if read_ahead else None
        try:
            calls: list[bool] = []  # set once a sheet's formulas may call our functions

            def seen(xml: bytes) -> None:
                if ahead is not None and not calls and OUR_CALL.search(xml.upper()):
                    calls.append(True)
                    ahead.prefetch.go()  # parsed from now on, while the book is read on

            loaded = load(workbook, seen)
            if ahead is not None and not calls:
                ahead.prefetch.close()  # no cell needs a source: nothing is parsed
                ahead = None
            try:
                # a source sheet is inflated once, not twice (nor again for the engine's size check)
                with sharing(loaded.pkg.data, loaded.inflated, loaded.pkg.checked):
                    yield loaded, ahead
            finally:
                loaded.pkg.close()
        finally:
            if ahead is not None:
                ahead.prefetch.close()


def _sources_ahead(workbook: Path, config_path: Optional[Path]) -> Optional[SourcesAhead]:
    """The config beside ``workbook`` (or ``config_path``) and its sources' files being read,
    gated (nothing parsed until the book is known to need it); None where no config is found
    or it does not load: that is an error only if a cell calls docs/excel.md's functions, which
    the run finds out and reports as before."""
    from ...config.discover import find_config
    from ...config.load import load_config
    try:
        found = find_config(workbook, config_path)
        config = load_config(found)
    except KpisheetError:
        return None
    return SourcesAhead(found, config, Prefetch(config, workbook, gated=True))
