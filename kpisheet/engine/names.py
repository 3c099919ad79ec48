"""Account names as the engine keys them: one function, importing nothing of kpisheet.

A leaf module so that every part that turns an account cell into a name (the engine's
columns, key accounts, an account asked for by a caller) gives the same answer without
importing the engine itself.
"""

from __future__ import annotations

import math
from typing import Any, Optional


def account_name(value: Any) -> Optional[str]:
    """An account cell as text: ``1001.0`` → ``"1001"``, text trimmed; blank or NaN → None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None
