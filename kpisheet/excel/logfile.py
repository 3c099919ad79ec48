"""Where the Excel door writes what went wrong: ``~/.kpisheet/excel.log``.

Inside Excel nobody sees standard error: Refresh runs in a Python process that Excel
starts and ends, and the functions run in xlwings' COM server. A cell or a message box
shows one line; the full story (tracebacks included) goes to this file in the user's
home folder (``%USERPROFILE%\\.kpisheet\\excel.log`` on Windows), which docs/excel.md names.
"""

from __future__ import annotations

import logging
from pathlib import Path

__all__ = ["log_file", "log_to_file"]

_LOGGER = "kpisheet"


def log_file() -> Path:
    """The log file of the Excel door, in the user's home folder."""
    return Path.home() / ".kpisheet" / "excel.log"


def log_to_file() -> Path:
    """Send the ``kpisheet`` loggers to :func:`log_file` (once a process); returns its path.

    Never raises: a folder that cannot be written leaves logging as it was."""
    path = log_file()
    logger = logging.getLogger(_LOGGER)
    if any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path for h in logger.handlers):
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    except OSError:
        return path
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return path
