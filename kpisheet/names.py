"""A workbook value as the text of a name: an account, a KPI, a year given as a number.

    name_text(1001.0) == "1001"      name_text(" Acme ") == "Acme"      name_text(None) is None

Excel stores every number as a float, so an account code typed as 1001 arrives as ``1001.0``
from the file, from Excel through xlwings and from a formula's argument alike. The engine's
account column, and the name, account and year arguments of the Excel functions, all turn
such a value into text here, so that ``1001`` in a cell and ``"1001"`` typed into
``=KPI("revenue",, "1001")`` name the same account:

- a whole number without ``.0`` (``1001.0`` → ``"1001"``); another number as Python writes
  it, the shortest text that reads back to the same number (``2.5`` → ``"2.5"``);
- TRUE and FALSE as Excel writes them;
- text with spaces trimmed at both ends;
- blank (None, NaN, an empty or all-space text) is None.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

__all__ = ["name_text"]


def name_text(value: Any) -> Optional[str]:
    """``value`` as the text of a name, or None when it is blank (see the module doc)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer():
            return str(int(number))
        return repr(number)
    text = str(value).strip()
    return text or None
