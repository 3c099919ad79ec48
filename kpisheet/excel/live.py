"""The open workbook as a source (docs/excel.md), and the engines the Excel door keeps.

Inside Excel, a source that names no ``workbook:`` is read from the workbook as it is
now, through xlwings, not from the file on disk. :class:`LiveReader` does that behind
the same :class:`~kpisheet.sources.Reader` protocol as :class:`~kpisheet.sources.FileReader`
(to which it hands every other file), and builds its tables with the same functions, so a
live table and a file table of the same cells are equal.

:class:`Workspace` keeps, for the whole Python process, one engine per (config
fingerprint, Refresh marker, live-data fingerprint). A cell's ``=KPI(...)`` is then a
lookup in an engine that has already computed the KPI for every period and account. The
fingerprints are cheap (file stats; per live source where its cells end, the values of its
last row and a content hash Excel computes) and are looked at most once per
:attr:`Workspace.ttl` seconds per workbook — once per recalculation — so that ten thousand
cells cost one evaluation and, between checks, one COM call each (:func:`book_key`).
Refresh runs in a Python process of its own: it cannot clear this cache, so it changes
the workbook's Refresh marker (:func:`mark_refreshed`), which is part of the key.

Cells are read as COM hands them over and made what kpisheet reads by
:mod:`~.comvalues` (error integers and texts → error texts, ``Decimal`` → float); an
Excel table is its header row and data body, never its Total row.

The xlwings objects used are few — ``Book.fullname/.name/.sheets/.names``, ``Sheet.name/
.used_range/.range/.tables/.api`` (``Cells.Find``, ``Evaluate``), ``Table.header_row_range/
.data_body_range``, ``Range.row/.column/.last_cell/.options(...).value/.api.GetAddress``
— so that the tests can run against a small in-memory stand-in where no Excel exists.
This module imports no xlwings.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Optional, Union

from ..config import Config, load_config
from ..config.discover import find_config
from ..config.load import config_files
from ..engine.core import Engine
from ..errors import ConfigError, KpisheetError, WorkbookError
from ..sources import FileReader, Reader, SourceRef, Table, parse_range
from ..sources.files import frame_below_header, frame_in_range  # the builders FileReader uses
from ..sources.frames import build_frame
from ..sources.refs import col_letter
from ..hints import closest
from .comvalues import cell_value
from ..sources.table import listing

__all__ = [
    "REFRESH_NAME", "ContentHashes", "LiveReader", "Workspace", "WORKSPACE", "book_key", "book_of", "book_path", "content_hash",
    "last_nonempty", "mark_refreshed", "refresh_marker", "same_file",
]

# Cell types that need no conversion (ints are COM error codes, Decimals currency).
_PLAIN = frozenset({float, str, bool, type(None), dt.datetime, dt.date, dt.time})


def book_path(book: Any) -> Path:
    """The workbook's full name as a path (``Book1`` for a workbook never saved)."""
    return Path(str(book.fullname))


def book_of(caller: Any) -> Any:
    """The workbook of a calling cell (an xlwings Range) or the workbook itself."""
    if hasattr(caller, "sheets"):
        return caller
    return caller.sheet.book


def same_file(a: Union[str, Path], b: Union[str, Path]) -> bool:
    """Whether two paths name the same file, as the OS compares names (no disk access)."""
    def norm(p: Union[str, Path]) -> str:
        return os.path.normcase(os.path.abspath(str(p)))
    return norm(a) == norm(b)


def _values(rng: Any) -> list[list[Any]]:
    """A range's cells as rows, as kpisheet reads them (:func:`~.comvalues.cell_value`):
    error cells as their Excel text (``'#N/A'``, ``'#SPILL!'``; the source table decides
    what an error cell means, README#your-data), ``Decimal`` currency as float."""
    grid = rng.options(ndim=2, err_to_str=True).value or []
    out: list[list[Any]] = []
    for row in grid:
        row = row if isinstance(row, list) else list(row)
        if not _PLAIN.issuperset(map(type, row)):  # C speed: most rows hold only plain values
            row = [cell_value(c) for c in row]
        out.append(row)
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trim(rows: list[list[Any]], top: int, left: int) -> tuple[list[list[Any]], int, int]:
    """Drop leading blank rows and columns: a used range may start at formatted, empty cells,
    where a file reader starts at the first cell with something in it."""
    while rows and all(_blank(c) for c in rows[0]):
        rows, top = rows[1:], top + 1
    if rows:
        width = max(len(r) for r in rows)
        skip = 0
        while skip < width and all(_blank(r[skip]) for r in rows if skip < len(r)):
            skip += 1
        if skip:
            rows, left = [r[skip:] for r in rows], left + skip
    return rows, top, left


