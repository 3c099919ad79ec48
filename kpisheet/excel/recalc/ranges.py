"""References, range data with cached numpy views, and vectorised criteria (``SUMIFS`` ...).

A :class:`RangeData` is built once per distinct range and keeps every view a function
may ask for (numbers, first error, text codes, lookup tables, criteria masks), so that
two hundred ``SUMIFS`` over the same 20,000-row columns cost two hundred numpy
comparisons, not four million Python steps.
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional

import numpy as np

from .values import Err, Value, parse_number


class Ref:
    """A rectangular area of one sheet (1-based, inclusive)."""

    __slots__ = ("sheet", "r1", "c1", "r2", "c2")

    def __init__(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2

    @property
    def key(self) -> tuple[int, int, int, int, int]:
        return (self.sheet, self.r1, self.c1, self.r2, self.c2)

    @property
    def height(self) -> int:
        return self.r2 - self.r1 + 1

    @property
    def width(self) -> int:
        return self.c2 - self.c1 + 1

    @property
    def is_cell(self) -> bool:
        return self.r1 == self.r2 and self.c1 == self.c2

    def __repr__(self) -> str:
        return f"Ref{self.key}"


class Areas:
    """A reference of several areas, ``(A1:B2,C3:D4)``: functions that read references (SUM,
    COUNT, INDEX's area_num, AREAS ...) read it area by area; anywhere a single value or array is
    needed it is ``#VALUE!``."""

    __slots__ = ("refs",)

    def __init__(self, refs: tuple[Ref, ...]) -> None:
        self.refs = refs

    def __repr__(self) -> str:
        return f"Areas{tuple(r.key for r in self.refs)}"


class RangeData:
    """The values of a range (2-D object array; None = empty) and views derived from them."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self._nums: Optional[np.ndarray] = None
        self._err: Any = 0
        self._text: Optional[tuple[np.ndarray, dict[str, int], list[str]]] = None
        self._masks: dict[Any, np.ndarray] = {}
        self._exact: Optional[dict[Any, int]] = None
        self._kinds: Optional[np.ndarray] = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape  # type: ignore[return-value]

    @property
    def flat(self) -> np.ndarray:
        return self.values.ravel()

    @property
    def nums(self) -> np.ndarray:
        """Numbers as float, NaN where the cell is not a number (text, bool, empty, error)."""
        if self._nums is None:
            flat = self.flat
            out = np.full(flat.shape, np.nan)
            for i, v in enumerate(flat):
                if v.__class__ is float:
                    out[i] = v
            self._nums = out
        return self._nums

    @property
    def kinds(self) -> np.ndarray:
        """0 empty, 1 number, 2 text, 3 bool, 4 error (flat)."""
        if self._kinds is None:
            flat = self.flat
            k = np.zeros(flat.shape, np.int8)
            k[~np.isnan(self.nums)] = 1
            for i, v in enumerate(flat):
                if v is None or v.__class__ is float:
                    continue
                k[i] = 2 if isinstance(v, str) else 3 if isinstance(v, bool) else 4 if isinstance(v, Err) else 0
            self._kinds = k
        return self._kinds

    @property
    def first_error(self) -> Optional[Err]:
        if self._err == 0:
            self._err = None
            for v in self.flat:
                if isinstance(v, Err):
                    self._err = v
                    break
        return self._err  # type: ignore[no-any-return]

    @property
    def text(self) -> tuple[np.ndarray, dict[str, int], list[str]]:
        """Codes of lower-cased texts (-1: not text), the code table, the uniques."""
        if self._text is None:
            flat = self.flat
            codes = np.full(flat.shape, -1, np.int64)
            table: dict[str, int] = {}
            uniques: list[str] = []
            for i, v in enumerate(flat):
                if isinstance(v, str):
                    low = v.lower()
                    c = table.get(low)
                    if c is None:
                        c = table[low] = len(uniques)
                        uniques.append(low)
                    codes[i] = c
            self._text = (codes, table, uniques)
        return self._text

    def exact_index(self) -> dict[Any, int]:
        """Lookup key → first flat position (texts case-insensitive), for MATCH(..., 0)."""
        if self._exact is None:
            d: dict[Any, int] = {}
            for i, v in enumerate(self.flat):
                k = lookup_key(v)
                if k is not None and k not in d:
                    d[k] = i
            self._exact = d
        return self._exact

    def mask(self, crit: Value) -> np.ndarray:
        key = crit if not isinstance(crit, float) else ("n", crit)
        m = self._masks.get(key)
        if m is None:
            m = criteria_mask(self, crit)
            self._masks[key] = m
        return m

    def blank_meets(self, crit: Value) -> bool:
        """Whether a blank cell meets ``crit`` (the cells past the part of a whole row or column
        read, all blank, meet it or not together), remembered with the masks."""
        key = ("blank", crit if not isinstance(crit, float) else ("n", crit))
        m = self._masks.get(key)
        if m is None:
            m = self._masks[key] = criteria_mask(RangeData(np.full((1, 1), None, dtype=object)), crit)
        return bool(m[0])


def lookup_key(v: Value) -> Any:
    if v is None:
        return None
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, float):
        return v
    if isinstance(v, str):
        return v.lower()
    return None


_OPS = ("<=", ">=", "<>", "=", "<", ">")


def _wild_regex(pattern: str) -> Optional[re.Pattern[str]]:
    if not any(ch in pattern for ch in "*?~"):
        return None
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S | re.I)


def _codes_where(rd: RangeData, pred: Any) -> np.ndarray:
    codes, _table, uniques = rd.text
    good = [i for i, u in enumerate(uniques) if pred(u)]
    if not good:
        return np.zeros(codes.shape, bool)
    if len(good) == 1:
        return codes == good[0]
    return np.isin(codes, np.array(good))


def criteria_mask(rd: RangeData, crit: Value) -> np.ndarray:
    """Which cells of a range meet a COUNTIF-style criterion (flat bool array)."""
    nums = rd.nums
    if isinstance(crit, Err):
        kinds = rd.kinds
        return np.array([v is crit for v in rd.flat], bool) if (kinds == 4).any() else np.zeros(nums.shape, bool)
    if crit is None:
        crit = 0.0
    if isinstance(crit, bool):
        return np.array([v is crit for v in rd.flat], bool)
    if isinstance(crit, float):
        m = nums == crit
        codes, _t, uniques = rd.text
        if uniques:
            m = m | _codes_where(rd, lambda u: parse_number(u) == crit)
        return m
    text = str(crit)
    op = "="
    for o in _OPS:
        if text.startswith(o):
            op, text = o, text[len(o):]
            break
    kinds = rd.kinds
    if text == "" and op in ("=", "<>"):
        codes, table, _u = rd.text
        blank = (kinds == 0) | (codes == table.get("", -2))
        if op == "=":
            return blank if crit != "=" else (kinds == 0)
        return ~(kinds == 0)
    number = parse_number(text)
    if number is None and text.upper() in ("TRUE", "FALSE"):
        b = text.upper() == "TRUE"
        eq = np.array([v is b for v in rd.flat], bool)
        return eq if op == "=" else ~eq if op == "<>" else np.zeros(nums.shape, bool)
    if isinstance(crit, str) and crit.strip() == "" and op == "=":
        return kinds == 0
    if number is not None:
        with np.errstate(invalid="ignore"):
            if op == "=":
                m = nums == number
                if (kinds == 2).any():
                    m = m | _codes_where(rd, lambda u: parse_number(u) == number)
                return m
            if op == "<>":
                return ~(nums == number)
            cmp = {"<": np.less, ">": np.greater, "<=": np.less_equal, ">=": np.greater_equal}[op]
            return cmp(nums, number) & ~np.isnan(nums)
    low = text.lower()
    if op in ("=", "<>"):
        rx = _wild_regex(low)
        if rx is None:
            codes, table, _u = rd.text
            eq = codes == table.get(low, -2)
        else:
            eq = _codes_where(rd, lambda u: rx.fullmatch(u) is not None)
        return eq if op == "=" else ~eq
    pred = {"<": lambda u: u < low, ">": lambda u: u > low, "<=": lambda u: u <= low,
            ">=": lambda u: u >= low}[op]
    return _codes_where(rd, pred)


def finite(x: float) -> bool:
    return not (math.isnan(x) or math.isinf(x))
