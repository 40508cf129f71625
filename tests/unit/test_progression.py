"""Every gate and rule of the progression, on hand-made histories (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rules.ladder import RulesConfig
from rules.profile import READINESS_ITEMS, Profile, ReadinessLog, readiness
from rules.progression import Decision, SessionRecord, decide
from rules.symptoms import Assessment, LeakPoint, SymptomEntry, assess

RULES = RulesConfig()
FIRST = RULES.first_run_level  # 3: after walk 20m, 25m, 30m
BORN = date(2026, 6, 1)
TODAY = date(2026, 10, 1)  # 17.4 weeks
CLEARED = Profile(BORN, "vaginal", (date(2026, 9, 1),))
PASSED = readiness([ReadinessLog(date(2026, 9, 2), frozenset(READINESS_ITEMS))])
NOT_PASSED = readiness([])


def run(
    day: int,
    level: int | None = FIRST,
    done: int = 5,
    planned: int = 5,
    missed: int = 0,
    run_s: int = 150,
    activity: int | None = None,
) -> SessionRecord:
    return SessionRecord(
        day=TODAY - timedelta(days=day),
        activity_id=activity if activity is not None else 1000 - day,
        run_s=run_s,
        level=level,
        runs_planned=planned,
        runs_done=done,
        runs_missed=missed,
    )


def note(
    session: SessionRecord,
    history: list[SymptomEntry] | None = None,
    leak_into: int | None = None,
    **kwargs: object,
) -> Assessment:
    point = None
    if leak_into is not None:
        at = datetime.combine(session.day, datetime.min.time(), UTC)
        point = LeakPoint(at, 6, 3, "run", leak_into, 60 + leak_into)
    leak = kwargs.pop("leak", "leak" if leak_into is not None else "none")
    entry = SymptomEntry(
        on=session.day,
        leak=leak,
        activity_id=session.activity_id,
        leak_point=point,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    return assess(entry, history or [])


def clean(session: SessionRecord) -> Assessment:
    return note(session)


def decide_now(
    sessions: list[SessionRecord],
    notes: list[Assessment],
    profile: Profile | None = CLEARED,
    ready: object = PASSED,
    today: date = TODAY,
    rules: RulesConfig = RULES,
) -> Decision:
    return decide(profile, ready, sessions, notes, today, rules)  # type: ignore[arg-type]


# --- gates -------------------------------------------------------------------------------------


def test_no_profile_is_not_ready_and_says_what_to_set() -> None:
    d = decide_now([], [], profile=None)
    assert (d.phase, d.workout, d.flags) == ("not-ready", None, ("gate:profile",))
    assert "--birth-date" in d.reasons[0]


@pytest.mark.parametrize(
    ("profile", "ready", "flag"),
    [
        (Profile(date(2026, 7, 20), None, (date(2026, 9, 1),)), PASSED, "gate:weeks"),
        (Profile(BORN), PASSED, "gate:clearance"),
        (CLEARED, NOT_PASSED, "gate:readiness"),
    ],
)
def test_each_closed_gate_means_walking(profile: Profile, ready: object, flag: str) -> None:
    d = decide_now([], [], profile=profile, ready=ready)
    assert d.phase == "walk"
    assert d.flags == (flag,)
    assert d.workout is not None
    assert d.workout.totals.run_s == 0


def test_the_gate_reasons_say_what_to_do_next() -> None:
    d = decide_now([], [], profile=Profile(date(2026, 7, 20)), ready=NOT_PASSED)
    text = " ".join(d.reasons)
    assert "10.4 weeks since the birth" in text
    assert "2026-10-12" in text  # the day 12 weeks are reached
    assert "pelvic health physiotherapist" in text
    assert "still to pass: walk, balance, squat, jog, hop, heel-raise, bound" in text


def test_when_the_gates_open_the_first_session_is_the_first_run_walk_level() -> None:
    d = decide_now([], [])
    assert (d.phase, d.level) == ("run-walk", FIRST)
    assert d.workout is not None
    assert d.workout.spec == "walk 5m, 5x(run 30s, walk 4m30s), walk 5m"


def test_walking_levels_step_up_after_clean_sessions_a_week_apart() -> None:
    walks = [run(10, level=0, planned=0, done=0), run(3, level=0, planned=0, done=0)]
    d = decide_now(walks, [clean(s) for s in walks], ready=NOT_PASSED)
    assert (d.phase, d.level) == ("walk", 1)
    assert "up" in d.flags


# --- red flags -------------------------------------------------------------------------------


def test_a_red_flag_pauses_running_until_a_later_clearance() -> None:
    last = run(2)
    bleeding = note(last, bleeding=True)
    d = decide_now([last], [bleeding])
    assert d.phase == "paused"
    assert d.flags == ("red-flag:bleeding",)
    assert d.workout is not None
    assert d.workout.totals.run_s == 0
    assert "pelvic health physiotherapist" in d.reasons[0]
    cleared_again = Profile(BORN, "vaginal", (date(2026, 9, 1), TODAY))
    resumed = decide_now([last], [bleeding], profile=cleared_again)
    assert resumed.phase == "run-walk"
    assert resumed.level <= last.level  # type: ignore[operator]
    assert "resume" in resumed.flags


@pytest.mark.parametrize(
    ("kwargs", "flag"), [({"pain": 5}, "red-flag:pain"), ({"heaviness": 3}, "red-flag:heaviness")]
)
def test_pain_and_heaviness_red_flags(kwargs: dict[str, object], flag: str) -> None:
    last = run(2)
    assert decide_now([last], [note(last, **kwargs)]).flags == (flag,)


def test_a_red_flag_on_a_day_without_a_run_also_pauses() -> None:
    last = run(3)
    day = assess(SymptomEntry(on=TODAY - timedelta(days=1), leak="none", bleeding=True), [])
    assert decide_now([last], [clean(last), day]).phase == "paused"


# --- the ladder --------------------------------------------------------------------------------


def test_no_entry_for_the_last_run_holds() -> None:
    d = decide_now([run(9), run(2)], [clean(run(9))])
    assert (d.level, d.flags) == (FIRST, ("hold:no-entry",))
    assert "log how it went" in d.reasons[0]


def test_two_clean_sessions_a_week_apart_move_up_one_level() -> None:
    sessions = [run(9), run(2)]
    d = decide_now(sessions, [clean(s) for s in sessions])
    assert (d.level, d.flags) == (FIRST + 1, ("up",))


def test_at_most_one_level_per_seven_days() -> None:
    sessions = [run(4), run(2)]
    d = decide_now(sessions, [clean(s) for s in sessions])
    assert d.level == FIRST
    assert "at most one level every 7 days" in d.reasons[0]


def test_a_leak_caps_the_run_intervals_and_keeps_the_running_within_the_session_bound() -> None:
    last = run(2, level=FIRST + 2)  # 5x(run 2m, walk 3m): 10 min of running
    d = decide_now([last], [note(last, leak_into=50)])  # 80 % of 50 s = 40 s
    assert "leak-cap:40s" in d.flags
    assert d.workout is not None
    # Intervals at the cap with the level's own 3 min walks, as many as fit in 40 minutes.
    assert d.workout.spec == "walk 5m, 8x(run 40s, walk 3m), walk 5m"
    assert d.leak_cap_s == 40


def test_a_cap_under_fifteen_seconds_means_walking_and_a_physio() -> None:
    last = run(2)
    d = decide_now([last], [note(last, leak_into=15)])  # 12 s -> 10 s, under the floor
    assert d.phase == "walk"
    assert d.flags == ("refer:leak", "leak-cap:10s")
    assert "pelvic health physiotherapist" in d.reasons[0]


def test_the_cap_lifts_by_a_small_step_after_clean_runs_at_the_cap() -> None:
    leaky = run(20, level=FIRST + 2)
    at_cap = [
        SessionRecord(TODAY - timedelta(days=d), 1000 - d, 600, FIRST + 2, 15, 15, 0, 40)
        for d in (16, 12)
    ]
    notes = [note(leaky, leak_into=50), clean(at_cap[0]), clean(at_cap[1])]
    d = decide_now([leaky, *at_cap], notes)
    assert d.leak_cap_s == 50  # 40 s + 15 s, but never past the onset (50 s) yet


def test_leaking_earlier_than_last_time_lowers_the_cap_and_holds_the_level() -> None:
    before, last = run(9, level=FIRST + 2), run(2, level=FIRST + 2)
    first = note(before, leak_into=60)
    entry_before = SymptomEntry(
        before.day, "leak", activity_id=before.activity_id, leak_point=first.leak
    )
    d = decide_now([before, last], [first, note(last, [entry_before], leak_into=40)])
    assert d.level == FIRST + 2
    assert d.leak_cap_s == 30
    assert "hold:leak" in d.flags


@pytest.mark.parametrize("kwargs", [{"pain": 3}, {"pain_next_day": True}])
def test_pain_below_the_red_flag_steps_down(kwargs: dict[str, object]) -> None:
    last = run(2, level=FIRST + 1)
    d = decide_now([last], [note(last, **kwargs)])
    assert (d.level, d.flags) == (FIRST, ("down:pain",))


def test_fatigue_holds() -> None:
    sessions = [run(9), run(2)]
    d = decide_now(sessions, [clean(sessions[0]), note(sessions[1], rpe=9)])
    assert (d.level, d.flags) == (FIRST, ("hold:fatigue",))


def test_missed_intervals_hold_or_step_down_when_most_were_missed() -> None:
    some = run(2, level=FIRST + 1, done=4, missed=1)
    assert decide_now([some], [clean(some)]).flags == ("hold:missed",)
    most = run(2, level=FIRST + 1, done=1, missed=3)
    d = decide_now([most], [clean(most)])
    assert (d.level, d.flags) == (FIRST, ("down:missed",))


# --- dates and the continuous phase -----------------------------------------------------------


def test_the_next_session_is_after_a_rest_day_never_in_the_past() -> None:
    assert decide_now([run(0)], [clean(run(0))]).on == TODAY + timedelta(days=2)
    assert decide_now([run(5)], [clean(run(5))]).on == TODAY


def test_preferred_days_are_kept() -> None:
    rules = RulesConfig(preferred_days=("sat",))
    d = decide_now([run(5)], [clean(run(5))], rules=rules)
    assert d.on.weekday() == 5
    assert d.on >= TODAY


def test_continuous_running_grows_the_week_by_ten_percent_at_most() -> None:
    top = RULES.levels[-1].number
    cont = FIRST + len(RULES.run_walk_levels)  # the first continuous level
    sessions = [run(d, level=cont, planned=1, done=1, run_s=990) for d in (12, 10, 8)]
    sessions += [run(d, level=cont, planned=1, done=1, run_s=990) for d in (5, 3, 1)]
    d = decide_now(sessions, [clean(s) for s in sessions])
    assert d.phase == "continuous"
    assert d.workout is not None
    planned = d.workout.totals.run_s
    this_week = sum(s.run_s for s in sessions if d.on - timedelta(days=6) <= s.day <= d.on)
    last_week = sum(
        s.run_s for s in sessions if d.on - timedelta(days=13) <= s.day <= d.on - timedelta(days=7)
    )
    assert this_week + planned <= 1.1 * last_week
    assert d.on > TODAY + timedelta(days=1)  # moved to keep the week within 10 %
    assert top > cont


# --- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_weeks_postpartum": 10}, "min_weeks_postpartum may not be below 12"),
        ({"leak_cap_fraction": 0.9}, "leak_cap_fraction may be 0.1..0.8"),
        ({"leak_cap_floor_s": 10}, "leak_cap_floor_s may be 15..600"),
        ({"rest_days": 0}, "rest_days may be 1..6"),
        ({"weekly_increase": 0.2}, "weekly_increase may be up to 0.10"),
        ({"days_per_level": 3}, "days_per_level may be 7..60"),
        ({"run_walk_levels": ("walk 5m, run 2m", "walk 5m, run 1m")}, "must not shorten"),
        ({"walk_levels": ("walk 5m, run 1m",)}, "a walking level cannot hold a run"),
        ({"preferred_days": ("someday",)}, "unknown day 'someday'"),
    ],
)
def test_configuration_cannot_loosen_a_safety_value(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RulesConfig(**kwargs)  # type: ignore[arg-type]


def test_stricter_configuration_is_accepted() -> None:
    strict = RulesConfig(min_weeks_postpartum=16, leak_cap_fraction=0.6, rest_days=2)
    d = decide_now(
        [], [], profile=Profile(date(2026, 6, 20), None, (date(2026, 9, 1),)), rules=strict
    )
    assert d.flags == ("gate:weeks",)
