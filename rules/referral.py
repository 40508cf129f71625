"""When recurring symptoms should send her to a pelvic health physiotherapist.

Goom, Donnelly & Brockwell (2019) name urinary or faecal incontinence, urgency, pelvic
heaviness or dragging, and pain with running as reasons for assessment by a pelvic health
physiotherapist; symptoms that recur, or leaking that does not improve, are not something
the ladder alone should manage. Referral adds a reason and a `refer:` flag; it does not
stop running by itself (red flags and a leak cap under its floor do that).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from rules.ladder import RulesConfig
from rules.leakcap import PHYSIO, REPEAT_SLACK_S
from rules.sessions import SessionRecord, clock, day_month
from rules.symptoms import Assessment

SOURCE = "Goom, Donnelly & Brockwell 2019"

# What each sign is called in a reason, and how the guidance words the symptom.
_WORDS = {
    "leak": ("Leaking", "leaking with running"),
    "heaviness": ("Pelvic heaviness", "heaviness or dragging with running"),
    "pain": ("Pain above 2/10", "pain with or after running"),
    "urgency": ("Urgency", "urinary or bowel urgency"),
}


def referrals(
    runs: Sequence[SessionRecord],
    by_activity: dict[int, Assessment],
    rules: RulesConfig,
    clearances: Sequence[date] = (),
) -> list[tuple[str, str]]:
    """(flag, reason) for each symptom that recurs in her latest runs, and for leaking that
    does not improve: starting again no later than the time before, or no later than
    `refer_leak_weeks` weeks ago. Only runs after her latest clearance count: a clinician
    who cleared her has seen what came before."""
    seen = max(clearances, default=None)
    noted = [
        (s, by_activity[s.activity_id])
        for s in runs
        if s.activity_id in by_activity and (seen is None or s.day > seen)
    ]
    recent = noted[-rules.refer_window_runs :]
    out: list[tuple[str, str]] = []
    for sign, (name, guidance) in _WORDS.items():
        hits = sum(1 for _, note in recent if sign in note.signs)
        if hits >= rules.refer_after_runs:
            out.append(
                (
                    f"refer:{sign}",
                    f"{name} in {hits} of your last {len(recent)} runs: the guidance "
                    f"({SOURCE}) asks that {guidance} is assessed by {PHYSIO}; please "
                    "book an appointment.",
                )
            )
    stalled = _leak_not_improving(noted, rules)
    if stalled and not any(flag == "refer:leak" for flag, _ in out):
        out.append(("refer:leak", stalled))
    return out


def _leak_not_improving(
    noted: Sequence[tuple[SessionRecord, Assessment]], rules: RulesConfig
) -> str | None:
    leaks = [
        (s.day, note.leak.into_interval_s)
        for s, note in noted
        if note.leak is not None and note.leak.into_interval_s is not None
    ]
    if not leaks:
        return None
    day, onset = leaks[-1]
    if len(leaks) >= 2 and onset <= leaks[-2][1] + REPEAT_SLACK_S:
        then, was = leaks[-2]
        return (
            f"Leaking started at {clock(onset)} into a run interval on {day_month(day)}, no "
            f"later than {clock(was)} on {day_month(then)}: the guidance ({SOURCE}) asks that "
            f"leaking which does not improve is assessed by {PHYSIO}."
        )
    weeks = rules.refer_leak_weeks
    before = [(d, o) for d, o in leaks if d <= day - timedelta(weeks=weeks)]
    if not before or onset > before[-1][1]:
        return None
    then, was = before[-1]
    return (
        f"Leaking started at {clock(onset)} into a run interval on {day_month(day)}, no later "
        f"than {clock(was)} on {day_month(then)}, {weeks} or more weeks before: the guidance "
        f"({SOURCE}) asks that leaking which does not improve is assessed by {PHYSIO}."
    )
