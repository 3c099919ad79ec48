"""Parts of one .xlsx package inflated once in a run, where two readers need the same part.

``kpisheet recalc`` inflates every sheet to look for formulas; the engine it builds then
reads the same workbook as a source and inflates its sheets again for README#hostile-and-broken-input's extent
check (:mod:`kpisheet.sources.extent`). Inside ``with sharing(data, parts):`` a
:func:`read_part` of a part listed in ``parts``, from a package whose bytes are ``data``
(the same bytes, compared in full: the same file read twice), takes the inflated copy;
any other read inflates as before. Nothing is kept after the block.
"""

from __future__ import annotations

import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, Mapping, Optional

_SHARED: ContextVar[Optional[tuple[bytes, Mapping[str, bytes]]]] = ContextVar("kpisheet_inflated", default=None)


@contextmanager
def sharing(data: bytes, parts: Mapping[str, bytes]) -> Iterator[None]:
    """Within the block, :func:`read_part` of ``parts`` from a package of bytes ``data`` gives these."""
    token = _SHARED.set((data, parts))
    try:
        yield
    finally:
        _SHARED.reset(token)


def read_part(archive: zipfile.ZipFile, data: bytes, part: str) -> bytes:
    """Part ``part`` of ``archive`` (opened over ``data``), inflated, or the copy being shared."""
    shared = _SHARED.get()
    if shared is not None:
        known, parts = shared
        found = parts.get(part)
        if found is not None and (known is data or known == data):
            return found
    return archive.read(part)
