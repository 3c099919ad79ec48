"""Source files read while the engine imports (issue 12).

``kpisheet evaluate`` and ``recalc`` spend their first half second importing pandas, on one
core. The config is loaded by then (it needs no pandas: :mod:`kpisheet.lazy`), so the files
it reads are known, and the other core is idle: :class:`Prefetch` reads them in one thread
while the main thread imports. Of a CSV file, pyarrow parses the columns the config reads
(:mod:`.csvscan`); a workbook is checked and opened (:func:`.opening.open_workbook`, the
reader's own function) and python-calamine parses the .xlsx sheets the sources read. Both
parse without holding the interpreter's lock.

Nothing here decides anything. The reader (:class:`.files.FileReader`) takes a file's bytes
only where they were read at the very size and time it finds, parsed CSV columns only where
its own steps come to the same delimiter, row width and columns, and a parsed sheet only of
the workbook it opened from those bytes, by the sheet's exact name; anything else, and any
failure here, is read again the usual way, whose messages a user sees. A wait for the thread
is a wait for work the reader would otherwise do itself.
"""

from __future__ import annotations

import contextvars
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..config.model import Config
from ..config.usage import columns_used
from ..switching import SHORT_SWITCH_INTERVAL
from ..warehouse.check import is_database
from .csvscan import (STRICT_LENGTH, STRICT_NUMBER, Ahead, CsvHead, NumberScan, Parsed, arrow_columns, csv_head,
                      number_scan)
from .csvtext import csv_text
from .extent import too_sparse
from .filebytes import FileKey, file_key, read_settled
from .opening import ZIP, OpenedWorkbook, open_workbook
from .panics import native_stderr_held
from .refs import CsvOptions, SourceRef


@dataclass(frozen=True)
class _Want:
    """What one source reads of a CSV file, as the reader will ask it."""

    header_row: int
    csv: CsvOptions
    usecols: Optional[frozenset[str]]
    columns: tuple[tuple[str, str], ...]


@dataclass
class _File:
    """One file's reading ahead: its bytes, then the columns each source wants parsed (a CSV
    file) or the workbook opened and the sheets the sources read parsed (a workbook)."""

    path: str
    wants: list[_Want] = field(default_factory=list)
    sheets: list[Optional[str]] = field(default_factory=list)  # a workbook's sheets read (None: the first)
    key: Optional[FileKey] = None
    data: Optional[bytes] = None
    read: threading.Event = field(default_factory=threading.Event)  # the bytes are in (or never will be)
    parsed: threading.Event = field(default_factory=threading.Event)  # every want is done
    columns: dict[tuple[Any, ...], Parsed] = field(default_factory=dict)
    opened: Optional[OpenedWorkbook] = None
    grids: dict[str, Any] = field(default_factory=dict)  # sheet name -> calamine's parsed sheet


