"""One pass of the worker over the inbox: every file a work item (pending, processing,
done, or failed with a retry time), claimed by one worker, taken, then archived or
quarantined; a folder that cannot be used waits, the file stays."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from sync import logs
from sync.adapters import decodepool
from sync.adapters.decodepool import Ahead, DecodePool
from sync.adapters.inbox_folder import (
    item_key,
    lease_test,
    locate,
    observe,
    pending_files,
)
from sync.adapters.store.work import WorkItem
from sync.bootstrap import App
from sync.errors import FolderError, RunbackError
from sync.formatting import safe_text
from sync.usecases.faults import folder_fault, folder_recovered
from sync.usecases.inbox import Seen, decide_ready, quarantine, take
from sync.usecases.ingest import IngestResult
from sync.usecases.push import push
from sync.usecases.summary import PassReport, log_summary

if TYPE_CHECKING:
    from sync.usecases.push import PushResult


WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


LEASE_S = 300  # a claim older than this belongs to a worker that died elsewhere


RETRY_S = 30  # a file that failed is tried again after this long (times its attempts)


MAX_ATTEMPTS = 5  # then it goes to quarantine with the reason


FOLDER_RETRY_S = 30  # a folder that could not be used is tried again after this long


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
        jobs = decodepool.usable_cores()  # looked up here: tests pin the cores
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
    try:
        return push(app, decide=decide)  # failures are logged by push and retried next pass
    except RunbackError as exc:
        logs.event("process-failed", reason=str(exc))
        return []


def release_dead_claims(app: App) -> None:
    """Work items claimed by a worker of this host that is no longer running go back."""
    host = socket.gethostname()
    alone = app.settings.database_url is None  # SQLite: the lock file says we are alone
    with app.uow() as uow:
        claimants = [c for c in uow.repo.claimed_by_others() if c != WORKER_ID]
        dead = [
            c for c in claimants
            if alone or (c.rsplit(":", 1)[0] == host and not worker_alive(c.rsplit(":", 1)[-1]))
        ]  # fmt: skip
        released = uow.repo.release_claims_of(dead, app.clock())
    if released:
        logs.event("released", items=released)


def worker_alive(pid_text: str) -> bool:
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
