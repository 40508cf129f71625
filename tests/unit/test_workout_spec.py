"""The workout spec text: parse, format, round trip, totals, intensities, errors."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.workout import (
    PlanLimits,
    Repeat,
    SpecError,
    Step,
    Workout,
    expanded_size,
    flatten,
    format_duration,
    format_spec,
    parse,
    parse_duration,
    totals,
)

FIRST_LEVEL = "walk 5m, 5x(run 30s, walk 4m30s), walk 5m"


def test_the_first_run_walk_level_parses_with_intensities_by_position() -> None:
    items = parse(FIRST_LEVEL)
    assert items == (
        Step("walk", 300, "warmup"),
        Repeat(5, (Step("run", 30, "active"), Step("walk", 270, "recovery"))),
        Step("walk", 300, "cooldown"),
    )
    assert format_spec(items) == FIRST_LEVEL


def test_totals_count_every_repeat() -> None:
    t = totals(parse(FIRST_LEVEL))
    assert (t.total_s, t.run_s, t.longest_run_s) == (2100, 150, 30)
    assert len(flatten(parse(FIRST_LEVEL))) == 12


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("300s", 300),
        ("4m30s", 270),
        ("5m", 300),
        ("1h", 3600),
        ("1h5m", 3900),
        ("4:30", 270),
        ("0:30", 30),
        ("1:05:00", 3900),
        ("90s", 90),
    ],
)
def test_every_duration_form_parses(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "30s"),
        (270, "4m30s"),
        (300, "5m"),
        (3600, "1h"),
        (3900, "1h5m"),
        (3930, "1h5m30s"),
        (90, "1m30s"),
    ],
)
def test_durations_are_written_canonically(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


def test_any_input_form_comes_out_canonical() -> None:
    assert format_spec(parse("Walk 300s ,5X( run 0:30,walk 4:30 ) , walk 5m")) == FIRST_LEVEL


def test_repeats_nest() -> None:
    items = parse("2x(3x(run 1m, walk 1m), walk 3m)")
    assert totals(items).total_s == 2 * (3 * 120 + 180)
    assert format_spec(items) == "2x(3x(run 1m, walk 1m), walk 3m)"
    assert [s.intensity for s in flatten(items)][:7] == ["active", "recovery"] * 3 + ["recovery"]


def test_a_walk_only_workout_is_active() -> None:
    assert parse("walk 30m") == (Step("walk", 1800, "active"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("walk 5m, 5x(jog 30s, walk 4m30s)", "unknown kind 'jog' at column 13"),
        ("walk 5m, 5x(run 30s, walk 4m30s", "missing ')' at column 32"),
        ("walk 5m,", "expected a step after ',' at column 9"),
        ("", "empty workout"),
        ("run", "'run' needs a duration"),
        ("run 30q", "'30q' is not a duration"),
        ("run 4:75", "minutes and seconds go up to 59"),
        ("run 0s", "duration must be between 1s and 24h"),
        ("0x(run 30s)", "repeat count 0 is out of range"),
        ("run 30s walk 1m", "expected ',' but found 'walk' at column 9"),
        ("run 30s)", "unexpected ')' at column 8"),
    ],
)
def test_a_bad_spec_says_what_and_where(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse(text)
    assert message in str(caught.value)


def test_a_workout_normalises_intensities_and_reports_its_spec() -> None:
    w = Workout(
        "Run/Walk L1",
        date(2026, 11, 20),
        (Step("walk", 300), Repeat(5, (Step("run", 30), Step("walk", 270))), Step("walk", 300)),
    )
    assert w.spec == FIRST_LEVEL
    assert w == Workout.from_spec("Run/Walk L1", date(2026, 11, 20), FIRST_LEVEL)
    assert w.totals.run_s == 150


def test_steps_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match="duration_s"):
        Step("run", -5)
    with pytest.raises(ValueError, match="kind"):
        Step("jog", 30)
    with pytest.raises(ValueError, match="count"):
        Repeat(0, (Step("run", 30),))


durations = st.integers(1, 3 * 3600)
steps = st.builds(Step, st.sampled_from(["run", "walk"]), durations)
items = st.recursive(
    steps,
    lambda inner: st.builds(
        Repeat, st.integers(1, 12), st.lists(inner, min_size=1, max_size=4).map(tuple)
    ),
    max_leaves=12,
)


@given(st.lists(items, min_size=1, max_size=6).map(tuple))
def test_format_then_parse_gives_the_same_workout(workout: tuple) -> None:  # type: ignore[type-arg]
    text = format_spec(workout)
    if PlanLimits().problem(*expanded_size(workout)):
        with pytest.raises(SpecError, match="repeats counted"):
            parse(text)
        return
    parsed = parse(text)
    assert format_spec(parsed) == text
    assert parse(format_spec(parsed)) == parsed
    assert [(s.kind, s.duration_s) for s in flatten(parsed)] == [
        (s.kind, s.duration_s) for s in flatten(workout)
    ]


@given(st.integers(1, 24 * 3600))
def test_duration_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
