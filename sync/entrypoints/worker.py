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
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

from sync import logs
from sync.adapters.heartbeat import beat
from sync.adapters.inbox_folder import being_written
from sync.bootstrap import App
from sync.errors import FolderError, RunbackError
from sync.usecases.faults import folder_fault, guarded, quiet_scheduler_logs
from sync.usecases.garmin_sync import connected, pull
from sync.usecases.inbox import wait_needed
from sync.usecases.inbox_pass import (
    ClosedFiles,
    InboxPass,
    process,
    release_dead_claims,
)
from sync.usecases.ingest import IngestResult
from sync.usecases.summary import PassReport, log_summary
from sync.usecases.watch import sync_watch

if TYPE_CHECKING:
    from sync.usecases.garmin_sync import PullReport

PROCESS_EVERY_S = 30


class WorkerBusy(RunbackError):
    """Another worker holds this home's lock (SQLite allows one worker)."""


def pull_if_connected(app: App) -> PullReport | None:
    if not connected(app) and app.garmin is None:
        return None
    try:
        return pull(app)
    except FolderError as exc:
        folder_fault(exc)
    except RunbackError as exc:
        logs.event("pull-failed", reason=str(exc))
    return None


def watch_if_mounted(app: App, report: PassReport) -> None:
    """The USB round trip when her watch is plugged in (its own log line); what it took
    and pushed goes into the pass's `report`."""
    try:
        done = sync_watch(app)
    except FolderError as exc:
        folder_fault(exc)
        return
    except RunbackError as exc:
        logs.event("watch-unreadable", reason=str(exc))
        return
    if done is not None:
        report.files += done.results
        report.pushes += done.pushes


def run_once(app: App, stop: threading.Event | None = None) -> list[IngestResult]:
    """One full pass: the inbox (files still settling get the time they need, once), a
    Garmin pull when logged in, the watch when mounted, and the push of the latest
    decision; one summary line."""
    stop = stop or threading.Event()
    release_dead_claims(app)
    report = PassReport()
    inbox_pass = InboxPass(app)
    results = inbox_pass.run(stop, report)
    delay = wait_needed(inbox_pass.memory, time.time(), app.settings.inbox_stable_s)
    if inbox_pass.memory and not stop.is_set():
        stop.wait(delay + 0.05)
        results += inbox_pass.run(stop, report)
    if not stop.is_set():
        report.add_pull(pull_if_connected(app))
        watch_if_mounted(app, report)
        report.pushes += process(app)
    log_summary(app, report)
    beat(app.settings.home)
    return results


def run_forever(app: App, stop: threading.Event) -> None:
    """The scheduler, until `stop` is set (by SIGTERM/SIGINT through install_signal_handlers)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    release_dead_claims(app)
    quiet_scheduler_logs()
    closed = ClosedFiles()
    inbox_pass = InboxPass(app, closed=closed)
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone=UTC,
    )
    now = datetime.now(UTC)

    def inbox_job() -> None:
        inbox_pass.run(stop)
        beat(app.settings.home)

    scheduler.add_job(
        guarded("inbox", inbox_job), "interval", seconds=app.settings.inbox_scan_s, id="inbox",
        next_run_time=now,
    )  # fmt: skip
    decided_on: list[object] = [None]

    def process_job() -> None:
        # Every input decides again by itself (ingest, entries, profile, readiness, even
        # from another process); what only time changes is the date. So decide again
        # when the day turns, and otherwise just push a decision that has not gone yet.
        today = app.today()
        log_summary(app, PassReport(pushes=process(app, decide=decided_on[0] != today)))
        decided_on[0] = today

    def pull_job() -> None:
        report = PassReport()
        report.add_pull(pull_if_connected(app))
        if report.pulled_stored:
            report.pushes += process(app, decide=False)  # the ingest has just decided
        log_summary(app, report)

    scheduler.add_job(
        guarded("process", process_job), "interval", seconds=PROCESS_EVERY_S, id="process",
        next_run_time=now + timedelta(seconds=PROCESS_EVERY_S),
    )  # fmt: skip
    scheduler.add_job(
        guarded("garmin-pull", pull_job), "interval", minutes=app.settings.garmin_pull_min,
        id="garmin-pull", next_run_time=now,
    )  # fmt: skip

    def watch_job() -> None:
        report = PassReport()
        watch_if_mounted(app, report)
        log_summary(app, report)

    if app.settings.watch_dir is not None:
        scheduler.add_job(
            guarded("watch", watch_job), "interval",
            seconds=app.settings.watch_scan_s, id="watch", next_run_time=now,
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
