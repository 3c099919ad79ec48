"""Whether a regular expression matches anywhere in a run of bytes, by the fastest engine at hand.

A worksheet's XML is searched for cell references past its dimension before python-calamine
reads it (:mod:`.extent`): 244 MB for a 250,000-row sheet. Python's :mod:`re` took 0.62 s
for that search; RE2, which pyarrow carries (``pyarrow.compute.match_substring_regex``),
0.12 s (issue 12). pyarrow is not a dependency of kpisheet: where it is missing, or the bytes
are few (a call costs more than the search), :mod:`re` searches, with the same answer.

The same answer holds for the patterns this is meant for, which both engines read alike:
ASCII literals, character classes (``[A-Za-z]``, ``[ \\t\\r\\n]``), ``\\d`` (ASCII digits in
both: bytes patterns in :mod:`re`, Latin-1 text in RE2), counted and open repeats,
alternation and non-capturing groups. Bytes are taken as Latin-1 characters, one a byte, by
both. :class:`Finder` refuses a pattern outside ASCII, where that would need care.
"""

from __future__ import annotations

import re
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from ..switching import SHORT_SWITCH_INTERVAL

#: Bytes below this are searched by :mod:`re` (the cost of a call into pyarrow is then the larger).
PYARROW_FROM = 1 << 16


def _pyarrow() -> Optional[tuple[Any, Any, Any]]:
    """pyarrow, pyarrow.compute and numpy, or None where pyarrow cannot search."""
    try:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - depends on what is installed
        return None
    if not hasattr(pc, "match_substring_regex"):  # pragma: no cover - a pyarrow built without RE2
        return None
    return pa, pc, np


class Finder:
    """``Finder(pattern).search(data)``: whether ``pattern`` (bytes, ASCII) matches in ``data``,
    as ``re.compile(pattern).search(data) is not None`` says."""

    def __init__(self, pattern: bytes, use_pyarrow: bool = True) -> None:
        if not pattern.isascii():
            raise ValueError("Finder patterns are ASCII: both engines read those alike")
        self._re = re.compile(pattern)
        self._text = pattern.decode("ascii")
        self._arrow = _pyarrow() if use_pyarrow else None

    def search(self, data: bytes) -> bool:
        """Whether the pattern matches anywhere in ``data`` (read without a copy)."""
        if self._arrow is None or len(data) < PYARROW_FROM or len(data) >= 1 << 31:
            return self._re.search(data) is not None
        pa, pc, np = self._arrow
        offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32))
        one = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(data)])
        return bool(pc.match_substring_regex(one, pattern=self._text)[0].as_py())


def warm() -> None:
    """Import the engine :class:`Finder` uses (pyarrow) now, in the calling thread."""
    _pyarrow()


@contextmanager
def warming() -> Iterator[None]:
    """:func:`warm` in a thread while the block runs, waited for as it ends. For a block that
    spends its time where the interpreter's lock is free (inflating a workbook: zlib lets go
    of it), so that the import costs the caller nothing. The switch interval is
    :data:`~kpisheet.switching.SHORT_SWITCH_INTERVAL` meanwhile: at the default 5 ms, the caller
    waited for the lock after each piece it inflated (a 244 MB sheet, 61 pieces: recalc of a
    250,000-row data book took 0.25 s more).
    Nothing is raised from the thread: a :class:`Finder` made later imports again, and says
    what is wrong, if anything is."""
    def quietly() -> None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - only a head start; see above
            pass

    thread = threading.Thread(target=quietly, name="kpisheet-warm")
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SHORT_SWITCH_INTERVAL))
    thread.start()
    try:
        yield
    finally:
        thread.join()
        sys.setswitchinterval(interval)
