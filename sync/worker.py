"""The worker: APScheduler 3.x jobs over one App, until SIGTERM/SIGINT.

Jobs (registered at start from the settings, in APScheduler's in-memory job store: its
documentation says a job store is never to be shared between schedulers; what must
survive lives in runback's own tables): `inbox` (every inbox_scan_s, and at once when
watchdog reports a file closed after writing or moved in), `process` (decide and push the
latest decision when it changed), `garmin-pull` (every garmin_pull_min when logged in).
Coalescing on, one instance per job, one executor thread, a misfire grace time.

Each inbox file becomes a work item row, claimed by one worker at a time (FOR UPDATE SKIP
LOCKED on PostgreSQL; on SQLite a lock file keeps a second worker out). A crash leaves an
item processing; it is taken again after a restart (claims of dead workers on this host
are released at start) or once its lease runs out, and ingest is idempotent, so nothing is
lost and nothing is stored twice.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import IO, Any

from sync import logs
from sync.bootstrap import App
from sync.errors import RunbackError
from sync.inbox import Seen, decide_ready, observe, pending_files, take, wait_needed
from sync.service import IngestResult

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
LEASE_S = 300  # a claim older than this belongs to a worker that died elsewhere
RETRY_S = 30  # an unreadable file is tried again after this long
MAX_ATTEMPTS = 5
PROCESS_EVERY_S = 30


class WorkerBusy(RunbackError):
    """Another worker holds this home's lock (SQLite allows one worker)."""


class ClosedFiles:
    """Names the filesystem reported closed-after-write or moved into the inbox."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._lock = threading.Lock()

    def add(self, name: str) -> None:
        with self._lock:
            self._names.add(name)

    def drain(self) -> set[str]:
        with self._lock:
            names, self._names = self._names, set()
        return names


class InboxPass:
    """Gather (list and settle the files), enqueue them as work items, then claim and take
    them one by one until none is left or the worker is asked to stop."""

    def __init__(
        self, app: App, clock: Callable[[], float] = time.time, closed: ClosedFiles | None = None
    ) -> None:
        self.app = app
        self.clock = clock
        self.closed = closed
        self.memory: dict[str, Seen] = {}

    def run(self, stop: threading.Event) -> list[IngestResult]:
        inbox = self.app.settings.inbox
        current = observe(pending_files(inbox))
        flagged = self.closed.drain() if self.closed else set()
        ready, self.memory = decide_ready(
            current, self.memory, self.clock(), self.app.settings.inbox_stable_s, flagged
        )
        now = self.app.clock()
        with self.app.uow() as uow:
            for name in ready:
                size, mtime_ns = current[name]
                uow.repo.enqueue("inbox", f"{name}|{size}|{mtime_ns}", name, now)
        results = []
        while not stop.is_set():
            with self.app.uow() as uow:
                item = uow.repo.claim("inbox", WORKER_ID, self.app.clock(), LEASE_S)
            if item is None:
                break
            result = self._take(item.id, item.file_name, item.attempts)
            if result is not None:
                results.append(result)
        if any(r.state in ("ingested", "imported") for r in results):
            process(self.app, decide=False)  # the ingest or import has just decided
        return results

    def _take(self, item_id: int, name: str, attempts: int) -> IngestResult | None:
        path = self.app.settings.inbox / name
        state, error, retry_at = "done", None, None
        result = None
        try:
            result = take(self.app, path)
            if result.state == "rejected" and (result.reason or "").startswith("cannot read"):
                state, error = "failed", result.reason
        except FileNotFoundError:
            pass  # taken by another worker, or removed by her: nothing left to do
        except OSError as exc:
            state, error = "failed", f"cannot move: {exc.strerror or exc}"
            logs.event("file-failed", file=name, reason=error)
        if state == "failed" and attempts < MAX_ATTEMPTS:
            retry_at = self.app.clock() + timedelta(seconds=RETRY_S * attempts)
        with self.app.uow() as uow:
            uow.repo.finish(item_id, state, self.app.clock(), error, retry_at)
        return result


def process(app: App, decide: bool = True) -> None:
    """Push the latest decision where it has not gone yet, deciding again first unless
    the caller just did (every ingest and journal entry decides again by itself)."""
    from sync.push import push

    try:
        push(app, decide=decide)  # failures are logged by push and retried next pass
    except RunbackError as exc:
        logs.event("process-failed", reason=str(exc))


def pull_if_connected(app: App) -> None:
    from sync.garmin_sync import connected, pull

    if not connected(app) and app.garmin is None:
        return
    try:
        pull(app)
    except RunbackError as exc:
        logs.event("pull-failed", reason=str(exc))


def run_once(app: App, stop: threading.Event | None = None) -> list[IngestResult]:
    """One full pass: the inbox (files still settling get the time they need, once), a
    Garmin pull when logged in, and the push of the latest decision."""
    stop = stop or threading.Event()
    release_dead_claims(app)
    inbox_pass = InboxPass(app)
    results = inbox_pass.run(stop)
    delay = wait_needed(inbox_pass.memory, time.time(), app.settings.inbox_stable_s)
    if inbox_pass.memory and not stop.is_set():
        stop.wait(delay + 0.05)
        results += inbox_pass.run(stop)
    if not stop.is_set():
        pull_if_connected(app)
        process(app)
    return results


def run_forever(app: App, stop: threading.Event) -> None:
    """The scheduler, until `stop` is set (by SIGTERM/SIGINT through install_signal_handlers)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    release_dead_claims(app)
    closed = ClosedFiles()
    inbox_pass = InboxPass(app, closed=closed)
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone=UTC,
    )
    now = datetime.now(UTC)

    def inbox_job() -> None:
        try:
            inbox_pass.run(stop)
        except RunbackError as exc:
            logs.event("pass-failed", reason=str(exc))

    scheduler.add_job(
        inbox_job, "interval", seconds=app.settings.inbox_scan_s, id="inbox", next_run_time=now
    )
    decided_on: list[object] = [None]

    def process_job() -> None:
        # Every input decides again by itself (ingest, entries, profile, readiness, even
        # from another process); what only time changes is the date. So decide again
        # when the day turns, and otherwise just push a decision that has not gone yet.
        today = app.today()
        process(app, decide=decided_on[0] != today)
        decided_on[0] = today

    scheduler.add_job(
        process_job, "interval", seconds=PROCESS_EVERY_S, id="process",
        next_run_time=now + timedelta(seconds=PROCESS_EVERY_S),
    )  # fmt: skip
    scheduler.add_job(
        pull_if_connected, "interval", minutes=app.settings.garmin_pull_min, args=[app],
        id="garmin-pull", next_run_time=now,
    )  # fmt: skip
    observer = _watch(app.settings.inbox, closed, scheduler)
    stopper: list[threading.Thread] = []

    def shutdown() -> None:
        scheduler.shutdown(wait=True)

    def on_stop() -> None:
        if not stopper:
            stopper.append(threading.Thread(target=shutdown, name="runback-stop"))
            stopper[0].start()

    _STOP_CALLBACKS.append(on_stop)
    if stop.is_set():
        return
    try:
        scheduler.start()
    finally:
        _STOP_CALLBACKS.remove(on_stop)
        for thread in stopper:
            thread.join()
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)


