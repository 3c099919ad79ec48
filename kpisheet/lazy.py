"""Names a package hands out but imports only when first asked (PEP 562).

Loading and checking a config needs neither pandas nor the engine, and ``kpisheet lint``,
``init``, ``schema`` and ``--help`` should not wait the half second pandas takes to import;
``evaluate`` reads its CSV files while pandas imports (:mod:`kpisheet.sources.prefetch`). So the
packages whose public names live in pandas-using modules (``kpisheet``, ``kpisheet.expr``,
``kpisheet.sources``, ``kpisheet.warehouse``) import those modules on first use of a name::

    __getattr__ = lazy_names(__name__, {"Engine": ".engine.core"})

``from kpisheet import Engine`` and ``kpisheet.Engine`` work as before; type checkers see the
names through ``if TYPE_CHECKING:`` imports beside it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable, Mapping


def lazy_names(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each of ``names`` (name -> module, relative to
    the package) is imported when first asked and kept in the package's namespace; any other
    name is an AttributeError, as for a module without ``__getattr__``."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
