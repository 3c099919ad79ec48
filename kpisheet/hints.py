""""Did you mean ...?": the one place that guesses what a user meant to type."""

from __future__ import annotations

import difflib
from typing import Iterable, Optional

CUTOFF = 0.6


def closest(name: str, options: Iterable[str], fold_case: bool = False) -> Optional[str]:
    """The option closest to ``name``, if one is close enough (``fold_case``: ignoring case)."""
    if fold_case:
        folded = {o.casefold(): o for o in options}
        match = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=CUTOFF)
        return folded[match[0]] if match else None
    match = difflib.get_close_matches(name, list(options), n=1, cutoff=CUTOFF)
    return match[0] if match else None


def did_you_mean(name: str, options: Iterable[str], fold_case: bool = False) -> str:
    """`` (did you mean 'x'?)`` to append to a message, or nothing."""
    guess = closest(name, options, fold_case)
    return f" (did you mean '{guess}'?)" if guess else ""
