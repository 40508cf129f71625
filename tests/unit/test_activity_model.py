from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rules.activity import Activity, Lap, Pause, SampleColumns, refusal

T = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_a_lap_refuses_negative_times_and_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timer_s"):
        Lap(start=T, end=T, timer_s=-5, elapsed_s=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        Lap(start=T.replace(tzinfo=None), end=T, timer_s=0, elapsed_s=0)
    with pytest.raises(ValueError, match="before it starts"):
        Lap(start=T, end=T - timedelta(seconds=1), timer_s=0, elapsed_s=0)


def test_a_pause_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Pause(T, T - timedelta(seconds=1))


def test_sample_columns_must_have_equal_lengths() -> None:
    with pytest.raises(ValueError, match="speed_mps"):
        SampleColumns([1.0, 2.0], [1.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0])


def test_samples_become_a_dataframe_with_utc_timestamps() -> None:
    cols = SampleColumns(
        [T.timestamp(), T.timestamp() + 1],
        [2.8, 2.9],
        [164.0, 166.0],
        [150.0, float("nan")],
        [2.8, 5.7],
    )
    act = Activity(start=T, sport="running", timer_s=2, elapsed_s=2, distance_m=5.7, columns=cols)
    df = act.samples
    assert list(df.columns) == ["timestamp", "speed_mps", "cadence_spm", "heart_rate", "distance_m"]
    assert df["timestamp"].iloc[0] == T
    assert df["heart_rate"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("types", "sports", "reason"),
    [
        (["activity"], ["running"], None),
        (["activity"], ["walking"], None),
        (["activity", "settings"], ["running"], None),
        (["workout"], [], "a workout file, not an activity"),
        (["course"], [], "a course file, not an activity"),
        (["activity"], ["cycling"], "a cycling activity: runback follows running and walking"),
        (["activity"], [], "an activity without a session summary, so its sport is unknown"),
        (["activity"], ["running", "cycling"], "a multisport activity (running, cycling)"),
        ([], [], "not an activity: the file has no file_id message"),
        (["123"], [], "a file of unknown type 123, not an activity"),
        (["activity"], ["200"], "an activity of unknown sport 200: runback follows running"),
    ],
)
def test_only_runs_and_walks_are_sessions(
    types: list[str], sports: list[str], reason: str | None
) -> None:
    got = refusal(types, sports)
    if reason is None:
        assert got is None
    else:
        assert got is not None
        assert got.startswith(reason)
