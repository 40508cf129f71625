"""What a pelvic-health physiotherapist would sign (issue 12): each numbered finding of a
whole-season review, on hand-made histories through `decide()` (pure)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from rules.ladder import RulesConfig
from rules.profile import READINESS_ITEMS, Profile, ReadinessLog, readiness
from rules.progression import Decision, SessionRecord, decide
from rules.symptoms import Assessment, LeakPoint, SymptomEntry, assess
from rules.workout import flatten

RULES = RulesConfig()
FIRST = RULES.first_run_level
TOP = RULES.levels[-1].number
BORN = date(2026, 1, 5)
CLEARED_ON = date(2026, 4, 10)
PROFILE = Profile(BORN, "vaginal", (CLEARED_ON,))
PASSED = readiness([ReadinessLog(date(2026, 4, 12), frozenset(READINESS_ITEMS))])
START = date(2026, 5, 1)


class Season:
    """A runner's history built session by session; `decide()` on demand."""

    def __init__(self, profile: Profile = PROFILE) -> None:
        self.profile = profile
        self.sessions: list[SessionRecord] = []
        self.notes: list[Assessment] = []
        self.entries: list[SymptomEntry] = []
        self.next_id = 1

    def decision(self, today: date) -> Decision:
        return decide(self.profile, PASSED, self.sessions, self.notes, today, RULES)

    def run(
        self,
        day: date,
        level: int,
        *,
        longest_s: int | None = None,
        run_s: int | None = None,
        planned: int = 5,
        done: int | None = None,
        leak_into: int | None = None,
        entry: bool = True,
        **symptoms: object,
    ) -> SessionRecord:
        lvl = RULES.level(level)
        s = SessionRecord(
            day=day,
            activity_id=self.next_id,
            run_s=lvl.run_s if run_s is None else run_s,
            level=level,
            runs_planned=planned,
            runs_done=planned if done is None else done,
            runs_missed=0 if done is None else planned - done,
            longest_run_s=lvl.longest_run_s if longest_s is None else longest_s,
        )
        self.next_id += 1
        self.sessions.append(s)
        if entry:
            self._note(day, s.activity_id, leak_into, symptoms)
        return s

    def walk(self, day: date, level: int | None, **symptoms: object) -> SessionRecord:
        """A walk she logged (no running), given `level` by the sync layer."""
        s = SessionRecord(day=day, activity_id=self.next_id, run_s=0, level=level)
        self.next_id += 1
        self.sessions.append(s)
        self._note(day, s.activity_id, None, symptoms)
        return s

    def day_entry(self, day: date, **symptoms: object) -> None:
        entry = SymptomEntry(on=day, leak=str(symptoms.pop("leak", "none")), **symptoms)  # type: ignore[arg-type]
        self.notes.append(assess(entry, list(self.entries), RULES.symptoms))

    def _note(
        self, day: date, activity: int, leak_into: int | None, symptoms: dict[str, object]
    ) -> None:
        point = None
        if leak_into is not None:
            at = datetime.combine(day, datetime.min.time(), UTC)
            point = LeakPoint(at, 4, 2, "run", leak_into, 300 + leak_into)
        leak = str(symptoms.pop("leak", "leak" if point else "none"))
        entry = SymptomEntry(
            on=day,
            leak=leak,
            activity_id=activity,
            leak_point=point,
            **symptoms,  # type: ignore[arg-type]
        )
        self.notes.append(assess(entry, list(self.entries), RULES.symptoms))
        self.entries.append(entry)


def days(start: date, *offsets: int) -> list[date]:
    return [start + timedelta(days=o) for o in offsets]


# --- 1. leak cap reasons are true ------------------------------------------------------------


def test_the_leak_cap_reason_says_where_and_when_leaking_started() -> None:
    her = Season()
    her.run(START, FIRST + 3, leak_into=120)  # 5x(run 3m): leak at 2:00 into a run interval
    d = her.decision(START + timedelta(days=1))
    assert d.leak_cap_s == 95
    text = " ".join(d.reasons)
    assert "at most 1:35" in text
    assert "80 % of 2:00" in text
    assert "where leaking started on 05-01" in text
    assert d.workout is not None
    assert d.workout.totals.longest_run_s == 95


