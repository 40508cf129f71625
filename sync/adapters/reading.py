"""Reading a file she gave, or one that waits in a folder, without waiting on it.

A FIFO (or a device) where a file was, even one put there after the folder was listed,
would hold a plain open() until someone writes to it: the worker stopped taking files
and no longer answered SIGTERM. Here it is opened without blocking and refused.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

NOT_REGULAR = "not a regular file (a FIFO, a device or a socket)"


def read_file(path: Path | str) -> bytes:
    """The bytes of `path`, a regular file. Raises OSError as open() does (FileNotFoundError
    included), and OSError with strerror NOT_REGULAR for anything but a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb", buffering=0, closefd=True) as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR, str(path))
        os.set_blocking(fd, True)
        return fh.read()
