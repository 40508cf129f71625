"""The next session, from her profile, readiness, runs and symptom entries. Pure and
deterministic: the same inputs always give the same Decision, and `today` is passed in.

Gates no configuration can switch off come first: no profile -> `not-ready`; a red flag
without a later clearance -> `paused`; under 12 weeks postpartum, no clearance, readiness
not passed, or a leak cap under its floor -> `walk`. Then the ladder, from her latest
*run* (walks never count toward running): symptoms lead (pain or a real worsening steps
down to an easier session, fatigue holds, a leak caps the run intervals), missed intervals
hold, a long break or a pause resumes no harder than before, and only clean runs at the
level move her up, one level at most per `days_per_level` from the last change, never
while a leak cap is being lifted (one variable at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from rules.ladder import WEEKDAYS, RulesConfig
from rules.leakcap import PHYSIO, cap_state
from rules.next_session import Context, running_decision, walk_decision, walk_went_badly
from rules.profile import Profile, Readiness
from rules.referral import referrals
from rules.sessions import Decision, SessionRecord, clock, day_month, is_run
from rules.symptoms import Assessment
from rules.workout import Workout, parse

__all__ = ["Decision", "SessionRecord", "decide", "next_date"]


def decide(
    profile: Profile | None,
    readiness: Readiness,
    history: Sequence[SessionRecord],
    assessments: Sequence[Assessment],
    today: date,
    rules: RulesConfig,
) -> Decision:
    """The next session. `history` and `assessments` may come in any order."""
    sessions = sorted((s for s in history if s.day <= today), key=lambda s: (s.day, s.activity_id))
    notes = sorted(
        (a for a in assessments if a.on <= today), key=lambda a: (a.on, a.activity_id or 0)
    )
    if profile is None or profile.birth_date is None:
        return Decision(
            today, "not-ready", 0, None,
            ("Set the day the baby was born to start: runback profile set --birth-date D.",),
            ("gate:profile",),
        )  # fmt: skip
    on = next_date(sessions, today, rules)
    paused = _red_flag_pause(profile, notes, rules, on)
    if paused is not None:
        return paused

    by_activity = {a.activity_id: a for a in notes if a.activity_id is not None}
    runs = [s for s in sessions if is_run(s, rules.first_run_level)]
    cleared = [c for c in profile.clearances if c <= today]
    state = cap_state(runs, by_activity, rules, cleared)
    cap = state.cap
    ctx = Context(
        profile, sessions, runs, notes, by_activity, on, rules, cap, state.restart_on,
        state.ended_reason(rules) if state.ended and runs and state.ended[0] == runs[-1].day
        else None,
        referrals(runs, by_activity, rules, cleared),
    )  # fmt: skip
    gates, gate_reasons = _gates(profile, readiness, today, rules)
    if gates:
        return walk_decision(ctx, gate_reasons, gates)
    if cap is not None and cap.cap_s < rules.leak_cap_floor_s:
        return walk_decision(
            ctx,
            [
                f"Leaking started {clock(cap.onset_s)} into a run interval on "
                f"{day_month(cap.onset_on)}: a cap of {clock(cap.cap_s)} would be under "
                f"{clock(rules.leak_cap_floor_s)}, so walk and see {PHYSIO} before running "
                "again; record their clearance with runback profile set --cleared-on D."
            ],
            ["refer:leak", f"leak-cap:{cap.cap_s}s"],
        )
    walked = walk_went_badly(ctx)
    if walked is not None:
        return walk_decision(ctx, [walked], ["hold:walk"])
    return running_decision(ctx)


# --- gates -----------------------------------------------------------------------------------


def _gates(
    profile: Profile, readiness: Readiness, today: date, rules: RulesConfig
) -> tuple[list[str], list[str]]:
    flags: list[str] = []
    reasons: list[str] = []
    weeks = profile.weeks_postpartum(today) or 0.0
    if weeks < rules.min_weeks_postpartum:
        assert profile.birth_date is not None
        opens = profile.birth_date + timedelta(weeks=rules.min_weeks_postpartum)
        flags.append("gate:weeks")
        reasons.append(
            f"{weeks:.1f} weeks since the birth: running starts no earlier than "
            f"{rules.min_weeks_postpartum} weeks ({opens}); walking builds the base until then."
        )
    if profile.latest_clearance(today) is None:
        flags.append("gate:clearance")
        reasons.append(
            f"No clearance to run on record: see {PHYSIO} or your doctor, then "
            "record it with runback profile set --cleared-on D."
        )
    if not readiness.passed:
        flags.append("gate:readiness")
        missing = ", ".join(readiness.missing)
        reasons.append(
            f"The readiness test is not passed yet (still to pass: {missing}); "
            "log each sitting with runback readiness log."
        )
    return flags, reasons


_FLAG_WORDS = {
    "bleeding": "bleeding",
    "pain": "pain",
    "heaviness": "pelvic heaviness",
    "bowel": "bowel leaking",
}


def _red_flag_pause(
    profile: Profile, notes: Sequence[Assessment], rules: RulesConfig, on: date
) -> Decision | None:
    flagged = [a for a in notes if a.red_flags]
    if not flagged:
        return None
    last = flagged[-1]
    cleared = profile.latest_clearance()
    if cleared is not None and cleared > last.on:
        return None
    # Every red flag since her latest clearance, each named with its day.
    open_flags = [a for a in flagged if cleared is None or cleared <= a.on]
    days: dict[date, list[str]] = {}
    for a in open_flags:
        days.setdefault(a.on, []).extend(k for k in a.red_flags if k not in days.get(a.on, []))
    named = "; ".join(
        f"{' and '.join(_FLAG_WORDS[k] for k in ks)} on {day}" for day, ks in days.items()
    )
    kinds = list(dict.fromkeys(k for ks in days.values() for k in ks))
    plural = "are red flags" if len(kinds) > 1 or len(days) > 1 else "is a red flag"
    reasons = [
        f"{named[0].upper()}{named[1:]} {plural}: no running until {PHYSIO} "
        "or your doctor has seen you.",
        "Once they clear you, record it with runback profile set --cleared-on D; "
        "running resumes no harder than before.",
        "Until then, short easy walks only if they are comfortable.",
    ]
    if cleared == last.on:
        reasons.insert(
            1,
            f"The clearance dated {last.on} is from the same day as the red flag, so runback "
            "cannot tell it came after; record the clearance with a later date when you "
            "are seen again.",
        )
    workout = Workout(f"runback paused {on}", on, parse(rules.pause_walk))
    return Decision(
        on=on,
        phase="paused",
        level=0,
        workout=workout,
        reasons=tuple(reasons),
        flags=tuple(f"red-flag:{k}" for k in kinds),
    )


# --- dates ----------------------------------------------------------------------------------------


def next_date(sessions: Sequence[SessionRecord], today: date, rules: RulesConfig) -> date:
    """At least `rest_days` rest days after the last run, never in the past, on a
    preferred day when she has named some."""
    day = today
    if sessions:
        day = max(day, sessions[-1].day + timedelta(days=rules.rest_days + 1))
    if rules.preferred_days:
        for _ in range(7):
            if WEEKDAYS[day.weekday()] in rules.preferred_days:
                break
            day += timedelta(days=1)
    return day
