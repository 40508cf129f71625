"""Use cases that read the journal against the runs: assessments and patterns."""

from __future__ import annotations

from dataclasses import dataclass

from rules.patterns import Patterns, SessionFacts, patterns
from rules.symptoms import Assessment, SymptomEntry, SymptomThresholds, assess
from sync.bootstrap import App
from sync.store.repository import UnitOfWork


@dataclass(frozen=True)
class AssessedSession:
    entry_id: int
    entry: SymptomEntry
    assessment: Assessment


def assessments(app: App) -> list[AssessedSession]:
    """Every entry assessed: run entries (the latest per run, a correction replacing the
    one before) against the runs before them, then day entries, which count too (a red
    flag on a day without a run still pauses running)."""
    with app.uow() as uow:
        return assessed(uow, app.rules.symptoms)


def assessed(uow: UnitOfWork, thresholds: SymptomThresholds) -> list[AssessedSession]:
    latest: dict[int, tuple[int, SymptomEntry]] = {}
    days: list[tuple[int, SymptomEntry]] = []
    for stored in uow.repo.entries():
        if stored.entry.activity_id is not None:
            latest[stored.entry.activity_id] = (stored.id, stored.entry)
        else:
            days.append((stored.id, stored.entry))
    runs = sorted(latest.values(), key=lambda pair: (pair[1].on, pair[0]))
    out: list[AssessedSession] = []
    history: list[SymptomEntry] = []
    for entry_id, entry in runs:
        out.append(AssessedSession(entry_id, entry, assess(entry, history, thresholds)))
        history.append(entry)
    for entry_id, entry in days:
        before = [e for e in history if e.on <= entry.on]
        out.append(AssessedSession(entry_id, entry, assess(entry, before, thresholds)))
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
