"""Functions whose values come from outside the workbook: no engine but the Excel that saved
the file can compute them, so their cells keep the values Excel cached (with a warning), as
references to other workbooks do.

- data services and servers: ``RTD``, the ``CUBE*`` family, ``WEBSERVICE``, ``STOCKHISTORY``,
  linked data types (``_FV``, ``FIELDVALUE``), ``IMAGE``, ``TRANSLATE``, ``DETECTLANGUAGE``;
- code outside the file's formulas: add-in and XLL calls (``CALL``, ``REGISTER.ID``,
  ``EUROCONVERT``, ``SQL.REQUEST``), Excel 4 macro functions (``GET.CELL``, ``EVALUATE`` ...,
  usually inside defined names) and user-defined functions (VBA, add-ins): any name that is
  not one of Excel's own functions.

- Excel's own functions whose numbers no published example pins: the ``FORECAST.ETS`` family
  (Excel fits its AAA exponential smoothing's parameters its own way, undocumented; no public
  implementation is shown to reproduce its numbers), so a recalc keeps what Excel computed
  rather than print a plausible different forecast (README, changelog of issue 15).

Any other function of Excel's own that the registry lacks is not in these sets: it stays
``#NAME?`` (reported as unsupported), a gap to fill rather than a value to trust.

    computed_elsewhere("RTD")           # True
    computed_elsewhere("MYVBAFUNC")     # True: a user-defined function
    computed_elsewhere("FORECAST.ETS")  # True: Excel's fitting, kept as Excel cached it
    kept_because("FORECAST.ETS")        # "fitted by Excel's own undocumented method, ..."
"""

from __future__ import annotations

from functools import lru_cache

OUTSIDE = frozenset({
    "RTD", "CUBEKPIMEMBER", "CUBEMEMBER", "CUBEMEMBERPROPERTY", "CUBERANKEDMEMBER", "CUBESET", "CUBESETCOUNT",
    "CUBEVALUE", "WEBSERVICE", "STOCKHISTORY", "_FV", "FIELDVALUE", "IMAGE", "TRANSLATE", "DETECTLANGUAGE",
    "CALL", "REGISTER.ID", "EUROCONVERT", "SQL.REQUEST",
})

# Excel's own, computed by Excel's undocumented fitting: kept as cached rather than approximated
UNPINNED = frozenset({"FORECAST.ETS", "FORECAST.ETS.CONFINT", "FORECAST.ETS.SEASONALITY", "FORECAST.ETS.STAT"})

# Excel's own functions missing from openpyxl's list (added to Excel after it was written)
_NEWER = frozenset({
    "FORECAST.ETS", "FORECAST.ETS.CONFINT", "FORECAST.ETS.SEASONALITY", "FORECAST.ETS.STAT", "PIVOTBY", "GROUPBY",
    "PERCENTOF", "TRIMRANGE", "REGEXTEST", "REGEXEXTRACT", "REGEXREPLACE", "COPILOT", "ARRAYTOTEXT", "VALUETOTEXT",
    "TEXTBEFORE", "TEXTAFTER", "TEXTSPLIT", "VSTACK", "HSTACK", "TOCOL", "TOROW", "WRAPROWS", "WRAPCOLS", "TAKE",
    "DROP", "CHOOSEROWS", "CHOOSECOLS", "EXPAND", "ISOMITTED", "MAKEARRAY", "SCAN", "REDUCE", "MAP", "BYCOL", "BYROW",
    "LAMBDA", "LET", "XLOOKUP", "XMATCH", "FILTER", "SORT", "SORTBY", "UNIQUE", "SEQUENCE", "RANDARRAY", "SINGLE",
    "ANCHORARRAY", "CONCAT", "TEXTJOIN", "IFS", "SWITCH", "MAXIFS", "MINIFS", "FORECAST.LINEAR",
})

@lru_cache(maxsize=1)
def _excel() -> frozenset[str]:
    """Excel's own function names: openpyxl's list (imported here, only when a formula calls a
    function we lack: openpyxl costs a recalc 60 ms to import) and the newer ones."""
    from openpyxl.utils.formulas import FORMULAE

    return frozenset(name.replace("_xlfn.", "").upper() for name in FORMULAE) | _NEWER


def computed_elsewhere(name: str) -> bool:
    """Whether function ``name`` (upper case, without ``_xlfn.``) gets its value from outside the
    workbook (a data service, an add-in, a macro sheet's function or a user-defined function),
    or only Excel's own undocumented fitting reproduces it (:data:`UNPINNED`)."""
    return name in OUTSIDE or name in UNPINNED or name not in _excel()


def kept_because(name: str) -> str:
    """Why the cells calling ``name`` (one :func:`computed_elsewhere` names) keep their cached
    values: the words a recalc's warning ends with."""
    if name in UNPINNED:
        return "fitted by Excel's own undocumented method, which no engine is shown to reproduce"
    return "computed outside the workbook (a data service, an add-in, a macro or VBA)"
