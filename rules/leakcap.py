"""The leak cap: run intervals kept short of where leaking started, lifted only by evidence.

The seed guide: "if leaking starts after a few minutes of running, run up to that point,
walk, repeat", then extend gradually. A leak t seconds into a run interval caps run
intervals at `leak_cap_fraction` x t (rounded down to 5 s). The cap rises only after
`leak_cap_lift_sessions` clean runs in a row *at the cap* (capped sessions, every interval
done, no symptoms), by a small step, and never past the onset t before she has run clean
at t itself. Walks never lift it. A cap under `leak_cap_floor_s` means walking and a
pelvic health physiotherapist until a clearance dated after that leak.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from rules.ladder import RulesConfig
from rules.sessions import SessionRecord, clock, day_month
from rules.symptoms import Assessment
from rules.workout import Item, Repeat, Step, flatten

PHYSIO = "a pelvic health physiotherapist"
REPEAT_SLACK_S = 5  # reading the watch: an onset within 5 s of the one before is no later


@dataclass(frozen=True)
class LeakCap:
    """The cap in force and the facts its reason cites."""

    cap_s: int
    onset_s: int  # where leaking started, seconds into a run interval
    onset_on: date  # the day of that leak
    raised_from_s: int | None = None  # the cap before the last lift; None: set by a leak
    clean_at_cap: int = 0  # clean runs at the cap since it was set or last raised
    held: bool = False  # the last leak started above the cap, which stays as it was
    # Leaking started again no later than the time before: the cap goes no higher than
    # that onset until a clinician has seen her (a clearance dated after it).
    ceiling_s: int | None = None
    earlier_s: int | None = None  # the onset of the leak before, for the reason
    earlier_on: date | None = None
    beyond: int = 0  # clean runs in a row at a cap past the onset (enough: the cap ends)
    restarted_on: date | None = None  # a clearance after a cap under its floor: from the floor

    def binds(self, longest_run_s: int) -> bool:
        return longest_run_s > self.cap_s

    def reason(self, rules: RulesConfig) -> str:
        need = rules.leak_cap_lift_sessions
        more = need - self.clean_at_cap
        left = f"{more} more clean run{'s' if more != 1 else ''} at {clock(self.cap_s)} raise it"
        if self.ceiling_s is not None:
            again = (
                f"leaking started at {clock(self.onset_s)} on {day_month(self.onset_on)}, no "
                f"later than {clock(self.earlier_s or 0)} on "
                f"{day_month(self.earlier_on or self.onset_on)}"
            )
            if self.cap_s >= self.ceiling_s:
                return (
                    f"Run intervals stay at most {clock(self.cap_s)}: {again}; they lengthen "
                    f"again once {PHYSIO} has seen you (runback profile set --cleared-on D)."
                )
            left += f", up to {clock(self.ceiling_s)} at most ({again})"
        if self.restarted_on is not None and self.raised_from_s is None:
            return (
                f"Run intervals at most {clock(self.cap_s)}, the shortest runback gives, after "
                f"the clearance on {day_month(self.restarted_on)} (leaking started at "
                f"{clock(self.onset_s)} on {day_month(self.onset_on)}); {left}."
            )
        if self.held:
            return (
                f"Run intervals stay at most {clock(self.cap_s)}: leaking started at "
                f"{clock(self.onset_s)} into a run interval on {day_month(self.onset_on)}, "
                f"above the cap; {left}."
            )
        if self.raised_from_s is None:
            pct = round(rules.leak_cap_fraction * 100)
            return (
                f"Run intervals at most {clock(self.cap_s)} ({pct} % of {clock(self.onset_s)}, "
                f"where leaking started on {day_month(self.onset_on)}); "
                f"{left}."
            )
        return (
            f"Leak cap raised from {clock(self.raised_from_s)} to {clock(self.cap_s)} after "
            f"{need} clean run{'s' if need != 1 else ''} at {clock(self.raised_from_s)} "
            f"(leaking started at {clock(self.onset_s)} on {day_month(self.onset_on)}); "
            f"{left}."
        )


@dataclass(frozen=True)
class CapState:
    """The cap in force (None: none), and the day of the clearance that last ended a cap
    under its floor (she starts again from the first run/walk level after it)."""

    cap: LeakCap | None
    restart_on: date | None = None
    ended: tuple[date, LeakCap] | None = None  # the day clean runs ended a cap, and that cap

    def ended_reason(self, rules: RulesConfig) -> str:
        assert self.ended is not None
        _, cap = self.ended
        return (
            f"The leak cap has ended: {rules.leak_cap_clear_runs} clean runs in a row with run "
            f"intervals past {clock(cap.onset_s)}, where leaking started on "
            f"{day_month(cap.onset_on)}. Stop and walk if it comes back."
        )


def cap_state(
    runs: Sequence[SessionRecord],
    by_activity: dict[int, Assessment],
    rules: RulesConfig,
    clearances: Iterable[date] = (),
) -> CapState:
    """Replay her runs: leaks set the cap, clean runs at the cap lift it. A clearance dated
    after the leak that put the cap under its floor ends that cap: she has been seen."""
    cleared = sorted(clearances)
    cap: LeakCap | None = None
    restart: date | None = None
    ended: tuple[date, LeakCap] | None = None
    for s in runs:
        if cap is not None and (c := _cleared_after(cap, cleared, s.day, rules)):
            cap, restart = _restart(cap, c, rules), c
        if (
            cap is not None
            and cap.ceiling_s is not None
            and any(cap.onset_on < c <= s.day for c in cleared)
        ):
            cap = replace(cap, ceiling_s=None)  # seen since it started again
        note = by_activity.get(s.activity_id)
        if note is None:
            continue
        point = note.leak
        if point is not None and point.into_interval_s is not None and point.run_number is not None:
            onset = point.into_interval_s
            new = int(rules.leak_cap_fraction * onset) // 5 * 5
            before = cap
            if cap is None or new < cap.cap_s:
                cap = LeakCap(new, onset, s.day)
            else:  # leaking above the cap: the cap holds, and may not pass this onset
                cap = replace(
                    cap, onset_s=onset, onset_on=s.day, clean_at_cap=0, held=True, ceiling_s=None
                )
            if before is not None and onset <= before.onset_s + REPEAT_SLACK_S:
                cap = replace(
                    cap,
                    ceiling_s=min(onset, before.ceiling_s or onset),
                    earlier_s=before.onset_s,
                    earlier_on=before.onset_on,
                )
        elif cap is not None:
            after = _after_run(cap, s, note, rules)
            if after is None:
                ended = (s.day, cap)
            cap = after
    if cap is not None and (c := _cleared_after(cap, cleared, date.max, rules)):
        cap, restart = _restart(cap, c, rules), c
    if cap is not None and cap.ceiling_s is not None and any(cap.onset_on < c for c in cleared):
        cap = replace(cap, ceiling_s=None)
    return CapState(cap, restart, ended if cap is None else None)


def _restart(cap: LeakCap, cleared_on: date, rules: RulesConfig) -> LeakCap:
    """Seen and cleared after a leak too early for a cap: running starts again with run
    intervals at the floor, lengthened only by clean runs, never past the onset unearned."""
    return LeakCap(rules.leak_cap_floor_s, cap.onset_s, cap.onset_on, restarted_on=cleared_on)


def _cleared_after(
    cap: LeakCap, cleared: Sequence[date], until: date, rules: RulesConfig
) -> date | None:
    """The first clearance after the leak of a cap under its floor, up to `until`."""
    if cap.cap_s >= rules.leak_cap_floor_s:
        return None
    return next((c for c in cleared if cap.onset_on < c <= until), None)


def _after_run(
    cap: LeakCap, s: SessionRecord, note: Assessment, rules: RulesConfig
) -> LeakCap | None:
    """A run without a placed leak: a clean capped run at the cap counts toward a lift.
    A cap under its floor is never lifted by runs: only a clearance ends it."""
    if cap.cap_s < rules.leak_cap_floor_s:
        return cap
    at_cap = (
        s.longest_run_s is not None
        and s.longest_run_s >= cap.cap_s
        and s.level is not None
        and rules.level(s.level).longest_run_s > cap.cap_s
    )
    if not note.symptom_free or (at_cap and not s.all_done):
        return replace(cap, clean_at_cap=0, beyond=0)
    past = s.all_done and (s.longest_run_s or 0) > cap.onset_s and cap.ceiling_s is None
    beyond = cap.beyond + 1 if past else cap.beyond
    if beyond >= rules.leak_cap_clear_runs:
        return None  # dry well past where it started, again and again: the cap has done its work
    if not at_cap:
        return replace(cap, beyond=beyond)  # a run under the cap does not lift it
    clean = cap.clean_at_cap + 1
    if clean < rules.leak_cap_lift_sessions:
        return replace(cap, clean_at_cap=clean, beyond=beyond)
    if cap.ceiling_s is not None and cap.cap_s >= cap.ceiling_s:
        return cap  # no higher until she has been seen
    step = max(rules.leak_cap_step_s, int(cap.cap_s * rules.leak_cap_step_fraction) // 5 * 5)
    raised = cap.cap_s + step
    if cap.cap_s < cap.onset_s:
        raised = min(raised, cap.onset_s)  # the onset itself before anything above it
    if cap.ceiling_s is not None:
        raised = min(raised, cap.ceiling_s)
    return replace(
        cap, cap_s=raised, raised_from_s=cap.cap_s, clean_at_cap=0, held=False, beyond=beyond
    )


def prescribe(level: int, cap: LeakCap | None, rules: RulesConfig) -> tuple[tuple[Item, ...], bool]:
    """The level's workout, or under a binding cap its running in intervals at the cap:
    warm-up, N x (run cap, walk W), a shorter last run for the rest, cool-down. W is the
    level's own recovery walk (never shorter: more impacts need no less recovery), and
    the session stays within `capped_session_max_s`, with fewer intervals if it must.
    (items, capped?)"""
    lvl = rules.level(level)
    if cap is None or not cap.binds(lvl.longest_run_s):
        return lvl.items, False
    steps = flatten(lvl.items)
    warm = steps[0].duration_s if steps[0].kind == "walk" else 0
    cool = steps[-1].duration_s if steps[-1].kind == "walk" and len(steps) > 1 else 0
    runs = [i for i, st in enumerate(steps) if st.kind == "run"]
    between = [st.duration_s for st in steps[runs[0] : runs[-1]] if st.kind == "walk"]
    walk = max(between, default=rules.capped_walk_s)
    c = cap.cap_s
    n, rest = divmod(lvl.run_s, c)
    rest = rest // 5 * 5 if rest >= 30 else 0
    budget = rules.capped_session_max_s - warm - cool
    while n > 1 and n * (c + walk) + rest > budget:
        if rest:
            rest = 0
        else:
            n -= 1
    body: list[Item] = [Step("walk", warm)] if warm else []
    pair = (Step("run", c), Step("walk", walk))
    body += [Repeat(n, pair)] if n > 1 else list(pair)
    if rest:
        body.append(Step("run", rest))
    if cool:
        body.append(Step("walk", cool))
    return tuple(body), True
