"""Matching on synthetic sessions whose truth is known: each built as FIT bytes with
Garmin's Encoder, read back through the FIT reader, then detected and matched.

For every scenario: each true run bout of 10 s or more is found with start and
duration within 5 s, no false run bout of 10 s or more appears, and each interval's
status is what she really did.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from rules.bouts import detect
from rules.matching import Match, match, verdict
from rules.plan import plan_from_items, plan_from_recorded
from rules.workout import parse
from sync.adapters.fitfile import read_activity
from tests.support.fitbuilder import (
    FIRST_LEVEL_SPEC,
    FIRST_LEVEL_STEPS,
    ActivitySpec,
    Segment,
    build_activity,
    first_level_segments,
    three_hour_run,
    true_bouts,
)

TOLERANCE_S = 5
T0_SCENARIO = datetime(2026, 9, 12, 6, 30, tzinfo=UTC)
MIN_CHECKED_S = 10


@dataclass
class Scenario:
    spec: ActivitySpec
    plan: str | None  # a spec text, or None: the workout recorded in the file
    statuses: list[str]
    path: str
    short_run_s: dict[int, int] = field(default_factory=dict)  # row index -> true run seconds


def first_level_statuses(**by_row: str) -> list[str]:
    statuses = ["done"] * 12
    for key, value in by_row.items():
        statuses[int(key.removeprefix("row")) - 1] = value
    return statuses


def structured(segments: list[Segment], **kwargs: object) -> ActivitySpec:
    return ActivitySpec(
        segments,
        laps_per_segment=True,
        workout_name="Run/Walk L1",
        workout_steps=FIRST_LEVEL_STEPS,
        **kwargs,  # type: ignore[arg-type]
    )


def cut_short(structured_laps: bool) -> list[Segment]:
    """Run 3 (row 6): she ran 18 s of 30 and walked the rest of the step."""
    segments = first_level_segments(structured_laps)
    run3 = segments[5]
    segments[5:6] = [
        replace(run3, duration_s=18),
        replace(run3, kind="walk", duration_s=12, new_lap=False),
    ]
    return segments


def skipped_rep() -> list[Segment]:
    """Freestyle: she walked through rep 3 (rows 6 and 7 are one long walk)."""
    segments = first_level_segments(structured=False)
    segments[5] = Segment("walk", 30)
    return segments


def lap_early_in_walk() -> list[Segment]:
    """She pressed lap 70 s early in walk 2 (row 5): run 3 started early, all still done."""
    segments = first_level_segments()
    segments[4] = replace(segments[4], duration_s=200, lap_trigger="manual")
    return segments


def lap_early_in_run() -> list[Segment]:
    """She pressed lap after 20 s of run 2 (row 4) and walked on: run 2 is short."""
    segments = first_level_segments()
    segments[3] = replace(segments[3], duration_s=20, lap_trigger="manual")
    return segments


def pause_in_walk(structured_laps: bool) -> list[Segment]:
    """A 6-minute pause (feeding the baby) 100 s into walk 2 (row 5)."""
    segments = first_level_segments(structured_laps)
    walk = segments[4]
    segments[4:5] = [
        replace(walk, duration_s=100),
        Segment("pause", 360),
        replace(walk, duration_s=170, new_lap=False),
    ]
    return segments


def skipped_by_lap() -> list[Segment]:
    """She lapped through run 4 after 2 s of walking: row 8 is missed."""
    segments = first_level_segments()
    segments[7] = Segment("walk", 2, 1, "active", lap_trigger="manual")
    return segments


CONTINUOUS = [Segment("walk", 300), Segment("run", 900), Segment("walk", 300)]

SCENARIOS = {
    "structured and clean": Scenario(
        structured(first_level_segments()), None, first_level_statuses(), "laps"
    ),
    "structured, run 3 cut short": Scenario(
        structured(cut_short(True), noise_seed=1),
        None,
        first_level_statuses(row6="short"),
        "laps",
        {6: 18},
    ),
    "freestyle, run 3 cut short": Scenario(
        ActivitySpec(cut_short(False), noise_seed=2),
        FIRST_LEVEL_SPEC,
        first_level_statuses(row6="short"),
        "signal",
        {6: 18},
    ),
    "freestyle, whole rep 3 walked": Scenario(
        ActivitySpec(skipped_rep(), noise_seed=4),
        FIRST_LEVEL_SPEC,
        first_level_statuses(row6="missed"),
        "signal",
    ),
    "structured, rep 4 lapped through": Scenario(
        structured(skipped_by_lap()), None, first_level_statuses(row8="missed"), "laps"
    ),
    "freestyle with 1 km auto laps": Scenario(
        ActivitySpec(first_level_segments(False), auto_lap_m=1000, noise_seed=5),
        FIRST_LEVEL_SPEC,
        first_level_statuses(),
        "signal",
    ),
    "smart recording": Scenario(
        structured(first_level_segments(), smart_recording_seed=7, noise_seed=7),
        None,
        first_level_statuses(),
        "laps",
    ),
    "6-minute pause inside a walk, structured": Scenario(
        structured(pause_in_walk(True)), None, first_level_statuses(), "laps"
    ),
    "6-minute pause inside a walk, freestyle": Scenario(
        ActivitySpec(pause_in_walk(False), noise_seed=8),
        FIRST_LEVEL_SPEC,
        first_level_statuses(),
        "signal",
    ),
    "no GPS (treadmill, cadence only)": Scenario(
        structured(first_level_segments(), with_speed=False, with_distance=False, noise_seed=9),
        None,
        first_level_statuses(),
        "laps",
    ),
    "no cadence (speed only, noisy GPS)": Scenario(
        ActivitySpec(first_level_segments(False), with_cadence=False, noise_seed=10),
        FIRST_LEVEL_SPEC,
        first_level_statuses(),
        "signal",
    ),
    "lap pressed early in a walk": Scenario(
        structured(lap_early_in_walk()), None, first_level_statuses(), "laps"
    ),
    "lap pressed early in a run": Scenario(
        structured(lap_early_in_run()), None, first_level_statuses(row4="short"), "laps", {4: 20}
    ),
    "15 minutes continuous": Scenario(
        ActivitySpec(CONTINUOUS, noise_seed=11), "walk 5m, run 15m, walk 5m", ["done"] * 3, "signal"
    ),
    "3-hour structured file": Scenario(three_hour_run(), None, ["done"] * 34, "laps"),
}


def analyse(scenario: Scenario) -> Match:
    activity = read_activity(build_activity(scenario.spec))
    if scenario.plan is None:
        plan = plan_from_recorded(activity.workout_steps)
    else:
        plan = plan_from_items(parse(scenario.plan), "option")
    return match(activity, plan, track=detect(activity))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_true_run_bout_is_found_within_five_seconds_and_none_is_invented(name: str) -> None:
    scenario = SCENARIOS[name]
    result = analyse(scenario)
    truth = [
        (start, seconds) for kind, start, seconds in true_bouts(scenario.spec) if kind == "run"
    ]
    truth = [(start, seconds) for start, seconds in truth if seconds >= MIN_CHECKED_S]
    found = [b for b in result.bouts if b.kind == "run" and b.duration_s >= MIN_CHECKED_S]
    for start, seconds in truth:
        near = [
            b
            for b in found
            if abs((b.start - start).total_seconds()) <= TOLERANCE_S
            and abs(b.duration_s - seconds) <= TOLERANCE_S
        ]
        assert near, f"true run at {start:%H:%M:%S} for {seconds} s not found in {found}"
    for bout in found:
        assert any(
            abs((bout.start - start).total_seconds()) <= TOLERANCE_S for start, _ in truth
        ), f"false run bout {bout}"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_interval_gets_the_status_of_what_she_did(name: str) -> None:
    scenario = SCENARIOS[name]
    result = analyse(scenario)
    assert result.path == scenario.path
    assert [r.status for r in result.intervals] == scenario.statuses
    assert [r.index for r in result.intervals] == list(range(1, len(scenario.statuses) + 1))
    for row, seconds in scenario.short_run_s.items():
        assert abs(result.intervals[row - 1].actual_s - seconds) <= TOLERANCE_S


def test_a_cut_short_run_reads_as_stopped_at_in_the_verdict() -> None:
    result = analyse(SCENARIOS["structured, run 3 cut short"])
    assert verdict(result).startswith("4 of 5 run intervals done; run 3 stopped at 0:1")


def test_the_pause_is_not_walking_time() -> None:
    result = analyse(SCENARIOS["6-minute pause inside a walk, structured"])
    walk2 = result.intervals[4]
    assert walk2.end is not None
    assert walk2.start is not None
    assert (walk2.end - walk2.start) >= timedelta(seconds=270 + 360 - TOLERANCE_S)
    assert abs(walk2.actual_s - 270) <= TOLERANCE_S


def test_a_skipped_step_has_no_window_when_the_laps_say_it_never_happened() -> None:
    activity = read_activity(build_activity(structured(first_level_segments()[:6])))
    result = match(activity, plan_from_recorded(activity.workout_steps))
    ended = result.intervals[6:]
    assert all(r.status == "missed" and r.start is None and r.actual_s == 0 for r in ended)
    assert result.compliance.run_intervals_done == 3
    assert result.compliance.run_intervals_planned == 5


CAPPED = "walk 5m, 7x(run 15s, walk 3m45s), walk 5m"  # a leak cap at 15 s


@pytest.mark.parametrize("every", [1, 2, 3, 4, 5, 7, 10])
def test_a_capped_session_followed_exactly_is_done_at_every_recording_rate(every: int) -> None:
    """Watches recording every 5 s put a sample on each lap start: the run's end falls in
    the gap before it, and the lap says where. Done, or her cap could never rise."""
    from tests.support.fitbuilder import follow

    start = T0_SCENARIO
    act = read_activity(follow(CAPPED, start, serial=41, record_every_s=every))
    result = match(act, plan_from_recorded(act.workout_steps))
    assert verdict(result) == "7 of 7 run intervals done"
    cut = read_activity(follow(CAPPED, start, serial=41, record_every_s=every, run_for={4: 7}))
    assert "run 4" in verdict(match(cut, plan_from_recorded(cut.workout_steps)))


@pytest.mark.parametrize("seed", range(12))
def test_a_capped_session_with_smart_recording_is_done(seed: int) -> None:
    from tests.support.fitbuilder import follow

    act = read_activity(follow(CAPPED, T0_SCENARIO, serial=42, smart_recording_seed=seed))
    assert verdict(match(act, plan_from_recorded(act.workout_steps))) == (
        "7 of 7 run intervals done"
    )
