"""A source file's bytes, read whole once they hold still (README#hostile-and-broken-input).

The one way every reader gets a file: :class:`.files.FileReader` and :mod:`.prefetch` (which
reads CSV files ahead, in a thread) both read through it, so a file refused or changing
under the read is met the same way by both. No pandas."""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from typing import Iterator

from ..errors import WorkbookError

FileKey = tuple[str, int, int]  # absolute path, mtime in ns, size: a file's bytes are known by it


@contextmanager
def _os_errors(where: str) -> Iterator[None]:
    """An operating system's refusal as one line for ``where``."""
    try:
        yield
    except (FileNotFoundError, NotADirectoryError):
        raise WorkbookError("no such file", place=where) from None
    except PermissionError:
        raise WorkbookError("cannot be read (permission denied; is it open in another program?)",
                            place=where) from None
    except OSError as exc:
        raise WorkbookError(f"cannot be read ({exc.strerror or exc})", place=where) from None


def file_key(full: str, where: str) -> FileKey:
    """The :data:`FileKey` of the file at the absolute path ``full``; a folder, a device, a pipe
    or a socket is refused without being opened (/dev/zero would fill memory, a FIFO would hang)."""
    with _os_errors(where):
        st = os.stat(full)
    if stat.S_ISDIR(st.st_mode):
        raise WorkbookError("is a folder, not a file", place=where)
    if not stat.S_ISREG(st.st_mode):
        raise WorkbookError("not a regular file (a device, a pipe or a socket); a source is a workbook or "
                            "a CSV file", place=where)
    return full, st.st_mtime_ns, st.st_size


def read_settled(key: FileKey, where: str) -> tuple[FileKey, bytes]:
    """The bytes of the file ``key`` names and the key they were read at: a file being saved as
    it is read is read again (three reads at most) until its size and time hold still."""
    full = key[0]
    with _os_errors(where):
        for _ in range(3):
            with open(full, "rb") as f:
                data = f.read()
            st = os.stat(full)
            if (full, st.st_mtime_ns, st.st_size) == key:
                break
            key = (full, st.st_mtime_ns, st.st_size)
    return key, data
