"""Writing a whole file or nothing: the one writer every command uses (README#hostile-and-broken-input, writing).

    state = ReadState.of(path, data)          # when reading a file to write back later
    write_atomic(path, new_bytes, was=state)  # refuses if the file changed meanwhile

:func:`write_atomic` writes a temporary file in the target's folder, fsyncs it, and
renames it over the target, so a reader sees the old file or the new one, never half.
Its rules:

- a symbolic link is followed: the real file is replaced and the link stays a link;
- an existing file keeps its permission bits, and its owner and group where the user
  may set them; a new file gets ``0666`` less the user's umask, as ``open()`` would;
- a file whose mode bits allow nobody to write (``chmod 444``) is refused. The mode
  bits decide, not :func:`os.access`, because CI runs as root, who may write anything;
- with ``was`` (what was read and parsed), a file that changed on disk since (another
  program saved it) is refused: size, modification time and a SHA-256 of its bytes
  are compared with ``was`` just before the rename;
- on any failure the temporary file is removed and the target is as it was;
- a character device or a pipe (``-o /dev/null``, ``-o /dev/stdout``, a named pipe) has no
  content to replace: it is written to as a stream, as ``cp`` or ``tee`` would. A named pipe
  no program reads is refused rather than waited on; a folder, a block device and a socket
  are refused.

Failures are :class:`~kpisheet.errors.KpisheetError` naming the user's path, never the
temporary one.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from .errors import KpisheetError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ReadState:
    """What a file was when it was read: to tell later whether it changed on disk."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Union[str, Path], data: bytes) -> "ReadState":
        """The state of ``path`` whose bytes ``data`` were just read and are about to be parsed."""
        st = os.stat(path)
        return cls(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def read_with_state(path: Union[str, Path]) -> tuple[bytes, ReadState]:
    """The bytes of ``path`` and their state, read through one open file."""
    with open(path, "rb") as handle:
        data = handle.read()
        st = os.fstat(handle.fileno())
    return data, ReadState(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def _digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def real_target(path: Union[str, Path]) -> Path:
    """The file a write to ``path`` must replace: symbolic links followed."""
    return Path(os.path.realpath(path))


def changed_since(target: Path, was: ReadState) -> Optional[str]:
    """Why ``target`` is no longer the file ``was`` describes, or None when it is."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return "it was removed"
    if st.st_size != was.size or st.st_mtime_ns != was.mtime_ns:
        return "it was saved by another program"
    if _digest(str(target)) != was.sha256:
        return "its content changed"
    return None


def is_stream(path: Union[str, Path]) -> bool:
    """Whether ``path`` (links followed) is a character device or a pipe: written as a stream."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def refuse_read_only(target: Path, shown: str) -> None:
    """Raise when ``target`` exists and its mode bits let nobody write it."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise KpisheetError("not a regular file (a folder, a block device or a socket): nothing written",
                            place=shown)
    if not st.st_mode & 0o222:
        raise KpisheetError("the file is read-only: nothing written (make it writable to update it)", place=shown)


def write_atomic(path: Union[str, Path], data: Union[bytes, str], *, was: Optional[ReadState] = None) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8), all or nothing; see the module doc."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    shown = str(path)
    if is_stream(path):
        _write_stream(path, payload, shown)
        return
    target = real_target(path)
    refuse_read_only(target, shown)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise KpisheetError(f"cannot write: {exc.strerror or exc}", place=shown) from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent))
    except OSError as exc:
        raise KpisheetError(f"cannot write: {exc.strerror or exc}", place=shown) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if old is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(old.st_mode))
                try:
                    os.fchown(handle.fileno(), old.st_uid, old.st_gid)
                except OSError:
                    pass  # another user's file: keep ours as the owner, as an editor would
            else:
                os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            os.fsync(handle.fileno())
        if was is not None:
            why = changed_since(target, was)
            if why is not None:
                raise KpisheetError(f"the file changed on disk since it was read ({why}): nothing written; "
                                    "run the command again", place=shown)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise KpisheetError(f"cannot write: {exc.strerror or exc}", place=shown) from None
        raise
    _sync_folder(target.parent)


def _write_stream(path: Union[str, Path], payload: bytes, shown: str) -> None:
    """Write ``payload`` to the character device or pipe at ``path`` (opened as given: the link
    /dev/stdout names the pipe or terminal of this process, which has no path of its own)."""
    try:
        # without O_NONBLOCK, opening a named pipe no program reads would wait for ever
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise KpisheetError("a named pipe no program reads: nothing written", place=shown) from None
        raise KpisheetError(f"cannot write: {exc.strerror or exc}", place=shown) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.set_blocking(fd, True)
            handle.write(payload)
    except OSError as exc:  # the reader went away (a broken pipe), a full device
        raise KpisheetError(f"cannot write: {exc.strerror or exc}", place=shown) from None


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