class LiveReader:
    """Reads sources from an open xlwings ``Book``; sources in other files go to ``files``.

    A source is live when its path is the book's full name, which is what the engine
    gives every source without ``workbook:``. Failures are kept: ten thousand cells
    over a missing sheet ask Excel once.
    """

    def __init__(self, book: Any, files: Optional[Reader] = None, hashes: Optional["ContentHashes"] = None) -> None:
        self.book = book
        self.path = book_path(book)
        self.files: Reader = files if files is not None else FileReader()
        self.hashes = hashes if hashes is not None else ContentHashes()
        self._failed: dict[tuple[Any, ...], WorkbookError] = {}
        self._lock = threading.RLock()

    def is_live(self, ref: SourceRef) -> bool:
        return same_file(ref.path, self.path)

    def read(self, ref: SourceRef) -> Table:
        if not self.is_live(ref):
            return self.files.read(ref)
        key = (ref.name, str(ref.path), ref.sheet, ref.table, ref.range, ref.header_row)
        with self._lock:
            if key in self._failed:
                raise self._failed[key]
            try:
                return self._read(ref)
            except WorkbookError as exc:
                self._failed[key] = exc
                raise
            except Exception as exc:  # Excel refused (busy, a dialog open ...): say so, no traceback
                raise WorkbookError(f"cannot be read from Excel ({type(exc).__name__}: {exc})",
                                    place=str(self.path)) from exc

    # --- the three kinds of source ----------------------------------------------------------

    def _read(self, ref: SourceRef) -> Table:
        where = str(ref.path)
        if ref.table is not None:
            sheet, table = self._table(ref.table, where)
            header, body = _table_parts(table, where)
            rows = _values(header) + (_values(body) if body is not None else [])
            frame = build_frame(rows, int(header.row), int(header.column), str(sheet.name), f"{where}!{sheet.name}")
        elif ref.range is not None:
            cells = self._parse_range(ref, where)
            sheet = self._sheet(cells.sheet, where)
            used = self._used(sheet)
            if used is None:
                raise WorkbookError(f"the header row of range {cells} is empty",
                                    place=f"{where}!{sheet.name}!{col_letter(cells.first_col)}{cells.first_row}")
            rows, top, left = used
            frame = frame_in_range(rows, top, left, cells.first_row, cells.first_col, cells.last_row,
                                    cells.last_col, str(sheet.name), f"{where}!{sheet.name}")
        else:
            sheet = self._sheet(ref.sheet, where)
            used = self._used(sheet)
            rows, top, left = used if used is not None else ([], 1, 1)
            frame = frame_below_header(rows, top, left, ref.header_row, str(sheet.name), f"{where}!{sheet.name}")
        return frame.to_table(ref)

    def _sheets(self) -> list[Any]:
        return list(self.book.sheets)

    def _sheet(self, name: Optional[str], where: str) -> Any:
        sheets = self._sheets()
        if not sheets:
            raise WorkbookError("the workbook has no sheets", place=where)
        if name is None:
            return sheets[0]
        names = [str(s.name) for s in sheets]
        if name in names:
            return sheets[names.index(name)]
        same = [s for s, n in zip(sheets, names) if n.casefold() == name.strip().casefold()]
        if len(same) == 1:
            return same[0]
        guess = closest(name, names, fold_case=True)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        raise WorkbookError(f"no sheet '{name}'{hint}; sheets are: {listing(names)}", place=f"{where}!{name}")

    def _table(self, name: str, where: str) -> tuple[Any, Any]:
        found: list[tuple[Any, Any]] = []
        for sheet in self._sheets():
            for table in sheet.tables:
                found.append((sheet, table))
        names = [str(t.name) for _, t in found]
        for (sheet, table), n in zip(found, names):
            if n == name or n.casefold() == name.strip().casefold():
                return sheet, table
        if not names:
            raise WorkbookError(f"no table '{name}': the workbook has no tables", place=where)
        guess = closest(name, names, fold_case=True)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        raise WorkbookError(f"no table '{name}'{hint}; tables are: {listing(names)}", place=where)

    @staticmethod
    def _parse_range(ref: SourceRef, where: str) -> Any:
        assert ref.range is not None
        try:
            return parse_range(ref.range)
        except ValueError as exc:
            raise WorkbookError(f"bad range '{ref.range}' in source '{ref.name}': {exc}; "
                                "write it as Sales!A1:F500 or 'My Sheet'!A1:F500", place=where) from None

    @staticmethod
    def _used(sheet: Any) -> Optional[tuple[list[list[Any]], int, int]]:
        """The sheet's used cells from the first one with something in it; None when empty."""
        used = sheet.used_range
        rows, top, left = _trim(_values(used), int(used.row), int(used.column))
        return (rows, top, left) if rows else None

    # --- fingerprint ------------------------------------------------------------------------

    def fingerprint(self, refs: Iterable[SourceRef]) -> tuple[Hashable, ...]:
        """Cheap: per live source the address of its cells up to the last non-empty row,
        the values of that row, and a content hash Excel computes over the cells
        (:func:`content_hash`); per file its path, size and modification time. Changes
        when rows are added or removed or any cell is edited (as far as the hash sees)."""
        parts: list[Hashable] = [("book", os.path.normcase(str(self.path)))]
        files: list[Path] = []
        for ref in refs:
            if not self.is_live(ref):
                files.append(ref.path)
                continue
            try:
                parts.append((ref.name, *self._cells_fingerprint(ref)))
            except Exception as exc:  # a missing sheet: reading it will say so
                parts.append((ref.name, "unreadable", type(exc).__name__))
        if files:
            parts.append(("files", FileReader.fingerprint(files)))
        return tuple(parts)

    def _cells_fingerprint(self, ref: SourceRef) -> tuple[Hashable, ...]:
        if ref.table is not None:
            sheet, table = self._table(ref.table, str(ref.path))
            header, body = _table_parts(table, str(ref.path))
            rng = body if body is not None else header
            top, c1 = int(header.row), int(rng.column)
            last = rng.last_cell
            r2, c2 = int(last.row), int(last.column)
        else:
            name = self._parse_range(ref, str(ref.path)).sheet if ref.range is not None else ref.sheet
            sheet = self._sheet(name, str(ref.path))
            used = sheet.used_range
            top, c1 = int(used.row), int(used.column)
            r2, c2 = last_nonempty(sheet, used)
        name = str(sheet.name)
        if r2 < top:
            return (name, "empty")
        tail = _values(sheet.range((r2, c1), (r2, c2)))
        address = f"R{top}C{c1}:R{r2}C{c2}"
        return (name, address, _hashable(tail), self.hashes.get(sheet, name, (top, c1, r2, c2)))


