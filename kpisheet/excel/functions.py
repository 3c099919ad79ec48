"""docs/excel.md's Excel functions, declared once: name, parameters, and how each is computed.

Both doors read this table: ``kpisheet recalc`` (headless) and the xlwings add-in
(``excel/udfs.py``). Neither imports the other, and this module imports no xlwings.

Each entry's :attr:`ExcelFunction.call` is ``(engine, *args) -> value``, the engine being
anything with the members of :class:`Evaluator` (a :class:`kpisheet.Engine`). Arguments
arrive as Excel hands them over (``None`` for an empty cell or an omitted argument,
``float`` for numbers and date serials, ``str``, ``bool``, ``datetime``, or an
:class:`~kpisheet.xlerrors.XlError` when the argument itself is an error) and are
converted here, in :func:`convert`, and nowhere else. A result is a scalar
(``float``, ``str``, ``bool``, ``""`` for "nothing to show") or, for the spilled
tables, a list of rows with a header row first. Failures are values, never
exceptions: an :class:`XlError` member. :func:`invoke` is the one entry point the doors
use; with ``reasons=True`` it gives the error text with its reason
(``"#VALUE! '2026-13' is not a period"``), as the add-in shows it (docs/excel.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, Protocol, Sequence, Union

from ..config.model import Config
from ..engine.accounts import AccountResult
from ..engine.core import Result
from ..errors import EvaluationError, KpisheetError
from ..names import name_text
from ..xlerrors import XlError
from ..xlrules import number_is_year, serial_to_datetime

Scalar = Union[float, str, bool, None, XlError]
Table = list[list[Scalar]]
Value = Union[Scalar, Table]

__all__ = [
    "EXCEL_FUNCTIONS", "ArgumentError", "Evaluator", "ExcelFunction", "Param", "Scalar", "Table", "Value",
    "account_arg", "convert", "excel_serial_to_date", "invoke", "name_arg", "period_arg",
]



class Evaluator(Protocol):
    """What the functions read from the engine: :class:`kpisheet.Engine` has these members.

    ``result`` and ``series`` raise :class:`~kpisheet.errors.EvaluationError` for a request
    that cannot be answered (an unknown KPI, a bad period); ``key_accounts`` gives the
    key-account table in its order (accounts with a row in the period first, each part by
    score descending).
    """

    @property
    def config(self) -> Config: ...

    def result(self, name: str, period: object = None, account: Optional[str] = None) -> Result: ...

    def series(self, name: str, start: object, end: object, account: Optional[str] = None) -> list[Result]: ...

    def key_accounts(self, period: object = None) -> list[AccountResult]: ...


class ArgumentError(Exception):
    """An argument that cannot be read; the cell shows ``kind`` (``#VALUE!`` ...)."""

    def __init__(self, why: str, kind: XlError = XlError.VALUE) -> None:
        super().__init__(why)
        self.kind = kind


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "name" | "period" | "account"
    optional: bool = False
    doc: str = ""


@dataclass(frozen=True)
class ExcelFunction:
    """One function of docs/excel.md."""

    name: str
    params: tuple[Param, ...]
    doc: str
    call: Callable[..., Value]  # (engine, *converted args) -> value; may raise ArgumentError/EvaluationError
    spills: bool = False  # returns a table written as a dynamic array
    key_accounts: bool = False  # needs the key-account part of the engine
    # the functions that show one field of ``engine.result(name, period, account)``: that field
    # (``call`` is the result's, shown so), for doors asking many accounts at once
    of_result: Optional[Callable[[Result], Scalar]] = None

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional)

    @property
    def max_args(self) -> int:
        return len(self.params)

    @property
    def signature(self) -> str:
        parts = [f"[{p.name}]" if p.optional else p.name for p in self.params]
        return f"{self.name}({', '.join(parts)})"


# --- argument conversion: the one place --------------------------------------------------


def excel_serial_to_date(serial: float) -> dt.date:
    """An Excel (1900 system) date serial as a date (:func:`kpisheet.xlrules.serial_to_datetime`:
    60, the fictitious 1900-02-29, is 1900-02-28)."""
    moment = serial_to_datetime(serial)
    if moment is None:
        raise ArgumentError(f"{serial:g} is not a date")
    return moment.date()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def name_arg(value: Any) -> str:
    if isinstance(value, bool):
        raise ArgumentError(f"{value!r} is not a KPI name")
    name = name_text(value)
    if name is None:
        raise ArgumentError("a KPI name is needed")
    return name


def period_arg(value: Any) -> Optional[object]:
    """A period argument: None (latest), period text, or a date.

    A whole number from 1000 to 9999 is read as a year (``=KPI("revenue", 2026)``);
    any other number is a date serial, as Excel stores dates.
    """
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ArgumentError(f"{value!r} is not a period")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        number = float(value)
        if number_is_year(number):
            return name_text(number)
        return excel_serial_to_date(number)
    return str(value).strip()


