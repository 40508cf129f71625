"""A workout's expanded size is bounded before anything expands it: nested repeats in a
spec or in a recorded workout cannot exhaust memory or recursion."""

from __future__ import annotations

import time

import pytest

from rules.activity import RecordedStep
from rules.plan import PlanTooLarge, plan_from_recorded
from rules.workout import PlanLimits, SpecError, expanded_size, parse

NESTED_MILLION = "100x(100x(100x(run 1s)))"


def nested(depth: int) -> str:
    return "2x(" * depth + "run 1s" + ")" * depth


def test_expanded_size_is_counted_without_expanding() -> None:
    assert expanded_size(parse("walk 5m, 5x(run 30s, walk 4m30s), walk 5m")) == (12, 2100)


def test_a_spec_expanding_to_a_million_steps_is_refused_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        parse(NESTED_MILLION)
    assert time.perf_counter() - started < 0.5
    assert str(caught.value) == (
        "the workout expands to 1000000 steps (repeats counted); at most 500"
    )


def test_a_spec_longer_than_a_day_is_refused() -> None:
    with pytest.raises(SpecError) as caught:
        parse("walk 5m, 2x(run 12h), walk 5m")
    assert "lasts 24h10m (repeats counted); at most 24h" in str(caught.value)


def test_a_spec_nested_3000_deep_is_a_spec_error_not_a_recursion_error() -> None:
    with pytest.raises(SpecError) as caught:
        parse(nested(3000))
    assert "repeats nest more than 10 deep at column 31" in str(caught.value)


def test_the_limits_are_settings() -> None:
    with pytest.raises(SpecError):
        parse("11x(run 1s)", PlanLimits(max_steps=10))
    assert parse("10x(run 1s)", PlanLimits(max_steps=10))
    with pytest.raises(ValueError, match="max_steps must be"):
        PlanLimits(max_steps=0)


def repeats_of_one_second(levels: int, count: int = 100) -> tuple[RecordedStep, ...]:
    steps = [RecordedStep(0, "time", 1.0, intensity="active")]
    for index in range(1, levels + 1):
        steps.append(
            RecordedStep(index, "repeat_until_steps_cmplt", repeat_from=0, repeat_count=count)
        )
    return tuple(steps)


def test_a_recorded_workout_nesting_repeat_x100_three_deep_is_refused_before_expanding() -> None:
    started = time.perf_counter()
    with pytest.raises(PlanTooLarge) as caught:
        plan_from_recorded(repeats_of_one_second(3))
    assert time.perf_counter() - started < 0.5
    assert str(caught.value) == (
        "the workout recorded in the file expands to 1000000 steps (repeats counted); at most 500"
    )


def test_a_recorded_workout_nested_3000_deep_is_refused_without_recursing() -> None:
    with pytest.raises(PlanTooLarge) as caught:
        plan_from_recorded(repeats_of_one_second(3000, count=1))
    assert "repeats nest more than 10 deep" in str(caught.value)


def test_a_recorded_workout_with_more_steps_than_the_limit_is_refused() -> None:
    steps = tuple(RecordedStep(i, "time", 1.0) for i in range(501))
    with pytest.raises(PlanTooLarge) as caught:
        plan_from_recorded(steps)
    assert "expands to 501 steps" in str(caught.value)


def test_a_recorded_workout_within_the_limits_still_flattens() -> None:
    plan = plan_from_recorded(repeats_of_one_second(1, count=100))
    assert plan is not None
    assert len(plan.rows) == 100
    assert plan.spec == "100x(run 1s)"
