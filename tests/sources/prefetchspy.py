"""A fresh interpreter that notes, each time a Prefetch starts, whether pandas or the engine
was already imported: the point of reading ahead is to start before they are."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_SPY = """
import sys
from kpisheet.sources import prefetch
seen = []
real = prefetch.Prefetch.__init__
def spy(self, *a, **k):
    seen.append("pandas" in sys.modules or "kpisheet.engine.core" in sys.modules)
    real(self, *a, **k)
prefetch.Prefetch.__init__ = spy
"""


def run_spied(body: str) -> str:
    """What ``body`` (which may print ``seen``, one bool a Prefetch started) prints, run after the
    spy in a new interpreter; fails the test with its stderr if it fails."""
    done = subprocess.run([sys.executable, "-c", _SPY + textwrap.dedent(body)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
