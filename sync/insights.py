"""Use cases that read the journal against the runs: assessments and patterns."""

from __future__ import annotations

from dataclasses import dataclass

from rules.patterns import Patterns, SessionFacts, patterns
from rules.symptoms import Assessment, SymptomEntry, assess
from sync.bootstrap import App


@dataclass(frozen=True)
class AssessedSession:
    entry_id: int
    entry: SymptomEntry
    assessment: Assessment


def assessments(app: App) -> list[AssessedSession]:
    """Every entry tied to a run, assessed against the run entries before it (oldest first).

    When a run has several entries (a correction), the latest one speaks for it.
    """
    with app.uow() as uow:
        stored = uow.repo.entries()
    latest: dict[int, tuple[int, SymptomEntry]] = {}
    for e in stored:
        if e.entry.activity_id is not None:
            latest[e.entry.activity_id] = (e.id, e.entry)
    ordered = sorted(latest.values(), key=lambda pair: (pair[1].on, pair[0]))
    out = []
    history: list[SymptomEntry] = []
    for entry_id, entry in ordered:
        out.append(AssessedSession(entry_id, entry, assess(entry, history, app.settings.symptoms)))
        history.append(entry)
    return out


def journal_patterns(app: App) -> Patterns:
    """Leak rate and onset by time of day, fluid, sleep and run-interval length."""
    tz = app.settings.tz()
    facts = []
    with app.uow() as uow:
        entries = uow.repo.entries()
        latest = {e.entry.activity_id: e.entry for e in entries if e.entry.activity_id}
        for activity_id, entry in latest.items():
            run = uow.repo.activity(activity_id)
            if run is None:
                continue
            stored = uow.repo.match_of(activity_id)
            planned = (
                [r.planned_s for r in stored.intervals if r.kind == "run" and r.planned_s]
                if stored
                else []
            )
            if planned:
                longest: int | None = max(planned)
            else:
                bouts = [b.duration_s for b in uow.repo.bouts(activity_id) if b.kind == "run"]
                longest = max(bouts) if bouts else None
            point = entry.leak_point
            facts.append(
                SessionFacts(
                    hour=run.start.astimezone(tz).hour,
                    leaked=entry.leak != "none",
                    onset_s=point.into_interval_s if point else None,
                    fluid_ml=entry.fluid_ml,
                    slept_h=entry.slept_h,
                    run_interval_s=longest,
                )
            )
    return patterns(facts)
