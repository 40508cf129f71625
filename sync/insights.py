"""Use cases that read the journal against the runs: assessments and patterns."""

from __future__ import annotations

from dataclasses import dataclass

from rules.patterns import Patterns, SessionFacts, patterns
from rules.symptoms import Assessment, SymptomEntry, SymptomThresholds, assess, merged
from sync.bootstrap import App
from sync.store.repository import UnitOfWork


@dataclass(frozen=True)
class AssessedSession:
    entry_id: int
    entry: SymptomEntry
    assessment: Assessment


def assessments(app: App) -> list[AssessedSession]:
    """Every entry assessed: run entries (a run's entries as one, the worst of each
    symptom) against the runs before them, then day entries, which count too (a red
    flag on a day without a run still pauses running)."""
    with app.uow() as uow:
        return assessed(uow, app.rules.symptoms)


def assessed(uow: UnitOfWork, thresholds: SymptomThresholds) -> list[AssessedSession]:
    per_run: dict[int, list[tuple[int, SymptomEntry]]] = {}
    days: list[tuple[int, SymptomEntry]] = []
    for stored in uow.repo.entries():
        if stored.entry.activity_id is not None:
            per_run.setdefault(stored.entry.activity_id, []).append((stored.id, stored.entry))
        else:
            days.append((stored.id, stored.entry))
    # A second entry for a run adds to the first (the worst of each symptom counts): a
    # later "--leak none --pain-next-day" never erases the leak she logged first.
    latest = {
        run: (pairs[-1][0], merged([entry for _, entry in pairs])) for run, pairs in per_run.items()
    }
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
        profile = uow.repo.profile()
        per_run: dict[int, list[SymptomEntry]] = {}
        for e in uow.repo.entries():
            if e.entry.activity_id:
                per_run.setdefault(e.entry.activity_id, []).append(e.entry)
        for activity_id, entries in per_run.items():
            entry = merged(entries)
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
            if profile is not None and profile.before_birth(run.start.astimezone(tz).date()):
                continue  # her watch's history, not the programme
            point = entry.leak_point
            in_run = point is not None and point.interval_kind == "run"
            facts.append(
                SessionFacts(
                    hour=run.start.astimezone(tz).hour,
                    leaked=entry.leak != "none",
                    # onset into a run interval; a leak placed in a walk has no such time
                    onset_s=point.into_interval_s if in_run and point else None,
                    fluid_ml=entry.fluid_ml,
                    slept_h=entry.slept_h,
                    run_interval_s=longest,
                )
            )
    return patterns(facts)
