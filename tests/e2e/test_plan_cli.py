"""The progression through the CLI with --today: each gate and rule as she meets it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Runner
from tests.support.fitbuilder import follow

BORN = date(2026, 6, 1)
FIRST = "walk 5m, 5x(run 30s, walk 4m30s), walk 5m"
SECOND = "walk 5m, 5x(run 1m, walk 4m), walk 5m"


class Journey:
    """Her side of the conversation: runs that follow what she was given, entries, plans."""

    def __init__(self, runback: Runner, folder: Path) -> None:
        self.runback = runback
        self.folder = folder
        self.serial = 9000

    def cli(self, day: date, *args: str) -> str:
        done = self.runback("--today", day.isoformat(), *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def plan(self, day: date) -> dict[str, Any]:
        return json.loads(self.cli(day, "plan", "--json"))  # type: ignore[no-any-return]

    def ready(self, day: date) -> None:
        self.cli(day, "profile", "set", "--birth-date", BORN.isoformat())
        self.cli(day, "profile", "set", "--cleared-on", (day - timedelta(days=1)).isoformat())
        self.cli(day, "readiness", "log", "--date", day.isoformat(), "--passed", "all")

    def run(self, day: date, spec: str, **kwargs: Any) -> None:
        self.serial += 1
        start = datetime.combine(day, time(8, 0), UTC)
        path = self.folder / f"{day}.fit"
        path.write_bytes(follow(spec, start, serial=self.serial, **kwargs))
        self.cli(day, "ingest", str(path))

    def log(self, day: date, *args: str) -> None:
        self.cli(day, "symptoms", "log", "--date", day.isoformat(), *args)


@pytest.fixture
def journey(runback: Runner, tmp_path: Path) -> Journey:
    return Journey(runback, tmp_path)


def test_the_gates_in_order(journey: Journey) -> None:
    day = date(2026, 8, 17)  # 11 weeks
    assert journey.plan(day)["phase"] == "not-ready"
    journey.cli(day, "profile", "set", "--birth-date", BORN.isoformat())
    plan = journey.plan(day)
    assert plan["phase"] == "walk"
    assert plan["flags"] == ["gate:weeks", "gate:clearance", "gate:readiness"]
    assert plan["workout"]["spec"] == "walk 20m"
    day = date(2026, 8, 25)  # 12 weeks and a day
    journey.cli(day, "profile", "set", "--cleared-on", "2026-08-24")
    assert journey.plan(day)["flags"] == ["gate:readiness"]
    journey.cli(day, "readiness", "log", "--date", "2026-08-25", "--passed", "all")
    plan = journey.plan(day)
    assert (plan["phase"], plan["level"], plan["flags"]) == ("run-walk", 3, [])
    assert plan["workout"]["spec"] == FIRST
    assert plan["workout"]["longest_run_s"] == 30


def test_clean_sessions_move_up_a_leak_caps_pain_steps_down(journey: Journey) -> None:
    d0 = date(2026, 9, 1)
    journey.ready(d0)
    assert journey.plan(d0)["workout"]["spec"] == FIRST
    journey.run(d0, FIRST)
    plan = journey.plan(d0)
    assert plan["flags"] == ["hold:no-entry"]
    assert plan["date"] == "2026-09-03"  # a rest day after the run
    journey.log(d0, "--leak", "none", "--rpe", "4")
    d1 = date(2026, 9, 8)
    journey.run(d1, FIRST)
    journey.log(d1, "--leak", "none")
    plan = journey.plan(d1)
    assert (plan["level"], plan["flags"], plan["workout"]["spec"]) == (4, ["up"], SECOND)
    d2 = date(2026, 9, 10)
    journey.run(d2, SECOND)
    journey.log(d2, "--leak", "leak", "--leak-at", "15:50")  # run 3 of 1 min, 50 s in
    plan = journey.plan(d2)
    assert "leak-cap:40s" in plan["flags"]
    # Intervals at the cap with the level's own 4 min walks, as many as fit in 40 minutes.
    assert plan["workout"]["spec"] == "walk 5m, 6x(run 40s, walk 4m), walk 5m"
    d3 = date(2026, 9, 12)
    journey.run(d3, plan["workout"]["spec"], run_for={2: 20})
    journey.log(d3, "--leak", "none", "--pain", "3")
    plan = journey.plan(d3)
    assert plan["level"] == 3
    assert "down:pain" in plan["flags"]
    assert plan["workout"]["longest_run_s"] <= 40  # the cap still holds
    history = journey.cli(d3, "plan", "--history")
    assert "Down to level 3: pain above 2/10" in history
    assert "Up one level: 2 clean sessions in a row of level 3's full workout" in history


def test_a_red_flag_pauses_until_a_new_clearance_then_no_harder(journey: Journey) -> None:
    d0 = date(2026, 9, 1)
    journey.ready(d0)
    journey.run(d0, FIRST)
    journey.log(d0, "--leak", "none", "--bleeding")
    plan = journey.plan(d0)
    assert (plan["phase"], plan["flags"]) == ("paused", ["red-flag:bleeding"])
    assert plan["workout"]["run_s"] == 0
    assert any("pelvic health physiotherapist" in r for r in plan["reasons"])
    d1 = date(2026, 9, 15)
    assert journey.plan(d1)["phase"] == "paused"
    journey.cli(d1, "profile", "set", "--cleared-on", "2026-09-15")
    plan = journey.plan(d1)
    assert (plan["phase"], plan["level"]) == ("run-walk", 3)
    assert "resume" in plan["flags"]


def test_fatigue_holds_and_missed_intervals_hold(journey: Journey) -> None:
    d0 = date(2026, 9, 1)
    journey.ready(d0)
    journey.run(d0, FIRST)
    journey.log(d0, "--leak", "none", "--rpe", "9", "--slept-h", "4")
    plan = journey.plan(d0)
    assert plan["flags"] == ["hold:fatigue"]
    assert "rpe, sleep" in plan["reasons"][0]
    d1 = date(2026, 9, 4)
    journey.run(d1, FIRST, run_for={2: 0})  # walked all of run 2
    journey.log(d1, "--leak", "none")
    assert journey.plan(d1)["flags"] == ["hold:missed"]
    status = json.loads(journey.cli(d1, "status", "--json"))
    assert status["next_workout"] == {"date": "2026-09-06", "spec": FIRST}


def test_a_freestyle_run_is_matched_against_the_workout_prescribed_that_day(
    journey: Journey, runback: Runner
) -> None:
    d0 = date(2026, 9, 1)
    journey.ready(d0)
    journey.plan(d0)
    journey.run(d0, FIRST, structured=False, run_for={3: 15})
    analysed = json.loads(journey.cli(d0, "analyze", str(journey.folder / f"{d0}.fit"), "--json"))
    assert analysed["plan"] == FIRST
    assert [r["status"] for r in analysed["intervals"] if r["kind"] == "run"] == [
        "done", "done", "short", "done", "done",
    ]  # fmt: skip


def _road_cli(journey: Journey, day: date, *db: str) -> None:
    journey.cli(day, *db, "profile", "set", "--birth-date", BORN.isoformat())
    journey.cli(day, *db, "profile", "set", "--cleared-on", (day - timedelta(days=1)).isoformat())
    journey.cli(day, *db, "readiness", "log", "--date", day.isoformat(), "--passed", "all")
    before = journey.cli(day, *db, "plan", "--history")
    text = journey.cli(day, *db, "plan", "--ahead", "4")
    rows = [line.split() for line in text.splitlines() if line.startswith("2026-")]
    assert rows[0][:3] == [day.isoformat(), "Tue", "L3"]
    assert all(date.fromisoformat(r[0]) < day + timedelta(weeks=4) for r in rows)
    road = json.loads(journey.cli(day, *db, "plan", "--ahead", "--json"))
    assert road[0]["date"] == day.isoformat()
    assert road[-1]["date"] < (day + timedelta(weeks=12)).isoformat()
    assert road[-1]["level"] > road[0]["level"]
    assert set(road[0]) == {"date", "phase", "level", "workout", "reasons", "flags"}
    assert journey.cli(day, *db, "plan", "--history") == before  # nothing stored


def test_plan_ahead_shows_the_road_and_stores_nothing(journey: Journey) -> None:
    _road_cli(journey, date(2026, 9, 1))


@pytest.mark.postgres
def test_plan_ahead_on_postgresql(journey: Journey, pg_url: str) -> None:
    # `--db` is a global option: it goes before the command, as --today does.
    _road_cli(journey, date(2026, 9, 1), "--db", pg_url)


@pytest.mark.parametrize("weeks", ["0", "x", "105"])
def test_plan_ahead_refuses_a_bad_number_of_weeks(journey: Journey, weeks: str) -> None:
    done = journey.runback("plan", "--ahead", weeks)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "--ahead" in done.stderr


def test_bowel_leaking_logged_from_the_cli_pauses_running(journey: Journey) -> None:
    d0 = date(2026, 9, 1)
    journey.ready(d0)
    journey.log(d0, "--leak", "none", "--urgency", "--bowel", "leak")
    plan = journey.plan(d0)
    assert (plan["phase"], plan["flags"]) == ("paused", ["red-flag:bowel"])
    listed = journey.cli(d0, "symptoms", "list")
    assert "urgency" in listed
    assert "bowel leak" in listed
