"""The road ahead: the sessions `decide()` would give if every one went as planned.

Each projected session is taken as done in full and symptom-free, and the next decision
is made from it, as the worker would after a clean run. It shows her and her
physiotherapist where the ladder leads; nothing here is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rules.ladder import PHASE_CONTINUOUS, PHASE_RUN_WALK, PHASE_WALK, RulesConfig
from rules.profile import Profile, Readiness
from rules.progression import Decision, decide
from rules.sessions import SessionRecord
from rules.symptoms import Assessment
from rules.workout import flatten

LIVE = (PHASE_WALK, PHASE_RUN_WALK, PHASE_CONTINUOUS)


def project(
    profile: Profile | None,
    readiness: Readiness,
    history: Sequence[SessionRecord],
    assessments: Sequence[Assessment],
    today: date,
    until: date,
    rules: RulesConfig,
) -> list[Decision]:
    """The sessions from `today` to `until` (inclusive), each followed as planned."""
    sessions = list(history)
    notes = list(assessments)
    out: list[Decision] = []
    day = today
    made_up = -1  # activity ids of projected sessions: below every stored one
    while day <= until:
        d = decide(profile, readiness, sessions, notes, day, rules)
        if d.workout is None or d.on > until:
            break
        out.append(d)
        t = d.workout.totals
        runs = sum(1 for step in flatten(d.workout.steps) if step.kind == "run")
        sessions.append(
            SessionRecord(
                day=d.on,
                activity_id=made_up,
                run_s=t.run_s,
                level=d.level if d.phase in LIVE else None,
                runs_planned=runs,
                runs_done=runs,
                runs_missed=0,
                longest_run_s=t.longest_run_s if runs else None,
            )
        )
        notes.append(
            Assessment(
                on=d.on, red_flags=(), step_back=(), fatigue=(), leak=None, trend=None,
                symptom_free=True, activity_id=made_up,
            )
        )  # fmt: skip
        made_up -= 1
        day = d.on
    return out
