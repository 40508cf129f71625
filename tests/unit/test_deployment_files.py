"""docker-compose.yml, the Dockerfile, the systemd unit and the package metadata agree
with each other and with the code (no Docker engine runs here, so they are checked, not
started; the unit is verified by systemd-analyze where it exists)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from sync.entrypoints.cli import build_parser

REPO = Path(__file__).resolve().parents[2]


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def dockerfile() -> str:
    return (REPO / "Dockerfile").read_text()


def test_compose_runs_postgres_and_a_worker_that_waits_for_it() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "worker"}
    assert "healthcheck" in services["postgres"]
    assert services["worker"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["worker"]["restart"] in {"always", "unless-stopped", "on-failure"}


def test_the_worker_points_at_the_postgres_service_without_a_password_in_the_url() -> None:
    env = compose()["services"]["worker"]["environment"]
    assert re.fullmatch(r"postgresql\+psycopg://runback@postgres:5432/runback",
                        env["RUNBACK_DATABASE_URL"])  # fmt: skip
    assert env["RUNBACK_DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert not any("PASSWORD}" in str(v) for v in env.values())


def test_the_password_is_a_docker_secret_for_both_services() -> None:
    doc = compose()
    assert doc["secrets"]["db_password"]["file"] == "./secrets/db_password"
    for name in ("postgres", "worker"):
        assert doc["services"][name]["secrets"] == ["db_password"]
    pg = doc["services"]["postgres"]["environment"]
    assert pg["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert "POSTGRES_PASSWORD" not in pg


def test_the_worker_home_is_a_bind_mount_of_a_host_folder() -> None:
    worker = compose()["services"]["worker"]
    home = worker["environment"]["RUNBACK_HOME"]
    mounts = [v.split(":") for v in worker["volumes"]]
    assert [home] == [target for source, target, *_ in mounts if target == home]
    for source, _target, *_ in mounts:
        assert source.startswith(("./", "/")), f"{source} is a named volume, not a host folder"


def test_the_worker_runs_as_the_documented_uid_and_the_image_creates_its_folders() -> None:
    worker = compose()["services"]["worker"]
    assert worker["user"] == "${RUNBACK_UID:-1000}:${RUNBACK_GID:-1000}"
    assert worker["build"]["args"] == {
        "RUNBACK_UID": "${RUNBACK_UID:-1000}", "RUNBACK_GID": "${RUNBACK_GID:-1000}",
    }  # fmt: skip
    text = dockerfile()
    assert "ARG RUNBACK_UID=1000" in text
    assert "USER ${RUNBACK_UID}:${RUNBACK_GID}" in text
    assert 'getent group "${RUNBACK_GID}"' in text  # a gid the image has (20, 100, 0) is reused
    made = re.search(r"mkdir -p ([^\n&]+)", text)
    assert made is not None
    for folder in ("/data/inbox", "/data/outbox", "/data/logs"):
        assert folder in made.group(1).split()


def test_both_healthchecks_run_a_real_command() -> None:
    worker = compose()["services"]["worker"]
    test = worker["healthcheck"]["test"]
    assert test[:2] == ["CMD", "runback"]
    build_parser().parse_args(test[2:])
    match = re.search(r"HEALTHCHECK .*?CMD \[(.+?)\]", dockerfile(), flags=re.S)
    assert match is not None
    words = [w.strip().strip('"') for w in match.group(1).split(",")]
    assert words == test[1:]


def test_every_named_volume_is_declared() -> None:
    doc = compose()
    used = {
        v.split(":")[0] for s in doc["services"].values() for v in s.get("volumes", [])
        if not v.startswith(("./", "/"))
    }  # fmt: skip
    assert used <= set(doc["volumes"])


def test_the_dockerfile_copies_what_exists_and_runs_a_real_command() -> None:
    text = dockerfile()
    for src in re.findall(r"^COPY (.+?) \S+$", text, flags=re.M):
        for part in src.split():
            assert (REPO / part).exists(), part
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert 'ENTRYPOINT ["runback"]' in text
    assert "runback" in scripts
    command = compose()["services"]["worker"]["command"]
    build_parser().parse_args(command)  # raises on an unknown command


def test_garmin_login_in_the_container_is_a_real_command_line() -> None:
    # README: docker compose run --rm worker garmin login (the entrypoint is runback).
    readme = (REPO / "README.md").read_text()
    assert "docker compose run --rm worker garmin login" in readme
    args = build_parser().parse_args(["garmin", "login"])
    assert args.command == "garmin"


# --- systemd ------------------------------------------------------------------------


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((REPO / "config" / "runback.service").read_text())
    return parser


def test_the_systemd_unit_restarts_the_worker_and_logs_to_the_journal() -> None:
    u = unit()
    assert u["Service"]["Restart"] == "on-failure"
    assert u["Service"]["ExecStart"].endswith("runback worker")
    assert u["Service"]["StandardError"] == "journal"
    assert u["Install"]["WantedBy"] == "default.target"
    build_parser().parse_args(u["Service"]["ExecStart"].split()[1:])


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (the unit is parsed by the test above)")
    script = Path(sys.executable).with_name("runback")
    runback = str(script if script.exists() else Path(sys.executable))
    text = (REPO / "config" / "runback.service").read_text()
    text = re.sub(r"^ExecStart=.*$", f"ExecStart={runback} worker", text, flags=re.M)
    path = tmp_path / "runback.service"
    path.write_text(text)
    done = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert str(path) not in done.stderr, done.stderr


# --- packaging ------------------------------------------------------------------------


def test_the_package_says_its_licence_and_ships_the_file() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert "MIT License" in (REPO / "LICENSE").read_text()
    assert any(
        c.startswith("Programming Language :: Python :: 3.11") for c in project["classifiers"]
    )
