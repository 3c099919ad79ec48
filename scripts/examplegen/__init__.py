"""Seeded data for the four example settings of SPEC §6 (used by ``scripts/make_examples.py``).

One module a setting, each with a ``build(rnd) -> Example``: the data sheets, and what the
Dashboard sheet shows. Same seed, same data.
"""

from __future__ import annotations

from . import agency, consulting, restaurant, startup
from .common import Example, Headline, Series, Sheet

BUILDERS = {
    "startup": startup.build,
    "consulting": consulting.build,
    "agency": agency.build,
    "restaurant": restaurant.build,
}

__all__ = ["BUILDERS", "Example", "Headline", "Series", "Sheet"]
