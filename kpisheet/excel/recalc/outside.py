"""Functions whose values come from outside the workbook: no engine but the Excel that saved
the file can compute them, so their cells keep the values Excel cached (with a warning), as
references to other workbooks do.

- data services and servers: ``RTD``, the ``CUBE*`` family, ``WEBSERVICE``, ``STOCKHISTORY``,
  linked data types (``_FV``, ``FIELDVALUE``), ``IMAGE``, ``TRANSLATE``, ``DETECTLANGUAGE``;
- code outside the file's formulas: add-in and XLL calls (``CALL``, ``REGISTER.ID``,
  ``EUROCONVERT``, ``SQL.REQUEST``), Excel 4 macro functions (``GET.CELL``, ``EVALUATE`` ...,
  usually inside defined names) and user-defined functions (VBA, add-ins): any name that is
  not one of Excel's own functions.

A function of Excel's own that the registry lacks is not in this set: it stays ``#NAME?``
(reported as unsupported), a gap to fill rather than a value to trust.

    computed_elsewhere("RTD")        # True
    computed_elsewhere("MYVBAFUNC")  # True: a user-defined function
    computed_elsewhere("FORECAST.ETS")  # False: Excel's own, not yet in the registry
"""

from __future__ import annotations

from functools import lru_cache

OUTSIDE = frozenset({
    "RTD", "CUBEKPIMEMBER", "CUBEMEMBER", "CUBEMEMBERPROPERTY", "CUBERANKEDMEMBER", "CUBESET", "CUBESETCOUNT",
    "CUBEVALUE", "WEBSERVICE", "STOCKHISTORY", "_FV", "FIELDVALUE", "IMAGE", "TRANSLATE", "DETECTLANGUAGE",
    "CALL", "REGISTER.ID", "EUROCONVERT", "SQL.REQUEST",
})

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
    workbook: a data service, an add-in, a macro sheet's function or a user-defined function."""
    return name in OUTSIDE or name not in _excel()