def test_a_raised_cap_says_it_was_raised_and_after_what() -> None:
    her = Season()
    her.run(START, FIRST + 3, leak_into=120)
    for day in days(START, 2, 4):
        her.run(day, FIRST + 3, longest_s=95)  # clean runs at the cap
    d = her.decision(START + timedelta(days=5))
    text = " ".join(d.reasons)
    assert d.leak_cap_s == 110
    assert "cap raised from 1:35 to 1:50 after 2 clean runs at 1:35" in text
    assert "leaking started at 2:00 on 05-01" in text
    assert "80 % of" not in text


# --- 2. capped sessions keep their running -----------------------------------------------------


@pytest.mark.parametrize("level", [FIRST + 3, FIRST + 7, FIRST + 8, TOP])
def test_a_capped_session_keeps_the_levels_running_in_intervals_at_the_cap(level: int) -> None:
    her = Season()
    her.run(START, level, leak_into=120)
    d = her.decision(START + timedelta(days=1))
    assert d.workout is not None
    t = d.workout.totals
    assert t.longest_run_s <= 95
    assert d.phase == "run-walk"
    wanted = min(RULES.level(level).run_s, 900)
    assert t.run_s >= 0.8 * wanted, d.workout.spec
    assert t.run_s <= RULES.level(level).run_s
    assert t.total_s <= RULES.capped_session_max_s
    walks = [s.duration_s for s in flatten(d.workout.steps)[1:-1] if s.kind == "walk"]
    assert min(walks) >= 120  # never less recovery than the level's own walks


def test_continuous_only_labels_a_workout_with_fifteen_minutes_straight() -> None:
    for level in RULES.levels:
        if level.phase == "continuous":
            assert level.longest_run_s >= 900


# --- 3. the cap grows only with clean runs at the cap ------------------------------------------


def test_clean_walks_do_not_lift_the_cap() -> None:
    her = Season()
    her.run(START, FIRST + 3, leak_into=120)
    for day in days(START, 1, 2, 3, 4):
        her.walk(day, FIRST + 3)  # pram walks, given her running level by the sync layer
    assert her.decision(START + timedelta(days=5)).leak_cap_s == 95


def test_the_cap_lifts_in_small_steps_never_past_the_onset_before_a_clean_run_below_it() -> None:
    her = Season()
    her.run(START, FIRST + 4, leak_into=120)  # 3x(run 5m): leaked at 2:00
    caps = []
    day = START + timedelta(days=2)
    for _ in range(12):
        d = her.decision(day)
        assert d.workout is not None
        caps.append(d.leak_cap_s)
        her.run(d.on, d.level, longest_s=d.workout.totals.longest_run_s,
                run_s=d.workout.totals.run_s)  # fmt: skip
        day = d.on + timedelta(days=1)
    lifted = [c for c in caps if c is not None]
    steps = [b - a for a, b in itertools.pairwise(lifted) if b != a]
    assert all(0 < s <= 30 for s in steps), caps
    assert 120 in lifted  # the onset itself is a step before anything above it
    first_above = next(i for i, c in enumerate(lifted) if c > 120)
    assert lifted[first_above - 1] == 120


def test_while_the_cap_is_lifted_the_level_holds() -> None:
    her = Season()
    her.run(START, FIRST + 3, leak_into=120)
    day = START + timedelta(days=2)
    levels = set()
    for _ in range(6):
        d = her.decision(day)
        assert d.workout is not None
        if d.leak_cap_s is not None and d.leak_cap_s < RULES.level(d.level).longest_run_s:
            levels.add(d.level)
        her.run(d.on, d.level, longest_s=d.workout.totals.longest_run_s,
                run_s=d.workout.totals.run_s)  # fmt: skip
        day = d.on + timedelta(days=1)
    assert levels == {FIRST + 3}


