"""Errors of the sync package. Each carries the data a person needs to act on it;
only the entry points (CLI, worker) choose exit codes and wording around them."""

from __future__ import annotations

import errno
from pathlib import Path
from types import TracebackType


class RunbackError(Exception):
    """Base of every error runback raises on purpose."""


class BadInput(RunbackError):
    """Something the user gave (a path, an option, a setting) cannot be used."""


class ConfigError(BadInput):
    """A settings file or value is invalid; the message names the key."""


class FitFileError(RunbackError):
    """A FIT file that runback cannot take, with a reason a person understands."""

    def __init__(self, reason: str, path: str | None = None) -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason)


class PushFailed(Exception):
    """A push that did not happen, and why. `attempted` is False when the target was not
    even tried (Garmin backing off, or needing a login)."""

    def __init__(self, reason: str, *, attempted: bool = True) -> None:
        self.reason = reason
        self.attempted = attempted
        super().__init__(reason)


class StoreError(RunbackError):
    """The database is unreachable or not in a state runback can use."""


class FolderError(RunbackError):
    """One of runback's folders (inbox, archive, quarantine, raw, outbox, logs) cannot be
    used: read-only, full, not allowed. Says which folder, what is wrong and what to do;
    it is the folder's fault, not the file's, so the work waits and is tried again."""

    def __init__(self, folder: Path, doing: str, problem: str, todo: str) -> None:
        self.folder = folder
        self.doing = doing
        self.problem = problem
        self.todo = todo
        super().__init__(f"cannot {doing} {folder}: {self.why}")

    @property
    def why(self) -> str:
        return f"{self.problem}; {self.todo}"

    @classmethod
    def from_os(cls, exc: OSError, folder: Path, doing: str) -> FolderError:
        problem, todo = _FOLDER_FAULTS.get(
            exc.errno or 0, (exc.strerror or type(exc).__name__, "check it")
        )
        return cls(folder, doing, problem, todo)


_FOLDER_FAULTS = {
    errno.EROFS: ("the file system is read-only", "make it writable"),
    errno.EACCES: ("permission denied", "give the user running runback access to it"),
    errno.EPERM: ("permission denied", "give the user running runback access to it"),
    errno.ENOSPC: ("the disk is full", "free some space"),
    errno.EDQUOT: ("the disk quota is used up", "free some space"),
    errno.ENOTDIR: ("part of that path is not a folder", "make it a folder"),
    errno.EISDIR: ("a folder stands where a file should be", "move that folder away"),
    errno.ENOENT: ("it does not exist", "create it"),
    errno.EIO: ("input/output error (a failing disk or a lost connection)", "check the disk"),
}


class InternalError(Exception):
    """What the log keeps of an unexpected exception: its type, its first line, where."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type when it has none).

    Database errors put the statement, its parameters and PostgreSQL's DETAIL (which can
    quote a whole row: her symptom values and notes) on the lines after the first.
    """
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def private_exc_info(
    exc: BaseException,
) -> tuple[type[InternalError], InternalError, TracebackType | None]:
    """exc_info for logging an unexpected exception without what its message may quote:
    the frames are kept (where it happened), the message is cut to its first line, and
    the chain of causes (whose messages carry the same data) is dropped."""
    kept = InternalError(f"{type(exc).__module__}.{type(exc).__qualname__}: {first_line(exc)}")
    return InternalError, kept, exc.__traceback__


DISK_FULL = "the disk is full: free some space and run it again (what was stored is kept)"
DISK_FAILING = (
    "the disk is full or failing (SQLite: disk I/O error): free some space and run it again"
)


def disk_fault(text: str) -> str | None:
    """SQLite's words for a full disk, or for one failing under the database, as the one
    line she reads (the CLI's last resort and the database's opening both use it)."""
    if "database or disk is full" in text:
        return DISK_FULL
    if "disk I/O error" in text:
        return DISK_FAILING
    return None
