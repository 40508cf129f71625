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

import contextlib
import fcntl
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from sync import logs
from sync.bootstrap import App
from sync.errors import FolderError, RunbackError
from sync.faults import folder_fault, folder_recovered, guarded, quiet_scheduler_logs
from sync.formatting import safe_text
from sync.heartbeat import beat
from sync.inbox import (
    Seen,
    being_written,
    decide_ready,
    item_key,
    lease_test,
    locate,
    observe,
    pending_files,
    quarantine,
    take,
    wait_needed,
)
from sync.service import IngestResult
from sync.store.work import WorkItem
from sync.summary import PassReport, log_summary

if TYPE_CHECKING:
    from sync.decodepool import Ahead
    from sync.garmin_sync import PullReport
    from sync.push import PushResult

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
LEASE_S = 300  # a claim older than this belongs to a worker that died elsewhere
RETRY_S = 30  # a file that failed is tried again after this long (times its attempts)
MAX_ATTEMPTS = 5  # then it goes to quarantine with the reason
FOLDER_RETRY_S = 30  # a folder that could not be used is tried again after this long
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
    them one by one until none is left or the worker is asked to stop.

    What goes wrong is the file's or a folder's. A file that cannot be read is tried
    again, up to MAX_ATTEMPTS, then quarantined with the reason. A folder that cannot be
    used (read-only, full) is said once and the pass stops taking files until
    FOLDER_RETRY_S later; that costs the file no attempt. A file still arriving (shorter
    than its header says, or held open by its writer) waits, also at no cost.
    """

    def __init__(
        self, app: App, clock: Callable[[], float] = time.time, closed: ClosedFiles | None = None
    ) -> None:
        self.app = app
        self.clock = clock
        self.closed = closed
        self.memory: dict[str, Seen] = {}
        self.paused_until = 0.0

    def run(self, stop: threading.Event, report: PassReport | None = None) -> list[IngestResult]:
        """One pass; its summary line is logged unless the caller gathers a `report`."""
        own = report is None
        report = report if report is not None else PassReport()
        self._enqueue_ready()
        results = []
        with self._decode_ahead() as ahead:
            while not stop.is_set() and self.clock() >= self.paused_until:
                with self.app.uow() as uow:
                    item = uow.repo.claim("inbox", WORKER_ID, self.app.clock(), LEASE_S)
                if item is None:
                    break
                result = self._take(item, ahead)
                if result is not None:
                    results.append(result)
        report.files += results
        if any(r.state in ("ingested", "imported") for r in results):
            report.pushes += process(self.app, decide=False)  # the ingest has just decided
        if own:
            log_summary(self.app, report)
        return results

    def _enqueue_ready(self) -> None:
        inbox = self.app.settings.inbox
        ignored: list[tuple[str, str]] = []
        try:
            files = pending_files(inbox, ignored)
        except FolderError as exc:
            folder_fault(exc)
            return
        folder_recovered("read")
        for name, why in ignored:  # said once per name, not every pass
            logs.problem(f"ignored:{name}", "inbox-ignored", file=name, why=why)
        current = observe(files)
        flagged = self.closed.drain() if self.closed else set()
        ready, self.memory = decide_ready(
            current, self.memory, self.clock(), self.app.settings.inbox_stable_s, flagged
        )
        now = self.app.clock()
        with self.app.uow() as uow:
            for name in ready:
                size, mtime_ns = current[name]
                uow.repo.enqueue("inbox", item_key(name, size, mtime_ns), safe_text(name), now)

    def _decode_ahead(self) -> AbstractContextManager[Ahead | None]:
        """The runs this pass is about to take, decoded in processes (one per usable core)
        while it takes them in order, when there are several; one file is decoded in
        this process, as before (and an idle pass loads nothing for it)."""
        inbox = self.app.settings.inbox
        with self.app.uow() as uow:
            due = uow.repo.due("inbox", self.app.clock(), LEASE_S)
        runs = [
            path for item in due
            if (path := locate(inbox, item.key)) is not None and path.suffix.lower() == ".fit"
        ]  # fmt: skip
        if len(runs) < 2:
            return contextlib.nullcontext()
        from sync.decodepool import Ahead, DecodePool, usable_cores

        jobs = usable_cores()
        if jobs < 2:
            return contextlib.nullcontext()
        with self.app.uow() as uow:
            known = uow.repo.activity_shas()
        return Ahead(DecodePool(jobs, self.app.settings.tz(), known=known), runs)

    def _take(self, item: WorkItem, ahead: Ahead | None) -> IngestResult | None:
        path = locate(self.app.settings.inbox, item.key)
        if path is None:  # taken, removed, or changed since (a newer item has it)
            self._finish(item, "done")
            return None
        name = path.name
        if lease_test(path) is True:
            self._finish(item, "failed", "held open by its writer", self.app.settings.inbox_scan_s,
                         counted=False)  # fmt: skip
            return IngestResult(name, "waiting", reason="held open by its writer")
        try:
            quiet_s = self.clock() - path.stat().st_mtime
            decoded = ahead.get(path) if ahead is not None else None
            result = take(self.app, path, quiet_s=quiet_s, decoded=decoded)
        except FileNotFoundError:
            self._finish(item, "done")
            return None
        except FolderError as exc:
            return self._folder_fault(item, exc)
        except DBAPIError:  # the database, not the file: the job says so (guarded)
            with contextlib.suppress(DBAPIError):
                self._finish(item, "failed", "database", FOLDER_RETRY_S, counted=False)
            raise
        except Exception as exc:  # runback's own bug: this file must not stop the others
            logs.internal_error("inbox", exc)
            reason = f"internal error ({type(exc).__name__}; details in the log)"
            return self._failed(item, path, reason)
        if result.state == "waiting":
            wait_s = max(1.0, self.app.settings.inbox_truncated_wait_s - quiet_s)
            self._finish(item, "failed", result.reason, wait_s, counted=False)
            return result
        if result.state == "failed":
            return self._failed(item, path, result.reason or "failed")
        self._finish(item, "done")
        folder_recovered()  # the file went through every folder it needed
        return result

    def _failed(self, item: WorkItem, path: Path, reason: str) -> IngestResult:
        """A failure of the file itself: tried again later, quarantined after the last try."""
        name = path.name
        if item.attempts < MAX_ATTEMPTS:
            retry_s = RETRY_S * item.attempts
            logs.event("file-failed", file=name, reason=reason, attempt=item.attempts,
                       retry_in_s=retry_s)  # fmt: skip
            self._finish(item, "failed", reason, retry_s)
            return IngestResult(name, "failed", reason=reason)
        why = f"{reason} (gave up after {MAX_ATTEMPTS} attempts)"
        try:
            quarantine(self.app, path, name, why, "failed")
        except FileNotFoundError:
            pass
        except FolderError as exc:
            return self._folder_fault(item, exc)
        self._finish(item, "done", why)
        return IngestResult(name, "rejected", reason=why)

    def _folder_fault(self, item: WorkItem, exc: FolderError) -> IngestResult:
        """Not the file's fault: say it once, keep the file, take no file until later."""
        folder_fault(exc)
        self.paused_until = self.clock() + FOLDER_RETRY_S
        self._finish(item, "failed", str(exc), FOLDER_RETRY_S, counted=False)
        return IngestResult(item.file_name, "failed", reason=str(exc))

    def _finish(
        self, item: WorkItem, state: str, error: str | None = None, retry_s: float | None = None,
        counted: bool = True,
    ) -> None:  # fmt: skip
        now = self.app.clock()
        retry_at = now + timedelta(seconds=retry_s) if retry_s is not None else None
        with self.app.uow() as uow:
            uow.repo.finish(item.id, state, now, error, retry_at,
                            attempts=None if counted else item.attempts - 1)  # fmt: skip


def process(app: App, decide: bool = True) -> list[PushResult]:
    """Push the latest decision where it has not gone yet, deciding again first unless
    the caller just did (every ingest and journal entry decides again by itself)."""
    from sync.push import push

    try:
        return push(app, decide=decide)  # failures are logged by push and retried next pass
    except RunbackError as exc:
        logs.event("process-failed", reason=str(exc))
        return []


def pull_if_connected(app: App) -> PullReport | None:
    from sync.garmin_sync import connected, pull

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
    from sync.watch import sync_watch

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
