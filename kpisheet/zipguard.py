"""Refusing a ZIP package that would inflate past the limits, before inflating it (SPEC §9).

Workbooks (.xlsx .xlsm .xlsb .ods) are ZIP archives, and a few megabytes of ZIP can
inflate to many gigabytes (a "zip bomb"). :func:`check_package` reads only the central
directory, the sizes each part declares, and refuses the package when a part inflates
beyond :data:`~kpisheet.limits.MAX_PART_BYTES`, the parts together beyond
:data:`~kpisheet.limits.MAX_BOOK_BYTES`, or a large part compresses suspiciously well
(:func:`~kpisheet.limits.ratio_too_high`). :mod:`zipfile` never returns more bytes than
a part declares, so the declared sizes bound what reading a part can cost.
"""

from __future__ import annotations

import zipfile

from . import limits
from .errors import WorkbookError


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def check_package(archive: zipfile.ZipFile, place: str) -> None:
    """Raise :class:`WorkbookError` at ``place`` if ``archive`` is past a size limit."""
    total = 0
    for info in archive.infolist():
        inflated = info.file_size
        total += inflated
        if inflated > limits.MAX_PART_BYTES:
            raise WorkbookError(f"part {info.filename} would inflate to {_size(inflated)}, beyond the limit of "
                                f"{_size(limits.MAX_PART_BYTES)} a part: refused as a possible zip bomb", place=place)
        if limits.ratio_too_high(info.compress_size, inflated):
            raise WorkbookError(f"part {info.filename} is compressed {inflated // max(info.compress_size, 1)}:1 "
                                f"({_size(info.compress_size)} to {_size(inflated)}), beyond the limit of "
                                f"{limits.MAX_RATIO}:1: refused as a possible zip bomb", place=place)
    if total > limits.MAX_BOOK_BYTES:
        raise WorkbookError(f"the workbook would inflate to {_size(total)}, beyond the limit of "
                            f"{_size(limits.MAX_BOOK_BYTES)}: refused as a possible zip bomb", place=place)