# --- 4. leaking that does not improve refers her ----------------------------------------------


def test_leaks_in_three_of_five_runs_refer_her_to_a_physiotherapist() -> None:
    her = Season()
    for i, day in enumerate(days(START, 0, 2, 4, 6, 8)):
        her.run(day, FIRST + 1, leak_into=50 if i % 2 == 0 else None, longest_s=40)
    d = her.decision(START + timedelta(days=9))
    assert "refer:leak" in d.flags
    assert any("physiotherapist" in r for r in d.reasons)


def test_a_cap_under_its_floor_means_walking_until_a_later_clearance() -> None:
    her = Season()
    her.run(START, FIRST, leak_into=15)  # 12 s -> 10 s: under the 15 s floor
    her.walk(START + timedelta(days=2), RULES.top_walk_level)
    her.walk(START + timedelta(days=4), RULES.top_walk_level)
    d = her.decision(START + timedelta(days=5))
    assert d.phase == "walk"
    assert "refer:leak" in d.flags
    assert d.workout is not None
    assert d.workout.totals.run_s == 0
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START + timedelta(days=6)))
    again = her.decision(START + timedelta(days=7))
    assert again.phase == "run-walk"
    assert again.level == FIRST


# --- 5. a step down is never harder ------------------------------------------------------------


@pytest.mark.parametrize("level", range(FIRST + 1, TOP + 1))
def test_a_step_down_after_pain_is_never_harder(level: int) -> None:
    her = Season()
    her.run(START, level, pain=3)
    d = her.decision(START + timedelta(days=1))
    assert d.workout is not None
    was = RULES.level(level)
    assert d.level < level
    assert d.workout.totals.run_s <= was.run_s
    assert d.workout.totals.longest_run_s <= was.longest_run_s
    assert (d.workout.totals.run_s, d.workout.totals.longest_run_s) != (
        was.run_s,
        was.longest_run_s,
    )


def test_a_step_down_under_a_cap_is_easier_than_the_capped_session() -> None:
    her = Season()
    her.run(START, FIRST + 5, leak_into=120)
    capped = her.decision(START + timedelta(days=1))
    assert capped.workout is not None
    her.run(capped.on, capped.level, longest_s=capped.workout.totals.longest_run_s,
            run_s=capped.workout.totals.run_s, pain=3)  # fmt: skip
    d = her.decision(capped.on + timedelta(days=1))
    assert d.workout is not None
    assert d.workout.totals.run_s < capped.workout.totals.run_s


def test_at_the_first_running_level_pain_means_walking_and_says_why() -> None:
    her = Season()
    her.run(START, FIRST, pain=3)
    d = her.decision(START + timedelta(days=1))
    assert d.phase == "walk"
    assert "down:pain" in d.flags
    assert any("no run/walk level below" in r for r in d.reasons)


# --- 6. one level up per 7 days from the last change --------------------------------------------


def test_one_level_up_per_seven_days_counted_from_the_last_change() -> None:
    her = Season()
    # Weeks ago at FIRST+2, then down to FIRST+1 after pain, then back up to FIRST+2.
    her.run(START, FIRST + 2)
    her.run(START + timedelta(days=2), FIRST + 2, pain=3)
    her.run(START + timedelta(days=4), FIRST + 1)
    her.run(START + timedelta(days=6), FIRST + 1)
    her.run(START + timedelta(days=12), FIRST + 2)
    her.run(START + timedelta(days=14), FIRST + 2)
    d = her.decision(START + timedelta(days=15))
    assert d.level == FIRST + 2  # at this level since day 12 only
    assert "since 05-13" in " ".join(d.reasons)


# --- 7. a long break resumes lower ---------------------------------------------------------------


def test_eight_weeks_off_resumes_lower_and_says_why() -> None:
    her = Season()
    for day in days(START, 0, 2, 4, 6, 8, 10):
        her.run(day, FIRST + 7)
    d = her.decision(START + timedelta(days=10 + 56))
    assert "up" not in d.flags
    assert "break" in d.flags
    assert d.level == FIRST + 7 - 4  # one level per two weeks off
    assert any("8 weeks without running" in r for r in d.reasons)


