"""Sources past Excel's million rows (README#when-the-data-outgrows-the-workbook): Parquet files and SQL
databases, through Ibis.

The pipeline of a ``parquet:`` or ``sql:`` source (where, join, derive), the KPI filters and
the measures run in the database; only grouped grids come back to the engine. Modules:
:mod:`.check` (what compiles, checked at config load; no database library needed),
:mod:`.compile` (expression trees to Ibis), :mod:`.connect` (connections and credentials),
:mod:`.query` (the queries), :mod:`.grids` (their results as the engine's grids).
Ibis and DuckDB are the ``warehouse`` install extra, imported only when such a source is used.
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_names
from .check import is_database

if TYPE_CHECKING:
    from .query import Warehouse

# The queries need pandas; checking a config's sources does not (kpisheet.lazy).
__getattr__ = lazy_names(__name__, {"Warehouse": ".query"})

__all__ = ["Warehouse", "is_database"]
