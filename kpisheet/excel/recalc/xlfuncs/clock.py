"""TIMEVALUE: the time of day in a text, as a fraction of a day.

The text is a time (``6:35``, ``6:35:20.5``, ``6:35 PM``), optionally after a date Excel reads
(``22-Aug-2011 6:35 AM``), or a date alone (time 0). Hours run past 24 and wrap, as in Excel
(``TIMEVALUE("25:00")`` is 1/24); with AM/PM the hour is 0-12. Anything else is ``#VALUE!``.
"""

from __future__ import annotations

import re
from typing import Optional

from .. import values as V
from ..values import Value, XlFail, to_text
from .base import fn

_TIME = re.compile(r"^(?P<date>.*?)\s*(?<![\d.])(?P<h>\d{1,4}):(?P<m>\d{1,2})(?::(?P<s>\d{1,2}(?:\.\d+)?))?"
                   r"\s*(?P<ampm>[AaPp][Mm]?)?\s*$")


def time_of_day(text: str) -> Optional[float]:
    """The fraction of a day a time text names, or None when it names none."""
    t = text.strip()
    m = _TIME.match(t)
    if m is None:
        return 0.0 if t and V.parse_date_text(t) is not None else None
    if m.group("date") and V.parse_date_text(m.group("date")) is None:
        return None
    h, minutes = int(m.group("h")), int(m.group("m"))
    seconds = float(m.group("s") or 0)
    if minutes > 59 or seconds >= 60:
        return None
    ampm = m.group("ampm")
    if ampm:
        if h > 12:
            return None
        h = h % 12 + (12 if ampm[0] in "Pp" else 0)
    return ((h * 3600 + minutes * 60 + seconds) % 86400) / 86400


@fn("TIMEVALUE", min_args=1, max_args=1)
def _timevalue(text: Value) -> Value:
    if not isinstance(text, str):
        raise XlFail(V.VALUE)
    found = time_of_day(to_text(text))
    if found is None:
        raise XlFail(V.VALUE)
    return found
