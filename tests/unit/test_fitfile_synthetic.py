"""The FIT reader on files built with Garmin's SDK Encoder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.activity import Activity
from sync.adapters.fitfile import read_activity
from sync.errors import FitFileError
from tests.support.fitbuilder import (
    T0,
    ActivitySpec,
    Segment,
    WorkoutStepSpec,
    build_activity,
    nested_repeats_run,
    run_walk,
    simple_run,
    workout_file,
)
from tests.support.fitfuzz import PYTHON_NAMES, mutants, with_crc_fixed

RUN_WALK = run_walk(repeats=2, run_s=30, walk_s=60)


def test_a_run_walk_session_reads_back_with_summary_and_samples() -> None:
    act = read_activity(RUN_WALK)
    assert act.sport == "running"
    assert act.start == T0
    assert act.timer_s == 300 + 2 * 90 + 300
    assert act.distance_m == pytest.approx(720 * 1.3 + 60 * 2.8, abs=0.1)
    df = act.samples
    assert len(df) == act.timer_s
    assert df["timestamp"].iloc[0] == T0
    # strides/min 82 -> 164 steps/min running, 55 -> 110 walking
    assert sorted(df["cadence_spm"].unique()) == [110.0, 164.0]
    assert df["speed_mps"].max() == pytest.approx(2.8)


def test_laps_keep_their_workout_step_index_and_intensity_names() -> None:
    spec = ActivitySpec(
        [
            Segment("walk", 60, 0, "warmup"),
            Segment("run", 30, 1, "active"),
            Segment("walk", 60, 2, "recovery"),
            Segment("walk", 3, None, None),
        ],
        laps_per_segment=True,
    )
    act = read_activity(build_activity(spec))
    assert [lap.wkt_step_index for lap in act.laps] == [0, 1, 2, None]
    # the maintained fitparse fork decodes 'recovery' by name (the old one gave 4)
    assert [lap.intensity for lap in act.laps] == ["warmup", "active", "recovery", None]
    assert [lap.timer_s for lap in act.laps] == [60, 30, 60, 3]


def test_timer_stops_become_pauses_and_do_not_count_as_timer_time() -> None:
    spec = ActivitySpec([Segment("walk", 120), Segment("pause", 360), Segment("run", 60)])
    act = read_activity(build_activity(spec))
    assert len(act.pauses) == 1
    assert act.pauses[0].start == T0 + timedelta(seconds=120)
    assert (act.pauses[0].end - act.pauses[0].start).total_seconds() == 360
    assert act.timer_s == 180
    assert act.elapsed_s == 540


def test_the_workout_recorded_in_the_file_comes_back_step_by_step() -> None:
    steps = [
        WorkoutStepSpec(300, "warmup"),
        WorkoutStepSpec(30, "active"),
        WorkoutStepSpec(270, "recovery"),
        WorkoutStepSpec(repeat_from=1, repeat_count=5),
        WorkoutStepSpec(300, "cooldown"),
    ]
    spec = ActivitySpec([Segment("walk", 60)], workout_name="Run/Walk L1", workout_steps=steps)
    act = read_activity(build_activity(spec))
    assert act.workout_name == "Run/Walk L1"
    assert [(s.index, s.duration_s, s.intensity) for s in act.workout_steps] == [
        (0, 300, "warmup"),
        (1, 30, "active"),
        (2, 270, "recovery"),
        (3, None, None),
        (4, 300, "cooldown"),
    ]
    assert (act.workout_steps[3].repeat_from, act.workout_steps[3].repeat_count) == (1, 5)


def test_a_walk_is_a_session_too() -> None:
    act = read_activity(build_activity(ActivitySpec([Segment("walk", 600)], sport="walking")))
    assert act.sport == "walking"


def test_smart_recording_and_missing_cadence_or_speed_are_read_as_gaps() -> None:
    spec = ActivitySpec([Segment("run", 60)], record_every_s=4, with_cadence=False)
    df = read_activity(build_activity(spec)).samples
    assert len(df) == 15
    assert df["cadence_spm"].isna().all()
    assert df["speed_mps"].notna().all()


def test_device_serial_and_creation_time_identify_the_recording() -> None:
    act = read_activity(simple_run(5, serial=1234567, time_created=T0 + timedelta(minutes=1)))
    assert act.device_serial == 1234567
    assert act.time_created == T0 + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file (0 bytes)"),
        (b"hello world, this is not FIT", "not a FIT file"),
        (workout_file(), "a workout file, not an activity"),
        (
            build_activity(ActivitySpec([Segment("run", 60)], sport="cycling")),
            "a cycling activity: runback follows running and walking",
        ),
    ],
)
def test_files_that_are_not_runs_or_walks_are_refused_with_the_reason(
    data: bytes, reason: str
) -> None:
    with pytest.raises(FitFileError) as caught:
        read_activity(data)
    assert caught.value.reason.startswith(reason)


def test_a_truncated_file_says_where_it_ends() -> None:
    data = simple_run(1)
    with pytest.raises(FitFileError, match=rf"truncated: ends at byte 1207 of {len(data)}"):
        read_activity(data[:1207])


def test_a_flipped_byte_is_a_crc_mismatch() -> None:
    data = bytearray(simple_run(1))
    data[200] ^= 0xFF
    with pytest.raises(FitFileError, match="CRC mismatch"):
        read_activity(bytes(data))


SMALL = simple_run(1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(0, len(SMALL)),
    flips=st.lists(st.tuples(st.integers(0, len(SMALL) - 1), st.integers(1, 255)), max_size=3),
)
def test_no_damaged_file_raises_anything_but_a_fit_file_error(
    cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(SMALL[:cut] if cut < len(SMALL) else SMALL)
    for pos, mask in flips:
        if pos < len(data):
            data[pos] ^= mask
    outcome: Activity | FitFileError
    try:
        outcome = read_activity(bytes(data))
    except FitFileError as exc:
        outcome = exc
    if isinstance(outcome, FitFileError):
        assert outcome.reason
        assert "\n" not in outcome.reason
    else:
        assert isinstance(outcome, Activity)


# --- damaged files: the reason says what is wrong, in words -----------------------------


def _first_definition(data: bytes) -> int:
    """Byte offset of the first definition message (the file_id's) after the header."""
    at = data[0]
    assert data[at] & 0x40, "the builder writes the file_id definition first"
    return at


def test_a_definition_whose_field_size_does_not_fit_its_type_is_said_in_words() -> None:
    """fitparse stumbled here with "AttributeError: 'NoneType' object has no attribute
    'name'" (an unknown field whose size is not a multiple of its type's)."""
    data = bytearray(simple_run(5)[:-2])
    first_field = _first_definition(bytes(data)) + 6
    data[first_field : first_field + 3] = bytes((250, 3, 0x84))  # unknown, 3 bytes of uint16
    with pytest.raises(FitFileError) as caught:
        read_activity(with_crc_fixed(bytes(data), data[0]))
    assert caught.value.reason.startswith("damaged at byte ")
    assert caught.value.reason.endswith(
        "a message definition is corrupt (a field's size does not fit its type)"
    )


def test_a_data_message_of_an_undefined_type_is_said_in_words() -> None:
    data = bytearray(simple_run(5)[:-2])
    start = _first_definition(bytes(data))
    fields = data[start + 5]
    first_data = start + 6 + 3 * fields  # the file_id data message follows its definition
    data[first_data] = 0x0F  # local message type 15, never defined
    with pytest.raises(FitFileError) as caught:
        read_activity(with_crc_fixed(bytes(data), data[0]))
    assert caught.value.reason.startswith("damaged at byte ")
    assert caught.value.reason.endswith("a data message uses a message type the file never defined")


def test_no_reason_for_a_damaged_file_names_a_python_exception() -> None:
    sources = [
        ("run.fit", RUN_WALK),
        ("nested.fit", nested_repeats_run(2, 3)),
        ("workout.fit", workout_file()),
    ]
    reasons = []
    for mutant in mutants(sources, 120, seed=7):
        try:
            read_activity(mutant.data)
        except FitFileError as exc:
            reasons.append((mutant.name, exc.reason))
    assert len(reasons) > 60
    assert [r for r in reasons if PYTHON_NAMES.search(r[1])] == []
