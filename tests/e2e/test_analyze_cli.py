"""`runback analyze` as she runs it: a table and a verdict, or DESIGN's JSON; bad input
is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner
from tests.support.contracts import check_analyze
from tests.support.fitbuilder import (
    FIRST_LEVEL_SPEC,
    FIRST_LEVEL_STEPS,
    ActivitySpec,
    Segment,
    build_activity,
    first_level_segments,
    nested_repeats_run,
)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    cut = first_level_segments()
    cut[5:6] = [
        Segment("run", 18, 1, "active"),
        Segment("walk", 12, 1, "active", new_lap=False),
    ]
    structured = ActivitySpec(
        cut, laps_per_segment=True, workout_name="L1", workout_steps=FIRST_LEVEL_STEPS
    )
    (folder / "structured.fit").write_bytes(build_activity(structured))
    freestyle = ActivitySpec(first_level_segments(structured=False), noise_seed=1)
    (folder / "freestyle.fit").write_bytes(build_activity(freestyle))
    walk = ActivitySpec([Segment("walk", 1200)], sport="walking")
    (folder / "walk.fit").write_bytes(build_activity(walk))
    (folder / "empty.fit").write_bytes(build_activity(ActivitySpec([Segment("pause", 30)])))
    return folder


def test_the_table_ends_with_the_verdict(runback: Runner, files: Path) -> None:
    done = runback("analyze", str(files / "structured.fit"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == (
        f"plan: {FIRST_LEVEL_SPEC} (the workout recorded in the file; matched by laps)"
    )
    assert lines[-1] == "4 of 5 run intervals done; run 3 stopped at 0:18 of 0:30"
    assert "  6  run      0:30     0:18  short " in done.stdout


def test_json_follows_the_contract(runback: Runner, files: Path) -> None:
    done = runback("analyze", str(files / "structured.fit"), "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    check_analyze(body)
    assert body["plan"] == FIRST_LEVEL_SPEC
    assert body["intervals"][5]["status"] == "short"
    assert body["intervals"][5]["actual_s"] == 18
    assert body["compliance"] == {
        "run_planned_s": 150,
        "run_actual_s": 138,
        "run_intervals_planned": 5,
        "run_intervals_done": 4,
    }


def test_a_plan_given_on_the_command_line_is_matched_by_the_signal(
    runback: Runner, files: Path
) -> None:
    done = runback("analyze", str(files / "freestyle.fit"), "--plan", FIRST_LEVEL_SPEC)
    assert done.returncode == 0, done.stderr
    assert "matched by detected bouts" in done.stdout
    assert done.stdout.splitlines()[-1] == "5 of 5 run intervals done"


def test_a_freestyle_file_without_a_plan_reports_bouts_only(runback: Runner, files: Path) -> None:
    done = runback("analyze", str(files / "freestyle.fit"), "--json")
    body = json.loads(done.stdout)
    check_analyze(body)
    assert body["plan"] is None
    assert body["intervals"] == []
    assert [b["kind"] for b in body["bouts"]] == ["walk", "run"] * 5 + ["walk"]


def test_a_walk_is_a_session_and_reports_its_bouts(runback: Runner, files: Path) -> None:
    done = runback("analyze", str(files / "walk.fit"), "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["activity"]["sport"] == "walking"
    assert [(b["kind"], b["duration_s"]) for b in body["bouts"]] == [("walk", 1200)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "walk 5m, 5x(jog 30s, walk 4m)"], "--plan: unknown kind 'jog' at column 13"),
        (["--plan", "walk 5m, 5x(run 30s"], "--plan: missing ')' at column"),
        (
            ["--plan", "100x(100x(100x(run 1s)))"],
            "--plan: the workout expands to 1000000 steps (repeats counted); at most 500",
        ),
        (["--plan", "2x(" * 3000 + "run 1s" + ")" * 3000], "--plan: repeats nest more than 10"),
    ],
)
def test_a_plan_that_does_not_parse_says_where(
    runback: Runner, files: Path, args: list[str], message: str
) -> None:
    done = runback("analyze", str(files / "freestyle.fit"), *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"runback: {message}")
    assert done.stderr.count("\n") == 1


def test_a_recorded_workout_too_big_to_expand_is_ignored_with_the_reason(
    runback: Runner, tmp_path: Path
) -> None:
    path = tmp_path / "nested.fit"
    path.write_bytes(nested_repeats_run(levels=3, count=100))
    done = runback("analyze", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == (
        "ignored: the workout recorded in the file expands to 1000000 steps "
        "(repeats counted); at most 500"
    )
    assert "plan: none" in done.stdout


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.fit", "no samples (the watch recorded no data points to analyse)"),
        ("missing.fit", "no such file"),
    ],
)
def test_a_file_that_cannot_be_analysed_says_why(
    runback: Runner, files: Path, name: str, message: str
) -> None:
    done = runback("analyze", str(files / name))
    assert done.returncode == 2
    assert done.stderr == f"runback: {files / name}: {message}\n"
