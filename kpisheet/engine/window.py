"""How far back in periods a question reaches, so that an axis can be a window (issue 12).

A grid row reads other rows only through a unit-less ``prev(k, n)`` (a shift by ``n`` rows);
spans (``rolling``, ``ytd``, ``qtd``, ``prev`` with a unit) are days computed from each row's
own period, and across-account functions, attributes and snapshots stay within a row. So the
value of any formula at period ``p`` is exact on an axis that starts ``periods_back`` periods
before ``p``, whatever the rows before that hold.

:func:`periods_back` is an upper bound, not a tight one: the sum of every unit-less ``prev``'s
``n`` over every formula of the config (KPIs, their targets and thresholds, and the key-account
criteria, ``key_if`` and tiers). A chain of ``prev`` s from one value passes through each
``prev`` of the config at most once, since the config has no cycles.
"""

from __future__ import annotations

from ..config.model import Config, Expr
from ..config.rules import kpi_exprs
from ..expr.ast import Call, Num, walk

UNBOUNDED = 1 << 62  # reaches before any data: the whole axis


def periods_back(config: Config) -> int:
    """An upper bound on how many periods before the asked one any value of ``config`` reads."""
    exprs: list[Expr] = [e for kpi in config.kpis.values() for e in kpi_exprs(kpi)]
    ka = config.key_accounts
    if ka is not None:
        exprs += [c.formula for c in ka.criteria.values()]
        exprs += [ka.key_if, *(e for _, e in ka.tiers)]
    total = 0
    for expr in exprs:
        for node in walk(expr.node):
            if isinstance(node, Call) and node.func == "prev" and len(node.args) < 3:  # no unit: rows
                if len(node.args) == 1:
                    total += 1
                elif isinstance(node.args[1], Num):
                    total += max(int(node.args[1].value), 0)
                else:  # not a number (the parser refuses it): no bound, the whole axis
                    return UNBOUNDED
    return total
