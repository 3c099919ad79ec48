"""Sources past Excel's million rows (README#when-the-data-outgrows-the-workbook): Parquet files and SQL
databases, through Ibis.

The pipeline of a ``parquet:`` or ``sql:`` source (where, join, derive), the KPI filters and
the measures run in the database; only grouped grids come back to the engine. Modules:
:mod:`.check` (what compiles, checked at config load; no database library needed),
:mod:`.compile` (expression trees to Ibis), :mod:`.connect` (connections and credentials),
:mod:`.query` (the queries), :mod:`.grids` (their results as the engine's grids).
Ibis and DuckDB are the ``warehouse`` install extra, imported only when such a source is used.
"""

from .query import Warehouse, is_database

__all__ = ["Warehouse", "is_database"]
