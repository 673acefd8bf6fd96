"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile

__all__ = ["write_atomic"]

# The temporary file's name keeps at most this many characters of the target's name, so that
# a target name near the file system's limit (255 bytes) still leaves room for the rest.
_NAME_KEPT = 24


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to a temporary file beside ``path``, then rename
    it onto ``path``.

    A symlink is written through: its target gets the new contents, the link stays. A path
    that is not a regular file (a folder, a FIFO, a device) is refused with an OSError.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(p, "C = 0.5\\n"); p.read_text()
    'C = 0.5\\n'
    """
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"write_atomic writes str or bytes, got {type(data).__name__}")
    target = os.path.realpath(path)  # through every symlink: replace the file, keep the links
    _check_regular(target, path)
    folder = os.path.dirname(target)
    name = os.path.basename(target)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name[:_NAME_KEPT]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(target))  # mkstemp makes it private (0600); ours are not
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _check_regular(target: str, path: str) -> None:
    """Refuse to replace anything but a regular file (or nothing at all)."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder: give a file name", path)
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise OSError(errno.EINVAL, f"is {kind}, not a regular file: not replaced", path)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _file_mode(path: str) -> int:
    """The mode a plain ``open(path, "w")`` would give: the old file's, or 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
