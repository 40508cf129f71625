"""The next session, from her profile, readiness, runs and symptom entries. Pure and
deterministic: the same inputs always give the same Decision, and `today` is passed in.

Gates no configuration can switch off come first: no profile -> `not-ready`; under 12
weeks postpartum, no clearance, readiness not passed -> `walk`; a red flag without a
later clearance -> `paused`. Then the ladder: symptoms lead (a leak caps the run
intervals, pain or a worse trend steps down, fatigue holds), missed intervals hold, and
only clean sessions move her up, one level at most per `days_per_level`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rules.ladder import (
    PHASE_CONTINUOUS,
    PHASE_WALK,
    WEEKDAYS,
    RulesConfig,
    capped,
)
from rules.profile import Profile, Readiness
from rules.symptoms import Assessment
from rules.workout import Item, Workout, format_duration, parse, totals

PHYSIO = "a pelvic health physiotherapist"


@dataclass(frozen=True)
class SessionRecord:
    """One past session as the rules see it.

    `level` is the level she was given for that day (None for a session runback did not
    prescribe); `runs_planned`/`runs_done`/`runs_missed` count run intervals of the match
    (None without a plan); `run_s` is the running she actually did.
    """

    day: date
    activity_id: int
    run_s: int
    level: int | None = None
    runs_planned: int | None = None
    runs_done: int | None = None
    runs_missed: int | None = None


@dataclass(frozen=True)
class Decision:
    on: date
    phase: str  # not-ready | walk | run-walk | continuous | paused
    level: int
    workout: Workout | None
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    leak_cap_s: int | None = None


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
    notes = sorted((a for a in assessments if a.on <= today), key=lambda a: a.on)
    if profile is None or profile.birth_date is None:
        return Decision(
            today, "not-ready", 0, None,
            ("Set the day the baby was born to start: runback profile set --birth-date D.",),
            ("gate:profile",),
        )  # fmt: skip
    by_activity = {a.activity_id: a for a in notes if a.activity_id is not None}
    on = next_date(sessions, today, rules)

    paused = _red_flag_pause(profile, notes, rules, on)
    if paused is not None:
        return paused

    gates, gate_reasons = _gates(profile, readiness, today, rules)
    cap, onset = leak_cap(sessions, by_activity, rules)
    if gates:
        return _walk_decision(sessions, by_activity, on, rules, gate_reasons, gates)
    if cap is not None and cap < rules.leak_cap_floor_s:
        return _walk_decision(
            sessions, by_activity, on, rules,
            [
                f"Leaking started {format_duration(onset)} into a run interval: a cap of "
                f"{cap} s would be under {rules.leak_cap_floor_s} s, so walk for now and see "
                f"{PHYSIO} before running again."
            ],
            [f"leak-cap:{cap}s"],
        )  # fmt: skip
    walked = _walk_went_badly(sessions, by_activity, rules)
    if walked is not None:
        return _walk_decision(sessions, by_activity, on, rules, [walked], ["hold:walk"])
    return _running_decision(sessions, by_activity, notes, on, rules, cap)


def _walk_went_badly(
    sessions: Sequence[SessionRecord], by_activity: dict[int, Assessment], rules: RulesConfig
) -> str | None:
    """Her latest session was a walk and symptoms were worse: no running yet."""
    if not sessions:
        return None
    latest = sessions[-1]
    if latest.level is None or latest.level >= rules.first_run_level:
        return None
    note = by_activity.get(latest.activity_id)
    if note is None or not (note.step_back or note.trend == "worse" or note.red_flags):
        return None
    return (
        f"Symptoms after the walk on {latest.day} were worse: keep walking until a walk "
        "goes well, then running starts."
    )


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
    kinds = list(dict.fromkeys(flag for a in flagged if a.on == last.on for flag in a.red_flags))
    words = {"bleeding": "bleeding", "pain": "pain", "heaviness": "pelvic heaviness"}
    named = " and ".join(words[k] for k in kinds)
    workout = Workout(f"runback paused {on}", on, parse(rules.pause_walk))
    return Decision(
        on=on,
        phase="paused",
        level=0,
        workout=workout,
        reasons=(
            f"{named.capitalize()} on {last.on} is a red flag: no running until {PHYSIO} "
            "or your doctor has seen you.",
            "Once they clear you, record it with runback profile set --cleared-on D; "
            "running resumes no harder than before.",
            "Until then, short easy walks only if they are comfortable.",
        ),
        flags=tuple(f"red-flag:{k}" for k in kinds),
    )


# --- the leak cap -----------------------------------------------------------------------------


def leak_cap(
    sessions: Sequence[SessionRecord], by_activity: dict[int, Assessment], rules: RulesConfig
) -> tuple[int | None, int]:
    """The leak cap in force after these sessions, and the onset (s) of the last leak.

    A leak t seconds into a run interval caps run intervals at leak_cap_fraction x t,
    rounded down to 5 s. After leak_cap_lift_sessions symptom-free sessions in a row the
    cap moves up to the next run-interval length of the ladder; past the longest it goes.
    """
    cap: int | None = None
    onset = 0
    clean = 0
    lengths = sorted({level.longest_run_s for level in rules.levels if level.longest_run_s})
    for s in sessions:
        note = by_activity.get(s.activity_id)
        if note is None:
            continue
        point = note.leak
        if point is not None and point.into_interval_s is not None and point.run_number is not None:
            onset = point.into_interval_s
            new = int(rules.leak_cap_fraction * onset) // 5 * 5
            cap = new if cap is None else min(cap, new)
            clean = 0
        elif cap is not None and note.symptom_free:
            clean += 1
            if clean >= rules.leak_cap_lift_sessions:
                clean = 0
                above = [n for n in lengths if n > cap]
                cap = above[0] if above and above[0] < lengths[-1] else None
        elif cap is not None:
            clean = 0
    return cap, onset


# --- walking ------------------------------------------------------------------------------------


def _walk_decision(
    sessions: Sequence[SessionRecord],
    by_activity: dict[int, Assessment],
    on: date,
    rules: RulesConfig,
    reasons: list[str],
    flags: list[str],
) -> Decision:
    walks = [s for s in sessions if s.level is not None and s.level <= rules.top_walk_level]
    ran = any(s.level is not None and s.level >= rules.first_run_level for s in sessions)
    level = rules.top_walk_level if ran else (walks[-1].level or 0) if walks else 0
    if "hold:walk" in flags and walks:
        level = walks[-1].level or 0
    extra: list[str] = []
    if walks and level < rules.top_walk_level and "hold:walk" not in flags:
        ready, why = _ready_to_move_up(walks, by_activity, level, on, rules)
        if ready:
            level += 1
            flags = [*flags, "up"]
            extra.append(f"Walking steps up to level {level}: {why}.")
        else:
            extra.append(why)
    spec = rules.level(level).spec
    workout = Workout(f"runback L{level} {on}", on, parse(spec))
    return Decision(on, PHASE_WALK, level, workout, tuple(reasons + extra), tuple(flags))


# --- running ------------------------------------------------------------------------------------


def _running_decision(
    sessions: Sequence[SessionRecord],
    by_activity: dict[int, Assessment],
    notes: Sequence[Assessment],
    on: date,
    rules: RulesConfig,
    cap: int | None,
) -> Decision:
    first = rules.first_run_level
    running = [s for s in sessions if s.level is not None and s.level >= first]
    flags: list[str] = []
    reasons: list[str] = []
    if not running:
        level = first
        reasons.append(
            "Every gate is open: the first run/walk level. Stop if anything leaks or hurts."
        )
    else:
        last = running[-1]
        level = last.level or first
        latest = sessions[-1]
        note = by_activity.get(latest.activity_id)
        resumed = _resuming(notes, latest, by_activity)
        if resumed:
            reasons.append(
                "Running again after a red flag and a new clearance: no harder than before."
            )
            flags.append("resume")
        elif note is None:
            flags.append("hold:no-entry")
            reasons.append(
                f"No entry for the run on {latest.day}: log how it went to move on "
                "(runback symptoms log)."
            )
        else:
            level, step_flags, step_reasons = _respond(running, by_activity, note, level, on, rules)
            flags += step_flags
            reasons += step_reasons
    level = max(first, min(level, len(rules.levels) - 1))
    items = rules.level(level).items
    if cap is not None and rules.level(level).longest_run_s > cap:
        items = capped(items, cap)
        flags.append(f"leak-cap:{cap}s")
        reasons.append(
            f"Run intervals are capped at {format_duration(cap)} (80 % of where leaking "
            "started); walks are unchanged. The cap lifts after symptom-free sessions."
        )
    phase = rules.level(level).phase
    if phase == PHASE_CONTINUOUS:
        items, on, weekly = _weekly_limit(items, sessions, on, rules)
        if weekly:
            reasons.append(weekly)
    workout = Workout(f"runback L{level} {on}", on, items)
    return Decision(on, phase, level, workout, tuple(reasons), tuple(flags), cap)


def _resuming(
    notes: Sequence[Assessment], latest: SessionRecord, by_activity: dict[int, Assessment]
) -> bool:
    """A red flag came with or after her latest run: she is back after a pause (the gate
    let her through, so a clinician has cleared her since)."""
    own = by_activity.get(latest.activity_id)
    if own is not None and own.red_flags:
        return True
    return any(a.red_flags and a.on >= latest.day for a in notes)


def _respond(
    running: Sequence[SessionRecord],
    by_activity: dict[int, Assessment],
    note: Assessment,
    level: int,
    on: date,
    rules: RulesConfig,
) -> tuple[int, list[str], list[str]]:
    """Level, flags and reasons from the last run and its entry."""
    last = running[-1]
    if "pain" in note.step_back or "pain-next-day" in note.step_back:
        return (
            level - 1,
            ["down:pain"],
            ["Down one level: pain above 2/10 (or pain the next day) says the load was too much."],
        )
    if "leak-earlier" in note.step_back or note.trend == "worse":
        why = (
            "leaking started earlier than last time"
            if "leak-earlier" in note.step_back
            else ("symptoms were worse than in recent sessions")
        )
        return level - 1, ["down:worse"], [f"Down one level: {why}."]
    if note.fatigue:
        signs = ", ".join(note.fatigue)
        return level, ["hold:fatigue"], [f"Level held: signs of fatigue ({signs}); recover first."]
    if last.runs_planned:
        missed = last.runs_missed or 0
        if missed * 2 > last.runs_planned:
            return (
                level - 1,
                ["down:missed"],
                [f"Down one level: {missed} of {last.runs_planned} run intervals were missed."],
            )
        if (last.runs_done or 0) < last.runs_planned:
            return (
                level,
                ["hold:missed"],
                [f"Level held: {last.runs_done} of {last.runs_planned} run intervals done."],
            )
    ready, why = _ready_to_move_up(running, by_activity, level, on, rules)
    if ready:
        return level + 1, ["up"], [f"Up one level: {why}."]
    return level, [], [why]


def _ready_to_move_up(
    sessions: Sequence[SessionRecord],
    by_activity: dict[int, Assessment],
    level: int,
    on: date,
    rules: RulesConfig,
) -> tuple[bool, str]:
    at_level = [s for s in sessions if s.level == level]
    # Only the unbroken run of sessions at this level counts.
    streak: list[SessionRecord] = []
    for s in reversed(sessions):
        if s.level != level:
            break
        streak.append(s)
    clean = 0
    for s in streak:
        note = by_activity.get(s.activity_id)
        done = s.runs_planned is None or s.runs_planned == 0 or s.runs_done == s.runs_planned
        if note is None or not note.symptom_free or not done:
            break
        clean += 1
    need = rules.sessions_per_level
    if clean < need:
        more = need - clean
        return False, (
            f"Level held: {more} more session{'s' if more > 1 else ''} at this level with every "
            "interval done and no symptoms to move up."
        )
    since = at_level[0].day if at_level else on
    if (on - since).days < rules.days_per_level:
        return False, (
            f"Level held: at most one level every {rules.days_per_level} days "
            f"(this level since {since})."
        )
    return True, f"{clean} clean sessions at level {level}"


def _weekly_limit(
    items: tuple[Item, ...], sessions: Sequence[SessionRecord], on: date, rules: RulesConfig
) -> tuple[tuple[Item, ...], date, str | None]:
    """Continuous running: the week's running may grow by weekly_increase at most.

    The session moves to a later day (up to two weeks) until its running fits in the
    seven days ending that day, against the seven days before them.
    """
    planned = totals(items).run_s
    for shift in range(15):
        day = on + timedelta(days=shift)
        if rules.preferred_days and WEEKDAYS[day.weekday()] not in rules.preferred_days:
            continue
        this_week = sum(s.run_s for s in sessions if day - timedelta(days=6) <= s.day <= day)
        last_week = sum(
            s.run_s
            for s in sessions
            if day - timedelta(days=13) <= s.day <= day - timedelta(days=7)
        )
        if last_week == 0 or this_week + planned <= (1 + rules.weekly_increase) * last_week:
            note = (
                None
                if shift == 0
                else (
                    f"Moved to {day}: the week's running may grow by "
                    f"{round(rules.weekly_increase * 100)} % at most."
                )
            )
            return items, day, note
    return items, on, None


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
