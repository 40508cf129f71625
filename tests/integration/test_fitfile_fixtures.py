"""The FIT reader on real files recorded by real devices (../shared/fixtures/fit)."""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path

import pytest

from rules.activity import Activity
from sync.adapters.fitfile import read_activity
from sync.errors import FitFileError

RUNS = {
    "broken_fr920xt_mornindew.fit": "running",
    "chained_activity-settings.fit": "running",
    "run_coros-apex_laps.fit": "running",
    "run_fenix2_pauses.fit": "running",
    "run_fr225_time-jump_manual-laps.fit": "running",
    "run_fr245_manual-laps.fit": "running",
    "run_fr245_no-gps.fit": "running",
    "run_fr70_no-gps_intervals.fit": "running",
    "run_fr910xt_5h40_no-cadence.fit": "running",
    "run_fr920xt_treadmill_runscribe.fit": "running",
    "run_fr955_stryd_manual-laps.fit": "running",
    "run_suunto9_trail_pauses.fit": "running",
    "struct_run_fr245_aerobic-intervals-1.fit": "running",
    "struct_run_fr245_cruise-intervals-12.fit": "running",
    "struct_run_fr245_loslopen-45.fit": "running",
    "struct_run_fr245_recovery-3_pauses.fit": "running",
}
REFUSED = {
    "big_bike_bryton_8h.fit": "a cycling activity",
    "big_multisport_fenix2.fit": "a multisport activity",
    "big_triathlon_fr935_9h.fit": "a multisport activity",
    "course_garmin_old-stage.fit": "a course file, not an activity",
    "sdk_activity.fit": "a stand up paddleboarding activity",
    "sdk_activity_multisport.fit": "a multisport activity",
    "sdk_activity_poolswim_with_hr.fit": "a swimming activity",
    "sdk_activity_truncated.fit": "an activity without a session summary",
    "sdk_monitoring.fit": "a monitoring_b file, not an activity",
    "sdk_settings.fit": "a settings file, not an activity",
    "sdk_weight-scale-multi-user.fit": "a weight file, not an activity",
    "struct_bike_edge530_hrv-indoor.fit": "a cycling activity",
    "struct_swim_fr245_mixed-interval.fit": "a swimming activity",
    "workout_run_cruise-intervals-12.fit": "a workout file, not an activity",
}
INVALID = {
    "corrupt_activity-activity-filecrc.fit": "CRC mismatch",
    "corrupt_activity-filecrc.fit": "CRC mismatch",
    "corrupt_activity-settings-corruptheader.fit": "damaged",
    "corrupt_activity-unexpected-eof.fit": "truncated: ends at byte 768 of 771",
    "corrupt_empty-activities_badcrc.fit": "CRC mismatch",
    "corrupt_zero-bytes.fit": "empty file (0 bytes)",
}


@functools.cache
def read_run(path: Path) -> Activity:
    """Each real run decoded once for the tests of this module (Activity is frozen)."""
    return read_activity(path.read_bytes())


@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_real_run_reads_as_a_session(shared_fit: Path, name: str) -> None:
    act = read_run(shared_fit / name)
    assert act.sport == RUNS[name]
    assert act.timer_s > 0
    assert act.elapsed_s >= act.timer_s - 1
    df = act.samples
    assert len(df) > 0
    assert df["timestamp"].is_monotonic_increasing or name.startswith("run_fr225")
    assert (df["cadence_spm"].dropna() < 400).all()


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_real_files_that_are_not_runs_are_refused(shared_fit: Path, name: str) -> None:
    with pytest.raises(FitFileError) as caught:
        read_activity((shared_fit / name).read_bytes())
    assert caught.value.reason.startswith(REFUSED[name])


DECIDED_BY_THE_DECODER = {"sdk_activity_truncated.fit"}  # no session: truncated or not?


