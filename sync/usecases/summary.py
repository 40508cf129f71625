"""One log line per worker pass that changed something: what was stored and refused, and
what comes next ("2 runs stored, 1 refused, next: 06-12 run-walk L5 pushed to outbox")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sync import logs

if TYPE_CHECKING:
    from sync.adapters.store.decisions import StoredDecision
    from sync.bootstrap import App
    from sync.usecases.garmin_sync import PullReport
    from sync.usecases.ingest import IngestResult
    from sync.usecases.push import PushResult


@dataclass
class PassReport:
    """What one pass did: files taken from the inbox, runs pulled, pushes."""

    files: list[IngestResult] = field(default_factory=list)
    pushes: list[PushResult] = field(default_factory=list)
    pulled_stored: int = 0
    pulled_refused: int = 0

    def add_pull(self, report: PullReport | None) -> None:
        if report is not None:
            self.pulled_stored += report.ingested
            self.pulled_refused += len(report.rejected)

    def counts(self) -> Counter[str]:
        counts = Counter(r.state for r in self.files)
        counts["ingested"] += self.pulled_stored
        counts["rejected"] += self.pulled_refused + counts.pop("refused-journal", 0)
        return counts

    @property
    def changed(self) -> bool:
        """Something was stored, moved or pushed (a file still waiting is no change)."""
        counts = self.counts()
        moved = sum(counts[s] for s in ("ingested", "duplicate", "imported", "rejected"))
        return moved > 0 or any(p.state == "pushed" for p in self.pushes)


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def summary_text(report: PassReport, next_session: StoredDecision | None) -> str:
    """The pass in one sentence. Pure."""
    counts = report.counts()
    old = sum(1 for r in report.files if r.state == "ingested" and r.before_birth is not None)
    stored = f"{_n(counts['ingested'], 'run')} stored"
    if old:
        stored += f" ({old} from before the birth)"
    parts = [
        text
        for n, text in [
            (counts["ingested"], stored),
            (counts["duplicate"], f"{_n(counts['duplicate'], 'run')} already stored"),
            (counts["imported"], f"{_n(counts['imported'], 'symptom file')} imported"),
            (counts["rejected"], f"{counts['rejected']} refused"),
            (counts["failed"], f"{counts['failed']} failed (tried again later)"),
            (counts["waiting"], f"{counts['waiting']} still arriving"),
        ]
        if n
    ]
    if next_session is None:
        parts.append("next: none yet")
    else:
        nxt = f"next: {next_session.on:%m-%d} {next_session.phase} L{next_session.level}"
        pushed = list(dict.fromkeys(p.target for p in report.pushes if p.state == "pushed"))
        failed = [
            t for t in dict.fromkeys(p.target for p in report.pushes if p.state == "failed")
            if t not in pushed
        ]  # fmt: skip
        if pushed:
            nxt += " pushed to " + ", ".join(pushed)
        if failed:
            nxt += " (not pushed to " + ", ".join(failed) + " yet)"
        parts.append(nxt)
    return ", ".join(parts)


def log_summary(app: App, report: PassReport) -> None:
    """The summary line, when the pass changed something."""
    if not report.changed:
        return
    with app.uow() as uow:
        latest = uow.repo.latest_decision(app.today())
    logs.event("summary", text=summary_text(report, latest))
