"""`runback analyze` on every real file in ../shared/fixtures/fit: runs and walks are
analysed (exit 0, DESIGN's JSON), everything else is refused with a reason (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.adapters.fitfile import read_activity
from sync.entrypoints.cli import main
from tests.integration.test_fitfile_fixtures import INVALID, REFUSED, RUNS
from tests.support.contracts import check_analyze

# "Runs" that are mostly walking, by their own numbers.
MOSTLY_WALKED = {
    # 28.5 km in 5 h 40 (median 1.27 m/s): a mountain day, mostly hiked.
    "run_fr910xt_5h40_no-cadence.fit": 0.15,
    # Footpod cadence 128-134 steps/min at 1.9 m/s with a heart rate near 110: a brisk
    # walk, right on the border, so some of it reads as a slow jog.
    "run_fr70_no-gps_intervals.fit": 0.1,
}
STRUCTURED = sorted(name for name in RUNS if name.startswith("struct_run"))


def analyze(
    capsys: pytest.CaptureFixture[str], home: Path, path: Path, *extra: str
) -> tuple[int, str, str]:
    code = main(["--home", str(home), "analyze", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_real_run_is_analysed_with_sensible_bouts(
    shared_fit: Path, home: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, err = analyze(capsys, home, shared_fit / name, "--json")
    assert code == 0, err
    body = json.loads(out)
    check_analyze(body)
    moving = sum(b["duration_s"] for b in body["bouts"])
    assert moving <= body["activity"]["timer_s"] + 1
    # Too little to judge: the SDK's 14-second example, and an indoor "run" of 47 m.
    if name in ("chained_activity-settings.fit", "run_fr245_no-gps.fit"):
        return
    assert moving >= 0.6 * body["activity"]["timer_s"], "most of a session is moving"
    run = sum(b["duration_s"] for b in body["bouts"] if b["kind"] == "run")
    least = MOSTLY_WALKED.get(name, 0.5)
    assert run >= least * body["activity"]["timer_s"], "a run with hardly any running"


@pytest.mark.parametrize("name", STRUCTURED)
def test_structured_runs_line_up_with_the_workout_in_the_file(
    shared_fit: Path, home: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, err = analyze(capsys, home, shared_fit / name, "--json")
    assert code == 0, err
    body = json.loads(out)
    activity = read_activity((shared_fit / name).read_bytes())
    laps = [lap for lap in activity.laps if lap.wkt_step_index is not None]
    assert body["plan"] is not None
    assert len(body["intervals"]) == len(laps)  # every step of these workouts was done
    for row, lap in zip(body["intervals"], laps, strict=True):
        assert row["start"] == lap.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert row["end"] == lap.end.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert row["planned_s"] == round(lap.timer_s)


def test_the_cruise_intervals_table_reads_as_the_workout(
    shared_fit: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = analyze(capsys, home, shared_fit / "struct_run_fr245_cruise-intervals-12.fit")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("plan: run 5m, run 10m, 4x(run 7m, run 2m), run 5m, run 5m")
    assert "matched by laps" in lines[1]
    assert lines[-1].startswith("8 of 12 run intervals done; run 4 stopped at")


# The three big multi-hour files are refused for the same reasons by the reader test in
# test_fitfile_fixtures.py; parsing them again here would add half a minute to the suite.
SMALL_REFUSED = sorted(name for name in REFUSED if not name.startswith("big_"))


@pytest.mark.parametrize("name", SMALL_REFUSED)
def test_files_that_are_neither_runs_nor_walks_exit_2_with_the_reason(
    shared_fit: Path, home: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, err = analyze(capsys, home, shared_fit / name)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"{name}: {REFUSED[name]}" in err


@pytest.mark.parametrize("name", sorted(INVALID))
def test_broken_files_exit_2_with_the_reason(
    shared_fit: Path, home: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, _, err = analyze(capsys, home, shared_fit / "invalid" / name)
    assert code == 2
    assert INVALID[name] in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", STRUCTURED)
def test_run_steps_she_ran_at_running_cadence_come_out_done(
    shared_fit: Path, home: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """The watch's own laps say which step she was in; her cadence in them says she ran:
    such a step is done, and one walked through (cadence of walking) is not."""
    code, out, err = analyze(capsys, home, shared_fit / name, "--json")
    assert code == 0, err
    rows = [r for r in json.loads(out)["intervals"] if r["kind"] == "run"]
    ran = [r for r in rows if (r["avg_cadence_spm"] or 0) >= 140]
    walked = [r for r in rows if r["avg_cadence_spm"] is not None and r["avg_cadence_spm"] < 130]
    assert ran, "these workouts are mostly running"
    assert all(r["status"] == "done" for r in ran), [(r["index"], r["status"]) for r in ran]
    assert all(r["status"] != "done" for r in walked)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_bout_lies_inside_its_session(
    shared_fit: Path, home: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    from datetime import datetime, timedelta

    code, out, err = analyze(capsys, home, shared_fit / name, "--json")
    assert code == 0, err
    body = json.loads(out)
    start = datetime.fromisoformat(body["activity"]["start"])
    end = start + timedelta(seconds=body["activity"]["elapsed_s"] + 2)
    if name == "run_fr225_time-jump_manual-laps.fit":
        end += timedelta(days=21)  # its clock jumps 20 days mid-run; the bouts keep the times
    for bout in body["bouts"]:
        assert start - timedelta(seconds=2) <= datetime.fromisoformat(bout["start"]) < end
        assert datetime.fromisoformat(bout["end"]) <= end, bout
