"""Before the run imports pandas and the engine: the workbook opened (every sheet inflated,
once) and, where a sheet's formulas may call docs/excel.md's functions, the config loaded and
its sources' files read in a thread (:mod:`kpisheet.sources.prefetch`), whose calamine parse of
the data sheets takes the other core while the book is parsed and the run imports (issue 12).
The thread's size check of the same workbook takes the sheets inflated here (:mod:`kpisheet.inflated`).

Needs no pandas: :func:`kpisheet.excel.recalc.recalc` enters :func:`opened_ahead` before it
imports the run.
"""

from __future__ import annotations

import re
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from ...config.model import Config
from ...errors import KpisheetError
from ...gcpause import gc_paused
from ...inflated import sharing
from ...sources.bytesearch import warming
from ...sources.prefetch import Prefetch
from .book import LoadedBook, load, open_book

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
    block (None where no formula may call our functions: a data workbook beside its config has
    nothing read ahead; or where no config loads); the thread is waited for and the package
    closed as the block ends. Raises
    :class:`~kpisheet.errors.WorkbookError` for a file that is not a readable .xlsx/.xlsm.

    No cyclic garbage collection in the block: the sheets' cells, the formulas, their results
    and the engine's tables are made once and live to the end, so each collection would walk
    them all again for nothing (a fifth of recalc's own time on 10,000 KPI cells). Collection
    resumes when the block ends: the run is freed by reference counting by then (the formula
    engine breaks its own cycles), and what is still held (the report, the modules the run
    imported) goes to the oldest generation without a walk (:func:`kpisheet.gcpause.gc_paused`)."""
    with gc_paused():
        # the thread's size check of the workbook searches with pyarrow (and the run's pandas
        # imports it): imported while the book is inflated, where the interpreter's lock is free,
        # not in the read-ahead thread, where it would hold the lock against the book's parsing
        with warming() if read_ahead else nullcontext():
            opened = open_book(workbook)
        try:
            # a source sheet is inflated once, not twice: the size check of the engine's reader
            # (in the read-ahead thread too, which runs in this context) takes these pieces
            with sharing(opened.pkg.data, opened.pieces, opened.pkg.checked):
                calls = any(OUR_CALL.search(xml.upper()) for xml in opened.formula_xml.values())
                ahead = _sources_ahead(workbook, config_path) if read_ahead and calls else None
                try:
                    yield load(opened), ahead
                finally:
                    if ahead is not None:
                        ahead.prefetch.close()
        finally:
            opened.pkg.close()


def _sources_ahead(workbook: Path, config_path: Optional[Path]) -> Optional[SourcesAhead]:
    """The config beside ``workbook`` (or ``config_path``) and its sources' files being read;
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
