"""Reading, hashing and decoding one FIT file, in whichever process: the pool's children
run only this module (and the decoder it calls), never the store or the command line."""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import tzinfo

from rules.activity import Activity
from sync.adapters.fitfile import read_activity
from sync.adapters.rawstore import sha256_of
from sync.adapters.reading import read_file
from sync.errors import FitFileError


@dataclass(frozen=True)
class Decoded:
    """One file as a decoding process left it: the hash of its bytes, and the run or why
    there is none."""

    sha256: str | None = None  # None: the file could not be read
    data: bytes | None = None  # its bytes, when the caller asked for them (keep_bytes)
    activity: Activity | None = None
    refused: str | None = None  # why it is not a run runback can take (FitFileError's reason)
    unreadable: str | None = None  # why it could not be read ("cannot read: ...")
    known: bool = False  # its hash was already stored: not decoded


# (path, time zone, hashes already stored, keep the bytes) -> Decoded; runs in a child.
Decoder = Callable[[str, tzinfo, Collection[str], bool], Decoded]


def decode_path(path: str, tz: tzinfo, known: Collection[str], keep_bytes: bool) -> Decoded:
    """Read, hash and decode one file (in whichever process calls it). Never raises for
    what the file holds: a file that is no run is `refused`, one that cannot be read
    `unreadable`; a file whose hash is `known` is not decoded at all."""
    try:
        data = read_file(path)
    except OSError as exc:
        return Decoded(unreadable=f"cannot read: {exc.strerror or exc}")
    sha = sha256_of(data)
    kept = data if keep_bytes else None
    if sha in known:
        return Decoded(sha, kept, known=True)
    try:
        activity = read_activity(data, tz)
    except FitFileError as exc:
        return Decoded(sha, kept, refused=exc.reason)
    return Decoded(sha, kept, activity=activity)


_child: tuple[Decoder, tzinfo, frozenset[str], bool] | None = None


def init_child(
    decode: Decoder, tz: tzinfo, known: frozenset[str], keep_bytes: bool, parent: int
) -> None:
    global _child
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent answers Ctrl-C
    # ... and may end this child with SIGTERM, even if whoever started the fork server
    # had SIGTERM ignored (an ignored signal is inherited through fork and exec).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _child = (decode, tz, known, keep_bytes)
    threading.Thread(target=end_with, args=(parent,), name="runback-parent", daemon=True).start()


def end_with(parent: int) -> None:
    """End this child as soon as the process that started the pool is gone (killed -9,
    say). Nothing else would: the child holds both ends of its own queue, so it never
    reads an end of file, and the fork server lives as long as its children do."""
    try:
        handle = os.pidfd_open(parent)
    except (AttributeError, OSError):  # no pidfd (old kernel), or the parent is gone
        while _alive(parent):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def decode_in_child(path: str) -> Decoded:
    assert _child is not None, "the pool's initializer sets this up"
    decode, tz, known, keep_bytes = _child
    return decode(path, tz, known, keep_bytes)


def nothing() -> None:
    return None
