"""Run the real `runback` command as a process, in a temporary home."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBACK_")}
    env["RUNBACK_HOME"] = str(tmp_path / "home")
    env["TZ"] = "UTC"
    return env


def runback_command() -> list[str]:
    script = Path(sys.executable).with_name("runback")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sync.entrypoints.cli"]


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    """`runback worker` as a background process, once it holds its home's lock."""
    proc = subprocess.Popen(
        [*runback_command(), "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    lock = Path(env["RUNBACK_HOME"]) / "worker.lock"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if lock.exists() and lock.read_text().strip():
            break
        time.sleep(0.1)
    return proc


@pytest.fixture
def runback(cli_env: dict[str, str]) -> Runner:
    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*runback_command(), *args],
            capture_output=True,
            text=True,
            env=env or cli_env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    return run