@pytest.mark.parametrize("name", sorted(set(REFUSED) - DECIDED_BY_THE_DECODER))
def test_real_files_that_are_not_runs_are_refused_from_their_headers(
    shared_fit: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fitparse

    data = (shared_fit / name).read_bytes()
    monkeypatch.setattr(fitparse, "UncachedFitFile", None)  # any decode would fail
    with pytest.raises(FitFileError) as caught:
        read_activity(data)
    assert caught.value.reason.startswith(REFUSED[name])


@pytest.mark.parametrize("name", sorted(INVALID))
def test_broken_files_get_a_reason_not_a_traceback(shared_fit: Path, name: str) -> None:
    with pytest.raises(FitFileError) as caught:
        read_activity((shared_fit / "invalid" / name).read_bytes())
    assert caught.value.reason.startswith(INVALID[name])


def test_structured_run_laps_carry_the_executed_step_indices(shared_fit: Path) -> None:
    act = read_activity((shared_fit / "struct_run_fr245_cruise-intervals-12.fit").read_bytes())
    assert [lap.wkt_step_index for lap in act.laps] == [0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 5, 6, None]
    assert act.workout_name == "R-Cruise Intervals-12"
    repeat = act.workout_steps[4]
    assert (repeat.repeat_from, repeat.repeat_count) == (2, 4)
    assert act.workout_steps[0].duration_s == 300
    assert {s.kind for s in act.splits} <= {"run", "walk", "stand"}
    assert act.splits


def test_pauses_come_from_timer_events(shared_fit: Path) -> None:
    act = read_activity((shared_fit / "struct_run_fr245_recovery-3_pauses.fit").read_bytes())
    paused = sum((p.end - p.start).total_seconds() for p in act.pauses)
    assert act.elapsed_s - act.timer_s == pytest.approx(paused, abs=30)


def test_a_file_without_cadence_has_no_cadence_samples(shared_fit: Path) -> None:
    act = read_activity((shared_fit / "run_fr910xt_5h40_no-cadence.fit").read_bytes())
    assert act.samples["cadence_spm"].isna().all()
    assert act.samples["speed_mps"].notna().mean() > 0.9


@pytest.mark.parametrize(
    "name",
    [
        "struct_run_fr245_cruise-intervals-12.fit",
        "run_fr955_stryd_manual-laps.fit",
        "run_fr70_no-gps_intervals.fit",
        "run_suunto9_trail_pauses.fit",
        "sdk_developer-data.fit",
        "sdk_monitoring.fit",
        "workout_sdk_repeat-steps.fit",
    ],
)
def test_the_fast_processor_decodes_exactly_what_fitparses_default_does(
    shared_fit: Path, name: str
) -> None:
    import fitparse

    from sync.adapters.fitfile import fast_processor

    data = (shared_fit / name).read_bytes()

    def decoded(**kwargs: object) -> list[str]:
        fit = fitparse.UncachedFitFile(data, **kwargs)
        return [
            repr((m.name, [(f.name, f.value, f.units) for f in m.fields]))
            for m in fit.get_messages()
        ]

    assert decoded(data_processor=fast_processor()) == decoded()


@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_real_runs_laps_are_consistent_after_reading(shared_fit: Path, name: str) -> None:
    """Laps follow each other, each as long as its elapsed time says, inside the session:
    whatever the device stamped (the FR955 stamps every lap with the activity's start).
    Only that file needs its lap ends rebuilt."""
    act = read_run(shared_fit / name)
    for lap in act.laps:
        assert lap.end >= lap.start
        assert lap.timer_s <= lap.elapsed_s + 2
    for before, after in zip(act.laps, act.laps[1:], strict=False):
        assert before.end <= after.start + timedelta(seconds=2), (before, after)
    rebuilt = any("lap ends rebuilt" in text for text in act.repairs)
    assert rebuilt == (name == "run_fr955_stryd_manual-laps.fit"), act.repairs


def test_the_fr955_laps_stamped_at_the_start_are_rebuilt_and_said_so(shared_fit: Path) -> None:
    act = read_run(shared_fit / "run_fr955_stryd_manual-laps.fit")
    assert len(act.laps) == 7
    assert act.repairs == (
        "lap ends rebuilt from start time + elapsed time for 7 of 7 laps "
        "(their timestamps were the activity's start)",
    )
    assert abs(act.laps[1].start - act.laps[0].end) < timedelta(seconds=1)
    total = sum(lap.elapsed_s for lap in act.laps)
    assert abs(act.laps[-1].end - act.start - timedelta(seconds=total)) < timedelta(seconds=7)
