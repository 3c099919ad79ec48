"""Excel's own functions, one registry (``FUNCTIONS``), in three calling styles:

- ``scalar``: receives scalar values (references already intersected); in array
  formulas it is applied item by item. Raise :class:`XlFail` to return an error.
- ``raw``: receives the evaluator and evaluated arguments as they are (``Ref``, arrays,
  scalars): the aggregate, lookup and criteria functions.
- ``lazy``: receives the evaluator and argument thunks (IF, IFERROR, CHOOSE ...).
"""


from . import aggregates, arrays, dates, finance, lookup, maths, text  # noqa: F401  (each fills FUNCTIONS)
from . import (  # noqa: F401  (Excel's function families, issue 15)
    arithmetic, clock, daycount, depreciation, descriptive, distributions, engineering, info, loans, matrices,
    regression, reshape, securities, significance, strings, subtotals, trig, units, workdays,
)
from .base import FUNCTIONS, Fn, fn, seqsum

__all__ = ["FUNCTIONS", "Fn", "fn", "seqsum"]
