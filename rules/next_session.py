"""What the ladder gives next once the gates are open: a walking session, or the running
level from her latest run (walks never count toward running) and its workout.

Symptoms lead: pain or a real worsening steps down to an easier session, fatigue holds, a
placed leak caps the run intervals (rules/leakcap.py); missed intervals hold; a long break
or a red flag resumes no harder than before; only clean runs at the level move her up,
one level at most per `days_per_level` from the last change, never while a leak cap holds
the level (one variable at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rules.ladder import PHASE_CONTINUOUS, PHASE_RUN_WALK, PHASE_WALK, WEEKDAYS, RulesConfig
from rules.leakcap import PHYSIO, LeakCap, prescribe
from rules.profile import Profile
from rules.sessions import Decision, SessionRecord, clock, day_month
from rules.symptoms import Assessment
from rules.workout import Item, Workout, parse, totals

# A run without a plan counts toward moving up only with this share of the level's running.
FREESTYLE_SHARE = 0.9


@dataclass(frozen=True)
class Context:
    """What every rule below reads, gathered once."""

    profile: Profile
    sessions: Sequence[SessionRecord]  # every session, oldest first
    runs: Sequence[SessionRecord]  # running sessions only
    notes: Sequence[Assessment]
    by_activity: dict[int, Assessment]
    on: date
    rules: RulesConfig
    cap: LeakCap | None
    restart_on: date | None  # a clearance that ended a cap under its floor
    cap_ended: str | None  # why the cap ended with her last run, if it did
    refer: list[tuple[str, str]]


def walk_went_badly(ctx: Context) -> str | None:
    """Her latest session was a prescribed walk and symptoms were worse: no running yet."""
    if not ctx.sessions:
        return None
    latest = ctx.sessions[-1]
    if latest.level is None or latest.level >= ctx.rules.first_run_level:
        return None
    note = ctx.by_activity.get(latest.activity_id)
    if note is None or not (note.step_back or note.trend == "worse" or note.red_flags):
        return None
    return (
        f"Symptoms with the walk on {day_month(latest.day)}: keep walking until a walk is "
        "symptom-free, then running starts."
    )


# --- walking ------------------------------------------------------------------------------------


def walk_decision(ctx: Context, reasons: list[str], flags: list[str]) -> Decision:
    rules, on = ctx.rules, ctx.on
    walks = [s for s in ctx.sessions if s.level is not None and s.level <= rules.top_walk_level]
    level = rules.top_walk_level if ctx.runs else (walks[-1].level or 0) if walks else 0
    if "hold:walk" in flags and walks:
        level = walks[-1].level or 0
    extra: list[str] = []
    if walks and level < rules.top_walk_level and "hold:walk" not in flags:
        ready, why = _ready_to_move_up(walks, ctx.by_activity, level, on, rules)
        if ready:
            level += 1
            flags = [*flags, "up"]
            extra.append(f"Walking steps up to level {level}: {why}.")
        else:
            extra.append(why)
    for flag, why in ctx.refer:
        if flag not in flags:
            flags, extra = [*flags, flag], [*extra, why]
    workout = Workout(f"runback L{level} {on}", on, parse(rules.level(level).spec))
    return Decision(on, PHASE_WALK, level, workout, tuple(reasons + extra), tuple(flags))


# --- running ------------------------------------------------------------------------------------


def running_decision(ctx: Context) -> Decision:
    rules, on, cap = ctx.rules, ctx.on, ctx.cap
    first = rules.first_run_level
    flags: list[str] = []
    reasons: list[str] = []
    if not ctx.runs:
        level: int | None = first
        reasons.append(
            "Every gate is open: the first run/walk level. Stop if anything leaks or hurts."
        )
    else:
        level = _from_last_run(ctx, flags, reasons)
    if level is None:  # stepped down from the first running level: walk until a walk is clean
        return walk_decision(ctx, reasons, flags)
    level = max(first, min(level, len(rules.levels) - 1))
    items, is_capped = prescribe(level, cap, rules)
    weekly = None
    if rules.level(level).phase == PHASE_CONTINUOUS:  # capped or not: the week's running
        planned = level
        level, items, on, weekly = _weekly_limit(level, items, ctx, on)
        is_capped = prescribe(level, cap, rules)[1]
        if level < planned:  # the week's running decides, not the step up it would have been
            flags = [f for f in flags if f != "up"] + ["hold:weekly"]
            reasons = [r for r in reasons if not r.startswith("Up one level")]
    if is_capped:
        assert cap is not None
        flags.append(f"leak-cap:{cap.cap_s}s")
        reasons.append(cap.reason(rules))
    elif cap is not None and ctx.runs and _ran_capped(ctx.runs[-1], rules):
        reasons.append(
            f"Run intervals are no longer capped at level {level}: the leak cap "
            f"({clock(cap.cap_s)}) is past its {clock(rules.level(level).longest_run_s)} "
            "intervals."
        )
    if ctx.cap_ended:
        reasons.append(ctx.cap_ended)
    if weekly:
        reasons.append(weekly)
    phase = PHASE_RUN_WALK if is_capped else rules.level(level).phase
    for flag, why in ctx.refer:
        flags.append(flag)
        reasons.append(why)
    workout = Workout(f"runback L{level} {on}", on, items)
    return Decision(
        on, phase, level, workout, tuple(reasons), tuple(flags), cap.cap_s if cap else None
    )


def _from_last_run(ctx: Context, flags: list[str], reasons: list[str]) -> int | None:
    """The level after her latest run (None: walk), appending flags and reasons."""
    rules, on = ctx.rules, ctx.on
    last = ctx.runs[-1]
    level = last.level or rules.first_run_level
    flag_day = _last_red_flag(ctx.notes)
    gap = (on - last.day).days
    if flag_day is not None and flag_day >= last.day:
        level = _resume_level(ctx, last, level, flag_day, reasons)
        flags.append("resume")
    if ctx.restart_on is not None and last.day <= ctx.restart_on:
        level = rules.first_run_level
        if "resume" not in flags:
            flags.append("resume")
        reasons.append(
            f"Cleared on {day_month(ctx.restart_on)} after leaking too early in a run "
            f"interval for a cap: running starts again at the first run/walk level (level "
            f"{level}); stop if anything leaks."
        )
    walked = _clean_walk_after(ctx, last)
    if "resume" not in flags and walked is not None and level == rules.first_run_level:
        reasons.append(
            f"A symptom-free walk on {day_month(walked)} after the step down: run/walk again "
            f"at level {level}. Stop if anything leaks or hurts."
        )
        return level
    if gap >= rules.break_days:
        lower = level
        for _ in range(gap // rules.break_days):
            lower = _step_down(lower, ctx) or lower
        flags.append("break")
        if lower < level:
            how = f"level {lower}, one step easier for every {rules.break_days} days off"
        else:
            how = f"level {lower}, the first run/walk level: there is none easier"
        reasons.append(
            f"{_weeks(gap)} without running since {day_month(last.day)}: resuming at {how}."
        )
        return lower
    if "resume" in flags:
        return level
    note = ctx.by_activity.get(last.activity_id)
    if note is None:
        flags.append("hold:no-entry")
        reasons.append(
            f"No entry for the run on {day_month(last.day)}: log how it went to move on "
            "(runback symptoms log)."
        )
        return level
    return _respond(ctx, last, note, level, flags, reasons)


def _resume_level(
    ctx: Context, last: SessionRecord, level: int, flag_day: date, reasons: list[str]
) -> int:
    """After a red flag and a new clearance: no harder than what her last run had earned
    before the flag (a step down it had already brought stays), and one step easier when
    the flag came with that run or the day after it."""
    rules = ctx.rules
    note = ctx.by_activity.get(last.activity_id)
    earned = level
    if note is not None:
        answer = _respond(ctx, last, note, level, [], [])
        earned = min(level, answer if answer is not None else rules.first_run_level)
    tied = any(
        a.red_flags
        for a in ctx.notes
        if a.activity_id == last.activity_id
        or (a.activity_id is None and last.day <= a.on <= last.day + timedelta(days=1))
    )
    resumed = earned
    if tied:
        resumed = _step_down(earned, ctx) or rules.first_run_level
        if resumed < level:
            how = f"level {resumed}, easier than the run on {day_month(last.day)} before it"
        else:  # nothing lower to go to
            how = f"level {resumed}, the first run/walk level: there is none easier"
    elif earned < level:
        how = f"level {resumed}, the step down her run on {day_month(last.day)} had brought"
    else:
        how = f"level {resumed}, as before it"
    reasons.append(
        f"Running again after the red flag on {day_month(flag_day)} and a new clearance: "
        f"{how}; moving up starts again from here."
    )
    return resumed


def _respond(
    ctx: Context,
    last: SessionRecord,
    note: Assessment,
    level: int,
    flags: list[str],
    reasons: list[str],
) -> int | None:
    """Level from the last run and its entry (and a day entry about it the next day)."""
    rules, cap = ctx.rules, ctx.cap
    after = [
        a
        for a in ctx.notes
        if a.activity_id is None and last.day <= a.on <= last.day + timedelta(days=1)
    ]
    if any(k in ("pain", "pain-next-day") for a in (note, *after) for k in a.step_back):
        why = (
            f"pain above {rules.symptoms.step_back_pain}/10 with or after the run on "
            f"{day_month(last.day)} says the load was too much"
        )
        return _down(ctx, level, "down:pain", why, flags, reasons)
    placed = note.leak is not None and note.leak.into_interval_s is not None
    if note.trend == "worse" and not (placed and cap is not None):
        why = (
            "leaking started earlier than last time"
            if "leak-earlier" in note.step_back
            else "symptoms were clearly worse than in recent sessions"
        )
        return _down(ctx, level, "down:worse", f"{why} ({day_month(last.day)})", flags, reasons)
    if placed and cap is not None:
        flags.append("hold:leak")
        shorter = (
            ""
            if cap.binds(rules.level(level).longest_run_s)
            else (f"; this level's run intervals are already under {clock(cap.cap_s)}")
        )
        reasons.append(f"Level held after leaking on {day_month(last.day)}{shorter}.")
        return level
    if note.fatigue:
        signs = ", ".join(note.fatigue)
        flags.append("hold:fatigue")
        reasons.append(f"Level held: signs of fatigue ({signs}); recover first.")
        return level
    if last.runs_planned:
        missed = last.runs_missed or 0
        if missed * 2 > last.runs_planned:
            why = f"{missed} of {last.runs_planned} run intervals were missed"
            return _down(ctx, level, "down:missed", why, flags, reasons)
        if (last.runs_done or 0) < last.runs_planned:
            flags.append("hold:missed")
            reasons.append(
                f"Level held: {last.runs_done} of {last.runs_planned} run intervals done."
            )
            return level
    ran_capped = _ran_capped(last, rules)
    if cap is not None and cap.binds(rules.level(level).longest_run_s):
        reasons.append("The level holds while run intervals are capped: one change at a time.")
        return level
    if ran_capped:
        reasons.append(
            f"The level holds: the run on {day_month(last.day)} had shorter run intervals "
            "than this level's, so its full intervals come first (one change at a time)."
        )
        return level
    if ctx.refer:
        flags.append("hold:refer")
        reasons.append(
            f"Level held until {PHYSIO} has seen you about the symptoms below; record it with "
            "runback profile set --cleared-on D."
        )
        return level
    ready, why = _ready_to_move_up(_since_reset(ctx), ctx.by_activity, level, ctx.on, rules)
    if ready and level + 1 < len(rules.levels):
        flags.append("up")
        reasons.append(f"Up one level: {why}.")
        return level + 1
    reasons.append(why if not ready else "At the top of the ladder: the goal is reached.")
    return level


def _ran_capped(s: SessionRecord, rules: RulesConfig) -> bool:
    """The run's plan had shorter run intervals than its level's: it ran under a cap."""
    return (
        s.level is not None
        and s.longest_run_s is not None
        and s.longest_run_s < rules.level(s.level).longest_run_s
    )


def _down(
    ctx: Context, level: int, flag: str, why: str, flags: list[str], reasons: list[str]
) -> int | None:
    flags.append(flag)
    lower = _step_down(level, ctx)
    if lower is None:
        reasons.append(
            f"Easier this time: {why}; there is no run/walk level below this one, so walk "
            "until a walk is symptom-free, then run/walk starts again."
        )
        return None
    reasons.append(f"Down to level {lower}: {why}.")
    return lower


def _step_down(level: int, ctx: Context) -> int | None:
    """The highest level below whose session is easier than this level's (less running or
    a shorter longest run, and neither more), under the cap in force; None: none is."""
    now = totals(prescribe(level, ctx.cap, ctx.rules)[0])
    for lower in range(level - 1, ctx.rules.first_run_level - 1, -1):
        t = totals(prescribe(lower, ctx.cap, ctx.rules)[0])
        not_harder = t.run_s <= now.run_s and t.longest_run_s <= now.longest_run_s
        if not_harder and (t.run_s, t.longest_run_s) != (now.run_s, now.longest_run_s):
            return lower
    return None


def _clean_walk_after(ctx: Context, last: SessionRecord) -> date | None:
    """The day of a symptom-free prescribed walk after her last run, if there is one."""
    for s in reversed(ctx.sessions):
        if s.day < last.day or s.activity_id == last.activity_id:
            break
        note = ctx.by_activity.get(s.activity_id)
        walk_level = s.level is not None and s.level <= ctx.rules.top_walk_level
        if walk_level and note is not None and note.symptom_free:
            return s.day
    return None


def _last_red_flag(notes: Sequence[Assessment]) -> date | None:
    flagged = [a.on for a in notes if a.red_flags]
    return flagged[-1] if flagged else None


def _since_reset(ctx: Context) -> list[SessionRecord]:
    """Her runs since the last red flag or long break: what counts toward moving up."""
    resets = [d for d in (_last_red_flag(ctx.notes), ctx.restart_on) if d is not None]
    runs = [s for s in ctx.runs if not resets or s.day > max(resets)]
    start = 0
    for i in range(1, len(runs)):
        if (runs[i].day - runs[i - 1].day).days >= ctx.rules.break_days:
            start = i
    return runs[start:]


def _ready_to_move_up(
    sessions: Sequence[SessionRecord],
    by_activity: dict[int, Assessment],
    level: int,
    on: date,
    rules: RulesConfig,
) -> tuple[bool, str]:
    """Enough clean sessions in a row at the level's full workout (every interval done at
    its full length, no symptoms; a run without a plan only with the level's running),
    and `days_per_level` since she came to it (the last level change, not the first
    session ever at it)."""
    streak: list[SessionRecord] = []
    for s in reversed(sessions):
        if s.level != level:
            break
        streak.append(s)
    full = rules.level(level)
    clean = 0
    for s in streak:
        note = by_activity.get(s.activity_id)
        if s.runs_planned:
            whole = s.all_done and (s.longest_run_s or full.longest_run_s) >= full.longest_run_s
        else:
            whole = s.run_s >= FREESTYLE_SHARE * full.run_s
        if note is None or not note.symptom_free or not whole:
            break
        clean += 1
    need = rules.sessions_per_level
    if clean < need:
        more = need - clean
        return False, (
            f"Level held: {more} more session{'s' if more > 1 else ''} of this level's full "
            "workout with every interval done and no symptoms to move up."
        )
    since = streak[-1].day
    if (on - since).days < rules.days_per_level:
        return False, (
            f"Level held: at most one level every {rules.days_per_level} days "
            f"(at this level since {day_month(since)})."
        )
    return True, (
        f"{clean} clean sessions in a row of level {level}'s full workout (at this level "
        f"since {day_month(since)})"
    )


def _weekly_limit(
    level: int, items: tuple[Item, ...], ctx: Context, on: date
) -> tuple[int, tuple[Item, ...], date, str | None]:
    """Continuous running: the week's running may grow by weekly_increase at most.

    The session moves to a later day (up to two weeks) until its running fits in the
    seven days ending that day, against the seven days before them, or, when she did not
    run then, against her last week of running. When no day fits, the session is the
    highest lower level whose running fits.
    """
    runs, rules = ctx.runs, ctx.rules
    planned = totals(items).run_s
    grow = 1 + rules.weekly_increase
    pct = round(rules.weekly_increase * 100)
    for shift in range(15):
        day = on + timedelta(days=shift)
        if rules.preferred_days and WEEKDAYS[day.weekday()] not in rules.preferred_days:
            continue
        this_week = sum(s.run_s for s in runs if day - timedelta(days=6) <= s.day <= day)
        last_week = _week_before(runs, day)
        if last_week == 0 or this_week + planned <= grow * last_week:
            note = (
                None
                if shift == 0
                else f"Moved to {day_month(day)}: the week's running may grow by {pct} % at most."
            )
            return level, items, day, note
    this_week = sum(s.run_s for s in runs if on - timedelta(days=6) <= s.day <= on)
    last_week = _week_before(runs, on)
    room = grow * last_week - this_week
    lower = next(
        (
            n
            for n in range(level - 1, rules.first_run_level - 1, -1)
            if totals(prescribe(n, ctx.cap, rules)[0]).run_s <= room
        ),
        rules.first_run_level,
    )
    return (
        lower,
        prescribe(lower, ctx.cap, rules)[0],
        on,
        (
            f"Level {lower} this time: the week's running may grow by {pct} % at most, and your "
            f"last week of running was {clock(last_week)}."
        ),
    )


def _week_before(runs: Sequence[SessionRecord], day: date) -> int:
    """Running in the week before the one ending on `day`; when she did not run then, in
    the seven days ending with her last run before it."""
    start = day - timedelta(days=6)
    week = sum(s.run_s for s in runs if start - timedelta(days=7) <= s.day < start)
    if week:
        return week
    earlier = [s for s in runs if s.day < start]
    if not earlier:
        return 0
    end = earlier[-1].day
    return sum(s.run_s for s in earlier if end - timedelta(days=6) <= s.day <= end)


def _weeks(days: int) -> str:
    return f"{days // 7} weeks" if days >= 14 else f"{days} days"
