"""Symptom entries, leak linking and assessments on hand-made histories (pure)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from rules.activity import Pause
from rules.bouts import Bout
from rules.matching import IntervalResult
from rules.patterns import MIN_SESSIONS, SessionFacts, patterns
from rules.symptoms import (
    EntryError,
    LeakPoint,
    SymptomEntry,
    SymptomThresholds,
    assess,
    link_leak,
    timer_to_time,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
DAY = date(2026, 11, 2)


def at(second: int) -> datetime:
    return T0 + timedelta(seconds=second)


def entry(leak: str = "none", **kwargs: object) -> SymptomEntry:
    return SymptomEntry(on=kwargs.pop("on", DAY), leak=leak, **kwargs)  # type: ignore[arg-type]


def leaked_at(into_s: int) -> SymptomEntry:
    point = LeakPoint(T0, 6, 3, "run", into_s, 60 + into_s)
    return entry("leak", leak_at_s=900 + into_s, leak_point=point)


# --- entries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name", "message"),
    [
        ({"pain": 11}, "pain", "must be 0-10, got 11"),
        ({"heaviness": -1}, "heaviness", "must be 0-10, got -1"),
        ({"rpe": 0}, "rpe", "must be 1-10, got 0"),
        ({"fatigue": 12}, "fatigue", "must be 0-10, got 12"),
        ({"fluid_ml": 20000}, "fluid-ml", "must be 0-10000, got 20000"),
        ({"slept_h": 25.0}, "slept-h", "must be 0-24, got 25"),
        ({"breathing": "gasping"}, "breathing", "must be easy, ok or hard"),
        ({"leak_at_s": 30}, "leak-at", "given, but --leak is none"),
        ({"note": "x" * 2001}, "note", "at most 2000"),
    ],
)
def test_an_entry_refuses_values_out_of_range_naming_the_option(
    kwargs: dict[str, object], name: str, message: str
) -> None:
    with pytest.raises(EntryError) as caught:
        entry(**kwargs)
    assert caught.value.name == name
    assert message in caught.value.message


def test_an_unknown_leak_level_is_refused() -> None:
    with pytest.raises(EntryError, match="leak: must be none, drops or leak"):
        entry("lots")


# --- leak linking ----------------------------------------------------------------------------


FIRST_LEVEL = [("walk", 300)] + [("run", 30), ("walk", 270)] * 5 + [("walk", 300)]


def intervals(pause_after: int | None = None, pause_s: int = 0) -> list[IntervalResult]:
    rows, t = [], 0
    for i, (kind, seconds) in enumerate(FIRST_LEVEL, start=1):
        start = t
        t += seconds + (pause_s if pause_after == i else 0)
        rows.append(
            IntervalResult(i, kind, seconds, seconds, "done", at(start), at(t), None, None, None)
        )
    return rows


def run_bouts() -> list[Bout]:
    return [Bout("run", at(300 + 300 * k), at(330 + 300 * k)) for k in range(5)]


def test_a_leak_at_15_20_on_the_timer_is_run_interval_3_at_20_s() -> None:
    point = link_leak(920, T0, (), intervals(), run_bouts())
    assert (point.interval_index, point.run_number, point.into_interval_s) == (6, 3, 20)
    assert point.run_s_before == 80
    assert point.at == at(920)


def test_timer_pauses_do_not_count_towards_the_leak_time() -> None:
    pause = Pause(at(400), at(760))  # six minutes, in the walk after run 1 (row 3)
    rows = intervals(pause_after=3, pause_s=360)
    bouts = [Bout("run", at(300), at(330))] + [
        Bout("run", at(300 + 300 * k + 360), at(330 + 300 * k + 360)) for k in range(1, 5)
    ]
    point = link_leak(920, T0, [pause], rows, bouts)
    assert point.at == at(920 + 360)
    assert (point.run_number, point.into_interval_s, point.run_s_before) == (3, 20, 80)
    assert timer_to_time(T0, [pause], 400) == at(400)


def test_a_leak_in_a_walk_step_names_the_step_and_no_run_number() -> None:
    point = link_leak(400, T0, (), intervals(), run_bouts())
    assert (point.interval_index, point.run_number, point.interval_kind) == (3, None, "walk")


@pytest.mark.parametrize("late_s", [0, 3, 5])
def test_a_leak_noticed_as_she_stops_running_belongs_to_that_run_interval(late_s: int) -> None:
    # Run 3 is 900-930 s on the timer; she notices the leak as she starts to walk.
    point = link_leak(930 + late_s, T0, (), intervals(), run_bouts())
    assert (point.interval_index, point.run_number, point.interval_kind) == (6, 3, "run")
    assert point.into_interval_s == 30  # the whole run interval, where leaking started


def test_a_leak_well_into_the_walk_is_a_walk_leak() -> None:
    point = link_leak(936, T0, (), intervals(), run_bouts())
    assert (point.run_number, point.interval_kind) == (None, "walk")


def test_without_a_match_only_the_running_before_is_known() -> None:
    point = link_leak(920, T0, (), (), run_bouts())
    assert point.interval_index is None
    assert point.run_s_before == 80


# --- assessments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "red"),
    [
        ({"bleeding": True}, ("bleeding",)),
        ({"pain": 5}, ("pain",)),
        ({"pain": 4}, ()),
        ({"heaviness": 3}, ("heaviness",)),
        ({"heaviness": 2}, ()),
    ],
)
def test_red_flags(kwargs: dict[str, object], red: tuple[str, ...]) -> None:
    assert assess(entry(**kwargs), []).red_flags == red


def test_signs_to_step_back_that_are_not_red_flags() -> None:
    assert assess(entry(pain=3), []).step_back == ("pain",)
    assert assess(entry(pain=2), []).step_back == ()
    assert assess(entry(pain_next_day=True), []).step_back == ("pain-next-day",)
    assert assess(leaked_at(14), [leaked_at(20)]).step_back == ("leak-earlier",)
    assert assess(leaked_at(18), [leaked_at(20)]).step_back == ()  # within 5 s


def test_fatigue_signs() -> None:
    tired = entry(rpe=8, fatigue=7, breathing="hard", slept_h=4.5)
    assert assess(tired, []).fatigue == ("rpe", "fatigue", "breathing", "sleep")
    assert assess(entry(rpe=7, fatigue=6, breathing="ok", slept_h=5.0), []).fatigue == ()


def test_the_trend_against_recent_sessions() -> None:
    history = [entry("drops"), entry("drops", heaviness=1), entry("leak")]
    assert assess(entry("none"), history).trend == "better"
    assert assess(entry("drops", heaviness=1), history).trend == "same"
    assert assess(entry("leak", heaviness=2), history).trend == "worse"
    assert assess(entry("none"), []).trend is None
    assert assess(leaked_at(10), [leaked_at(25)]).trend == "worse"


def test_symptom_free_allows_mild_pain_only() -> None:
    assert assess(entry(pain=2, rpe=9), []).symptom_free
    assert not assess(entry("drops"), []).symptom_free
    assert not assess(entry(heaviness=1), []).symptom_free
    assert not assess(entry(pain=3), []).symptom_free


def test_thresholds_can_be_made_stricter_but_never_looser() -> None:
    strict = SymptomThresholds(red_flag_pain=4, red_flag_heaviness=2, step_back_pain=1)
    assert assess(entry(pain=4), [], strict).red_flags == ("pain",)
    assert assess(entry(heaviness=2), [], strict).red_flags == ("heaviness",)
    for looser in ({"red_flag_pain": 6}, {"red_flag_heaviness": 4}, {"step_back_pain": 3},
                   {"high_rpe": 9}, {"poor_sleep_h": 4.0}):  # fmt: skip
        with pytest.raises(ValueError, match="stricter only"):
            SymptomThresholds(**looser)  # type: ignore[arg-type]


# --- patterns --------------------------------------------------------------------------------


def test_patterns_say_too_few_with_little_data() -> None:
    facts = [SessionFacts(8, True, 20, 2000, 7.0, 30)] * 3
    assert patterns(facts).lines() == [
        f"3 sessions with a journal entry: too few to say (patterns need at least {MIN_SESSIONS})"
    ]


def test_patterns_find_more_leaking_in_the_evening_and_after_short_nights() -> None:
    rng = random.Random(4)
    facts = []
    for i in range(40):
        evening = i % 2 == 0
        slept = 5.0 if i % 4 == 0 else 8.0
        leaked = evening or slept < 6
        facts.append(
            SessionFacts(
                hour=19 if evening else 7,
                leaked=leaked,
                onset_s=rng.randint(15, 25) if leaked else None,
                fluid_ml=None,
                slept_h=slept,
                run_interval_s=60 if i < 20 else 120,
            )
        )
    result = patterns(facts)
    assert result.enough
    by_name = {f.name: {g.label: g for g in f.groups} for f in result.factors}
    tod = by_name["time of day"]
    assert tod["evening (17 on)"].leak_rate == 1.0
    assert tod["morning (before 12)"].leak_rate == 0.0
    assert by_name["sleep the night before"]["under 6 h"].leak_rate == 1.0
    assert 15 <= (tod["evening (17 on)"].median_onset_s or 0) <= 25
    assert by_name["fluid intake"].get("under 1.5 l").sessions == 0  # type: ignore[union-attr]
    text = "\n".join(result.lines())
    assert "fluid intake (0 sessions recorded it):\n  too few to say" in text
    assert "evening (17 on)" in text


def test_patterns_write_onsets_as_the_watch_does_and_count_in_words() -> None:
    facts = [SessionFacts(19, True, 584, None, 8.0, 900) for _ in range(6)]
    facts.append(SessionFacts(7, False, None, None, 5.0, 900))
    text = "\n".join(patterns(facts).lines())
    assert "leaking from 9:44 into the run interval (median)" in text
    assert " s in (median)" not in text
    assert "morning (before 12)      1 session   too few to compare" in text
    assert "1 sessions" not in text
    assert text.startswith("7 sessions; leaking in 86 % of them")