def account_arg(value: Any) -> Optional[str]:
    if isinstance(value, bool):
        raise ArgumentError(f"{value!r} is not an account")
    return name_text(value)


_CONVERTERS: Mapping[str, Callable[[Any], Any]] = {
    "name": name_arg, "period": period_arg, "account": account_arg}


def convert(fn: ExcelFunction, args: Sequence[Any]) -> list[Any]:
    """Excel arguments → engine arguments, padding omitted optionals with None.

    Raises :class:`ArgumentError` for a wrong count or an unreadable argument, and
    returns an :class:`XlError` argument as is (the caller propagates it).
    """
    if not fn.min_args <= len(args) <= fn.max_args:
        want = f"{fn.min_args}" if fn.min_args == fn.max_args else f"{fn.min_args} to {fn.max_args}"
        raise ArgumentError(f"{fn.name} takes {want} arguments, not {len(args)}")
    out: list[Any] = []
    for param, arg in zip(fn.params, args):
        if isinstance(arg, XlError):
            raise _Propagate(arg)
        out.append(_CONVERTERS[param.kind](arg))
    out.extend([None] * (fn.max_args - len(args)))  # omitted optionals: converters give None for None
    return out


class _Propagate(Exception):
    def __init__(self, error: XlError) -> None:
        super().__init__(error.text)
        self.error = error


def invoke(name: str, engine: Evaluator, args: Sequence[Any], reasons: bool = False,
           raise_input_errors: bool = False) -> Value:
    """Call a function of the registry as a cell would: errors come back as values.

    ``reasons=False`` gives :class:`XlError` members (recalc writes real error cells);
    ``reasons=True`` gives text such as ``"#VALUE! 'x' is not a period"`` (the add-in).
    With ``raise_input_errors``, a config or workbook that cannot be read raises
    (``kpisheet recalc`` stops with exit 2) instead of becoming ``#VALUE!``.
    """
    fn = EXCEL_FUNCTIONS.get(name.upper())
    if fn is None:
        return _fail(XlError.NAME, f"unknown function {name}", reasons)
    try:
        return fn.call(engine, *convert(fn, args))
    except _Propagate as exc:
        return exc.error.text if reasons else exc.error
    except ArgumentError as exc:
        return _fail(exc.kind, str(exc), reasons)
    except EvaluationError as exc:
        kind = XlError.from_text(exc.kind) or XlError.VALUE
        return _fail(kind, "; ".join(p.message for p in exc.problems), reasons)
    except KpisheetError as exc:  # a source that cannot be read: the cell cannot be computed
        if raise_input_errors:
            raise
        return _fail(XlError.VALUE, "; ".join(p.message for p in exc.problems), reasons)


def _fail(kind: XlError, why: str, reasons: bool) -> Union[XlError, str]:
    return f"{kind.text} {why}" if reasons and why else (kind.text if reasons else kind)


# --- the functions ----------------------------------------------------------------------


def _shown(value: Any, error: Optional[XlError]) -> Scalar:
    if error is not None:
        return error
    if value is None:
        return ""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _value_of(r: Result) -> Scalar:
    return _shown(r.value, r.error)


def _target_of(r: Result) -> Scalar:
    return "" if r.target is None else float(r.target)


def _status_of(r: Result) -> Scalar:
    return r.status or ""


def _trend_of(r: Result) -> Scalar:
    return r.trend or ""


def _of_result(field: Callable[[Result], Scalar]) -> Callable[..., Scalar]:
    """A function showing ``field`` of one KPI result (KPI, KPI_TARGET, KPI_STATUS, KPI_TREND)."""
    def call(engine: Evaluator, name: str, period: Any, account: Optional[str]) -> Scalar:
        return field(engine.result(name, period, account))
    return call


TABLE_HEADER = ["KPI", "Description", "Period", "Value", "Target", "Status", "Trend", "Unit"]


def _kpi_table(engine: Evaluator, period: Any, account: Optional[str]) -> Table:
    rows: Table = [list(TABLE_HEADER)]
    for name in engine.config.kpis:
        r = engine.result(name, period, account)  # a bad period fails the whole table, once
        rows.append([name, r.description or "", r.period, _shown(r.value, r.error),
                     "" if r.target is None else float(r.target), r.status or "", r.trend or "",
                     r.unit or ""])
    return rows


def _kpi_series(engine: Evaluator, name: str, start: Any, end: Any, account: Optional[str]) -> Table:
    if start is None or end is None:
        raise ArgumentError("KPI_SERIES needs a first and a last period")
    rows: Table = [["Period", "Value"]]
    for r in engine.series(name, start, end, account):
        rows.append([r.period, _shown(r.value, r.error)])
    return rows


# Key accounts come from the engine's ``key_accounts(period)``; this adapter reads the
# few fields docs/excel.md shows, whatever shape the criteria take (a mapping name → value or
# name → {value, points, error}, or objects with those attributes).


