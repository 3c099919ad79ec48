"""The expression language of docs/reference.md#expressions: parse to a small tree, check, evaluate.

- :func:`parse` / :func:`unparse`: text to :mod:`~kpisheet.expr.ast` nodes and back
  (:mod:`~kpisheet.expr.parser` documents the syntax and its choices).
- :data:`FUNCTIONS`: the registry of functions, declared once
  (:mod:`~kpisheet.expr.functions`); :func:`check` finds their misuse in a context
  (``filter``, ``kpi``, ``accounts``); :func:`names` and :func:`attr_columns` list
  what an expression refers to.
- :func:`eval_rows` / :func:`eval_filter`: vectorised row evaluation of filters over a
  DataFrame (:mod:`~kpisheet.expr.frame`).

Errors carry a message and a 0-based offset into the text (``pos``); the caller, who knows
the file and line, turns them into :class:`~kpisheet.errors.ConfigError` and the like.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names
from .functions import CONTEXTS, FUNCTIONS, Function, attr_columns, check, names
from .parser import MAX_DEPTH, ExprError, ExprSyntaxError, parse, unparse

if TYPE_CHECKING:
    from .frame import ExprEvalError, eval_filter, eval_rows

# Evaluating over rows needs pandas; parsing and checking do not (kpisheet.lazy).
__getattr__ = lazy_names(__name__, {name: ".frame" for name in ("ExprEvalError", "eval_filter", "eval_rows")})

__all__ = [
    "CONTEXTS",
    "ExprError",
    "ExprEvalError",
    "ExprSyntaxError",
    "FUNCTIONS",
    "Function",
    "MAX_DEPTH",
    "attr_columns",
    "check",
    "eval_filter",
    "eval_rows",
    "names",
    "parse",
    "unparse",
]
