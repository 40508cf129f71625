"""Patterns real watches write that synthetic files did not: each reproduced with Garmin's
Encoder, so the test says which device habit it guards.

- A current Forerunner (the FR955 fixture) stamps every lap, the session and the activity
  with the activity's *start* time; only `start_time` and the elapsed and timer times are
  right. Lap windows then come from start_time + elapsed time.
- Old devices without a clock write every date_time as seconds since the watch was
  switched on (below 0x10000000, FIT profile); the activity message's local_timestamp
  (her wall clock) anchors them in her time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.matching import match
from rules.plan import plan_from_recorded
from sync.adapters.fitfile import read_activity
from sync.errors import FitFileError
from tests.support.fitbuilder import (
    FIRST_LEVEL_STEPS,
    T0,
    ActivitySpec,
    Segment,
    build_activity,
    first_level_segments,
    follow,
)

BERLIN = ZoneInfo("Europe/Berlin")


def first_level(**kwargs: object) -> bytes:
    spec = ActivitySpec(
        first_level_segments(),
        laps_per_segment=True,
        workout_name="RB L3",
        workout_steps=FIRST_LEVEL_STEPS,
        **kwargs,  # type: ignore[arg-type]
    )
    return build_activity(spec)


@pytest.mark.parametrize("stamps", ["start", "missing"])
def test_laps_stamped_at_the_activity_start_are_rebuilt_from_start_time_and_elapsed(
    stamps: str,
) -> None:
    good = read_activity(first_level())
    odd = read_activity(first_level(lap_timestamps=stamps))
    assert [(lap.start, lap.end) for lap in odd.laps] == [(lap.start, lap.end) for lap in good.laps]
    assert odd.repairs, "the reader says it repaired the laps"
    assert "start time + elapsed time" in odd.repairs[0]
    assert good.repairs == ()


def test_a_structured_run_with_laps_stamped_at_the_start_matches_like_a_correct_one() -> None:
    spec = "walk 5m, 6x(run 3m, walk 1m30s), run 7m, walk 5m"  # ~45 min, as the Forerunner ran
    good = read_activity(follow(spec, T0, serial=11, run_for={3: 100}))
    odd = read_activity(follow(spec, T0, serial=11, run_for={3: 100}, lap_timestamps="start"))
    assert odd.repairs
    results = []
    for act in (good, odd):
        plan = plan_from_recorded(act.workout_steps)
        result = match(act, plan)
        assert result.path == "laps"
        results.append([(r.status, r.actual_s, r.start, r.end) for r in result.intervals])
    assert results[0] == results[1]
    statuses = [row[0] for row in results[1]]
    assert statuses.count("short") == 1  # run 3: 1:40 of 3:00
    assert statuses.count("done") == len(statuses) - 1


def test_laps_that_overlap_the_next_lap_take_their_end_from_elapsed_time() -> None:
    act = read_activity(first_level(lap_timestamps="start"))
    for before, after in zip(act.laps, act.laps[1:], strict=False):
        assert before.end <= after.start
    assert all(lap.end - lap.start == timedelta(seconds=lap.elapsed_s) for lap in act.laps)


def test_relative_timestamps_are_anchored_by_the_local_timestamp_in_her_zone() -> None:
    start = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # 08:30 in Berlin (summer time)
    end_local = datetime(2026, 7, 1, 8, 30) + timedelta(seconds=300 + 5 * 300 + 300)
    data = first_level(start=start, relative_from_s=7_200, local_timestamp=end_local)
    act = read_activity(data, tz=BERLIN)
    reference = read_activity(first_level(start=start))
    assert act.start == start
    assert act.columns.timestamp_s == reference.columns.timestamp_s
    assert [(lap.start, lap.end) for lap in act.laps] == [
        (lap.start, lap.end) for lap in reference.laps
    ]
    assert act.time_created == start
    assert any("switched on" in text for text in act.repairs)


def test_relative_timestamps_in_another_zone_move_with_it() -> None:
    start = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)
    end_local = datetime(2026, 7, 1, 8, 30) + timedelta(seconds=2100)
    data = first_level(start=start, relative_from_s=500, local_timestamp=end_local)
    assert read_activity(data, tz=BERLIN).start == start
    assert read_activity(data, tz=UTC).start == start + timedelta(hours=2)


def test_relative_timestamps_without_a_local_timestamp_are_refused_with_the_reason() -> None:
    data = first_level(relative_from_s=7_200, local_timestamp=None)
    with pytest.raises(FitFileError) as caught:
        read_activity(data, tz=BERLIN)
    reason = caught.value.reason
    assert "switched on" in reason
    assert "no local time" in reason


def test_a_relative_local_timestamp_cannot_anchor_anything() -> None:
    # A device that never had a clock writes its local_timestamp relative too.
    data = first_level(relative_from_s=7_200, local_timestamp=datetime(1990, 1, 1, 2, 0))
    with pytest.raises(FitFileError, match="switched on"):
        read_activity(data, tz=BERLIN)


def test_a_plain_run_without_laps_is_not_reported_as_repaired() -> None:
    act = read_activity(build_activity(ActivitySpec([Segment("run", 600)])))
    assert act.repairs == ()


def test_laps_that_begin_before_the_lap_before_ended_are_moved_to_its_end() -> None:
    """A COROS APEX file starts a lap 4 s before the one before it ended."""
    good = read_activity(first_level())
    odd = read_activity(first_level(lap_overlap_s=4))
    assert [(lap.start, lap.end) for lap in odd.laps] == [(lap.start, lap.end) for lap in good.laps]
    assert any("began before the lap before had ended" in text for text in odd.repairs)


def test_summary_first_files_read_like_the_usual_order() -> None:
    """The FR955 and FR70 write laps, session and activity before the records."""
    usual = read_activity(first_level())
    first = read_activity(first_level(summary_first=True))
    assert first.laps == usual.laps
    assert first.columns == usual.columns
    assert (first.start, first.timer_s) == (usual.start, usual.timer_s)
    assert first.repairs == ()


def test_a_relative_file_anchored_past_2100_is_refused() -> None:
    data = first_level(relative_from_s=7_200, local_timestamp=datetime(2105, 1, 1, 9, 0))
    with pytest.raises(FitFileError, match="start cannot be right: 2105-01-01 is out of range"):
        read_activity(data, tz=UTC)
