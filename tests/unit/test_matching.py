"""Bouts, plans and matching on hand-built activities (pure: no FIT, no IO)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rules.activity import Activity, Lap, Pause, RecordedStep, SampleColumns, Split
from rules.bouts import DetectionThresholds, detect
from rules.matching import MatchThresholds, match, status, verdict
from rules.plan import PlannedStep, plan_from_items, plan_from_recorded
from rules.workout import parse

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
RUN_SPM, WALK_SPM = 164.0, 110.0


def activity(
    kinds: str,
    *,
    every_s: int = 1,
    laps: tuple[Lap, ...] = (),
    pauses: tuple[Pause, ...] = (),
    splits: tuple[Split, ...] = (),
    cadence: bool = True,
    speed: bool = True,
    steps: tuple[RecordedStep, ...] = (),
) -> Activity:
    """One character per second: r run, w walk, s stand, . no sample (a gap, or paused
    when `pauses` says so)."""
    cad = {"r": RUN_SPM, "w": WALK_SPM, "s": 0.0}
    spd = {"r": 2.8, "w": 1.3, "s": 0.0}
    ts, c, v, hr, d = [], [], [], [], []
    for second, kind in enumerate(kinds):
        if kind == "." or second % every_s:
            continue
        ts.append(T0.timestamp() + second)
        c.append(cad[kind] if cadence else float("nan"))
        v.append(spd[kind] if speed else float("nan"))
        hr.append(150.0 if kind == "r" else 110.0)
        d.append(float("nan"))
    timer = len(kinds) - sum((p.end - p.start).total_seconds() for p in pauses)
    return Activity(
        start=T0,
        sport="running",
        timer_s=float(timer),
        elapsed_s=float(len(kinds)),
        distance_m=None,
        laps=laps,
        pauses=pauses,
        splits=splits,
        workout_steps=steps,
        columns=SampleColumns(ts, v, c, hr, d),
    )


def at(second: int) -> datetime:
    return T0 + timedelta(seconds=second)


def lap(start: int, end: int, index: int | None, trigger: str = "time") -> Lap:
    return Lap(at(start), at(end), end - start, end - start, None, index, None, trigger)


def runs(act: Activity) -> list[tuple[int, int]]:
    return [
        (round((b.start - T0).total_seconds()), b.duration_s)
        for b in detect(act).bouts
        if b.kind == "run"
    ]


# --- bouts ---------------------------------------------------------------------------------


def test_cadence_alone_separates_running_from_walking() -> None:
    assert runs(activity("w" * 60 + "r" * 30 + "w" * 60, speed=False)) == [(60, 30)]


def test_speed_decides_when_there_is_no_cadence() -> None:
    assert runs(activity("w" * 60 + "r" * 30 + "w" * 60, cadence=False)) == [(60, 30)]


def test_a_stretch_shorter_than_the_minimum_bout_joins_its_neighbour() -> None:
    found = detect(activity("w" * 60 + "r" * 5 + "w" * 60)).bouts
    assert [(b.kind, b.duration_s) for b in found] == [("walk", 125)]


def test_a_short_stop_inside_a_run_does_not_split_it() -> None:
    assert runs(activity("w" * 60 + "r" * 30 + "s" * 4 + "r" * 30 + "w" * 60)) == [(60, 64)]


def test_no_bout_spans_a_pause_and_pause_time_is_not_moving_time() -> None:
    kinds = "r" * 60 + "." * 300 + "r" * 60
    act = activity(kinds, pauses=(Pause(at(60), at(360)),))
    assert runs(act) == [(0, 60), (360, 60)]


def test_a_long_gap_in_the_samples_is_unknown_not_running() -> None:
    assert runs(activity("r" * 60 + "." * 120 + "r" * 60)) == [(0, 60), (180, 60)]


def test_smart_recording_gaps_are_filled_from_the_nearest_sample() -> None:
    assert runs(activity("w" * 60 + "r" * 60 + "w" * 60, every_s=5)) == [(58, 60)]


def test_garmin_splits_label_seconds_the_samples_say_nothing_about() -> None:
    kinds = "r" * 60 + "." * 60 + "r" * 60
    act = activity(kinds, splits=(Split("run", at(60), at(120)),))
    assert runs(act) == [(0, 180)]


def test_a_cadence_between_the_bands_goes_to_speed() -> None:
    act = activity("w" * 60 + "r" * 60)
    cols = act.columns
    ambiguous = [135.0 if c == RUN_SPM else c for c in cols.cadence_spm]
    slow = Activity(
        start=act.start,
        sport=act.sport,
        timer_s=act.timer_s,
        elapsed_s=act.elapsed_s,
        distance_m=None,
        columns=SampleColumns(
            cols.timestamp_s, cols.speed_mps, ambiguous, cols.heart_rate, cols.distance_m
        ),
    )
    assert runs(slow) == [(60, 60)]  # 2.8 m/s says run


def test_run_seconds_never_exceed_the_timer() -> None:
    act = activity("r" * 100)
    short_timer = Activity(
        start=act.start, sport="running", timer_s=90.0, elapsed_s=100.0, distance_m=None,
        columns=act.columns,
    )  # fmt: skip
    assert sum(b.duration_s for b in detect(short_timer).bouts) == 90


def test_a_clock_jump_in_the_samples_does_not_make_a_giant_bout() -> None:
    act = activity("r" * 60)
    cols = act.columns
    jumped = [t + (20 * 86400 if i >= 30 else 0) for i, t in enumerate(cols.timestamp_s)]
    late = Activity(
        start=act.start, sport="running", timer_s=60.0, elapsed_s=60.0, distance_m=None,
        columns=SampleColumns(jumped, cols.speed_mps, cols.cadence_spm, cols.heart_rate,
                              cols.distance_m),
    )  # fmt: skip
    bouts = detect(late).bouts
    assert [b.duration_s for b in bouts] == [30, 30]
    assert bouts[1].start == at(30 + 20 * 86400)


def test_thresholds_refuse_values_that_make_no_sense() -> None:
    with pytest.raises(ValueError, match=r"min_bout_s must be 1\.\.8"):
        DetectionThresholds(min_bout_s=12)
    with pytest.raises(ValueError, match="cadence thresholds"):
        DetectionThresholds(run_cadence_spm=120.0)
    with pytest.raises(ValueError, match="done_ratio"):
        MatchThresholds(done_ratio=0.2)


# --- plans ---------------------------------------------------------------------------------


def test_a_spec_plan_numbers_steps_as_runback_writes_workout_files() -> None:
    plan = plan_from_items(parse("walk 5m, 2x(run 30s, walk 4m30s), walk 5m"), "option")
    assert [(r.kind, r.planned_s, r.step_index) for r in plan.rows] == [
        ("walk", 300, 0), ("run", 30, 1), ("walk", 270, 2), ("run", 30, 1), ("walk", 270, 2),
        ("walk", 300, 4),
    ]  # fmt: skip
    assert plan.spec == "walk 5m, 2x(run 30s, walk 4m30s), walk 5m"


def test_a_recorded_workout_with_nested_repeats_flattens_in_order() -> None:
    steps = (
        RecordedStep(0, "time", 600, intensity="warmup"),
        RecordedStep(1, "time", 60, intensity="active"),
        RecordedStep(2, "time", 60, intensity="rest"),
        RecordedStep(3, "repeat_until_steps_cmplt", repeat_from=1, repeat_count=2),
        RecordedStep(4, "time", 120, intensity="recovery"),
        RecordedStep(5, "repeat_until_steps_cmplt", repeat_from=1, repeat_count=2),
        RecordedStep(6, "time", 300, intensity="cooldown", name="Walk"),
    )
    plan = plan_from_recorded(steps)
    assert plan is not None
    assert [r.step_index for r in plan.rows] == [0, 1, 2, 1, 2, 4, 1, 2, 1, 2, 4, 6]
    assert [r.kind for r in plan.rows][:6] == ["run", "run", "walk", "run", "walk", "walk"]
    assert plan.rows[-1].kind == "walk"  # named Walk
    assert plan.spec == "run 10m, 2x(2x(run 1m, walk 1m), walk 2m), walk 5m"


def test_untimed_recorded_steps_have_no_planned_time_and_no_spec() -> None:
    steps = (
        RecordedStep(0, "time", 300, intensity="warmup"),
        RecordedStep(1, "distance", distance_m=1000, intensity="active"),
        RecordedStep(2, "open", intensity="cooldown"),
    )
    plan = plan_from_recorded(steps)
    assert plan is not None
    assert [r.planned_s for r in plan.rows] == [300, None, None]
    assert plan.spec is None


# --- statuses and matching -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "planned", "actual", "other", "expected"),
    [
        ("run", 30, 27, 0, "done"),  # 90 % is done
        ("run", 30, 26, 0, "short"),
        ("run", 30, 3, 0, "short"),
        ("run", 30, 2, 0, "missed"),  # under 3 s is missed
        ("run", None, 40, 0, "done"),  # untimed: any real running is done
        ("walk", 270, 250, 10, "done"),  # 10 s of running in a walk is fine
        ("walk", 270, 250, 11, "extra"),
    ],
)
def test_statuses_follow_the_default_thresholds(
    kind: str, planned: int | None, actual: int, other: int, expected: str
) -> None:
    assert status(kind, planned, actual, other, MatchThresholds()) == expected


STEPS = (
    RecordedStep(0, "time", 60, intensity="warmup", name="Walk"),
    RecordedStep(1, "time", 30, intensity="active", name="Run"),
    RecordedStep(2, "time", 60, intensity="recovery", name="Walk"),
    RecordedStep(3, "repeat_until_steps_cmplt", repeat_from=1, repeat_count=2),
)


def test_auto_lap_splits_and_tail_laps_inside_a_step_are_one_step() -> None:
    kinds = "w" * 60 + "r" * 30 + "w" * 60 + "r" * 30 + "w" * 63
    laps = (
        lap(0, 60, 0),
        lap(60, 90, 1),
        lap(90, 120, 2, "distance"),  # auto lap inside the walk
        lap(120, 150, 2),
        lap(150, 180, 1),
        lap(180, 240, 2),
        lap(240, 243, 2),  # tail lap sharing the index
    )
    result = match(activity(kinds, laps=laps, steps=STEPS), plan_from_recorded(STEPS))
    assert result.path == "laps"
    assert [r.status for r in result.intervals] == ["done"] * 5
    assert result.intervals[2].end == at(150)
    assert result.intervals[4].end == at(243)


def test_a_single_step_repeat_counts_each_pass_by_order() -> None:
    plan = plan_from_items(parse("3x(run 1m)"), "option")
    kinds = "r" * 60 + "r" * 60 + "w" * 60
    laps = (lap(0, 60, 0), lap(60, 120, 0), lap(120, 180, 0))
    result = match(activity(kinds, laps=laps), plan)
    assert [r.status for r in result.intervals] == ["done", "done", "missed"]
    assert [r.start for r in result.intervals] == [at(0), at(60), at(120)]


def test_laps_from_another_workout_fall_back_to_the_signal() -> None:
    plan = plan_from_items(parse("walk 1m, run 30s, walk 1m"), "option")
    result = match(activity("w" * 60 + "r" * 30 + "w" * 60, laps=(lap(0, 150, 7),)), plan)
    assert result.path == "signal"
    assert [r.status for r in result.intervals] == ["done", "done", "done"]


def test_running_through_a_walk_step_is_extra() -> None:
    plan = plan_from_items(parse("walk 1m, run 30s, walk 1m, run 30s, walk 1m"), "option")
    kinds = "w" * 60 + "r" * 60 + "w" * 30 + "r" * 30 + "w" * 60
    result = match(activity(kinds), plan)
    assert [r.status for r in result.intervals] == ["done", "done", "extra", "done", "done"]
    assert verdict(result) == "2 of 2 run intervals done; ran through a walk"


def test_a_session_that_ends_early_leaves_the_rest_missed_without_a_window() -> None:
    plan = plan_from_items(parse("walk 1m, 3x(run 30s, walk 1m)"), "option")
    result = match(activity("w" * 60 + "r" * 30 + "w" * 60 + "r" * 30), plan)
    assert [r.status for r in result.intervals] == [
        "done", "done", "done", "done", "missed", "missed", "missed",
    ]  # fmt: skip
    assert result.intervals[-1].start is None
    assert verdict(result) == "2 of 3 run intervals done; run 3 missed"


def test_without_a_plan_there_are_bouts_and_no_intervals() -> None:
    result = match(activity("w" * 60 + "r" * 30), None)
    assert result.intervals == ()
    assert result.path == "none"
    assert verdict(result) == "no plan to match: ran 0:30, walked 1:00"


def test_a_walk_only_plan_reports_walk_steps() -> None:
    plan = plan_from_items(parse("walk 2m"), "option")
    result = match(activity("w" * 120), plan)
    assert [(r.kind, r.status, r.actual_s) for r in result.intervals] == [("walk", "done", 120)]
    assert verdict(result) == "1 of 1 walk steps done"


def test_planned_step_refuses_a_bad_kind() -> None:
    with pytest.raises(ValueError, match="run or walk"):
        PlannedStep("jog", 30)
