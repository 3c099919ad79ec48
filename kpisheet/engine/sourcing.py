"""A config source as a pipeline description (README#your-data): read → where → join → derive.

The description is run by :class:`kpisheet.sources.pipeline.PipelineRunner`; this module
only translates the config's words into its steps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from ..config.model import Source
from ..sources import SourceRef
from ..sources.pipeline import Derive, Join, Pipeline, Step, Where


def pipeline_of(source: Source, ref: SourceRef, used: Optional[frozenset[str]] = None) -> Pipeline:
    """The steps of ``source`` after reading ``ref``: where, then joins, then derive, in order.

    ``used`` (see :func:`kpisheet.config.usage.columns_used`) lets the reader leave out the
    columns nothing reads."""
    if used is not None:
        ref = replace(ref, usecols=used)
    steps: list[Step] = []
    if source.where is not None:
        steps.append(Where(source.where.node, source.where.place))
    for join in source.joins:
        steps.append(Join(join.source, join.on, str(join.mark)))
    for column, expr in source.derive:
        steps.append(Derive(column, expr.node, expr.place))
    return Pipeline(source.name, ref, tuple(steps))