def _key_accounts(engine: Evaluator, period: Any) -> list[Any]:
    method = getattr(engine, "key_accounts", None)
    if method is None:
        raise ArgumentError("key accounts are not available in this version", XlError.NA)
    config = getattr(engine, "config", None)
    if config is not None and getattr(config, "key_accounts", True) is None:
        raise ArgumentError("the config defines no key_accounts", XlError.NA)
    return list(method(period))


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _criteria(acc: Any) -> list[tuple[str, Scalar]]:
    crit = _field(acc, "criteria") or {}
    items: Iterable[tuple[str, Any]]
    if isinstance(crit, Mapping):
        items = crit.items()
    else:
        items = ((_field(c, "name"), c) for c in crit)
    out: list[tuple[str, Scalar]] = []
    for name, c in items:
        if isinstance(c, (int, float, str)) or c is None:
            out.append((str(name), _shown(c, None)))
            continue
        err = _field(c, "error")
        if isinstance(err, str):
            err = XlError.from_text(err) or XlError.VALUE
        out.append((str(name), _shown(_field(c, "value"), err)))
    return out


def _score(value: Any) -> Scalar:
    return "" if value is None else float(value)


def _key_accounts_table(engine: Evaluator, period: Any) -> Table:
    accounts = _key_accounts(engine, period)  # in the engine's order, as `kpisheet accounts` lists them
    names = [n for n, _ in _criteria(accounts[0])] if accounts else []
    rows: Table = [["Account", "Score", "Tier", "Key", *names]]
    for acc in accounts:
        crit = dict(_criteria(acc))
        rows.append([str(_field(acc, "account")), _score(_field(acc, "score")), _field(acc, "tier") or "",
                     bool(_field(acc, "key")), *(crit.get(n, "") for n in names)])
    return rows


def _one_account(engine: Evaluator, account: Optional[str], period: Any) -> Any:
    if account is None:
        raise ArgumentError("an account is needed")
    for acc in _key_accounts(engine, period):
        if str(_field(acc, "account")) == account:
            return acc
    raise ArgumentError(f"unknown account '{account}'", XlError.NA)


def _is_key_account(engine: Evaluator, account: Optional[str], period: Any) -> Scalar:
    return bool(_field(_one_account(engine, account, period), "key"))


def _account_score(engine: Evaluator, account: Optional[str], period: Any) -> Scalar:
    return _score(_field(_one_account(engine, account, period), "score"))


def _account_tier(engine: Evaluator, account: Optional[str], period: Any) -> Scalar:
    return _field(_one_account(engine, account, period), "tier") or ""


_NAME = Param("name", "name", doc="a KPI name from the config")
_PERIOD = Param("period", "period", True, "period text, a date, or empty for latest")
_ACCOUNT = Param("account", "account", True, "an account, or empty for all accounts")
_ACCOUNT_REQ = Param("account", "account", doc="an account")

EXCEL_FUNCTIONS: dict[str, ExcelFunction] = {f.name: f for f in [
    ExcelFunction("KPI", (_NAME, _PERIOD, _ACCOUNT), "The value of a KPI.", _of_result(_value_of),
                  of_result=_value_of),
    ExcelFunction("KPI_TARGET", (_NAME, _PERIOD, _ACCOUNT), "The target of a KPI.", _of_result(_target_of),
                  of_result=_target_of),
    ExcelFunction("KPI_STATUS", (_NAME, _PERIOD, _ACCOUNT), "green / amber / red / empty.",
                  _of_result(_status_of), of_result=_status_of),
    ExcelFunction("KPI_TREND", (_NAME, _PERIOD, _ACCOUNT),
                  "up / down / flat against the previous period.", _of_result(_trend_of), of_result=_trend_of),
    ExcelFunction("KPI_TABLE", (_PERIOD, _ACCOUNT),
                  "Every KPI: KPI, Description, Period, Value, Target, Status, Trend, Unit.",
                  _kpi_table, spills=True),
    ExcelFunction("KPI_SERIES", (_NAME, Param("from", "period", doc="first period"),
                                 Param("to", "period", doc="last period"), _ACCOUNT),
                  "A KPI over a run of periods: Period, Value.", _kpi_series, spills=True),
    ExcelFunction("KEY_ACCOUNTS", (_PERIOD,),
                  "Account, Score, Tier, Key, then one column a criterion; accounts with a row in the "
                  "period first, each part by score descending.",
                  _key_accounts_table, spills=True, key_accounts=True),
    ExcelFunction("IS_KEY_ACCOUNT", (_ACCOUNT_REQ, _PERIOD), "TRUE / FALSE.", _is_key_account,
                  key_accounts=True),
    ExcelFunction("ACCOUNT_SCORE", (_ACCOUNT_REQ, _PERIOD), "The key-account score.", _account_score,
                  key_accounts=True),
    ExcelFunction("ACCOUNT_TIER", (_ACCOUNT_REQ, _PERIOD), "The key-account tier.", _account_tier,
                  key_accounts=True),
]}
