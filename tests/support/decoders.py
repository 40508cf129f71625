"""Decoders for sync.adapters.decodepool's tests. They run in the pool's child processes, so they
live in a module the children can import by name (not in a test file)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Collection
from datetime import tzinfo
from pathlib import Path

from sync.adapters.decoding import Decoded, decode_path

# A file holding this kills the process decoding it with crash_on_mark, as a segfault
# in a C extension or the kernel's OOM killer would.
CRASH_MARK = b"kill-the-decoder"


def crash_on_mark(path: str, tz: tzinfo, known: Collection[str], keep_bytes: bool) -> Decoded:
    if CRASH_MARK in Path(path).read_bytes():
        os._exit(70)
    return decode_path(path, tz, known, keep_bytes)


def crash_once_on_mark(path: str, tz: tzinfo, known: Collection[str], keep_bytes: bool) -> Decoded:
    """Kills its process the first time it meets a marked file (PATH.crashed says it
    did), then decodes it as usual: the process was unlucky, not the file."""
    flag = Path(f"{path}.crashed")
    if CRASH_MARK in Path(path).read_bytes() and not flag.exists():
        flag.touch()
        os._exit(70)
    return decode_path(path, tz, known, keep_bytes)


def loaded_modules(path: str, tz: tzinfo, known: Collection[str], keep_bytes: bool) -> Decoded:
    """What the child has imported once it has decoded `path` (in `refused`)."""
    decode_path(path, tz, known, keep_bytes)
    return Decoded(refused=" ".join(sorted(sys.modules)))


def noting_each(path: str, tz: tzinfo, known: Collection[str], keep_bytes: bool) -> Decoded:
    """decode_path, leaving PATH.seen behind: which files a child was handed."""
    Path(f"{path}.seen").touch()
    return decode_path(path, tz, known, keep_bytes)


# A file holding this never finishes decoding with stall_on_mark, as a read from a
# stalled network share would not.
STALL_MARK = b"never-finishes"


def stall_on_mark(path: str, tz: tzinfo, known: Collection[str], keep_bytes: bool) -> Decoded:
    """decode_path, except that a marked file leaves PATH.started (holding the pid of
    the process decoding it) and then hangs."""
    if STALL_MARK in Path(path).read_bytes():
        Path(f"{path}.started").write_text(str(os.getpid()))
        while True:
            time.sleep(60)
    return decode_path(path, tz, known, keep_bytes)


def stderr_target(path: str, tz: tzinfo, known: Collection[str], keep_bytes: bool) -> Decoded:
    """Where the child's stderr goes (in `refused`)."""
    return Decoded(refused=os.readlink("/proc/self/fd/2"))
