"""Six weeks of her return to running, played through the CLI and the worker with --today.

She walks while the gates are closed, is cleared and passes the readiness test, runs the
workouts the worker pushes (FIT files built by following each pushed workout file), cuts
one run short, runs one without the structured workout, leaks at a known point, later
bleeds, and is cleared again. The decisions must follow: walk -> run-walk -> a level up ->
shorter run intervals under the leak cap -> paused -> running again, no harder.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rules.activity import RecordedStep
from rules.plan import plan_from_recorded
from tests.e2e.conftest import Runner
from tests.support.fitbuilder import ActivitySpec, Segment, build_activity, follow

BORN = date(2026, 6, 1)


def pushed_spec(path: Path) -> str:
    """The workout in a FIT workout file the worker wrote, as spec text."""
    import fitparse

    steps = [
        RecordedStep(
            index=v["message_index"],
            duration_type=v["duration_type"],
            duration_s=v.get("duration_time"),
            repeat_from=v.get("duration_step"),
            repeat_count=v.get("repeat_steps"),
            intensity=v.get("intensity"),
            name=v.get("wkt_step_name"),
        )
        for m in fitparse.FitFile(path.read_bytes()).get_messages("workout_step")
        for v in [m.get_values()]
    ]
    plan = plan_from_recorded(steps)
    assert plan is not None
    assert plan.spec is not None
    return plan.spec


class Her:
    def __init__(self, runback: Runner, env: dict[str, str], tmp: Path) -> None:
        self.runback = runback
        self.env = env
        self.home = Path(env["RUNBACK_HOME"])
        self.tmp = tmp
        self.serial = 50_000
        self.decisions: list[dict[str, Any]] = []

    def cli(self, day: date, *args: str) -> str:
        done = self.runback("--today", day.isoformat(), *args, env=self.env)
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    def plan(self, day: date) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.cli(day, "plan", "--json"))
        self.decisions.append(body)
        return body

    def worker(self, day: date) -> None:
        self.cli(day, "worker", "--once")

    def drop(self, day: date, data: bytes) -> None:
        """Copy a finished file into the inbox, as her watch sync would."""
        staged = self.tmp / f"{day}.fit"
        staged.write_bytes(data)
        old = time.time() - 60
        os.utime(staged, (old, old))
        os.replace(staged, self.home / "inbox" / staged.name)
        self.worker(day)

    def session(self, plan: dict[str, Any], **kwargs: Any) -> date:
        """She does the session the worker pushed, on its date, from the pushed file."""
        day = date.fromisoformat(plan["date"])
        spec = pushed_spec(self.home / "outbox" / f"runback-{day}.fit")
        assert spec == plan["workout"]["spec"]
        self.serial += 1
        start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7)
        self.drop(day, follow(spec, start, serial=self.serial, **kwargs))
        return day

    def walk(self, day: date, minutes: int) -> None:
        self.serial += 1
        start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7)
        spec = ActivitySpec([Segment("walk", minutes * 60)], sport="walking", start=start,
                            serial=self.serial)  # fmt: skip
        self.drop(day, build_activity(spec))

    def log(self, day: date, *args: str) -> None:
        self.cli(day, "symptoms", "log", "--date", day.isoformat(), *args)


def test_six_weeks_from_walking_to_running_through_a_leak_and_a_red_flag(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    her = Her(runback, cli_env, tmp_path)
    d = date(2026, 8, 10)  # 10 weeks
    her.cli(d, "profile", "set", "--birth-date", BORN.isoformat(), "--delivery", "vaginal")
    first = her.plan(d)
    assert (first["phase"], first["workout"]["spec"]) == ("walk", "walk 20m")
    assert "gate:weeks" in first["flags"]
    her.walk(d, 20)
    her.log(d, "--leak", "none")
    her.walk(d + timedelta(days=3), 20)
    her.log(d + timedelta(days=3), "--leak", "none")

    d = date(2026, 8, 25)  # 12 weeks and a day: cleared, readiness passed
    her.cli(d, "profile", "set", "--cleared-on", "2026-08-24")
    her.cli(d, "readiness", "log", "--date", "2026-08-25", "--passed", "all")
    her.worker(d)  # pushes the first run/walk session
    plan = her.plan(d)
    assert (plan["phase"], plan["level"]) == ("run-walk", 3)
    assert plan["workout"]["spec"] == "walk 5m, 5x(run 30s, walk 4m30s), walk 5m"

    day = her.session(plan)  # clean
    her.log(day, "--leak", "none", "--rpe", "5")
    plan = her.plan(day)
    day = her.session(plan, run_for={3: 18})  # run 3 cut short
    her.log(day, "--leak", "none")
    plan = her.plan(day)
    assert plan["flags"] == ["hold:missed"]
    day = her.session(plan)
    her.log(day, "--leak", "none")
    plan = her.plan(day)
    day = her.session(plan)
    her.log(day, "--leak", "none")
    plan = her.plan(day)
    assert (plan["level"], plan["flags"]) == (4, ["up"])
    assert plan["workout"]["spec"] == "walk 5m, 5x(run 1m, walk 4m), walk 5m"

    # Freestyle: she forgets to start the workout; leaking 50 s into run 3 (15:50).
    her.worker(date.fromisoformat(plan["date"]))
    day = her.session(plan, structured=False)
    analysed = json.loads(
        her.cli(day, "analyze", str(her.home / "archive" / f"{day}.fit"), "--json")
    )
    assert analysed["plan"] == plan["workout"]["spec"]
    her.log(day, "--leak", "leak", "--leak-at", "15:50")
    entries = json.loads(her.cli(day, "symptoms", "list", "--json"))
    assert entries[-1]["leak_onset"]["run_interval"] == 3
    assert abs(entries[-1]["leak_onset"]["into_interval_s"] - 50) <= 5
    plan = her.plan(day)
    assert any(f.startswith("leak-cap:") for f in plan["flags"])
    capped = plan["workout"]["longest_run_s"]
    assert capped < 60
    her.worker(date.fromisoformat(plan["date"]))
    day = her.session(plan)
    her.log(day, "--leak", "none")
    plan = her.plan(day)
    assert plan["workout"]["longest_run_s"] <= capped
    her.worker(date.fromisoformat(plan["date"]))
    day = her.session(plan)
    her.log(day, "--leak", "drops", "--bleeding")
    plan = her.plan(day)
    assert plan["phase"] == "paused"
    assert "red-flag:bleeding" in plan["flags"]
    assert plan["workout"]["run_s"] == 0

    later = day + timedelta(days=14)
    assert her.plan(later)["phase"] == "paused"
    her.cli(later, "profile", "set", "--cleared-on", later.isoformat())
    plan = her.plan(later)
    assert plan["phase"] == "run-walk"
    assert plan["level"] <= 4
    assert plan["workout"]["longest_run_s"] <= capped  # the leak cap still holds

    phases = [p["phase"] for p in her.decisions]
    wanted = ["walk", "run-walk", "paused", "run-walk"]
    squashed = [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p]
    assert squashed == wanted
    history = her.cli(later, "plan", "--history")
    assert "red flag" in history
    assert (her.home / "outbox").is_dir()
    report = her.home / "report.html"
    her.cli(later, "report")
    assert report.exists()
    said_in_the_log_as_it_happened(her.home)


def said_in_the_log_as_it_happened(home: Path) -> None:
    """runback.log holds a `decided` line for every stored decision and a `pushed` line for
    every push that went out, at info level, in the order they happened."""
    import re
    import sqlite3

    with sqlite3.connect(home / "runback.db") as db:
        decisions = db.execute("SELECT on_date, level, phase FROM decision ORDER BY id").fetchall()
        pushes = db.execute(
            "SELECT target, on_date FROM push WHERE state = 'done' ORDER BY at, id"
        ).fetchall()
    log = (home / "logs" / "runback.log").read_text()
    decided = re.findall(r" info event=decided date=(\S+) level=(\d+) phase=(\S+)", log)
    pushed = re.findall(r" info event=pushed target=(\S+) date=(\S+)", log)
    assert len(decisions) >= 10
    assert len(pushes) >= 6
    assert [(d, int(level), p) for d, level, p in decided] == list(decisions)
    assert sorted(pushed) == sorted(pushes)
