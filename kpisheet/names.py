"""A workbook value as the text of a name: an account, a KPI, a year given as a number.

    name_text(1001.0) == "1001"      name_text(" Acme ") == "Acme"      name_text(None) is None

Excel stores every number as a float, so an account code typed as 1001 arrives as ``1001.0``
from the file, from Excel through xlwings and from a formula's argument alike. The engine's
account column, and the name, account and year arguments of the Excel functions, all turn
such a value into text here, so that ``1001`` in a cell and ``"1001"`` typed into
``=KPI("revenue",, "1001")`` name the same account:

- a whole number without ``.0`` (``1001.0`` → ``"1001"``); another number as Python writes
  it, the shortest text that reads back to the same number (``2.5`` → ``"2.5"``);
- TRUE and FALSE as Excel writes them;
- text with spaces trimmed at both ends;
- blank (None, NaN, an empty or all-space text) is None.

``name_texts(values)`` is the same rule over many values at once (the engine's distinct
accounts, README#changelog issue 12): text and whole floats take pandas' and numpy's string
operations, and any other value goes through ``name_text`` itself, so there is one rule.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

import numpy as np
from pandas.api.types import infer_dtype

__all__ = ["name_text", "name_texts"]

#: Whole floats below this take numpy's int64 text; |x| < 2**53 is exact in both.
_EXACT = float(2**53)
_FLOATS = (float, np.float64)


def name_text(value: Any) -> Optional[str]:
    """``value`` as the text of a name, or None when it is blank (see the module doc)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer():
            return str(int(number))
        return repr(number)
    text = str(value).strip()
    return text or None


def name_texts(values: Iterable[Any]) -> list[Optional[str]]:
    """``[name_text(v) for v in values]``, with a column of one kind done as a whole array.

    pandas' ``infer_dtype`` (one C pass) says whether every value is text, every one a float
    or every one an integer; text is then stripped without the per-value type tests, floats
    that are whole (and exact in int64) take numpy's integer text, integers their ``str``.
    Mixed columns are split the same way by type, and whatever is left goes through
    ``name_text`` itself.
    """
    arr = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=object).ravel()
    if not len(arr):
        return []
    kind = infer_dtype(arr, skipna=False)
    if kind == "string":
        return [value.strip() or None for value in arr]
    if kind == "integer":  # never a bool: True among ints is "mixed-integer"
        return [str(value) for value in arr]
    out = np.full(len(arr), None, dtype=object)
    if kind == "floating":  # every value a float (NaN too): float(value) is astype's number
        is_float = np.ones(len(arr), dtype=bool)
    else:
        is_float = np.fromiter((type(v) in _FLOATS for v in arr), dtype=bool, count=len(arr))
    whole = np.zeros(len(arr), dtype=bool)
    if is_float.any():
        numbers = arr[is_float].astype(np.float64)
        fits = np.isfinite(numbers) & (np.abs(numbers) < _EXACT) & (numbers == np.floor(numbers))
        whole[np.flatnonzero(is_float)[fits]] = True
        out[whole] = numbers[fits].astype(np.int64).astype(str).astype(object)
    rest = np.flatnonzero(~whole)
    out[rest] = [name_text(v) for v in arr[rest]]
    return list(out.tolist())
