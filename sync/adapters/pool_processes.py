"""How the decoding processes start and end, safely beside her terminal and the caller:
no Ctrl-C reaching them, nothing of theirs printed after runback is gone, no second
signal breaking their shutdown, and no file that never finishes holding it up."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


# Seconds the files in flight get to finish when the pool is left by Ctrl-C or an error
# (a one-hour run decodes in about 0.3 s); a process still at its file is then ended.
ABANDON_GRACE_S = 3.0


def abandon_pool(executor: ProcessPoolExecutor) -> None:
    """Shut the pool down without waiting on a file that never finishes: what has not
    started is cancelled, the files in flight get ABANDON_GRACE_S to finish, and a
    process still at its file then is ended (SIGTERM: they ignore SIGINT).

    Not SIGTERM at once: a process ended while it writes its result back leaves half a
    message in the pipe, and the pool's manager thread waits on the rest of it forever
    (seen: Ctrl-C then hung one ingest in 16). A process past the grace is at a read or
    a decode, not a write (the manager reads results as they come). Python 3.11's pool
    has no public way to do this (3.14's terminate_workers): hence its private
    `_processes` and `_executor_manager_thread`, taken before shutdown drops them."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)
    with second_signal_ignored():
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + ABANDON_GRACE_S
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                with suppress(OSError, ValueError):  # gone meanwhile
                    process.terminate()
        if manager is not None:
            manager.join(ABANDON_GRACE_S)  # it reaps the processes, then ends


@contextmanager
def second_signal_ignored() -> Iterator[None]:
    """Ctrl-C or SIGTERM again while the pool is being abandoned (because of the first):
    ignored, for these few seconds. Raised in the middle, it left the processes running
    and the exit waiting on them for good, or printed a traceback. Only the main thread
    can set handlers; elsewhere (the worker's jobs) signals raise nothing anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """SIGINT held back from this thread (any thread: the worker's jobs run in one of the
    scheduler's); a Ctrl-C that came meanwhile is answered when it ends."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


# The resource tracker (a process of its own) removes the pool's semaphores when this
# process ends without doing so itself: after kill -9. It then also printed a
# UserWarning about "leaked semaphore objects" on her terminal, after runback was gone.
TRACKER_QUIET = "ignore:resource_tracker:UserWarning"


@contextmanager
def tracker_quiet() -> Iterator[None]:
    """The resource tracker, if it starts now, starts without that warning: it takes
    this process's -W options, from sys.warnoptions."""
    sys.warnoptions.append(TRACKER_QUIET)
    try:
        yield
    finally:
        sys.warnoptions.remove(TRACKER_QUIET)


@contextmanager
def stderr_to_nowhere() -> Iterator[None]:
    """The fork server, if it starts now, starts with /dev/null as its stderr, and so
    does every child forked from it. A child still starting when runback ends (an early
    Ctrl-C) found the pool's semaphores gone and printed a 14-line traceback on her
    terminal, after runback had exited. A child has nothing else to say there: its
    results and errors come back through the pool. For these few milliseconds this
    process's stderr is /dev/null too (the worker's log file still has every line)."""
    sys.stderr.flush()
    saved = os.dup(2)
    nowhere = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(nowhere, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(nowhere)


@contextmanager
def main_hidden() -> Iterator[None]:
    """While processes start: multiprocessing runs the parent's main script again in each
    child (as __mp_main__) so that what it defines can be unpickled there. Nothing the
    pool sends is defined there, and for runback that script is the whole command line
    (`runback` imports sync.entrypoints.cli): hidden, the children import only the decoder."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
