"""What every `runback` command shares: its exit codes and its one-line error."""

from __future__ import annotations

import errno
import sys

from sync.errors import DISK_FULL, disk_fault

EXIT_OK = 0
EXIT_FAILURE = 1  # anything else
EXIT_BAD_INPUT = 2  # what she gave cannot be used
EXIT_TERMINATED = 128 + 15  # SIGTERM, as a shell reports a process it ended


def fail(message: str, code: int) -> int:
    print(f"runback: {message}", file=sys.stderr)
    return code


def known_fault(exc: Exception) -> str | None:
    """The one line for a failure of the machine rather than of runback (no "internal
    error"): a full disk, whether the database (SQLite says "database or disk is full")
    or a file hit it, or a disk that fails under the database."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return DISK_FULL
    return disk_fault(str(getattr(exc, "orig", None) or ""))  # a DBAPI error, as wrapped
