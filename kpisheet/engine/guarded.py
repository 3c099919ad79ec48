"""One KPI that fails must not lose the others (README#hostile-and-broken-input): results, each KPI on its own.

:func:`guarded_results` asks the engine for each KPI in turn. A
:class:`~kpisheet.errors.KpisheetError` (a bad period, an unknown account) still stops
the request: it is the user's to fix. Any other failure while computing one KPI (a bug,
a value nobody foresaw, out of memory) makes that KPI ``#VALUE!``, with one warning
naming it and the cause, and the other KPIs are computed as usual.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from ..errors import KpisheetError
from ..xlerrors import XlError
from .core import Engine, Result


def failed_result(engine: Engine, name: str, period: object, account: Optional[str]) -> Result:
    """The ``#VALUE!`` row of a KPI whose computation failed."""
    kpi = engine.config.kpis[name]
    return Result(name, str(period) if period is not None else "latest", account, None, XlError.VALUE, None,
                  "", "", kpi.unit, kpi.description)


def guarded_results(engine: Engine, period: object, account: Optional[str], names: Iterable[str],
                    warn: Callable[[str], object]) -> list[Result]:
    """``engine.result`` for each of ``names``; a KPI that fails unforeseen is ``#VALUE!`` with a warning."""
    out: list[Result] = []
    for name in names:
        try:
            out.append(engine.result(name, period, account))
        except KpisheetError:
            raise
        except (Exception, RecursionError) as exc:  # noqa: BLE001 - one KPI never kills the run
            cause = " ".join(str(exc).split())[:200]
            who = f" for account {account}" if account is not None else ""
            warn(f"warning: {name}: cannot be computed{who} ({type(exc).__name__}: {cause}); shown as #VALUE!")
            out.append(failed_result(engine, name, period, account))
    return out
