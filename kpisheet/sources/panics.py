"""python-calamine's Rust panics, one error line and nothing else (README#hostile-and-broken-input).

On some damaged files calamine's Rust code panics. The Python side gets a ``PanicException``
(which :class:`~.files.FileReader` turns into the workbook's one ``error:`` line), but Rust
first prints its own lines ("thread '<unnamed>' panicked at ...", "note: run with
RUST_BACKTRACE=1 ...") straight to the process's file descriptor 2, past ``sys.stderr``.

:func:`native_stderr_held` holds what is written to descriptor 2 while a read runs: the text
is dropped when the read panicked (the error line says the same) and written out as it came
otherwise, so no warning of any other library is lost. Descriptor 2 is the process's: one
thread holds it at a time (:mod:`.prefetch` reads in a thread while the reader may read).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from typing import Iterator


def is_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is python-calamine's Rust panic (pyo3's PanicException, not importable by name)."""
    return type(exc).__name__ == "PanicException"


_HELD = threading.RLock()  # one holder of descriptor 2 at a time: each restores what it found


@contextlib.contextmanager
def native_stderr_held() -> Iterator[None]:
    """Hold descriptor 2's output for the ``with`` block; drop it if the block ends in a panic.
    A thread entering while another holds it waits for the other's block to end."""
    with _HELD:
        yield from _held()


def _held() -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no descriptor 2 (a service, a closed stream)
        yield
        return
    panicked = False
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException as exc:
            panicked = is_panic(exc)
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if not panicked:
                held.seek(0)
                text = held.read()
                if text:
                    os.write(2, text)
