"""Fixtures of every Excel-door test."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import pytest

from ..conftest import BASE_CONFIG

#: The base config and a revenue KPI over the Sales sheet: what the COM-level tests evaluate.
REVENUE_CONFIG = BASE_CONFIG + """\
  revenue:
    description: Net revenue of orders not cancelled
    source: sales
    measure: sum(amount)
    filter: status != 'cancelled'
"""


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A home folder of the test's own: the Excel door's log file (``~/.kpisheet/excel.log``)
    is written there, never into the home of whoever runs the tests."""
    folder = tmp_path / "home"
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("USERPROFILE", str(folder))
    yield folder
    logger = logging.getLogger("kpisheet")
    for handler in list(logger.handlers):
        if isinstance(handler, logging.FileHandler):
            logger.removeHandler(handler)
            handler.close()