def _watch(inbox: Path, closed: ClosedFiles, scheduler: Any) -> Any:
    """watchdog events: a file closed after writing or moved in wakes the inbox job."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:  # pragma: no cover - watchdog is a dependency; the scan still works
        return None

    def wake() -> None:
        try:
            scheduler.modify_job("inbox", next_run_time=datetime.now(UTC))
        except Exception:  # the scheduler is shutting down: the next pass will see it
            return

    class Handler(FileSystemEventHandler):
        def on_closed(self, event: Any) -> None:
            if not event.is_directory:
                closed.add(Path(str(event.src_path)).name)
                wake()

        def on_created(self, event: Any) -> None:
            # A file renamed in from an unwatched folder arrives as "created", with no
            # close event to follow: take it at once if nobody holds it open for writing.
            path = Path(str(event.src_path))
            if not event.is_directory and path.parent == inbox and not being_written(path):
                closed.add(path.name)
                wake()

        def on_moved(self, event: Any) -> None:
            dest = Path(str(event.dest_path))
            if not event.is_directory and dest.parent == inbox:
                closed.add(dest.name)
                wake()

    observer = Observer()
    observer.daemon = True
    observer.schedule(Handler(), str(inbox), recursive=False)
    try:
        observer.start()
    except OSError as exc:  # e.g. out of inotify watches: the periodic scan remains
        logs.event("watch-unavailable", reason=str(exc))
        return None
    return observer


def being_written(path: Path) -> bool:
    """True unless the kernel agrees that no process has `path` open for writing.

    A read lease (fcntl F_SETLEASE) is granted only when no one has the file open for
    writing; taking and dropping one is the exact test. When a lease cannot be tried
    (not the owner, another filesystem), say True: the periodic scan decides then.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return True
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def release_dead_claims(app: App) -> None:
    """Work items claimed by a worker of this host that is no longer running go back."""
    host = socket.gethostname()
    alone = app.settings.database_url is None  # SQLite: the lock file says we are alone
    with app.uow() as uow:
        claimants = [c for c in uow.repo.claimed_by_others() if c != WORKER_ID]
        dead = [
            c for c in claimants
            if alone or (c.rsplit(":", 1)[0] == host and not _alive(c.rsplit(":", 1)[-1]))
        ]  # fmt: skip
        released = uow.repo.release_claims_of(dead, app.clock())
    if released:
        logs.event("released", items=released)


def _alive(pid_text: str) -> bool:
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


_STOP_CALLBACKS: list[Callable[[], None]] = []


def install_signal_handlers(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        logs.event("stopping", signal=signal.Signals(signum).name)
        stop.set()
        for callback in list(_STOP_CALLBACKS):
            callback()

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
