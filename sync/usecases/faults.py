"""What the worker says when something outside a file goes wrong: a folder it cannot use,
the database, its own bug, and the scheduler's expected noise. Each is said once when it
starts (logs.problem) and once when it ends, never on every pass while it lasts."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from sync import logs
from sync.errors import FolderError, RunbackError


def folder_fault(exc: FolderError) -> None:
    """Say once that a folder cannot be used, which, and what to do (not every pass)."""
    logs.problem(
        f"folder:{exc.doing}:{exc.folder}", "folder-fault", folder=str(exc.folder),
        cannot=exc.doing, problem=exc.problem, todo=f"{exc.todo}; runback tries again",
    )  # fmt: skip


def folder_recovered(doing: str | None = None) -> None:
    """Say that the folders that could not be used (for `doing`, or any) can be again."""
    for key in logs.standing("folder:"):
        _, what, folder = key.split(":", 2)
        if doing is None or what == doing:
            logs.resolved(key, "folder-recovered", folder=folder, cannot=what)


def guarded(job: str, work: Callable[[], None]) -> Callable[[], None]:
    """A job that never raises into the scheduler: runback's own bug is one error line
    (its trace in the log file), and the job runs again at its next time."""

    def run() -> None:
        try:
            work()
        except (OperationalError, InterfaceError) as exc:
            database_fault(exc)
            return
        except RunbackError as exc:
            logs.event("pass-failed", job=job, reason=str(exc))
        except Exception as exc:
            logs.internal_error(job, exc)
        logs.resolved("database", "database-recovered")

    return run


def database_fault(exc: DBAPIError) -> None:
    """The database cannot be reached or written (a full disk under SQLite, PostgreSQL
    down): said once, with the driver's first line (never the statement's parameters)."""
    first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
    logs.problem(
        "database", "database-fault", problem=f"{type(exc.orig).__name__}: {first}"[:300],
        todo="check the database (disk space, the server); runback tries again",
    )  # fmt: skip


class _ExpectedSchedulerNoise(logging.Filter):
    """APScheduler warns when a job is still running at its next time (an inbox pass on a
    big file) or ran late: with one instance and coalescing, that is how runback wants it."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        return not (
            "skipped: maximum number of running instances reached" in text
            or text.startswith("Run time of job")
        )


def quiet_scheduler_logs() -> None:
    for name in ("apscheduler.scheduler", "apscheduler.executors.default"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ExpectedSchedulerNoise) for f in logger.filters):
            logger.addFilter(_ExpectedSchedulerNoise())