def test_the_weekly_limit_compares_with_her_last_week_of_running() -> None:
    her = Season()
    cont = FIRST + len(RULES.run_walk_levels)
    for day in days(START, 0, 2, 4):
        her.run(day, cont, planned=1)
    # Back after 20 days: the break rule lowers her, and the week is compared with the
    # last week she ran, not with an empty one.
    d = her.decision(START + timedelta(days=24))
    assert "break" in d.flags
    assert d.level < cont


# --- 8. resuming after a red flag is never harder ----------------------------------------------


def test_after_a_red_flag_a_clean_pause_walk_does_not_move_her_up() -> None:
    her = Season()
    her.run(START, FIRST + 2)
    her.run(START + timedelta(days=2), FIRST + 2)
    her.day_entry(START + timedelta(days=3), bleeding=True)  # a rest day
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START + timedelta(days=5)))
    her.walk(START + timedelta(days=6), None)  # the pause walk
    d = her.decision(START + timedelta(days=10))
    assert d.level <= FIRST + 2
    assert "up" not in d.flags
    assert "resume" in d.flags


def test_runs_before_a_red_flag_do_not_count_toward_moving_up_after_it() -> None:
    her = Season()
    her.run(START, FIRST + 2)
    her.day_entry(START + timedelta(days=1), bleeding=True)
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START + timedelta(days=3)))
    her.run(START + timedelta(days=9), FIRST + 2)
    d = her.decision(START + timedelta(days=10))
    assert d.level == FIRST + 2
    assert "up" not in d.flags


# --- 9. a logged walk is not a clean run ----------------------------------------------------------


def test_a_logged_walk_does_not_count_as_a_clean_session_at_her_running_level() -> None:
    her = Season()
    her.run(START, FIRST + 1)
    her.walk(START + timedelta(days=8), FIRST + 1)
    d = her.decision(START + timedelta(days=9))
    assert d.level == FIRST + 1
    assert "up" not in d.flags


# --- 10. the trend needs a real worsening ---------------------------------------------------------


def test_pain_one_after_three_painless_runs_does_not_step_down() -> None:
    her = Season()
    for day in days(START, 0, 2, 4):
        her.run(day, FIRST + 2, pain=0)
    her.run(START + timedelta(days=8), FIRST + 2, pain=1)
    d = her.decision(START + timedelta(days=9))
    assert d.level >= FIRST + 2
    assert "down:worse" not in d.flags


# --- 11. the symptoms the guidance names --------------------------------------------------------


def test_bowel_leaking_is_a_red_flag() -> None:
    her = Season()
    her.run(START, FIRST + 2, bowel="leak")
    d = her.decision(START + timedelta(days=1))
    assert d.phase == "paused"
    assert "red-flag:bowel" in d.flags


@pytest.mark.parametrize(
    ("symptom", "flag"),
    [({"heaviness": 2}, "refer:heaviness"), ({"pain": 3}, "refer:pain"),
     ({"urgency": True}, "refer:urgency"), ({"bowel": "urgency"}, "refer:urgency")],
)  # fmt: skip
def test_recurring_symptoms_refer_her(symptom: dict[str, object], flag: str) -> None:
    her = Season()
    for day in days(START, 0, 2, 4):
        her.run(day, FIRST + 2, **symptom)
    d = her.decision(START + timedelta(days=5))
    assert flag in d.flags
    assert any("physiotherapist" in r and "Goom" in r for r in d.reasons)


def test_next_day_pain_logged_as_a_day_entry_steps_down() -> None:
    her = Season()
    her.run(START, FIRST + 2)
    her.day_entry(START + timedelta(days=1), pain=3)
    d = her.decision(START + timedelta(days=2))
    assert d.level == FIRST + 1
    assert "down:pain" in d.flags


# --- 12. a clearance on the day of the red flag ------------------------------------------------