def _table_parts(table: Any, where: str) -> tuple[Any, Optional[Any]]:
    """An Excel table's header row and data body: never its Total row (as files are read)."""
    header = table.header_row_range
    if header is None:
        raise WorkbookError(f"table '{table.name}' hides its header row; show it (Table Design > Header Row)",
                            place=where)
    return header, table.data_body_range


_XL_VALUES, _XL_BY_ROWS, _XL_BY_COLUMNS, _XL_PREVIOUS = -4163, 1, 2, 2


def last_nonempty(sheet: Any, used: Any) -> tuple[int, int]:
    """The last row and column holding a value, as Excel's ``Cells.Find("*")`` from the end
    sees them (two COM calls): ``UsedRange`` also counts formatted empty cells and does
    not shrink until the file is saved. Where ``Find`` is not available (macOS), the used
    range's last cell."""
    try:
        cells = sheet.api.Cells
        by_row = cells.Find("*", LookIn=_XL_VALUES, SearchOrder=_XL_BY_ROWS, SearchDirection=_XL_PREVIOUS)
        if by_row is None:
            return int(used.row) - 1, int(used.column) - 1  # nothing in the sheet
        by_col = cells.Find("*", LookIn=_XL_VALUES, SearchOrder=_XL_BY_COLUMNS, SearchDirection=_XL_PREVIOUS)
        return int(by_row.Row), int(by_col.Column)
    except Exception:
        last = used.last_cell
        return int(last.row), int(last.column)


