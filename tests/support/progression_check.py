"""Random histories and the invariants every decision must keep (issue 12).

Used by the quick hypothesis properties in the suite and by `make soak`
(bench/progression_soak.py), which plays 10,000 histories and prints the count of
violations per invariant. Each check is written from the inputs, not from the code under
test: it recomputes what the inputs allow and compares the decision with it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from rules.ladder import RulesConfig
from rules.profile import READINESS_ITEMS, Profile, Readiness, ReadinessLog, readiness
from rules.progression import Decision, decide
from rules.sessions import SessionRecord, clock, day_month, is_run
from rules.symptoms import Assessment, LeakPoint, SymptomEntry, assess
from rules.workout import parse_duration

RULES = RulesConfig()
TOP = len(RULES.levels) - 1
FIRST = RULES.first_run_level
TODAY = date(2026, 10, 1)


@dataclass
class History:
    profile: Profile
    readiness: Readiness
    sessions: list[SessionRecord] = field(default_factory=list)
    notes: list[Assessment] = field(default_factory=list)
    today: date = TODAY

    def decide(self) -> Decision:
        return decide(self.profile, self.readiness, self.sessions, self.notes, self.today, RULES)


def random_history(rng: random.Random) -> History:
    """A history as a season can produce it, with the odd hostile turn."""
    born = TODAY - timedelta(days=rng.randint(6 * 7, 40 * 7))
    clearances = tuple(TODAY - timedelta(days=rng.randint(0, 90)) for _ in range(rng.randint(0, 3)))
    ready = readiness(
        [ReadinessLog(TODAY - timedelta(days=100), frozenset(READINESS_ITEMS))]
        if rng.random() < 0.85
        else []
    )
    h = History(Profile(born, None, clearances), ready)
    day = TODAY - timedelta(days=rng.randint(10, 120))
    entries: list[SymptomEntry] = []
    level = rng.randint(FIRST, TOP)
    calm = rng.random() < 0.5  # half the histories are mostly clean, so the ladder moves
    odd = 0.1 if calm else 1.0  # how often symptoms come, relative to a rough season
    for i in range(rng.randint(0, 30)):
        day += timedelta(days=rng.choice([1, 2, 2, 2, 3, 4, 7, 20, 40]))
        if day > TODAY:
            break
        level = max(0, min(TOP, level + rng.choice([-1, 0, 0, 0, 1] + [0] * (6 if calm else 0))))
        lvl = RULES.level(level)
        kind = rng.random()
        if kind < 0.1:  # a walk she logged at her running level (or a pause walk)
            s = SessionRecord(day, i + 1, rng.choice([0, 0, 10]), rng.choice([None, level]))
        elif kind < 0.15:  # freestyle, no plan
            s = SessionRecord(day, i + 1, rng.choice([0, 120, 900]), rng.choice([None, level]))
        else:
            planned = sum(1 for _ in range(5)) if lvl.run_s else 0
            done = rng.choice([planned] * (12 if calm else 3) + [rng.randint(0, planned)])
            longest = rng.choice([lvl.longest_run_s, lvl.longest_run_s, rng.choice([30, 60, 95])])
            s = SessionRecord(
                day, i + 1, rng.choice([lvl.run_s, lvl.run_s // 2]), level, planned, done,
                rng.randint(0, planned - done), min(longest, lvl.longest_run_s) or None,
            )  # fmt: skip
        h.sessions.append(s)
        if rng.random() < 0.15:
            continue  # no entry for this session
        point = None
        if rng.random() < 0.2 * odd:
            onset = rng.choice([10, 20, 45, 90, 120, 200, 400])
            at = datetime.combine(day, datetime.min.time(), UTC)
            point = LeakPoint(at, 2, 1, "run", onset, onset)
        entry = SymptomEntry(
            on=day,
            leak="leak" if point else rng.choice(["none"] * 6 + ["drops"]),
            leak_point=point,
            pain=(rng.choice([None, 0, 0, 1, 2, 3, 4]) if rng.random() > 0.02 else 5)
            if rng.random() < odd
            else rng.choice([None, 0, 1]),
            heaviness=(rng.choice([None, 0, 0, 0, 1, 2]) if rng.random() > 0.02 else 3)
            if rng.random() < odd
            else None,
            bleeding=rng.random() < 0.015 * odd,
            pain_next_day=rng.random() < 0.05 * odd,
            urgency=rng.random() < 0.05 * odd,
            bowel=rng.choice([None] * 60 + ["urgency", "leak"]) if rng.random() < odd else None,
            rpe=rng.choice([None, 4, 6, 9]),
            activity_id=s.activity_id,
        )
        h.notes.append(assess(entry, entries, RULES.symptoms))
        entries.append(entry)
        if rng.random() < 0.08 * odd:  # a day entry the day after (next-day pain, a rest-day flag)
            extra = SymptomEntry(
                on=min(day + timedelta(days=1), TODAY), leak="none",
                pain=rng.choice([1, 3, 5]), bleeding=rng.random() < 0.2,
            )  # fmt: skip
            h.notes.append(assess(extra, entries, RULES.symptoms))
    return h


# --- the invariants ----------------------------------------------------------------------------

# A check says True (kept), False (violated) or None (the history does not reach it).
Check = Callable[[History, Decision], bool | None]


def _runs(h: History) -> list[SessionRecord]:
    ordered = sorted(h.sessions, key=lambda s: (s.day, s.activity_id))
    return [s for s in ordered if is_run(s, FIRST)]


def _by_activity(h: History) -> dict[int, Assessment]:
    return {a.activity_id: a for a in h.notes if a.activity_id is not None}


def _t(d: Decision) -> tuple[int, int]:
    if d.workout is None:
        return 0, 0
    t = d.workout.totals
    return t.run_s, t.longest_run_s


def gates_hold(h: History, d: Decision) -> bool | None:
    """No running before 12 weeks, a clearance and the readiness test, nor after a red
    flag without a clearance dated after it."""
    weeks = h.profile.weeks_postpartum(h.today) or 0
    cleared = h.profile.latest_clearance(h.today)
    flags = [a.on for a in h.notes if a.red_flags]
    closed = weeks < 12 or cleared is None or not h.readiness.passed
    flagged = bool(flags) and (cleared is None or cleared <= max(flags))
    if not (closed or flagged):
        return None
    return _t(d)[0] == 0


def cap_holds(h: History, d: Decision) -> bool | None:
    """Never a run interval above 80 % of the latest leak onset, except as far as clean
    runs after it have earned (at most 30 s per `leak_cap_lift_sessions` of them), and
    never above that onset before a clean run at it."""
    runs, notes = _runs(h), _by_activity(h)
    leaks = [
        (i, notes[s.activity_id].leak)
        for i, s in enumerate(runs)
        if s.activity_id in notes
        and notes[s.activity_id].leak is not None
        and notes[s.activity_id].leak.into_interval_s is not None  # type: ignore[union-attr]
    ]
    # A clearance after a leak too early for a cap ends every cap before it: she was seen.
    floor = RULES.leak_cap_floor_s
    sub_floor = [runs[i].day for i, p in leaks if _cap_of(p.into_interval_s) < floor]  # type: ignore[union-attr,arg-type]
    resets = [c for c in h.profile.clearances if c <= h.today and any(day < c for day in sub_floor)]
    if resets:
        leaks = [(i, p) for i, p in leaks if runs[i].day > max(resets)]
    if not leaks or _t(d)[0] == 0:
        return None
    i, point = leaks[-1]
    assert point is not None
    assert point.into_interval_s is not None
    onset = point.into_interval_s
    floor_cap = _cap_of(onset)
    after = runs[i + 1 :]
    clean = [s for s in after if s.activity_id in notes and notes[s.activity_id].symptom_free]
    past = [s for s in clean if s.all_done and (s.longest_run_s or 0) > onset]
    if len(past) >= RULES.leak_cap_clear_runs:
        return True  # run clean past the onset again and again: the cap may end
    earned = 30 * (len(clean) // RULES.leak_cap_lift_sessions)
    longest = _t(d)[1]
    # The least a cap can be is the lowest onset of every leak; lifts are bounded above.
    lowest = min(_cap_of(p.into_interval_s) for _, p in leaks)  # type: ignore[union-attr,arg-type]
    if longest > max(floor_cap, lowest) + earned:
        return False
    if longest > onset:
        return any((s.longest_run_s or 0) >= onset for s in clean)
    return True


def _cap_of(onset: int) -> int:
    return int(RULES.leak_cap_fraction * onset) // 5 * 5


def never_harder_after_symptoms(h: History, d: Decision) -> bool | None:
    """After pain, a real worsening or a red flag on her last run (or the day after),
    the next session is no harder than the level she ran, by running and longest run."""
    runs, notes = _runs(h), _by_activity(h)
    if not runs or runs[-1].level is None:
        return None
    last = runs[-1]
    note = notes.get(last.activity_id)
    day_after = [
        a for a in h.notes
        if a.activity_id is None and last.day <= a.on <= last.day + timedelta(days=1)
    ]  # fmt: skip
    bad = [a for a in ([note] if note else []) + day_after if a.step_back or a.red_flags]
    if note is not None and note.trend == "worse":
        bad.append(note)
    if not bad:
        return None
    was = RULES.level(last.level)
    run_s, longest = _t(d)
    return run_s <= was.run_s and longest <= was.longest_run_s and d.level <= last.level


def one_level_a_week(h: History, d: Decision) -> bool | None:
    """Up only by one from the level she last ran, never while a cap holds her level,
    and only after `days_per_level` at that level counted from when she came to it."""
    if "up" not in d.flags or d.phase == "walk":
        return None
    runs = _runs(h)
    if not runs:
        return False
    last = runs[-1]
    if d.level != (last.level or 0) + 1:
        return False
    came = last.day
    for s in reversed(runs):
        if s.level != last.level:
            break
        came = s.day
    if d.leak_cap_s is not None and RULES.level(last.level or 0).longest_run_s > d.leak_cap_s:
        return False
    return (d.on - came).days >= RULES.days_per_level


def resume_no_harder(h: History, d: Decision) -> bool | None:
    """After a red flag (with or after her last run) she resumes no harder than that run's
    level, and never moves up on a pause walk."""
    runs = _runs(h)
    flags = [a.on for a in h.notes if a.red_flags]
    if not runs or not flags or max(flags) < runs[-1].day or d.phase == "paused":
        return None
    last = runs[-1]
    was = RULES.level(last.level or FIRST)
    run_s, longest = _t(d)
    if "up" in d.flags or run_s > was.run_s or longest > was.longest_run_s:
        return False
    # A run that hurt or raised the flag (itself or the day after) resumes strictly easier.
    tied = [
        a for a in h.notes
        if a.activity_id == last.activity_id
        or (a.activity_id is None and last.day <= a.on <= last.day + timedelta(days=1))
    ]  # fmt: skip
    hurt = any(a.red_flags or "pain" in a.step_back or "pain-next-day" in a.step_back
               for a in tied)  # fmt: skip
    if hurt and (last.level or FIRST) > FIRST and d.phase != "walk":
        return d.level < (last.level or FIRST)
    return True


def continuous_means_fifteen_minutes(h: History, d: Decision) -> bool | None:
    return None if d.phase != "continuous" else _t(d)[1] >= 900


def not_in_the_past(h: History, d: Decision) -> bool | None:
    past = [s.day for s in h.sessions if s.day <= h.today]
    return d.on >= h.today and (not past or d.on >= max(past) + timedelta(days=2))


_LEAK_SET = re.compile(
    r"Run intervals at most (\S+) \((\d+) % of (\S+), where leaking started on (\d\d-\d\d)\)"
)
_LEAK_RAISED = re.compile(
    r"Leak cap raised from (\S+) to (\S+) after (\d+) clean runs? at \S+ "
    r"\(leaking started at (\S+) on (\d\d-\d\d)\)"
)
_UP = re.compile(
    r"Up one level: (\d+) clean sessions in a row of level (\d+)'s full workout "
    r"\(at this level since (\d\d-\d\d)\)"
)
_RECUR = re.compile(r"^(\w[\w /0-9]*?) in (\d+) of (\d+) runs up to (\d\d-\d\d)")
_BREAK = re.compile(r"(\d+) weeks without running since (\d\d-\d\d)")
_HELD_MISSED = re.compile(r"Level held: (\d+) of (\d+) run intervals done")
_RED = re.compile(r" (is a red flag|are red flags):")


def reasons_are_true(h: History, d: Decision) -> bool | None:
    """Every fact a reason cites is in the inputs: onsets and their dates, the cap's
    arithmetic, counts of clean sessions, recurring symptoms, breaks, red flags."""
    runs, notes = _runs(h), _by_activity(h)
    placed = {
        (day_month(s.day), clock(notes[s.activity_id].leak.into_interval_s))  # type: ignore[union-attr,arg-type]
        for s in runs
        if s.activity_id in notes
        and notes[s.activity_id].leak is not None
        and notes[s.activity_id].leak.into_interval_s is not None  # type: ignore[union-attr]
    }
    for reason in d.reasons:
        if m := _LEAK_SET.search(reason):
            cap, pct, onset, on = m.groups()
            if (on, onset) not in placed:
                return False
            seconds = parse_duration(onset)
            if parse_duration(cap) != int(int(pct) / 100 * seconds) // 5 * 5:
                return False
        if m := _LEAK_RAISED.search(reason):
            was, now, n, onset, on = m.groups()
            # A raise is max(15 s, 10 % of the cap rounded down to 5 s): 35 s from 5:50.
            was_s, now_s = parse_duration(was), parse_duration(now)
            step = max(RULES.leak_cap_step_s, int(was_s * RULES.leak_cap_step_fraction) // 5 * 5)
            if (on, onset) not in placed or not 0 < now_s - was_s <= step:
                return False
            clean_at = [
                s for s in runs
                if day_month(s.day) >= on and s.activity_id in notes
                and notes[s.activity_id].symptom_free
                and (s.longest_run_s or 0) >= parse_duration(was)
            ]  # fmt: skip
            if len(clean_at) < int(n):
                return False
        if m := _UP.search(reason):
            n, level, since = m.groups()
            at = [
                s for s in runs
                if s.level == int(level) and day_month(s.day) >= since
                and s.activity_id in notes and notes[s.activity_id].symptom_free
            ]  # fmt: skip
            if len(at) < int(n):
                return False
        if m := _RECUR.search(reason):
            name, k, n, upto = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
            sign = {"Leaking": "leak", "Pelvic heaviness": "heaviness", "Pain above 2/10": "pain",
                    "Urgency": "urgency"}.get(name)  # fmt: skip
            seen = max((c for c in h.profile.clearances if c <= h.today), default=None)
            noted = [
                notes[s.activity_id] for s in runs
                if s.activity_id in notes and day_month(s.day) <= upto
                and (seen is None or s.day > seen)
            ][-n:]  # fmt: skip
            if sign is None or sum(sign in a.signs for a in noted) != k or len(noted) != n:
                return False
        if m := _BREAK.search(reason):
            weeks, since = int(m.group(1)), m.group(2)
            if not runs or day_month(runs[-1].day) != since:
                return False
            if (d.on - runs[-1].day).days < 7 * weeks:
                return False
        if m := _HELD_MISSED.search(reason):
            done, planned = int(m.group(1)), int(m.group(2))
            if not runs or (runs[-1].runs_done, runs[-1].runs_planned) != (done, planned):
                return False
        if _RED.search(reason):
            for text in re.findall(r"on (\d{4}-\d\d-\d\d)", reason.split(":")[0]):
                on = date.fromisoformat(text)
                if not any(a.on == on and a.red_flags for a in h.notes):
                    return False
    return True


INVARIANTS: dict[str, Check] = {
    "gates and red flags hold": gates_hold,
    "cap within 80 % of the latest onset unless earned": cap_holds,
    "never harder after pain, worse or a red flag": never_harder_after_symptoms,
    "one level up per 7 days from the last change": one_level_a_week,
    "resume no harder after a red flag": resume_no_harder,
    "continuous only at 15 min straight": continuous_means_fifteen_minutes,
    "never in the past, after a rest day": not_in_the_past,
    "every reason true to its inputs": reasons_are_true,
}


def violations(h: History) -> list[str]:
    d = h.decide()
    return [name for name, check in INVARIANTS.items() if check(h, d) is False]