def test_a_clearance_dated_the_day_of_the_red_flag_is_not_silently_ignored() -> None:
    her = Season()
    her.run(START, FIRST + 2, bleeding=True)
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START))
    d = her.decision(START + timedelta(days=1))
    assert d.phase == "paused"
    assert any("same day" in r and "05-01" in r for r in d.reasons)


# --- the road ahead ------------------------------------------------------------------------------


def test_the_projected_road_lifts_a_leak_cap_step_by_step_before_the_level_climbs() -> None:
    from rules.projection import project

    her = Season()
    her.run(START, FIRST + 3, leak_into=120)
    today = START + timedelta(days=1)
    road = project(
        PROFILE, PASSED, her.sessions, her.notes, today, today + timedelta(weeks=6), RULES
    )
    caps = [d.leak_cap_s for d in road]
    assert caps[0] == 95
    assert all(d.workout is not None and d.workout.totals.longest_run_s <= (d.leak_cap_s or 10**6)
               for d in road)  # fmt: skip
    raised = [b - a for a, b in itertools.pairwise(caps) if a and b and b != a]
    assert raised
    assert all(0 < r <= 30 for r in raised)
    for a, b in itertools.pairwise(road):
        if b.level > a.level:  # climbs only once the cap no longer holds the level back
            assert a.leak_cap_s is None or a.leak_cap_s >= RULES.level(a.level).longest_run_s
    assert road[-1].level > FIRST + 3


# --- a physiotherapist's review of the rules above (second round) ----------------------------


def test_resuming_after_pain_then_a_next_day_red_flag_is_easier_than_that_run() -> None:
    her = Season()
    her.run(START, FIRST + 3, pain=4)  # down to FIRST+2 was the answer to this run
    her.day_entry(START + timedelta(days=1), bleeding=True)
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START + timedelta(days=3)))
    d = her.decision(START + timedelta(days=4))
    assert "resume" in d.flags
    assert d.level < FIRST + 2  # easier than the step down she had already been given


def test_a_next_day_red_flag_counts_as_raised_by_that_run() -> None:
    her = Season()
    her.run(START, FIRST + 3)
    her.day_entry(START + timedelta(days=1), pain=6, pain_next_day=True)
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START + timedelta(days=3)))
    d = her.decision(START + timedelta(days=4))
    assert d.level < FIRST + 3


def test_a_run_without_a_plan_does_not_count_as_the_levels_full_workout() -> None:
    her = Season()
    her.run(START, FIRST + 3)
    her.run(START + timedelta(days=8), FIRST + 3, planned=0, run_s=300, longest_s=None)
    d = her.decision(START + timedelta(days=9))
    assert d.level == FIRST + 3
    assert "up" not in d.flags


def test_capped_runs_do_not_count_as_the_levels_full_workout() -> None:
    her = Season()
    her.run(START, FIRST + 3, leak_into=200)  # 3 min intervals, leak past them: cap 160 s
    for day in days(START, 2, 4, 6, 8):
        her.run(day, FIRST + 3, longest_s=160, run_s=900)
    d = her.decision(START + timedelta(days=9))
    assert "up" not in d.flags


def test_one_leak_bettered_run_after_run_stops_capping_her() -> None:
    her = Season()
    her.run(START, FIRST + 3, leak_into=120)
    day = START + timedelta(days=2)
    ended = None
    for _ in range(40):
        d = her.decision(day)
        assert d.workout is not None
        if any(r.startswith("The leak cap has ended") for r in d.reasons):
            ended = d
            break
        t = d.workout.totals
        her.run(d.on, d.level, longest_s=t.longest_run_s, run_s=t.run_s)
        day = d.on + timedelta(days=1)
    assert ended is not None
    assert ended.leak_cap_s is None
    assert "past 2:00, where leaking started on 05-01" in " ".join(ended.reasons)


