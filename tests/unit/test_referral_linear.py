"""Issue 16: referrals are found in one pass over her runs (a sliding count, a moving
cut for "weeks earlier"), and say exactly what the window-by-window reading said."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.ladder import RulesConfig
from rules.referral import _WORDS, PHYSIO, REPEAT_SLACK_S, SOURCE, referrals
from rules.sessions import SessionRecord, clock, day_month
from rules.symptoms import Assessment, LeakPoint


def naive(
    runs: Sequence[SessionRecord], by_activity: dict[int, Assessment], rules: RulesConfig,
    clearances: Sequence[date],
) -> list[tuple[str, str]]:  # fmt: skip
    """What rules.referral did before issue 16: each window counted anew, each leak
    compared with a fresh list of the ones weeks before."""
    seen = max(clearances, default=None)
    noted = [(s, by_activity[s.activity_id]) for s in runs
             if s.activity_id in by_activity and (seen is None or s.day > seen)]  # fmt: skip
    out = []
    size = rules.refer_window_runs
    for sign, (name, guidance) in _WORDS.items():
        for end in range(len(noted)):
            window = noted[max(0, end + 1 - size) : end + 1]
            hits = sum(1 for _, note in window if sign in note.signs)
            if hits >= rules.refer_after_runs:
                out.append((
                    f"refer:{sign}",
                    f"{name} in {hits} of {len(window)} runs up to "
                    f"{day_month(noted[end][0].day)}: the guidance ({SOURCE}) asks that "
                    f"{guidance} is assessed by {PHYSIO}; please book an appointment.",
                ))  # fmt: skip
                break
    leaks = [(s.day, n.leak.into_interval_s) for s, n in noted
             if n.leak is not None and n.leak.run_number is not None
             and n.leak.into_interval_s is not None]  # fmt: skip
    weeks = rules.refer_leak_weeks
    stalled = None
    for i, (day, onset) in enumerate(leaks):
        if i and onset <= leaks[i - 1][1] + REPEAT_SLACK_S:
            then, was = leaks[i - 1]
            stalled = (
                f"Leaking started at {clock(onset)} into a run interval on {day_month(day)}, "
                f"no later than {clock(was)} on {day_month(then)}: the guidance ({SOURCE}) asks "
                f"that leaking which does not improve is assessed by {PHYSIO}."
            )
            break
        before = [(d, o) for d, o in leaks[:i] if d <= day - timedelta(weeks=weeks)]
        if before and onset <= before[-1][1]:
            then, was = before[-1]
            stalled = (
                f"Leaking started at {clock(onset)} into a run interval on {day_month(day)}, "
                f"no later than {clock(was)} on {day_month(then)}, {weeks} or more weeks "
                f"before: the guidance ({SOURCE}) asks that leaking which does not improve is "
                f"assessed by {PHYSIO}."
            )
            break
    if stalled and not any(flag == "refer:leak" for flag, _ in out):
        out.append(("refer:leak", stalled))
    return out


RUN = st.tuples(
    st.integers(0, 6),  # days after the one before
    st.booleans(),  # an entry for it
    st.sets(st.sampled_from(sorted(_WORDS))),  # the signs it had
    st.one_of(st.none(), st.integers(5, 400)),  # seconds into a run interval leaking began
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(RUN, max_size=40),
    st.integers(1, 3),
    st.integers(5, 8),
    st.integers(1, 4),
    st.one_of(st.none(), st.integers(0, 120)),
)
def test_one_pass_finds_the_referrals_the_window_by_window_reading_found(
    rows: list[tuple[int, bool, set[str], int | None]],
    after: int, window: int, weeks: int, cleared_after: int | None,
) -> None:  # fmt: skip
    rules = RulesConfig(refer_after_runs=after, refer_window_runs=window, refer_leak_weeks=weeks)
    day = date(2026, 3, 2)
    runs, notes = [], {}
    for n, (gap, logged, signs, into) in enumerate(rows, start=1):
        day += timedelta(days=gap)
        runs.append(SessionRecord(day=day, activity_id=n, run_s=600))
        if logged:
            leak = None
            if into is not None:
                at = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
                leak = LeakPoint(at, 2, 1, "run", into, into)
            notes[n] = Assessment(
                on=day, red_flags=(), step_back=(), fatigue=(), leak=leak, trend=None,
                symptom_free=not signs, activity_id=n, signs=tuple(sorted(signs)),
            )  # fmt: skip
    clearances = [] if cleared_after is None else [date(2026, 3, 2) + timedelta(cleared_after)]
    assert referrals(runs, notes, rules, clearances) == naive(runs, notes, rules, clearances)
