"""The worker: passes over the inbox until stopped (the scheduler issue replaces the loop).

SIGTERM and SIGINT finish the file in hand, then exit 0.
"""

from __future__ import annotations

import fcntl
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import IO

from sync import logs
from sync.bootstrap import App
from sync.errors import RunbackError
from sync.inbox import Seen, decide_ready, observe, pending_files, take, wait_needed
from sync.service import IngestResult


class WorkerBusy(RunbackError):
    """Another worker holds this home's lock (SQLite allows one worker)."""


class InboxPass:
    """Remembers what it saw between passes, so that growing files wait."""

    def __init__(self, app: App, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.clock = clock
        self.memory: dict[str, Seen] = {}

    def run(self, stop: threading.Event) -> list[IngestResult]:
        inbox = self.app.settings.inbox
        current = observe(pending_files(inbox))
        ready, self.memory = decide_ready(
            current, self.memory, self.clock(), self.app.settings.inbox_stable_s
        )
        results = []
        for name in ready:
            if stop.is_set():
                break
            try:
                results.append(take(self.app, inbox / name))
            except FileNotFoundError:
                continue  # taken by someone else or removed by her meanwhile
            except OSError as exc:
                logs.event("skipped", file=name, reason=f"cannot move: {exc.strerror or exc}")
        return results


def run_once(app: App, stop: threading.Event | None = None) -> list[IngestResult]:
    """One full pass; files that are still settling get the time they need, once."""
    stop = stop or threading.Event()
    inbox_pass = InboxPass(app)
    results = inbox_pass.run(stop)
    delay = wait_needed(inbox_pass.memory, time.time(), app.settings.inbox_stable_s)
    if inbox_pass.memory and not stop.is_set():
        stop.wait(delay + 0.05)
        results += inbox_pass.run(stop)
    return results


def run_forever(app: App, stop: threading.Event) -> None:
    inbox_pass = InboxPass(app)
    while not stop.is_set():
        try:
            inbox_pass.run(stop)
        except RunbackError as exc:
            logs.event("pass-failed", reason=str(exc))
        stop.wait(app.settings.inbox_scan_s)


def install_signal_handlers(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        logs.event("stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def acquire_single_worker_lock(app: App) -> IO[str] | None:
    """On SQLite one worker per home: hold an exclusive lock on home/worker.lock."""
    if app.settings.database_url is not None:
        return None
    path = app.settings.home / "worker.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    handle = os.fdopen(fd, "r+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        other = handle.read().strip() or "unknown"
        handle.close()
        raise WorkerBusy(
            f"another worker is already running for {app.settings.home} (pid {other}); "
            "stop it first"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