def test_the_weekly_ten_percent_holds_for_capped_continuous_sessions() -> None:
    her = Season()
    top = RULES.levels[-1].number
    for day in days(START, 0, 2, 4):
        her.run(day, top, planned=1)
    her.run(START + timedelta(days=14), top, planned=1)
    her.run(START + timedelta(days=16), top, planned=1, leak_into=600)  # cap 8 min
    d = her.decision(START + timedelta(days=17))
    assert d.workout is not None
    week = [s for s in her.sessions if d.on - timedelta(days=6) <= s.day <= d.on]
    before = [s for s in her.sessions if d.on - timedelta(days=13) <= s.day < d.on - timedelta(6)]
    limit = 1.1 * sum(s.run_s for s in before) if before else None
    if limit:
        assert sum(s.run_s for s in week) + d.workout.totals.run_s <= limit + 1e-9


def test_a_referral_stands_and_holds_the_level_until_a_clearance() -> None:
    her = Season()
    for day in days(START, 0, 2, 4):
        her.run(day, FIRST + 2, heaviness=2)
    for day in days(START, 7, 9, 11, 13):
        her.run(day, FIRST + 2)
    d = her.decision(START + timedelta(days=14))
    assert "refer:heaviness" in d.flags
    assert "hold:refer" in d.flags
    assert d.level == FIRST + 2
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START + timedelta(days=14)))
    after = her.decision(START + timedelta(days=15))
    assert "refer:heaviness" not in after.flags


def test_a_break_from_a_capped_level_is_an_easier_session() -> None:
    her = Season()
    her.run(START, FIRST + 5, leak_into=375)  # cap 300 s: L8 (7:30) runs as 5 min intervals
    capped = her.decision(START + timedelta(days=1))
    assert capped.workout is not None
    t = capped.workout.totals
    her.run(capped.on, capped.level, longest_s=t.longest_run_s, run_s=t.run_s)
    back = her.decision(capped.on + timedelta(days=21))
    assert "break" in back.flags
    assert back.workout is not None
    b = back.workout.totals
    assert (b.run_s, b.longest_run_s) != (t.run_s, t.longest_run_s)
    assert b.run_s <= t.run_s
    assert b.longest_run_s <= t.longest_run_s


def test_every_red_flag_since_the_clearance_is_named() -> None:
    her = Season()
    her.run(START, FIRST + 2)
    her.day_entry(START + timedelta(days=1), bleeding=True)
    her.day_entry(START + timedelta(days=3), heaviness=4)
    d = her.decision(START + timedelta(days=4))
    assert set(d.flags) == {"red-flag:bleeding", "red-flag:heaviness"}
    assert "2026-05-02" in d.reasons[0]
    assert "2026-05-04" in d.reasons[0]


def test_after_a_cap_under_its_floor_and_a_clearance_runs_start_at_the_floor() -> None:
    her = Season()
    her.run(START, FIRST, leak_into=14)
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START + timedelta(days=5)))
    d = her.decision(START + timedelta(days=6))
    assert d.level == FIRST
    assert d.leak_cap_s == RULES.leak_cap_floor_s
    assert d.workout is not None
    assert d.workout.totals.longest_run_s == RULES.leak_cap_floor_s


# --- reasons true of their inputs at the bottom of the ladder (issue 14 review) --------------


def test_a_red_flag_with_a_run_at_the_first_level_does_not_claim_an_easier_level() -> None:
    her = Season()
    her.run(START, FIRST)
    her.day_entry(START + timedelta(days=1), heaviness=4)
    her.profile = Profile(BORN, "vaginal", (CLEARED_ON, START + timedelta(days=3)))
    d = her.decision(START + timedelta(days=4))
    assert "resume" in d.flags
    assert d.level == FIRST
    assert not any("easier than the run" in r for r in d.reasons)
    assert any("there is none easier" in r for r in d.reasons)


def test_a_break_at_the_first_level_does_not_claim_a_step_down() -> None:
    her = Season()
    her.run(START, FIRST)
    d = her.decision(START + timedelta(days=22))
    assert "break" in d.flags
    assert d.level == FIRST
    assert not any("one step easier" in r for r in d.reasons)
    assert any("there is none easier" in r for r in d.reasons)
