"""Excel's own functions, one registry (``FUNCTIONS``), in three calling styles:

- ``scalar``: receives scalar values (references already intersected); in array
  formulas it is applied item by item. Raise :class:`XlFail` to return an error.
- ``raw``: receives the evaluator and evaluated arguments as they are (``Ref``, arrays,
  scalars): the aggregate, lookup and criteria functions.
- ``lazy``: receives the evaluator and argument thunks (IF, IFERROR, CHOOSE ...).
"""


import importlib

from . import aggregates, arrays, dates, finance, lookup, maths, text  # noqa: F401  (each fills FUNCTIONS)
from .base import FUNCTIONS, Fn, fn, seqsum
from .guard import guard_modules
from .toolpak import refuse_logicals

# The function families added for issue 15, each a module that fills FUNCTIONS; those that
# compute numbers are guarded (guard.py): an overflow or a non-finite result is an error in the
# cell (reshape only moves values it was given, and is left unguarded: no scan of large arrays).
FAMILIES = ("arithmetic", "bahttext", "bessel", "clock", "complexnum", "database", "daycount",
            "depreciation", "descriptive", "distributions", "engineering", "grouping", "info", "lambdas",
            "loans", "matrices", "pivotdata", "recent", "regression", "reshape", "securities",
            "significance", "strings", "subtotals", "trig", "units", "widths", "workdays")
for _family in FAMILIES:
    importlib.import_module(f"{__name__}.{_family}")
# aggregates and finance too (issue 15's fuzz test found VAR over 1E300 overflowing inside the
# statistics module, and PMT at a rate of 1E-300 dividing by (1+rate)^n - 1, which is 0)
guard_modules(FUNCTIONS, set(FAMILIES) - {"reshape"} | {"aggregates", "finance"})
refuse_logicals(FUNCTIONS)  # the Analysis ToolPak functions: #VALUE! for TRUE/FALSE

__all__ = ["FAMILIES", "FUNCTIONS", "Fn", "fn", "seqsum"]
