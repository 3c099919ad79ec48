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
from typing import AbstractSet, Iterator, Mapping, Optional, Sequence, Union

#: A part as inflated: its bytes, or the pieces they were inflated in (in order; joined only if asked)
Inflated = Union[bytes, Sequence[bytes]]

_SHARED: ContextVar[Optional[tuple[bytes, Mapping[str, Inflated], AbstractSet[str]]]] = \
    ContextVar("kpisheet_inflated", default=None)


def joined(part: Inflated) -> bytes:
    """A part's bytes, its pieces joined."""
    return part if isinstance(part, bytes) else b"".join(part)


@contextmanager
def sharing(data: bytes, parts: Mapping[str, Inflated], checked: AbstractSet[str] = frozenset()) -> Iterator[None]:
    """Within the block, :func:`read_part` of ``parts`` from a package of bytes ``data`` gives these.
    ``checked``: those of ``parts`` inflated by :func:`kpisheet.zipguard.inflate_checked` (in full,
    within their declared size, their CRC right), whose pieces :func:`checked_part` hands to the
    size check itself instead of a second inflate."""
    token = _SHARED.set((data, parts, checked))
    try:
        yield
    finally:
        _SHARED.reset(token)


def checked_part(archive: zipfile.ZipFile, part: str) -> Optional[Sequence[bytes]]:
    """The shared copy of ``part`` when it is one of the ``checked`` parts of the package
    ``archive`` is opened over (an archive over the same bytes, compared in full); else None."""
    shared = _SHARED.get()
    if shared is None or part not in shared[2]:
        return None
    known, parts, _ = shared
    found = parts.get(part)
    getvalue = getattr(archive.fp, "getvalue", None)  # an archive over bytes in memory (io.BytesIO)
    if found is None or getvalue is None:
        return None
    data = getvalue()
    if not (known is data or known == data):
        return None
    return [found] if isinstance(found, bytes) else found


def read_part(archive: zipfile.ZipFile, data: bytes, part: str) -> bytes:
    """Part ``part`` of ``archive`` (opened over ``data``), inflated, or the copy being shared."""
    shared = _SHARED.get()
    if shared is not None:
        known, parts, _ = shared
        found = parts.get(part)
        if found is not None and (known is data or known == data):
            return joined(found)
    return archive.read(part)
