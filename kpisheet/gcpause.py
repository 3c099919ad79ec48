"""No cyclic garbage collection while many objects that cannot form a cycle are made."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a million cell objects are made (none of them
    can form a cycle); this halves the time of ``to_python`` on large sheets.

    As collection resumes, what the block made and still holds is taken as long-lived: moved
    to the oldest generation at once (``gc.freeze()`` then ``gc.unfreeze()``, two list splices),
    where the first collection would otherwise have walked every object the block made, to
    move the same survivors there (recalc of 10,000 KPI cells: 40-50 ms, its imports' objects
    included). A cycle left behind by the block is collected by the next full collection.
    Where the process holds objects frozen (a server that forks), nothing is moved: unfreezing
    would thaw its objects too."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()
