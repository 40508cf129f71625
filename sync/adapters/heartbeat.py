"""The worker's pulse: a file touched after every pass, read by `runback status` and the
container's healthcheck (`runback status --healthy`), and the start-up check that every
folder the worker writes is writable by the user it runs as."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from sync.errors import FolderError

NAME = "worker.heartbeat"


def beat(home: Path) -> None:
    """Mark a finished pass (the file's mtime is the time). Never fails the pass."""
    path = home / NAME
    try:
        path.touch(mode=0o600)
        os.utime(path)
    except OSError:
        pass  # a full or read-only home is said by the pass itself


def last_beat(home: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp((home / NAME).stat().st_mtime, UTC)
    except OSError:
        return None


def _probe(folder: Path) -> None:
    handle, name = tempfile.mkstemp(prefix=".runback-probe-", dir=folder)
    os.close(handle)
    os.unlink(name)


def check_writable(folders: Iterable[Path], probe: Callable[[Path], None] | None = None) -> None:
    """Raise FolderError for the first folder this user cannot create a file in, naming
    the user and the fix (a bind mount owned by another user is the usual cause)."""
    for folder in folders:
        try:
            (probe or _probe)(folder)
        except OSError as exc:
            raise unusable(folder, exc) from None


def unusable(folder: Path, exc: OSError) -> FolderError:
    """A folder this user cannot write, with the fix: who must own it."""
    fault = FolderError.from_os(exc, folder, "write to")
    uid, gid = os.getuid(), os.getgid()
    return FolderError(
        folder,
        "write to",
        f"{fault.problem} for uid {uid}",
        f"make it writable for {uid}:{gid} (chown -R {uid}:{gid} on it; under docker compose, "
        "on the host folder mounted there), or run runback as its owner (docker compose: "
        "RUNBACK_UID and RUNBACK_GID)",
    )
