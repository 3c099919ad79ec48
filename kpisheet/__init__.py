"""kpisheet: KPIs and key accounts defined in YAML, evaluated over Excel workbooks.

    >>> from kpisheet import load_config, Engine
    >>> engine = Engine(load_config("config/startup"), "templates/startup.xlsx")
    >>> engine.result("revenue_growth", "2026-10").value
"""

import typing

from .config import Config, load_config
from .errors import ConfigError, EvaluationError, KpisheetError, WorkbookError
from .lazy import lazy_names as _lazy_names
from .xlerrors import XlError

if typing.TYPE_CHECKING:
    from .engine.accounts import AccountResult, CriterionResult
    from .engine.core import Engine, Result

# The engine imports pandas: loading a config does not (kpisheet.lazy).
__getattr__ = _lazy_names(__name__, {"Engine": ".engine.core", "Result": ".engine.core",
                                    "AccountResult": ".engine.accounts", "CriterionResult": ".engine.accounts"})

__version__ = "0.1.0"


def main() -> None:
    """The Excel add-in's Refresh button (docs/excel.md); needs xlwings: see kpisheet.excel.ribbon."""
    from .excel.ribbon import main as refresh

    refresh()


__all__ = [
    "AccountResult",
    "Config",
    "ConfigError",
    "CriterionResult",
    "Engine",
    "EvaluationError",
    "KpisheetError",
    "Result",
    "WorkbookError",
    "XlError",
    "__version__",
    "load_config",
    "main",
]
