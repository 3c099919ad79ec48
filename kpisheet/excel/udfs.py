"""docs/excel.md's functions for desktop Excel, through xlwings: ``=KPI("revenue_growth", "2026-10")``.

Each function is one line: find the calling workbook's engine (:data:`~.live.WORKSPACE`),
call the registry (:mod:`kpisheet.excel.functions`, shared with ``kpisheet recalc``), and
turn the result into what a cell can hold (:func:`to_excel`). The names, parameters and
documentation come from the registry; a test keeps the two in step.

- Arguments arrive as xlwings reads them with ``err_to_str=True`` (a number, text, a
  ``datetime`` for a date cell, None for an empty cell or an omitted argument, an error
  cell as its text ``'#N/A'`` — without the option it would arrive as None, "omitted" —
  or, for the newer errors xlwings does not know, as the COM error integer).
  :func:`_argument` makes errors text and currency float; an argument that is an error
  is the result (``=KPI("revenue", , C1)`` with C1 = ``#N/A`` gives ``#N/A``), as in
  Excel; the registry converts the rest.
- The workbook is found at one COM call a cell (:meth:`~.live.Workspace.engine_for_caller`).
- The xlwings add-in cannot hand Excel a real error cell, so a failing function shows the
  error's text: ``#DIV/0!``, or ``#VALUE! <why>`` for a bad argument, a config or a source
  that cannot be read. Never a traceback: anything unexpected is logged (to
  :func:`~.logfile.log_file`) and shown as ``#VALUE! internal error: ...``.
- ``KPI_TABLE``, ``KPI_SERIES`` and ``KEY_ACCOUNTS`` return their rows, header first, and
  spill as dynamic arrays (Excel 365 / 2021); older Excel shows the top-left value unless
  the formula is entered as an array formula over the block.
- ``caller`` is xlwings' reserved argument: the calling cell, from which the workbook and
  so its config (docs/excel.md order) are found. It does not appear in Excel.

xlwings' decorators register the functions on Windows (where ``xlwings.udfs`` exists);
elsewhere they leave them as they are, so this module imports wherever xlwings does.
The parameters carry no type annotations on purpose: xlwings would read them as converters.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Callable, Optional, TypeVar

import xlwings as xw

from ..errors import KpisheetError
from ..xlerrors import XlError
from .comvalues import cell_value, error_text
from .functions import EXCEL_FUNCTIONS, invoke
from .live import WORKSPACE
from .logfile import log_to_file

__all__ = [
    "ACCOUNT_SCORE", "ACCOUNT_TIER", "CATEGORY", "IS_KEY_ACCOUNT", "KEY_ACCOUNTS", "KPI", "KPI_SERIES",
    "KPI_STATUS", "KPI_TABLE", "KPI_TARGET", "KPI_TREND", "MODULE", "PY_NAMES", "to_excel",
]

MODULE = "kpisheet.excel.udfs"  # what the add-in's settings name under "UDF Modules"
CATEGORY = "kpisheet"  # the Insert Function dialog's category

# Registry parameter names that are keywords in Python or VBA (``To``), as the functions spell them.
PY_NAMES = {"from": "period_from", "to": "period_to"}

log = logging.getLogger(__name__)
_F = TypeVar("_F", bound=Callable[..., Any])


# --- conversions: the one place ---------------------------------------------------------------


def to_excel(value: Any) -> Any:
    """A registry result as a cell (or a block of cells) shows it."""
    if isinstance(value, list):
        return [[_cell(v) for v in row] if isinstance(row, list) else [_cell(row)] for row in value]
    return _cell(value)


def _cell(value: Any) -> Any:
    if isinstance(value, XlError):
        return value.text
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return float(value)
    return str(value)


def _argument(value: Any) -> Any:
    """One cell's value as kpisheet reads it (:func:`~.comvalues.cell_value`: an error as
    its text, currency as float); a block of cells where one belongs is an error the cell names."""
    if isinstance(value, (list, tuple)):
        flat = [v for row in value for v in (row if isinstance(row, (list, tuple)) else [row])]
        if len(flat) != 1:
            raise _BadArgument(f"one cell was expected, not a range of {len(flat)}")
        value = flat[0]
    return cell_value(value)


def _first_error(args: list[Any]) -> Optional[str]:
    """The first argument that is an Excel error: the function's result, as in Excel."""
    return next((e for e in map(error_text, args) if e is not None), None)


