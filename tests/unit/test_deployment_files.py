"""docker-compose.yml and the Dockerfile agree with each other and with the code (no Docker
engine runs here, so they are checked, not started)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from sync.cli import build_parser

REPO = Path(__file__).resolve().parents[2]


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_postgres_and_a_worker_that_waits_for_it() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "worker"}
    assert "healthcheck" in services["postgres"]
    assert services["worker"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["worker"]["restart"] in {"always", "unless-stopped", "on-failure"}


def test_the_worker_points_at_the_postgres_service() -> None:
    env = compose()["services"]["worker"]["environment"]
    assert re.match(r"postgresql\+psycopg://[^@]+@postgres:5432/", env["RUNBACK_DATABASE_URL"])
    home = env["RUNBACK_HOME"]
    mounts = [v.split(":")[1] for v in compose()["services"]["worker"]["volumes"]]
    assert f"{home}/inbox" in mounts
    assert f"{home}/outbox" in mounts


def test_every_named_volume_is_declared() -> None:
    doc = compose()
    used = {v.split(":")[0] for s in doc["services"].values() for v in s.get("volumes", [])}
    assert used <= set(doc["volumes"])


def test_the_dockerfile_copies_what_exists_and_runs_a_real_command() -> None:
    text = (REPO / "Dockerfile").read_text()
    for src in re.findall(r"^COPY (.+?) \S+$", text, flags=re.M):
        for part in src.split():
            assert (REPO / part).exists(), part
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert 'ENTRYPOINT ["runback"]' in text
    assert "runback" in scripts
    command = compose()["services"]["worker"]["command"]
    build_parser().parse_args(command)  # raises on an unknown command
