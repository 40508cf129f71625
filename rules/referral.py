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
    """(flag, reason) for each symptom that recurred in `refer_after_runs` of
    `refer_window_runs` runs, and for leaking that does not improve: starting again no
    later than the time before, or no later than `refer_leak_weeks` weeks earlier. A
    referral stands until a clearance dated after it (a clinician has seen her); only
    runs after her latest clearance count."""
    seen = max(clearances, default=None)
    noted = [
        (s, by_activity[s.activity_id])
        for s in runs
        if s.activity_id in by_activity and (seen is None or s.day > seen)
    ]
    out: list[tuple[str, str]] = []
    size = rules.refer_window_runs
    for sign, (name, guidance) in _WORDS.items():
        present = [sign in note.signs for _, note in noted]
        hits = 0  # among the `size` runs ending at `end`: counted as the window slides
        for end, here in enumerate(present):
            hits += here - (present[end - size] if end >= size else 0)
            if hits >= rules.refer_after_runs:
                out.append(
                    (
                        f"refer:{sign}",
                        f"{name} in {hits} of {min(size, end + 1)} runs up to "
                        f"{day_month(noted[end][0].day)}: the guidance ({SOURCE}) asks that "
                        f"{guidance} is assessed by {PHYSIO}; please book an appointment.",
                    )
                )
                break
    stalled = _leak_not_improving(noted, rules)
    if stalled and not any(flag == "refer:leak" for flag, _ in out):
        out.append(("refer:leak", stalled))
    return out


def _leak_not_improving(
    noted: Sequence[tuple[SessionRecord, Assessment]], rules: RulesConfig
) -> str | None:
    """The first time leaking in a run interval started no later than the time before,
    or than `refer_leak_weeks` weeks earlier."""
    leaks = [
        (s.day, note.leak.into_interval_s)
        for s, note in noted
        if note.leak is not None
        and note.leak.run_number is not None
        and note.leak.into_interval_s is not None
    ]
    weeks = rules.refer_leak_weeks
    earlier = 0  # leaks[:earlier] started `weeks` weeks or more before the one at i
    for i, (day, onset) in enumerate(leaks):
        if i and onset <= leaks[i - 1][1] + REPEAT_SLACK_S:
            then, was = leaks[i - 1]
            return (
                f"Leaking started at {clock(onset)} into a run interval on {day_month(day)}, "
                f"no later than {clock(was)} on {day_month(then)}: the guidance ({SOURCE}) asks "
                f"that leaking which does not improve is assessed by {PHYSIO}."
            )
        while earlier < i and leaks[earlier][0] <= day - timedelta(weeks=weeks):
            earlier += 1  # the runs are in date order: the cut only moves forward
        if earlier and onset <= leaks[earlier - 1][1]:
            then, was = leaks[earlier - 1]
            return (
                f"Leaking started at {clock(onset)} into a run interval on {day_month(day)}, "
                f"no later than {clock(was)} on {day_month(then)}, {weeks} or more weeks "
                f"before: the guidance ({SOURCE}) asks that leaking which does not improve is "
                f"assessed by {PHYSIO}."
            )
    return None
