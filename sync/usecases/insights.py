"""Use cases that read the journal against the runs: assessments and patterns."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rules.symptoms import (
    Assessment,
    LeakPoint,
    SymptomEntry,
    SymptomThresholds,
    assess_after,
    merged,
)
from sync.adapters.store.repository import UnitOfWork
from sync.bootstrap import App

if TYPE_CHECKING:
    from rules.patterns import Patterns


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
    for entry_id, entry in uow.repo.entries_to_assess():
        if entry.activity_id is not None:
            per_run.setdefault(entry.activity_id, []).append((entry_id, entry))
        else:
            days.append((entry_id, entry))
    # A second entry for a run adds to the first (the worst of each symptom counts): a
    # later "--leak none --pain-next-day" never erases the leak she logged first.
    latest = {
        run: (pairs[-1][0], merged([entry for _, entry in pairs])) for run, pairs in per_run.items()
    }
    runs = sorted(latest.values(), key=lambda pair: (pair[1].on, pair[0]))
    out: list[AssessedSession] = []
    # One pass: each entry needs only the last few before it and the latest leak point.
    keep = thresholds.trend_sessions
    history: list[SymptomEntry] = []
    leak_so_far: list[LeakPoint | None] = []  # the latest leak point among history[: i + 1]
    leak: LeakPoint | None = None
    for entry_id, entry in runs:
        recent = history[-keep:]  # keep >= 1 (SymptomThresholds checks it)
        out.append(AssessedSession(entry_id, entry, assess_after(entry, recent, leak, thresholds)))
        history.append(entry)
        leak = entry.leak_point if entry.leak_point is not None else leak
        leak_so_far.append(leak)
    run_days = [e.on for e in history]
    for entry_id, entry in days:
        n = bisect_right(run_days, entry.on)  # the runs on or before that day
        recent = history[max(0, n - keep) : n]
        before = leak_so_far[n - 1] if n else None
        out.append(
            AssessedSession(entry_id, entry, assess_after(entry, recent, before, thresholds))
        )
    return out


def journal_patterns(app: App) -> Patterns:
    """Leak rate and onset by time of day, fluid, sleep and run-interval length."""
    from rules.patterns import SessionFacts, patterns  # here: deciding needs none of it

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
