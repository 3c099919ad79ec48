"""Config: YAML files → validated, frozen :class:`Config` (docs/reference.md#config-keys; README#key-accounts)."""

from .load import load_config
from .model import Config, Criterion, Expr, KeyAccounts, Kpi, Measure, Source

__all__ = ["Config", "Criterion", "Expr", "KeyAccounts", "Kpi", "Measure", "Source", "load_config"]
