"""FIT workout files: every ladder level decodes back (fitparse and Garmin's Decoder) to
the steps of its spec."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from rules.activity import RecordedStep
from rules.ladder import RulesConfig
from rules.plan import plan_from_items, plan_from_recorded
from rules.workout import Workout, parse, with_intensities
from sync.adapters.workout_fit import serial_for, workout_file
from sync.adapters.workout_names import label, watch_name

CREATED = datetime(2026, 11, 18, 7, 30, tzinfo=UTC)
LEVELS = RulesConfig().levels


def fitparse_messages(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    import fitparse

    return [(m.name, m.get_values()) for m in fitparse.FitFile(data).get_messages()]


def sdk_steps(data: bytes) -> list[dict[str, Any]]:
    from garmin_fit_sdk import Decoder, Stream

    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    assert decoder.check_integrity()
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, errors = decoder.read(
        apply_scale_and_offset=False, convert_types_to_strings=False,
        expand_sub_fields=False, merge_heart_rates=False,
    )  # fmt: skip
    assert errors == []
    return messages["workout_step_mesgs"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("level", LEVELS, ids=lambda lv: f"L{lv.number}")
def test_every_ladder_level_round_trips_through_fitparse(level: Any) -> None:
    workout = Workout("x", date(2026, 11, 20), parse(level.spec))
    messages = fitparse_messages(workout_file(workout, label(workout, 1, []), CREATED))
    kinds = [name for name, _ in messages]
    assert kinds[0] == "file_id"
    file_id = messages[0][1]
    assert file_id["type"] == "workout"
    assert file_id["serial_number"] == serial_for(workout) != 0
    [header] = [values for name, values in messages if name == "workout"]
    steps = [values for name, values in messages if name == "workout_step"]
    assert header["wkt_name"] == watch_name(workout)
    assert header["sport"] == ("walking" if workout.totals.run_s == 0 else "running")
    assert header["num_valid_steps"] == len(steps)
    assert [s["message_index"] for s in steps] == list(range(len(steps)))
    recorded = [
        RecordedStep(
            index=s["message_index"],
            duration_type=s["duration_type"],
            duration_s=s.get("duration_time"),
            repeat_from=s.get("duration_step"),
            repeat_count=s.get("repeat_steps"),
            intensity=s.get("intensity"),
            name=s.get("wkt_step_name"),
            target_type=s.get("target_type"),
        )
        for s in steps
    ]
    plan = plan_from_recorded(recorded)
    assert plan is not None
    assert plan.spec == level.spec
    assert plan.rows == plan_from_items(parse(level.spec), "file").rows
    expected = [s.intensity for s in _steps(with_intensities(parse(level.spec)))]
    assert [s["intensity"] for s in steps if s["duration_type"] == "time"] == expected


def _steps(items: Any) -> list[Any]:
    out = []
    for item in items:
        if hasattr(item, "kind"):
            out.append(item)
        else:
            out.extend(_steps(item.steps))
    return out


@pytest.mark.parametrize("level", LEVELS, ids=lambda lv: f"L{lv.number}")
def test_every_ladder_level_decodes_raw_in_garmins_own_sdk(level: Any) -> None:
    workout = Workout("x", date(2026, 11, 20), parse(level.spec))
    steps = sdk_steps(workout_file(workout, label(workout, 1, []), CREATED))
    for step in steps:
        if step["duration_type"] == 0:  # time: milliseconds on the wire
            assert step["duration_value"] % 1000 == 0
            assert step["target_type"] == 2  # open
        else:
            assert step["duration_type"] == 6  # repeat_until_steps_cmplt
            assert step["duration_value"] < step["message_index"]
            assert step["target_value"] >= 1


def test_the_first_level_is_the_reference_layout() -> None:
    workout = Workout("x", date(2026, 11, 20), parse(LEVELS[3].spec))
    steps = sdk_steps(workout_file(workout, label(workout, 1, []), CREATED))
    assert [(s["duration_type"], s["duration_value"], s["target_value"], s.get("intensity"))
            for s in steps] == [
        (0, 300000, 0, 2), (0, 30000, 0, 0), (0, 270000, 0, 4), (6, 1, 5, None), (0, 300000, 0, 3),
    ]  # fmt: skip


def test_a_walk_goes_as_a_walking_workout_with_walk_steps_named_walk() -> None:
    workout = Workout("x", date(2026, 11, 20), parse("walk 20m"))
    data = workout_file(workout, label(workout, 4, ["Walk first."]), CREATED)
    messages = fitparse_messages(data)
    [header] = [values for name, values in messages if name == "workout"]
    assert header["sport"] == "walking"
    steps = [values for name, values in messages if name == "workout_step"]
    assert [(s["wkt_step_name"], s["intensity"]) for s in steps] == [("Walk", "active")]


def test_the_reason_travels_as_the_workout_description() -> None:
    workout = Workout("x", date(2026, 11, 20), parse(LEVELS[3].spec))
    why = ["Level held after leaking on 11-18.", "Run intervals at most 0:15."]
    messages = fitparse_messages(workout_file(workout, label(workout, 9, why), CREATED))
    [header] = [values for name, values in messages if name == "workout"]
    assert header["wkt_description"] == " ".join(why)
    assert header["wkt_name"] == "5x30s/4:30 Fr20"


def test_two_decisions_for_one_day_share_the_file_id_and_other_days_do_not() -> None:
    day = date(2026, 11, 20)
    before = Workout("x", day, parse("walk 5m, 5x(run 30s, walk 4m30s), walk 5m"))
    after = Workout("x", day, parse("walk 5m, 10x(run 15s, walk 3m45s), walk 5m"))
    later = Workout("x", date(2026, 11, 22), before.steps)
    assert serial_for(before) == serial_for(after) != serial_for(later)
    assert watch_name(before) != watch_name(after)
