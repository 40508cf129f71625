"""`runback ingest --jobs N`, `runback db rebuild --jobs N` and the worker's pass over
many files, as real processes: what two processes decode comes out as one process's
would, a bad --jobs is a usage line, and Ctrl-C leaves no trace and no process."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner, runback_command
from tests.support.fitbuilder import T0, run_walk, simple_run, workout_file


def mixed(folder: Path) -> Path:
    """A watch's history as she might copy it: runs in subfolders, copies, a workout
    file, files that are not FIT or are cut short, a name that is not UTF-8."""
    first = run_walk(serial=31)
    files = {
        "2026/11/a.fit": first,
        "2026/11/a copy.fit": first,
        "2026/11/b.fit": simple_run(15, serial=32, start=T0 + timedelta(days=1)),
        "2026/12/c.FIT": run_walk(serial=33, start=T0 + timedelta(days=30)),
        "2026/12/garmin-123.fit": simple_run(15, serial=32, start=T0 + timedelta(days=1),
                                             record_every_s=2),
        "notes.fit": b"shopping list",
        "plan.fit": workout_file(),
        "cut.fit": simple_run(10, serial=34, start=T0 + timedelta(days=2))[:900],
        os.fsdecode(b"lauf-\xe4.fit"): simple_run(5, serial=35, start=T0 + timedelta(days=3)),
    }  # fmt: skip
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def env_for(cli_env: dict[str, str], home: Path) -> dict[str, str]:
    return dict(cli_env, RUNBACK_HOME=str(home))


def log_of(home: Path) -> list[str]:
    text = (home / "logs" / "runback.log").read_text().replace(str(home), "HOME")
    return [re.sub(r"^\S+ ", "", line) for line in text.splitlines()]


def said(done: subprocess.CompletedProcess[str], home: Path | None = None) -> tuple[int, str, str]:
    """Exit code, stdout, stderr (the home written HOME)."""

    def shown(text: str) -> str:
        return text.replace(str(home), "HOME") if home else text

    return done.returncode, shown(done.stdout), shown(done.stderr)


def test_ingest_with_two_jobs_says_stores_and_logs_what_one_job_does(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = mixed(tmp_path / "watch")
    (tmp_path / "empty").mkdir()
    targets = [str(folder), str(tmp_path / "empty"), str(tmp_path / "missing.fit"),
               str(folder / "2026" / "11" / "b.fit")]  # fmt: skip
    seen = {}
    for jobs in ("1", "2"):
        env = env_for(cli_env, tmp_path / f"home{jobs}")
        first = runback("ingest", "--jobs", jobs, *targets, env=env)
        again = runback("ingest", "--jobs", jobs, *targets, env=env)
        listed = json.loads(runback("activities", "--json", env=env).stdout)
        seen[jobs] = (said(first), said(again), listed, log_of(tmp_path / f"home{jobs}"))
    assert seen["2"] == seen["1"]
    (code, out, err), (again_code, again_out, _), listed, _ = seen["2"]
    assert (code, again_code) == (2, 2)
    assert "Traceback" not in out + err
    assert [line.split(" ", 1)[0] for line in out.splitlines()] == [
        "ingested", "duplicate", "ingested", "ingested", "duplicate", "ingested", "duplicate",
    ]  # fmt: skip
    assert len(err.splitlines()) == 5  # cut, notes, plan, the empty folder, the missing file
    assert all(line.startswith("duplicate ") for line in again_out.splitlines())
    assert sorted(a["id"] for a in listed) == [1, 2, 3, 4]


def test_ingest_uses_every_core_unless_told(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = mixed(tmp_path / "watch")
    by_default = runback("ingest", str(folder), env=env_for(cli_env, tmp_path / "a"))
    by_one = runback("ingest", "--jobs", "1", str(folder), env=env_for(cli_env, tmp_path / "b"))
    assert said(by_default) == said(by_one)


def test_db_rebuild_with_two_jobs_gives_what_one_job_gives(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = mixed(tmp_path / "watch")
    seen = {}
    for jobs in ("1", "2"):
        home = tmp_path / f"home{jobs}"
        env = env_for(cli_env, home)
        runback("ingest", "--jobs", "1", str(folder), env=env)
        damaged = sorted(home.glob("raw/*/*.fit"))[0]
        damaged.write_bytes(damaged.read_bytes()[:-4])
        (home / "runback.db").unlink()  # the database is lost; the raw store is kept
        rebuilt = runback("db", "rebuild", "--jobs", jobs, env=env)
        refreshed = runback("db", "rebuild", "--jobs", jobs, env=env)
        listed = json.loads(runback("activities", "--json", env=env).stdout)
        analysed = [
            json.loads(runback("analyze", str(a["id"]), "--json", env=env).stdout) for a in listed
        ]
        seen[jobs] = (said(rebuilt, home), said(refreshed, home), listed, analysed)
    assert seen["2"] == seen["1"]
    (code, out, err), (_, again, _), listed, _ = seen["2"]
    assert code == 1  # a file was skipped
    assert "3 re-created, 0 refreshed, 1 skipped" in out
    assert "0 re-created, 3 refreshed, 1 skipped" in again
    assert "damaged on disk" in err
    assert len(listed) == 3


def test_a_rebuild_whose_database_cannot_open_says_so_and_leaves_no_process(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """db rebuild starts decoding before the database opens: when it then cannot open,
    she reads that one line, and the processes already decoding are gone with runback."""
    home = tmp_path / "home"
    env = env_for(cli_env, home)
    runback("ingest", "--jobs", "1", str(mixed(tmp_path / "watch")), env=env)
    kept = sorted(p.name for p in home.glob("raw/*/*"))
    (home / "runback.db").write_bytes(b"not a database, whatever it was")
    proc = subprocess.Popen(
        [*runback_command(), "db", "rebuild", "--jobs", "2"], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert _group_gone(proc.pid), "a decoding process outlived runback"
    assert (proc.returncode, out) == (1, "")
    assert err.startswith("runback: database not usable: ")
    assert err.count("\n") == 1, err
    assert sorted(p.name for p in home.glob("raw/*/*")) == kept  # nothing of hers is touched


@pytest.mark.parametrize("jobs", ["1", "2", "1000"])
def test_a_fifo_in_the_raw_store_is_passed_over_not_waited_on(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path, jobs: str
) -> None:
    """Something that is no file among the kept ones (a FIFO, which a read waits on
    until someone writes to it): db rebuild passes over it and leaves it there."""
    home = tmp_path / "home"
    env = env_for(cli_env, home)
    runback("ingest", "--jobs", "1", str(mixed(tmp_path / "watch")), env=env)
    fifo = next(home.glob("raw/*/")) / f"{'f' * 64}.fit"
    os.mkfifo(fifo)
    done = runback("db", "rebuild", "--jobs", jobs, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert " 0 skipped" in done.stdout
    assert fifo.exists()


def test_a_folder_holding_modules_of_the_same_names_changes_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """She runs runback from a folder of her own that holds a `sync` package and a
    `fitparse.py`: the decoding processes still use runback's (the fork server would
    put that folder first on its path)."""
    folder = mixed(tmp_path / "watch")
    here = tmp_path / "her-folder"
    (here / "sync").mkdir(parents=True)
    (here / "sync" / "__init__.py").write_text("raise SystemExit('the wrong sync')\n")
    (here / "fitparse.py").write_text("raise SystemExit('the wrong fitparse')\n")
    seen = []
    for jobs in ("1", "2"):
        env = env_for(cli_env, tmp_path / f"home{jobs}")
        done = subprocess.run(
            [*runback_command(), "ingest", "--jobs", jobs, str(folder)], env=env, cwd=here,
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        seen.append(said(done))
    assert seen[1] == seen[0]
    assert seen[1][1].count("ingested ") == 4


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", ""])
@pytest.mark.parametrize("command", [["ingest", "runs"], ["db", "rebuild"]])
def test_a_bad_jobs_value_is_one_usage_line_and_exit_2(
    runback: Runner, cli_env: dict[str, str], command: list[str], value: str
) -> None:
    done = runback(*command, f"--jobs={value}")
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("runback: argument --jobs: ")
    assert "Traceback" not in done.stderr
    assert not Path(cli_env["RUNBACK_HOME"]).exists()  # refused before anything opened


def _group_gone(pgid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_ctrl_c_during_a_parallel_ingest_exits_cleanly_and_leaves_no_process(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Ctrl-C in her terminal reaches every process of the group: runback says
    'interrupted' once; its decoding processes print nothing and are gone."""
    folder = tmp_path / "history"
    folder.mkdir()
    data = simple_run(60, serial=41)
    for i in range(40):
        (folder / f"run{i:02d}.fit").write_bytes(data)
    proc = subprocess.Popen(
        [*runback_command(), "ingest", "--jobs", "2", str(folder)],
        env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the pool is running
        assert first.startswith("ingested ")
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert _group_gone(proc.pid), "a decoding process outlived runback"
    if proc.returncode == 0:  # it had finished first: nothing to see
        pytest.skip("the ingest finished before Ctrl-C reached it")
    assert proc.returncode == 130
    assert err == "runback: interrupted\n"
    assert len(out.splitlines()) < 40
    again = subprocess.run(
        [*runback_command(), "ingest", "--jobs", "2", str(folder)], env=cli_env,
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr  # nothing left locked or half-written
    assert all(line.startswith("duplicate ") for line in again.stdout.splitlines())


def test_ctrl_c_twice_during_a_parallel_rebuild_is_still_one_line(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """She presses Ctrl-C again while runback is ending its decoding processes: it still
    says 'interrupted' once and exits 130 (it printed a traceback from inside the pool's
    shutdown, and could leave the processes waiting)."""
    folder = tmp_path / "history"
    folder.mkdir()
    for i in range(24):
        start = T0 + timedelta(days=i)
        (folder / f"run{i:02d}.fit").write_bytes(simple_run(40, serial=300 + i, start=start))
    home = tmp_path / "home"
    env = env_for(cli_env, home)
    runback("ingest", "--jobs", "2", str(folder), env=env)
    (home / "runback.db").unlink()  # rebuild re-creates every run: some seconds of work
    proc = subprocess.Popen(
        [*runback_command(), "db", "rebuild", "--jobs", "2"], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert _group_gone(proc.pid), "a decoding process outlived runback"
    if proc.returncode == 0:
        pytest.skip("the rebuild finished before Ctrl-C reached it")
    assert (proc.returncode, err) == (130, "runback: interrupted\n")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_runback_killed_mid_ingest_leaves_no_decoding_process(
    cli_env: dict[str, str], tmp_path: Path, sig: signal.Signals
) -> None:
    """Only runback itself is killed (kill -9, or a plain kill): its decoding processes
    see it go and end too (they used to wait forever, holding its output open), and
    nothing prints after it is gone."""
    folder = tmp_path / "history"
    folder.mkdir()
    data = simple_run(60, serial=42)
    for i in range(40):
        (folder / f"run{i:02d}.fit").write_bytes(data)
    proc = subprocess.Popen(
        [*runback_command(), "ingest", "--jobs", "2", str(folder)],
        env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("ingested ")
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)  # every holder of its output is gone
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert _group_gone(proc.pid), "a decoding process outlived runback"
    if proc.returncode == 0:  # it had finished first: nothing to see
        pytest.skip("the ingest finished before the signal reached it")
    if sig == signal.SIGTERM:  # closed as Ctrl-C closes it, not vanished
        assert (proc.returncode, err) == (143, "runback: stopped (SIGTERM)\n")
    else:  # nor a warning about leaked semaphores, from what cleans up after it
        assert (proc.returncode, err) == (-9, "")


def _settle(inbox: Path) -> None:
    old = time.time() - 600
    for path in inbox.iterdir():
        os.utime(path, (old, old))


def test_the_worker_s_pass_over_many_files_with_two_cores_equals_one_core(
    runback: Runner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    seen = {}
    for cores in (1, 2):
        home = tmp_path / f"home{cores}"
        env = env_for(cli_env, home)
        runback("status", env=env)
        inbox = home / "inbox"
        for path in sorted(p for p in mixed(tmp_path / f"drop{cores}").rglob("*") if p.is_file()):
            os.replace(path, inbox / path.name)
        (inbox / "journal.csv").write_bytes(b"date,leak\n2026-11-02,none\n")
        _settle(inbox)
        done = subprocess.run(
            [*runback_command(), "worker", "--once"], env=env, capture_output=True, text=True,
            timeout=120, stdin=subprocess.DEVNULL,
            preexec_fn=lambda cores=cores: os.sched_setaffinity(0, set(range(cores))),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        places = {name: sorted(os.listdir(home / name)) for name in ("inbox", "archive",
                                                                    "quarantine")}  # fmt: skip
        listed = json.loads(runback("activities", "--json", env=env).stdout)
        seen[cores] = (places, listed, log_of(home))
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core here: the two runs cannot differ")
    assert seen[2] == seen[1]
    places, listed, log = seen[2]
    assert places["inbox"] == []
    assert len(places["archive"]) == 7  # six runs (two of them copies) and the journal
    assert len(listed) == 4
    assert "Traceback" not in "\n".join(log)
