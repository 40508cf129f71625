"""What someone running runback as a service relies on (issue 15): the version, a health
check, a clear stop when a folder is not writable, and --today in the past as a look."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner


def test_version_prints_the_package_version(runback: Runner) -> None:
    from importlib.metadata import version

    done = runback("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"runback {version('runback')}"


def test_the_health_check_wants_a_recent_worker_pass(runback: Runner) -> None:
    before = runback("status", "--healthy")
    assert before.returncode == 1
    assert before.stderr.strip() == "runback: unhealthy: no pass yet (is `runback worker` running?)"
    assert runback("worker", "--once").returncode == 0
    after = runback("status", "--healthy")
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith("healthy: last pass ")
    body = json.loads(runback("status", "--json").stdout)
    assert body["worker_last_pass"].endswith("Z")


def test_a_folder_the_worker_cannot_write_stops_it_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Root writes anywhere, so the bind mount owned by another uid is simulated where the
    # worker probes each folder at start.
    from sync.adapters import heartbeat
    from sync.entrypoints import cli

    home = tmp_path / "home"

    def probe(folder: Path) -> None:
        if folder.name == "outbox":
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))

    monkeypatch.setattr(heartbeat, "_probe", probe)
    for key in ("RUNBACK_HOME", "RUNBACK_DATABASE_URL", "RUNBACK_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    code = cli.main(["--home", str(home), "worker", "--once"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1
    assert str(home / "outbox") in err[0]
    assert "permission denied for uid" in err[0]
    assert "RUNBACK_UID" in err[0]


def test_today_in_the_past_is_a_look_that_stores_and_pushes_nothing(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    assert runback("profile", "set", "--birth-date", "2026-01-05").returncode == 0
    stored = runback("plan", "--history", "--json").stdout
    looked = runback("--today", "2026-03-02", "plan", "--json")
    assert looked.returncode == 0
    assert "in the past" in looked.stderr
    assert json.loads(looked.stdout)["date"] == "2026-03-02"
    assert runback("plan", "--history", "--json").stdout == stored
    assert runback("worker", "--once").returncode == 0
    assert all("2026-03-02" not in p.name for p in (home / "outbox").iterdir())
    status = json.loads(runback("status", "--json").stdout)
    plan = json.loads(runback("plan", "--json").stdout)
    assert status["next_workout"]["date"] == plan["date"]
    assert status["next_workout"]["spec"] == plan["workout"]["spec"]


def test_a_decision_made_while_replaying_the_past_is_never_pushed_by_the_worker(
    runback: Runner, cli_env: dict[str, str]
) -> None:
    home = Path(cli_env["RUNBACK_HOME"])
    assert runback("profile", "set", "--birth-date", "2026-01-05").returncode == 0
    replay = runback("--today", "2026-03-02", "symptoms", "log", "--leak", "none")
    assert replay.returncode == 0, replay.stderr  # stores a decision made for 03-02
    assert runback("worker", "--once").returncode == 0
    pushed = sorted(p.name for p in (home / "outbox").iterdir())
    assert pushed
    assert not [name for name in pushed if name.startswith("runback-2026-03")]
    body = json.loads(runback("push", "--json").stdout)
    assert all("2026-03" not in r["detail"] for r in body)


def test_push_and_garmin_speak_json_for_scripts(runback: Runner) -> None:
    assert runback("profile", "set", "--birth-date", "2026-01-05").returncode == 0
    pushed = runback("push", "--json")
    assert pushed.returncode == 0, pushed.stderr
    [outbox] = json.loads(pushed.stdout)
    assert set(outbox) == {"target", "state", "detail", "workout"}
    assert (outbox["target"], outbox["state"]) == ("outbox", "pushed")
    again = json.loads(runback("push", "--json").stdout)
    assert again[0]["state"] == "already"
    state = json.loads(runback("garmin", "status", "--json").stdout)
    assert state == {"garmin": "not-connected", "last_pull": None, "backoff_until": None,
                     "refused": []}  # fmt: skip
    pull = runback("garmin", "pull", "--json")
    assert pull.returncode == 1  # not logged in
    body = json.loads(pull.stdout)
    assert body["ingested"] == 0
    assert "garmin login" in body["note"]


def test_make_run_passes_args_before_the_worker_command() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].splitlines()[1]
    assert recipe.strip() == "$(BIN)/runback $(ARGS) worker"


def test_a_replayed_push_never_reaches_the_watch(runback: Runner, cli_env: dict[str, str],
                                                  tmp_path: Path) -> None:  # fmt: skip
    watch = tmp_path / "watch"
    (watch / "GARMIN").mkdir(parents=True)
    env = {**cli_env, "RUNBACK_WATCH_DIR": str(watch)}
    assert runback("profile", "set", "--birth-date", "2026-01-05", env=env).returncode == 0
    done = runback("--today", "2026-03-02", "push", "--json", env=env)
    body = {r["target"]: r for r in json.loads(done.stdout)}
    assert body["watch"]["state"] == "skipped"
    assert "in the past" in body["watch"]["detail"]
    assert not (watch / "GARMIN" / "NewFiles").exists() or not any(
        (watch / "GARMIN" / "NewFiles").iterdir()
    )