class _BadArgument(Exception):
    pass


def _call(name: str, caller: Any, *args: Any) -> Any:
    """Evaluate one function for the calling cell; every failure is text in the cell."""
    try:
        values = [_argument(a) for a in args]
        error = _first_error(values)
        if error is not None:
            return error
        engine = WORKSPACE.engine_for_caller(caller) if caller is not None else WORKSPACE.engine_for(_calling_book())
        return to_excel(invoke(name, engine, values, reasons=True))
    except _BadArgument as exc:
        return f"{XlError.VALUE.text} {exc}"
    except KpisheetError as exc:  # no config, a config or source that cannot be read
        return f"{XlError.VALUE.text} {exc.problems[0] if exc.problems else exc}"
    except Exception as exc:  # a bug: logged with its traceback, the cell says what, never how
        log_to_file()
        log.exception("%s failed", name)
        return f"{XlError.VALUE.text} internal error: {type(exc).__name__}: {exc}"


def _calling_book() -> Any:
    try:
        return xw.Book.caller()
    except Exception:
        raise KpisheetError("no calling workbook: these functions are called from Excel cells",
                            place="kpisheet") from None


def _spec(f: _F) -> _F:
    """Document a function from the registry and check its parameters against it."""
    fn = EXCEL_FUNCTIONS[f.__name__]
    code = f.__code__
    params = list(code.co_varnames[: code.co_argcount])
    wanted = [PY_NAMES.get(p.name, p.name) for p in fn.params] + ["caller"]
    if params != wanted:
        raise TypeError(f"{f.__name__}{tuple(params)} does not match the registry's {fn.signature}")
    f.__doc__ = fn.doc
    for param, pname in zip(fn.params, params):
        f = xw.arg(pname, doc=param.doc or param.name, err_to_str=True)(f)
    return f


# --- the functions of docs/excel.md -----------------------------------------------------------------
# Python names must be the Excel names: xlwings registers each under its __name__.


@xw.func(category=CATEGORY)
@_spec
def KPI(name, period=None, account=None, caller=None):  # noqa: N802
    return _call("KPI", caller, name, period, account)


@xw.func(category=CATEGORY)
@_spec
def KPI_TARGET(name, period=None, account=None, caller=None):  # noqa: N802
    return _call("KPI_TARGET", caller, name, period, account)


@xw.func(category=CATEGORY)
@_spec
def KPI_STATUS(name, period=None, account=None, caller=None):  # noqa: N802
    return _call("KPI_STATUS", caller, name, period, account)


@xw.func(category=CATEGORY)
@_spec
def KPI_TREND(name, period=None, account=None, caller=None):  # noqa: N802
    return _call("KPI_TREND", caller, name, period, account)


@xw.func(category=CATEGORY)
@_spec
def KPI_TABLE(period=None, account=None, caller=None):  # noqa: N802
    return _call("KPI_TABLE", caller, period, account)


@xw.func(category=CATEGORY)
@_spec
def KPI_SERIES(name, period_from, period_to, account=None, caller=None):  # noqa: N802
    return _call("KPI_SERIES", caller, name, period_from, period_to, account)


@xw.func(category=CATEGORY)
@_spec
def KEY_ACCOUNTS(period=None, caller=None):  # noqa: N802
    return _call("KEY_ACCOUNTS", caller, period)


@xw.func(category=CATEGORY)
@_spec
def IS_KEY_ACCOUNT(account, period=None, caller=None):  # noqa: N802
    return _call("IS_KEY_ACCOUNT", caller, account, period)


@xw.func(category=CATEGORY)
@_spec
def ACCOUNT_SCORE(account, period=None, caller=None):  # noqa: N802
    return _call("ACCOUNT_SCORE", caller, account, period)


@xw.func(category=CATEGORY)
@_spec
def ACCOUNT_TIER(account, period=None, caller=None):  # noqa: N802
    return _call("ACCOUNT_TIER", caller, account, period)