def content_hash_formula(top: int, left: int, bottom: int, right: int) -> str:
    """What :func:`content_hash` asks Excel to compute over the cells: the length of every
    cell's text and the value of every number, each weighted by its place, as one text.
    An edit changes it unless it keeps both the length of the text and the number
    (``'ok'`` → ``'no'`` is not seen: Refresh reads everything again)."""
    a = f"${col_letter(left)}${top}:${col_letter(right)}${bottom}"
    return (f'SUMPRODUCT(IFERROR(LEN({a}),-1)*(ROW({a})*16384+COLUMN({a})))&"|"&'
            f"SUMPRODUCT(IFERROR(--{a},0)*(ROW({a})*16384+COLUMN({a})))")


def content_hash(sheet: Any, top: int, left: int, bottom: int, right: int) -> Hashable:
    """A cheap hash of a block's content, computed by Excel (one COM call, ``Evaluate``), so
    that an edit in the middle of the data is seen without reading every cell. None where
    ``Evaluate`` is not available; then only the last row and the size are compared."""
    formula = content_hash_formula(top, left, bottom, right)
    try:
        return _hashable(sheet.api.Evaluate(formula))
    except Exception:
        return None


class ContentHashes:
    """The content hashes of one workbook's sources, each recomputed no sooner than
    ``factor`` times what it cost the last time after it was computed: Excel's pass over
    a million cells may take a good part of a second, and a long recalculation must not
    spend more than about a tenth of its time on it. Until then the last value stands
    (a change of size is seen at once: the block is part of the key)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, factor: float = 10.0) -> None:
        self.clock = clock
        self.factor = factor
        self._known: dict[tuple[Hashable, ...], tuple[Hashable, float, float]] = {}

    def get(self, sheet: Any, name: str, block: tuple[int, int, int, int]) -> Hashable:
        key = (name, *block)
        now = self.clock()
        known = self._known.get(key)
        if known is not None and now - known[1] < self.factor * known[2]:
            return known[0]
        start = time.perf_counter()
        value = content_hash(sheet, *block)
        self._known[key] = (value, now, time.perf_counter() - start)
        return value


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value  # type: ignore[no-any-return]


# --- the engines of the Excel door ------------------------------------------------------------


def _config_state(path: Path) -> tuple[Hashable, ...]:
    """The stat of every file of a config: changes when any is edited, added or removed."""
    try:
        files = config_files(path) if path.exists() else ()
    except KpisheetError:
        files = ()
    state: list[Hashable] = [str(path)]
    for f in files:
        try:
            st = f.stat()
            state.append((str(f), st.st_size, st.st_mtime_ns))
        except OSError:
            state.append((str(f), "missing"))
    return tuple(state)


@dataclass
class _Recent:
    at: float
    engine: Engine


class Workspace:
    """Configs and engines for every workbook that calls the functions, in this process.

    ``engine_for(book)`` is what each cell asks; ``clear()`` is what Refresh does.
    """

    def __init__(self, ttl: float = 1.0, max_engines: int = 8, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_engines = max_engines
        self.clock = clock
        self._lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        """Forget every config, engine and fingerprint: the next call reads everything again."""
        with self._lock:
            self._configs: dict[Path, tuple[tuple[Hashable, ...], Union[Config, ConfigError]]] = {}
            self._engines: OrderedDict[tuple[Hashable, ...], Engine] = OrderedDict()
            self._recent: dict[str, _Recent] = {}
            self._hashes: dict[str, ContentHashes] = {}
            self.evaluations = 0  # engines built: what the cache saves is counted here

    def config_for(self, workbook: Path) -> Config:
        """The config of a workbook (docs/excel.md order), reloaded only when one of its files changed."""
        path = find_config(workbook)
        state = _config_state(path)
        with self._lock:
            known = self._configs.get(path)
            if known is None or known[0] != state:
                try:
                    loaded: Union[Config, ConfigError] = load_config(path)
                except ConfigError as exc:
                    loaded = exc
                known = (state, loaded)
                self._configs[path] = known
        if isinstance(known[1], ConfigError):
            raise known[1]
        return known[1]

    def engine_for_caller(self, caller: Any) -> Engine:
        """The engine for the workbook of a calling cell, at one COM call a cell.

        The cell's external address (``[Book1.xlsx]Sheet1!$A$1``, one COM call) names the
        workbook; within :attr:`ttl` of its last check that name finds the engine. Only
        then is the workbook resolved (``caller.sheet.book``, three calls more) and its
        config, Refresh marker and data fingerprint looked at: once per recalculation."""
        key = book_key(caller)
        with self._lock:
            recent = self._recent.get(key)
            if recent is not None and self.clock() - recent.at < self.ttl:
                return recent.engine
        return self.engine_for(book_of(caller), key)

    def engine_for(self, book: Any, key: Optional[str] = None) -> Engine:
        """The engine for a workbook's config and its data as they are now."""
        key = key if key is not None else str(book.name)
        now = self.clock()
        with self._lock:
            recent = self._recent.get(key)
            if recent is not None and now - recent.at < self.ttl:
                return recent.engine
            path = book_path(book)
            config = self.config_for(path)
            hashes = self._hashes.setdefault(key, ContentHashes(self.clock))
            reader = LiveReader(book, hashes=hashes)
            data = reader.fingerprint(_refs(config, path))
            cache_key = (str(find_config(path)), config.fingerprint, refresh_marker(book), data)
            engine = self._engines.get(cache_key)
            if engine is None:
                engine = Engine(config, path, reader)
                self.evaluations += 1
                self._engines[cache_key] = engine
                while len(self._engines) > self.max_engines:
                    self._engines.popitem(last=False)
            else:
                self._engines.move_to_end(cache_key)
                if isinstance(engine.reader, LiveReader):
                    engine.reader.book = book  # the same workbook, as this call's object
            self._recent[key] = _Recent(now, engine)
            return engine


