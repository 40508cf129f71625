"""Issue 16: what a call needs and nothing more. `--help` and a wrong option answer
before the settings and the database are opened, without SQLAlchemy, numpy or pandas;
a command that only reads the store does not load numpy, pandas or fitparse."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "numpy", "pandas", "fitparse", "pydantic")

PROBE = """
import contextlib, io, json, sys
from sync.entrypoints.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "stderr": err.getvalue(),
                  "loaded": [m for m in HEAVY if m in sys.modules]}))
""".replace("HEAVY", repr(HEAVY))


def probe(home: Path, *args: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNBACK_")}
    env.update(RUNBACK_HOME=str(home), TZ="UTC")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
        timeout=120, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--help"], 0, ""),
        (["symptoms", "--help"], 0, ""),
        (["nonsense"], 2, "invalid choice"),
        (["plan", "--ahead", "0"], 2, "weeks must be 1-104"),
        (["symptoms", "log", "--leak", "sometimes"], 2, "--leak: must be none, drops or leak"),
        (["symptoms", "log", "--leak", "none", "--pain", "11"], 2, "--pain: must be 0-10"),
        (["symptoms", "log", "--leak", "leak", "--leak-at", "99:99"], 2, "not a time"),
        (["--today", "1800-01-01", "status"], 2, "--today"),
    ],
)
def test_help_and_wrong_options_answer_before_anything_opens(
    tmp_path: Path, args: list[str], code: int, says: str
) -> None:
    home = tmp_path / "home"
    seen = probe(home, *args)
    assert seen["code"] == code
    assert says in str(seen["stderr"])
    assert seen["loaded"] == []
    assert not home.exists()  # no settings read, no folder made, no database opened


def test_reading_the_store_loads_no_numpy_pandas_or_fitparse(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for args in (["status"], ["profile", "show"], ["plan"], ["activities"]):
        seen = probe(home, *args)
        assert seen["code"] == 0, seen["stderr"]
        assert seen["loaded"] == ["sqlalchemy"], args


def test_the_console_script_is_entry_and_a_command_runs_with_the_collector_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """entry() pauses the cyclic collector for start-up only and freezes what start-up
    built: a command (a backfill, the worker) runs with it on, and the exit code is
    main()'s. main() called in a process of its own leaves the collector alone."""
    import gc
    import tomllib

    from sync.entrypoints import cli

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["runback"] == "sync.entrypoints.cli:entry"
    seen: list[bool] = []

    def probe(app: object, args: object) -> int:
        seen.append(gc.isenabled())
        return 3

    monkeypatch.setitem(cli._COMMANDS, "status", probe)
    monkeypatch.setattr(sys, "argv", ["runback", "--home", str(tmp_path / "home"), "status"])
    frozen: list[bool] = []  # not on the test process itself
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.isenabled()))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(SystemExit) as done:
            cli.entry()
    finally:
        gc.enable()
        # entry() owns its process's signals (SIGTERM raises; both ignored while it
        # ends): this test process gets its own back, or a fork server started later
        # would inherit SIGTERM ignored and its children could never be ended.
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert done.value.code == 3
    assert seen == [True]
    assert frozen == [False, True]  # start-up frozen before the collector runs; at exit
    before = gc.isenabled()
    assert cli.main(["--home", str(tmp_path / "home"), "status"]) == 3  # not the process
    assert gc.isenabled() == before
    assert frozen == [False, True]


def test_an_internal_error_before_the_log_opens_is_one_line_without_a_trace(
    tmp_path: Path,
) -> None:
    code = (
        "import sync.settings as st\n"
        "def boom(*a, **k): raise RuntimeError('surprise')\n"
        "st.load_settings = boom\n"
        "from sync.entrypoints.cli import main\n"
        f"raise SystemExit(main(['--home', {str(tmp_path / 'home')!r}, 'status']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == "runback: internal error: RuntimeError: surprise\n"
