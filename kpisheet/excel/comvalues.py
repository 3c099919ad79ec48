"""Cell values as Excel's COM hands them to Python, made into what kpisheet reads.

What xlwings gives on Windows is not always what a cell shows (issue 11):

- **Error cells** arrive as their text only for the seven classic errors and only with
  ``err_to_str=True`` (without it, as ``None``: an empty cell). The newer errors
  (``#SPILL!``, ``#CALC!``, ``#FIELD!`` ...) are not in xlwings' table and arrive as the
  COM error integer (``0x800A0000 + `` the ``CVErr`` number: ``#SPILL!`` is 2045, so
  -2,146,826,243) whatever the option — a number that would be summed.
- **Currency cells** arrive as :class:`decimal.Decimal` (COM's ``VT_CY``).

:func:`cell_value` turns one such value into kpisheet's: an error as its Excel text
(``'#SPILL!'``), a ``Decimal`` as a float, anything else as it is. :func:`error_text`
says whether a value is an Excel error and which. Both the live reader (source cells)
and the xlwings functions (arguments) use them; nothing else knows the integers.

An integer in COM's error range that no table here names (a future Excel error, or
``#BUSY!``/``#PYTHON!``, whose numbers Microsoft does not document) is ``#VALUE!``:
an error that propagates, never a number. Numbers never arrive as ``int`` from COM
(``Range.Value`` gives ``float``), so an ``int`` in that range is always an error.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

__all__ = ["COM_ERRORS", "ERROR_TEXTS", "cell_value", "error_text", "is_error_int"]

_FACILITY = -2146828288  # 0x800A0000 as a signed 32-bit HRESULT: the base of CVErr values

# Excel's CVErr numbers (XlCVError; the newer ones continue the numbering of xlsb's
# error bytes: #GETTING_DATA 43, #SPILL! 45 ... #CALC! 50).
_CVERR = {
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?", 2036: "#NUM!",
    2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!", 2047: "#BLOCKED!",
    2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!",
}
COM_ERRORS: dict[int, str] = {_FACILITY + number: text for number, text in _CVERR.items()}
"""COM error integer → Excel's error text."""

ERROR_TEXTS = frozenset({*_CVERR.values(), "#BUSY!", "#PYTHON!", "#EXTERNAL!"})
"""Every error text a cell can show (what xlwings gives with ``err_to_str=True``, and more)."""

_LOW, _HIGH = _FACILITY + 2000, _FACILITY + 2255  # the CVErr range


def is_error_int(value: Any) -> bool:
    """Whether ``value`` is a COM error integer (never a number: COM gives numbers as float)."""
    return type(value) is int and _LOW <= value <= _HIGH


def error_text(value: Any) -> Optional[str]:
    """The Excel error text of an error value as COM or xlwings hands it over, else None."""
    if type(value) is str:
        return value if value in ERROR_TEXTS else None
    if is_error_int(value):
        return COM_ERRORS.get(value, "#VALUE!")
    return None


def cell_value(value: Any) -> Any:
    """One cell as kpisheet reads it: errors as their text, ``Decimal`` as float."""
    if type(value) is int:
        if is_error_int(value):
            return COM_ERRORS.get(value, "#VALUE!")
        return float(value)
    if isinstance(value, Decimal):
        return float(value)
    return value