class Prefetch:
    """The files of ``config``'s sources (the ``workbook`` given for those that name none; not
    databases, not ranges), being read in a thread from construction on until :meth:`close`.
    Not a daemon: pyarrow's C++ and calamine's Rust must not be stopped in the middle by the
    interpreter's exit."""

    def __init__(self, config: Config, workbook: Optional[Path]) -> None:
        used = columns_used(config)
        self._files: dict[str, _File] = {}
        for name, src in config.sources.items():
            path = src.workbook or workbook
            if is_database(src) or path is None or src.range is not None:
                continue
            found = self._files.setdefault(os.path.abspath(path), _File(os.path.abspath(path)))
            if Path(path).suffix.lower() == ".csv":
                found.wants.append(_Want(src.header_row, src.csv, used.get(name), tuple(sorted(src.columns.items()))))
            elif src.table is None and src.sheet not in found.sheets:
                found.sheets.append(src.sheet)
        self._closing = False
        # in the caller's context: what it shares is shared with the thread (kpisheet.inflated:
        # recalc's inflated sheets serve the size check of the same workbook)
        self._thread = threading.Thread(target=contextvars.copy_context().run, args=(self._run,),
                                        name="kpisheet-prefetch")
        self._interval = sys.getswitchinterval()
        if self._files:
            # The thread takes the interpreter's lock back between pyarrow's calls, each time after
            # the main thread's import has held it for the switch interval (5 ms): some fifty
            # waits. At 0.5 ms its reads end before the reader wants them; close() restores it.
            sys.setswitchinterval(min(self._interval, SHORT_SWITCH_INTERVAL))
            self._thread.start()

    def data(self, key: FileKey) -> Optional[bytes]:
        """The bytes of the file ``key`` names, where they were read at that key; else None."""
        found = self._at(key, parsed=False)
        return None if found is None else found.data

    def settle(self, path: Path) -> None:
        """Wait until the thread is done with the file at ``path`` (at once for a file it does not
        read). The reader settles before it holds descriptor 2 (:func:`.panics.native_stderr_held`),
        which the thread holds while calamine runs."""
        found = self._files.get(os.path.abspath(path))
        if found is not None:
            found.parsed.wait()

    def opened(self, key: FileKey) -> Optional[OpenedWorkbook]:
        """The workbook in the file ``key`` names, opened from the bytes read at that key; else None."""
        found = self._at(key, parsed=True)
        return None if found is None else found.opened

    def sheet(self, key: FileKey, opened: OpenedWorkbook, name: str) -> Any:
        """Calamine's parsed sheet ``name`` of ``opened`` (the workbook :meth:`opened` gave for
        ``key``), handed over once; else None."""
        found = self._at(key, parsed=True)
        if found is None or found.opened is not opened:
            return None
        return found.grids.pop(name, None)

    def _at(self, key: FileKey, parsed: bool) -> Optional[_File]:
        """The file ``key`` names, once its bytes are read (``parsed``: once all is done with
        it), where they were read at that very key; else None."""
        found = self._files.get(key[0])
        if found is None:
            return None
        (found.parsed if parsed else found.read).wait()
        return found if found.key == key else None

    def columns_of(self, key: FileKey, ref: SourceRef) -> Optional[Ahead]:
        """For the reader of ``ref`` in the file ``key`` names: the columns parsed ahead for a
        delimiter, a row width and positions (:data:`.csvscan.Ahead`); None where nothing was
        read ahead for that file."""
        found = self._files.get(key[0])
        if found is None:
            return None
        want = _Want(ref.header_row, ref.csv, ref.usecols, tuple(sorted(ref.columns.items())))

        def ahead(delimiter: str, width: int, positions: list[int]) -> Optional[Parsed]:
            found.parsed.wait()
            if found.key != key:
                return None
            return found.columns.pop((want, delimiter, width, tuple(positions)), None)

        return ahead

    def close(self) -> None:
        """Let go of what was read (the reader keeps what it took). A file not begun is not read;
        one being read is finished first (a parse cannot be stopped half way), as it would have
        been without the thread."""
        self._closing = True
        if self._thread.is_alive():
            self._thread.join()
        self._files = {}
        sys.setswitchinterval(self._interval)

    def _run(self) -> None:
        for found in self._files.values():
            try:
                if not self._closing:
                    self._read(found)
            except BaseException:  # noqa: BLE001 - a Rust panic too: the reader reads it again, and says what is wrong
                pass
            finally:
                found.read.set()
                found.parsed.set()

    @staticmethod
    def _read(found: _File) -> None:
        where = found.path
        key, data = read_settled(file_key(found.path, where), where)
        found.key, found.data = key, data
        found.read.set()
        if found.sheets:
            Prefetch._open(found, data)
        for want in found.wants:
            text, delimiter = csv_text(data, want.csv, where)
            # Whether pyarrow may parse the file (no quote, no NUL: csvscan.columnar) is the reader's
            # to ask: two searches of the whole file would hold the interpreter's lock, which the
            # imports wait for. A file it may not parse is parsed in vain and never asked for.
            head = csv_head(text, delimiter, want.csv.quotechar, want.header_row)
            positions = None if head is None else head.positions(want.usecols, dict(want.columns))
            encoded = text.encoded
            if head is None or not positions or encoded is None or len(delimiter) != 1:
                continue
            parsed = arrow_columns(encoded, delimiter, head.width, positions)
            if parsed is not None:
                scans = tuple(_scan(c, head, p) for c, p in zip(parsed, positions))
                found.columns[(want, delimiter, head.width, tuple(positions))] = Parsed(parsed, head.row, scans)

    @staticmethod
    def _open(found: _File, data: bytes) -> None:
        """Open the workbook in ``data`` and parse the .xlsx sheets its sources read (of a sheet
        too sparse to lay out densely, nothing: the reader reads it by its cells)."""
        if not data.startswith(ZIP):
            return  # an .xls: the reader opens it (its checks import numpy, which the main thread imports)
        with native_stderr_held():  # a Rust panic's own lines never reach the terminal
            opened = open_workbook(data, found.path)
            found.opened = opened
            if opened.kind != "xlsx" or opened.workbook is None:
                return
            names = list(opened.workbook.sheet_names)
            for wanted in found.sheets:
                name = names[0] if wanted is None and names else wanted
                if name is None or name not in names or name in found.grids \
                        or too_sparse(data, name, opened.scanned):
                    continue
                found.grids[name] = opened.workbook.get_sheet_by_name(name)


_STRICT = re.compile(STRICT_NUMBER)


def _scan(cells: Any, head: CsvHead, position: int) -> Optional[NumberScan]:
    """The :class:`.csvscan.NumberScan` of a column's cells below the header, made where its first
    cell with anything in it is a plainly written number (the reader scans the others itself, if
    it needs to)."""
    first = next((r[position] for r in head.rows[head.row:] if r[position]), None)
    if first is None or len(first) > STRICT_LENGTH or not _STRICT.fullmatch(first):
        return None
    return number_scan(cells[head.row:])
