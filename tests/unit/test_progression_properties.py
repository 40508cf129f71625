"""Safety properties of decide() over random histories (hypothesis)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.ladder import RulesConfig
from rules.profile import READINESS_ITEMS, Profile, ReadinessLog, readiness
from rules.progression import SessionRecord, decide, leak_cap
from rules.symptoms import Assessment, LeakPoint, SymptomEntry, assess

RULES = RulesConfig()
TOP = len(RULES.levels) - 1
TODAY = date(2026, 10, 1)


@st.composite
def histories(draw: st.DrawFn) -> dict[str, object]:
    weeks = draw(st.floats(6, 40))
    born = TODAY - timedelta(days=round(weeks * 7))
    clearances = tuple(
        TODAY - timedelta(days=d) for d in draw(st.lists(st.integers(0, 60), max_size=3))
    )
    ready = draw(st.integers(0, 4)) > 0  # mostly passed, so that running gets exercised
    sittings = (
        [ReadinessLog(TODAY - timedelta(days=30), frozenset(READINESS_ITEMS))] if ready else []
    )
    n = draw(st.integers(0, 12))
    days = sorted(draw(st.lists(st.integers(0, 60), min_size=n, max_size=n)), reverse=True)
    rng = random.Random(draw(st.integers(0, 10**6)))
    sessions, notes, entries = [], [], []
    for i, ago in enumerate(days):
        planned = rng.choice([0, 1, 4, 5])
        done = rng.randint(0, planned)
        missed = rng.randint(0, planned - done)
        s = SessionRecord(
            day=TODAY - timedelta(days=ago),
            activity_id=i + 1,
            run_s=rng.choice([0, 150, 600, 900, 1200]),
            level=rng.choice([None, *range(TOP + 1)]),
            runs_planned=planned,
            runs_done=done,
            runs_missed=missed,
        )
        sessions.append(s)
        if rng.random() < 0.2:
            continue  # no entry for this run
        leak_into = rng.choice([None, None, 10, 20, 45, 90])
        point = None
        if leak_into is not None:
            at = datetime.combine(s.day, datetime.min.time(), UTC)
            point = LeakPoint(at, 2, 1, "run", leak_into, leak_into)
        entry = SymptomEntry(
            on=s.day,
            leak="leak" if point else rng.choice(["none", "none", "drops"]),
            leak_point=point,
            pain=rng.choice([None, 0, 1, 2, 3]) if rng.random() > 0.03 else 5,
            heaviness=rng.choice([None, 0, 1, 2]) if rng.random() > 0.03 else 3,
            bleeding=rng.random() < 0.02,
            pain_next_day=rng.random() < 0.1,
            rpe=rng.choice([None, 4, 9]),
            activity_id=s.activity_id,
        )
        notes.append(assess(entry, entries))
        entries.append(entry)
    return {
        "profile": Profile(born, None, clearances),
        "readiness": readiness(sittings),
        "sessions": sessions,
        "notes": notes,
    }


def run_s(decision: object) -> int:
    workout = getattr(decision, "workout", None)
    return 0 if workout is None else workout.totals.run_s


def longest(decision: object) -> int:
    workout = getattr(decision, "workout", None)
    return 0 if workout is None else workout.totals.longest_run_s


def decide_for(h: dict[str, object]) -> object:
    return decide(h["profile"], h["readiness"], h["sessions"], h["notes"], TODAY, RULES)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(histories())
def test_the_gates_and_red_flags_always_hold(h: dict[str, object]) -> None:
    d = decide_for(h)
    profile: Profile = h["profile"]  # type: ignore[assignment]
    notes: list[Assessment] = h["notes"]  # type: ignore[assignment]
    weeks = profile.weeks_postpartum(TODAY) or 0
    cleared = profile.latest_clearance(TODAY)
    if weeks < 12 or cleared is None or not h["readiness"].passed:  # type: ignore[attr-defined]
        assert run_s(d) == 0
    flagged = [a.on for a in notes if a.red_flags]
    if flagged and (cleared is None or cleared <= max(flagged)):
        assert d.phase == "paused"  # type: ignore[attr-defined]
        assert run_s(d) == 0


@settings(max_examples=300, deadline=None)
@given(histories())
def test_never_a_run_interval_above_the_leak_cap(h: dict[str, object]) -> None:
    d = decide_for(h)
    sessions: list[SessionRecord] = sorted(h["sessions"], key=lambda s: (s.day, s.activity_id))  # type: ignore[arg-type]
    by_activity = {a.activity_id: a for a in h["notes"]}  # type: ignore[attr-defined]
    cap, _ = leak_cap(sessions, by_activity, RULES)
    if cap is not None:
        assert longest(d) <= cap


@settings(max_examples=300, deadline=None)
@given(histories())
def test_never_harder_than_the_last_session_after_worse_pain_or_a_red_flag(
    h: dict[str, object],
) -> None:
    d = decide_for(h)
    sessions: list[SessionRecord] = sorted(h["sessions"], key=lambda s: (s.day, s.activity_id))  # type: ignore[arg-type]
    if not sessions or sessions[-1].level is None:
        return
    last = sessions[-1]
    by_activity = {a.activity_id: a for a in h["notes"]}  # type: ignore[attr-defined]
    a = by_activity.get(last.activity_id)
    if a is None:
        return
    if a.trend == "worse" or a.step_back or a.red_flags:
        assert longest(d) <= RULES.level(last.level).longest_run_s  # type: ignore[arg-type]
        assert d.level <= max(last.level, RULES.first_run_level)  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(histories())
def test_never_more_than_one_level_up_in_seven_days(h: dict[str, object]) -> None:
    """Above the highest level she has run, only by one, and only after 7 days there."""
    d = decide_for(h)
    on = d.on  # type: ignore[attr-defined]
    levels = [s for s in h["sessions"] if s.level is not None]  # type: ignore[attr-defined]
    if not levels or d.phase not in ("walk", "run-walk", "continuous"):  # type: ignore[attr-defined]
        return
    highest = max(s.level for s in levels)
    if d.level > highest and d.level > RULES.first_run_level:  # type: ignore[attr-defined]
        assert d.level == highest + 1  # type: ignore[attr-defined]
        assert any(s.level == highest and s.day <= on - timedelta(days=7) for s in levels)


@settings(max_examples=300, deadline=None)
@given(histories())
def test_continuous_weekly_running_grows_ten_percent_at_most(h: dict[str, object]) -> None:
    d = decide_for(h)
    if d.phase != "continuous":  # type: ignore[attr-defined]
        return
    on = d.on  # type: ignore[attr-defined]
    sessions: list[SessionRecord] = h["sessions"]  # type: ignore[assignment]
    this_week = sum(s.run_s for s in sessions if on - timedelta(days=6) <= s.day <= on)
    last_week = sum(
        s.run_s for s in sessions if on - timedelta(days=13) <= s.day <= on - timedelta(days=7)
    )
    if last_week:
        assert this_week + run_s(d) <= 1.1 * last_week + 1e-9


@settings(max_examples=100, deadline=None)
@given(histories(), st.randoms())
def test_same_inputs_same_decision_in_any_order(h: dict[str, object], rng: random.Random) -> None:
    first = decide_for(h)
    shuffled = dict(h)
    sessions = list(h["sessions"])  # type: ignore[call-overload]
    notes = list(h["notes"])  # type: ignore[call-overload]
    rng.shuffle(sessions)
    rng.shuffle(notes)
    shuffled["sessions"], shuffled["notes"] = sessions, notes
    assert decide_for(shuffled) == first
    assert decide_for(h) == first


@settings(max_examples=300, deadline=None)
@given(histories())
def test_the_session_is_never_in_the_past_and_after_a_rest_day(h: dict[str, object]) -> None:
    d = decide_for(h)
    assert d.on >= TODAY  # type: ignore[attr-defined]
    past = [s.day for s in h["sessions"] if s.day <= TODAY]  # type: ignore[attr-defined]
    if past:
        assert d.on >= max(past) + timedelta(days=2)  # type: ignore[attr-defined]
