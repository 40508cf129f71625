"""What `runback status` shows: the store's counts, the inbox, failures, the next
workout, Garmin and the worker's heartbeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sync.adapters.heartbeat import last_beat
from sync.adapters.inbox_folder import pending_files
from sync.adapters.store.repository import IngestLogEntry
from sync.bootstrap import App
from sync.errors import FolderError
from sync.formatting import iso, safe_text
from sync.usecases.garmin_sync import state_word
from sync.usecases.journal_values import public_reason


@dataclass(frozen=True)
class Status:
    activities: int
    pending: list[str]
    failed: list[dict[str, str]]
    last_ingest: datetime | None
    inbox: Path
    database: str
    next_workout: dict[str, str] | None = None
    last_push: datetime | None = None
    garmin: str = "not-connected"
    last_pull: datetime | None = None
    worker_last_pass: datetime | None = None  # the running worker's latest pass

    def as_json(self) -> dict[str, Any]:
        return {
            "activities": self.activities,
            "pending": len(self.pending),
            "failed": self.failed,
            "last_ingest": iso(self.last_ingest),
            "last_push": iso(self.last_push),
            "garmin": self.garmin,
            "last_pull": iso(self.last_pull),
            "worker_last_pass": iso(self.worker_last_pass),
            "next_workout": self.next_workout,
            "inbox": str(self.inbox),
            "database": self.database,
        }


def status(app: App) -> Status:
    try:
        pending = [safe_text(p.name) for p in pending_files(app.settings.inbox)]
    except FolderError:
        pending = []  # the worker says so in its log; status still shows the rest

    with app.uow() as uow:
        count = uow.repo.count_activities()
        last = uow.repo.last_ingest_at()
        failures = uow.repo.open_failures()
        latest = uow.repo.latest_decision(app.today())
        pushed = uow.repo.last_push_at()
        garmin_state = uow.repo.garmin_state()
    return Status(
        activities=count,
        pending=pending,
        failed=[
            {"file": f.file_name, "reason": _shown_reason(f), "at": iso(f.at) or ""}
            for f in failures
        ],
        last_ingest=last,
        inbox=app.settings.inbox,
        database=app.settings.db_label(),
        last_push=pushed,
        garmin=state_word(app),
        last_pull=garmin_state.last_pull_at if garmin_state else None,
        worker_last_pass=last_beat(app.settings.home),
        next_workout=(
            {"date": latest.on.isoformat(), "spec": latest.spec}
            if latest is not None and latest.spec is not None
            else None
        ),
    )


def _shown_reason(failure: IngestLogEntry) -> str:
    """A refusal as status shows it: a symptom journal's reason keeps its row and column
    but not the rest, which may quote a symptom value (the quarantine note has it all)."""
    reason = failure.reason or ""
    if failure.file_name.lower().endswith(".csv") and failure.source == "inbox":
        return public_reason(reason)
    return reason