# --- which workbook, and has it been refreshed ------------------------------------------------

_BOOK_IN_ADDRESS = re.compile(r"^'?\[(?P<book>.+)\][^\]]*!")


def book_key(caller: Any) -> str:
    """The name of the calling cell's workbook, from its external address: one COM call
    (``caller.sheet.book.name`` would be three). Open workbooks have distinct names.
    Where the address cannot be had, the workbook itself is asked."""
    if hasattr(caller, "sheets"):
        return str(caller.name)
    try:  # Range.Address(RowAbsolute, ColumnAbsolute, xlA1, External): xlwings' caller is a
        # ComRange, whose get_address is an async method of another signature
        address = str(caller.api.GetAddress(True, True, 1, True))
    except Exception:
        address = ""
    m = _BOOK_IN_ADDRESS.match(address)
    if m is None:
        return str(book_of(caller).name)
    return m.group("book").replace("''", "'")


REFRESH_NAME = "_kpisheet_refresh"
"""The hidden defined name Refresh sets in the workbook: part of every engine's cache key."""


def refresh_marker(book: Any) -> Optional[str]:
    """What the last Refresh left in the workbook (None before the first)."""
    try:
        names = book.names
        if REFRESH_NAME not in names:
            return None
        return str(names[REFRESH_NAME].refers_to)
    except Exception:
        return None


def mark_refreshed(book: Any) -> str:
    """Set the workbook's Refresh marker to a new value, hidden from the Name Manager.

    Refresh runs in its own Python process (the add-in's ``Use UDF Server`` is off), so
    it cannot clear the cache of the process that evaluates the cells; the marker,
    part of that cache's key, tells it instead (README, "Refresh and the cache")."""
    stamp = f'="{time.time_ns():x}-{os.getpid()}"'
    names = book.names
    if REFRESH_NAME in names:
        name = names[REFRESH_NAME]
        name.refers_to = stamp
    else:
        name = names.add(REFRESH_NAME, stamp)
    try:
        name.api.Visible = False  # Windows COM; elsewhere it stays visible, which is harmless
    except Exception:
        pass
    return stamp


def _refs(config: Config, workbook: Path) -> list[SourceRef]:
    engine = Engine(config, workbook)  # only to resolve each source's path as evaluation will
    return [engine.source_ref(name) for name in config.sources]


WORKSPACE = Workspace()
"""The process's workspace: the functions' cache, cleared by Refresh."""
