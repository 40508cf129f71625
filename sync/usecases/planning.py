"""Use cases for the next session: gather the inputs, let rules.progression decide,
store the decision with what it was decided from, and show it (DESIGN's plan JSON).

The decision is made again whenever an input changes (a run, a symptom entry, the
profile, a readiness sitting) and whenever `runback plan` runs; a new row is stored only
when the inputs or the decision differ from the latest one.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rules.profile import Profile, Readiness, readiness
from rules.progression import Decision, SessionRecord, decide
from rules.projection import project
from rules.symptoms import Assessment
from rules.workout import Item, Repeat, Step, parse, totals
from sync import logs
from sync.adapters.store.decisions import Given, StoredDecision
from sync.adapters.store.repository import UnitOfWork
from sync.bootstrap import App
from sync.usecases.insights import assessed

if TYPE_CHECKING:
    from rules.plan import Plan

LIVE_PHASES = ("walk", "run-walk", "continuous")


@dataclass(frozen=True)
class Inputs:
    profile: Profile | None
    readiness: Readiness
    sessions: list[SessionRecord]
    assessments: list[Assessment]


def gather(app: App, uow: UnitOfWork) -> Inputs:
    """Everything a decision needs, in a handful of queries."""
    tz = app.settings.tz()
    profile = uow.repo.profile()
    given = uow.repo.given()
    given_on = [g.on for g in given]
    of_spec: dict[str, tuple[int, int | None]] = {}  # spec -> (longest run, ladder level)
    sessions = []
    for row in uow.repo.session_rows():
        day = row.start.astimezone(tz).date()
        if profile is not None and profile.before_birth(day):
            continue  # her watch's history: kept, not part of the programme
        spec = row.plan_spec
        if spec is not None and spec not in of_spec:
            of_spec[spec] = (_longest_run(spec), app.rules.level_of_spec(spec))
        longest, by_spec = of_spec[spec] if spec is not None else (None, None)
        sessions.append(
            SessionRecord(
                day=day,
                activity_id=row.activity_id,
                run_s=row.run_s,
                level=_level_of(given, given_on, day, spec, by_spec),
                runs_planned=row.runs_planned,
                runs_done=row.runs_done,
                runs_missed=row.runs_missed,
                longest_run_s=longest,
            )
        )
    return Inputs(
        profile,
        readiness(uow.repo.readiness_logs()),
        sessions,
        [
            a.assessment
            for a in assessed(uow, app.rules.symptoms)
            if profile is None or not profile.before_birth(a.assessment.on)
        ],
    )


def _longest_run(spec: str) -> int:
    """The longest run interval of a stored plan spec (0 for one that no longer parses)."""
    try:
        return totals(parse(spec)).longest_run_s
    except ValueError:
        return 0


def _level_of(
    given: list[Given], given_on: list[date], day: date, spec: str | None, by_spec: int | None
) -> int | None:
    """The level she was on that day: the decision she followed, or the ladder level of
    the workout she ran (`by_spec`), or the level she had been given when she ran
    freestyle. `given` is in date order and `given_on` its dates: each look bisects."""
    count = bisect_right(given_on, day)
    latest = given[count - 1] if count else None
    if latest is not None and spec is not None and latest.spec == spec:
        return latest.level
    if by_spec is not None:
        return by_spec
    if latest is not None and latest.phase in LIVE_PHASES:
        return latest.level
    return None


def decision_json(decision: Decision) -> dict[str, Any]:
    """DESIGN's plan contract."""
    w = decision.workout
    workout = None
    if w is not None:
        t = w.totals
        workout = {
            "name": w.name,
            "spec": w.spec,
            "total_s": t.total_s,
            "run_s": t.run_s,
            "longest_run_s": t.longest_run_s,
            "steps": [_step_json(item) for item in w.steps],
        }
    return {
        "date": decision.on.isoformat(),
        "phase": decision.phase,
        "level": decision.level,
        "workout": workout,
        "reasons": list(decision.reasons),
        "flags": list(decision.flags),
    }


def _step_json(item: Item) -> dict[str, Any]:
    if isinstance(item, Step):
        return {"kind": item.kind, "duration_s": item.duration_s, "intensity": item.intensity}
    assert isinstance(item, Repeat)
    return {"repeat": item.count, "steps": [_step_json(s) for s in item.steps]}


def _inputs_json(inputs: Inputs, today: Any) -> dict[str, Any]:
    p = inputs.profile
    return {
        "today": today.isoformat(),
        "birth_date": p.birth_date.isoformat() if p and p.birth_date else None,
        "clearances": [d.isoformat() for d in p.clearances] if p else [],
        "readiness_passed_on": inputs.readiness.passed_on.isoformat()
        if inputs.readiness.passed_on
        else None,
        "sessions": [
            {
                "day": s.day.isoformat(),
                "activity": s.activity_id,
                "level": s.level,
                "run_s": s.run_s,
                "runs": [s.runs_done, s.runs_planned],
            }
            for s in inputs.sessions[-6:]
        ],
        "assessments": [
            {
                "on": a.on.isoformat(),
                "activity": a.activity_id,
                "red_flags": list(a.red_flags),
                "step_back": list(a.step_back),
                "fatigue": list(a.fatigue),
                "trend": a.trend,
                "leak_into_s": a.leak.into_interval_s if a.leak else None,
            }
            for a in inputs.assessments[-6:]
        ],
    }


def look(app: App) -> Decision:
    """The decision for app.today() from what is stored, storing nothing (a look at a
    past day with --today)."""
    with app.uow() as uow:
        return _decide(app, gather(app, uow), app.today())


def _decide(app: App, inputs: Inputs, today: date) -> Decision:
    return decide(
        inputs.profile, inputs.readiness, inputs.sessions, inputs.assessments, today, app.rules
    )


def refresh(app: App) -> tuple[Decision, bool]:
    """Decide the next session now; store it when anything changed. (decision, stored?)"""
    today = app.today()
    with app.uow() as uow:
        inputs = gather(app, uow)
        decision = _decide(app, inputs, today)
        body = decision_json(decision)
        context = _inputs_json(inputs, today)
        digest = hashlib.sha256(json.dumps([body, context], sort_keys=True).encode()).hexdigest()
        if uow.repo.latest_digest(today) == digest:
            return decision, False
        uow.repo.add_decision(
            made_at=app.clock(), made_for=today, body=body, inputs=context, digest=digest
        )
        uow.commit()
    # What was decided, never why: the reasons may name symptoms.
    logs.event("decided", date=body["date"], level=decision.level, phase=decision.phase)
    return decision, True


def ahead(app: App, weeks: int) -> list[Decision]:
    """The sessions of the next `weeks` weeks if every one goes as planned; stores nothing."""
    today = app.today()
    with app.uow() as uow:
        inputs = gather(app, uow)
    return project(
        inputs.profile, inputs.readiness, inputs.sessions, inputs.assessments,
        today, today + timedelta(weeks=weeks, days=-1), app.rules,
    )  # fmt: skip


def history(app: App) -> list[StoredDecision]:
    with app.uow() as uow:
        return uow.repo.decisions()


def prescribed_plan(uow: UnitOfWork, day: Any) -> Plan | None:
    """The workout runback prescribed for `day`, as a plan to match a run against."""
    given = uow.repo.decision_for(day)
    if given is None or given.spec is None or given.phase not in (*LIVE_PHASES, "paused"):
        return None
    from rules.plan import plan_from_items  # here: only ingesting matches against it

    return plan_from_items(parse(given.spec), "prescribed")
