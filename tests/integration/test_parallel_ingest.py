"""Ingest and rebuild with the files decoded in worker processes (sync.adapters.decodepool): the
same activities, ids, results, log lines and order as in one process; a decode that
kills its process costs that file only; processes that cannot be had cost nothing."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync.adapters import decodepool
from sync.adapters.decodepool import CRASHED, PREFETCH_PER_JOB, DecodePool
from sync.bootstrap import App, bootstrap
from sync.settings import load_settings
from sync.usecases import ingest
from tests.support import decoders
from tests.support.fitbuilder import T0, run_walk, simple_run, workout_file

Build = Callable[[str], App]


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Build]:
    """Apps on homes of their own (SQLite), to run the same work twice side by side."""
    for key in list(os.environ):
        if key.startswith("RUNBACK_"):
            monkeypatch.delenv(key)
    made: list[App] = []

    def build(name: str) -> App:
        made.append(bootstrap(load_settings(home=tmp_path / name, timezone="UTC")))
        return made[-1]

    yield build
    for app in made:
        app.close()


def mixed_folder(folder: Path) -> list[Path]:
    """Good runs, duplicates (the same bytes; the same recording in other bytes), a
    workout file, a file that is not FIT, a truncated one, in a name order that mixes
    them."""
    first = run_walk(serial=11)
    files = {
        "a-run.fit": first,
        "b-copy-of-a.fit": first,
        "c-not-fit.fit": b"this is not a FIT file",
        "d-run.fit": simple_run(15, serial=99, start=T0 + timedelta(days=1)),
        "e-workout.fit": workout_file(),
        "f-same-recording.fit": simple_run(15, serial=99, start=T0 + timedelta(days=1),
                                           record_every_s=2),
        "g-cut.fit": simple_run(10, serial=12, start=T0 + timedelta(days=2))[:900],
        "h-run.fit": run_walk(serial=13, start=T0 + timedelta(days=3)),
    }  # fmt: skip
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return sorted(folder.iterdir())


def outcome(results: list[ingest.IngestResult]) -> list[tuple[Any, ...]]:
    return [(r.file, r.state, r.activity_id, r.reason) for r in results]


def stored(app: App) -> list[tuple[Any, ...]]:
    with app.uow() as uow:
        log = [(e.file_name, e.state, e.reason, e.activity_id) for e in uow.repo.ingest_log()]
        matches = [uow.repo.match_of(a.id) for a in uow.repo.activities()]
    acts = [
        (a.id, a.file_name, a.sha256, a.start, a.timer_s, a.distance_m, a.source)
        for a in ingest.list_activities(app)
    ]
    raw = sorted(p.name for p in app.settings.raw.rglob("*") if p.is_file())
    return [acts, sorted(log, key=repr), matches, raw]


def events(app: App) -> list[str]:
    """The log's lines without their time stamps."""
    text = (app.settings.logs / "runback.log").read_text()
    return [re.sub(r"^\S+ ", "", line) for line in text.splitlines()]


def ingest_all(app: App, paths: list[Path], jobs: int) -> list[ingest.IngestResult]:
    return list(ingest.ingest_files(app, paths, source="file", jobs=jobs))


def test_two_jobs_store_say_and_log_what_one_job_does(tmp_path: Path, fresh: Build) -> None:
    paths = mixed_folder(tmp_path / "runs")
    one = fresh("one")
    by_one = [ingest_all(one, paths, jobs=1), ingest_all(one, paths, jobs=1)]
    one_log = events(one)
    two = fresh("two")
    by_two = [ingest_all(two, paths, jobs=2), ingest_all(two, paths, jobs=2)]
    assert [outcome(r) for r in by_two] == [outcome(r) for r in by_one]
    assert stored(two) == stored(one)
    assert events(two) == one_log
    first = outcome(by_two[0])
    assert [state for _, state, _, _ in first] == [
        "ingested", "duplicate", "rejected", "ingested", "rejected", "duplicate", "rejected",
        "ingested",
    ]  # fmt: skip
    assert [r.state for r in by_two[1]].count("duplicate") == 5  # the second time round
    assert [r.activity.start for r in by_two[0] if r.activity] == [
        r.activity.start for r in by_one[0] if r.activity
    ]


def test_rebuild_with_two_jobs_gives_what_one_job_gives(tmp_path: Path, fresh: Build) -> None:
    paths = mixed_folder(tmp_path / "runs")
    apps = {}
    for jobs in (1, 2):
        app = apps[jobs] = fresh(f"home{jobs}")
        ingest_all(app, paths, jobs=1)
        damaged = next(app.raw.all())[1]
        os.chmod(damaged, 0o600)
        damaged.write_bytes(damaged.read_bytes()[:-10])
    reports = {jobs: ingest.rebuild(app, jobs=jobs) for jobs, app in apps.items()}
    assert reports[2] == reports[1]
    assert (reports[2].created, reports[2].refreshed, len(reports[2].problems)) == (0, 2, 1)
    assert "does not match its hash" in reports[2].problems[0]
    assert stored(apps[2]) == stored(apps[1])


def test_a_rebuild_in_processes_recreates_what_the_database_lost(app: App) -> None:
    """On SQLite and PostgreSQL: the same rows (and ids) back from the raw store."""
    for i in range(4):
        data = simple_run(5 + i, serial=300 + i, start=T0 + timedelta(days=i))
        ingest.ingest_bytes(app, data, file_name=f"run{i}.fit", source="inbox")
    before = [(a.id, a.start, a.sha256, a.file_name) for a in ingest.list_activities(app)]
    from sqlalchemy import delete

    from sync.adapters.store import schema

    with app.uow() as uow:
        uow.conn.execute(delete(schema.lap))
        uow.conn.execute(delete(schema.activity))
        uow.commit()
    report = ingest.rebuild(app, jobs=2)
    assert (report.created, report.refreshed, report.problems) == (4, 0, [])
    after = [(a.start, a.sha256, a.file_name) for a in ingest.list_activities(app)]
    assert after == [row[1:] for row in before]
    assert ingest.rebuild(app, jobs=2).refreshed == 4


def test_a_decode_that_kills_its_process_rejects_that_file_and_the_rest_go_on(
    tmp_path: Path, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decodepool, "decode_path", decoders.crash_on_mark)
    folder = tmp_path / "runs"
    folder.mkdir()
    for i in range(6):
        data = simple_run(5, serial=400 + i, start=T0 + timedelta(days=i))
        (folder / f"run{i}.fit").write_bytes(data)
    (folder / "run2b.fit").write_bytes(decoders.CRASH_MARK)
    paths = sorted(folder.iterdir())
    results = ingest_all(app, paths, jobs=2)
    assert [(r.file, r.state) for r in results] == [
        ("run0.fit", "ingested"), ("run1.fit", "ingested"), ("run2.fit", "ingested"),
        ("run2b.fit", "rejected"), ("run3.fit", "ingested"), ("run4.fit", "ingested"),
        ("run5.fit", "ingested"),
    ]  # fmt: skip
    assert results[3].reason == CRASHED
    assert [r.activity_id for r in results if r.activity_id] == [1, 2, 3, 4, 5, 6]
    with app.uow() as uow:
        refused = [e for e in uow.repo.ingest_log() if e.state == "rejected"]
    assert [(e.file_name, e.reason) for e in refused] == [("run2b.fit", CRASHED)]
    assert len(ingest.list_activities(app)) == 6


def test_a_process_that_died_once_is_not_the_file_s_fault(
    tmp_path: Path, fresh: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file in flight when the pool broke is tried alone: all decode fine then."""
    monkeypatch.setattr(decodepool, "decode_path", decoders.crash_once_on_mark)
    folder = tmp_path / "runs"
    folder.mkdir()
    for i in range(5):
        data = simple_run(5, serial=500 + i, start=T0 + timedelta(days=i))
        (folder / f"run{i}.fit").write_bytes(data + (decoders.CRASH_MARK if i == 1 else b""))
    paths = sorted(folder.glob("*.fit"))
    results = ingest_all(fresh("crashy"), paths, jobs=2)
    assert (folder / "run1.fit.crashed").exists()  # it did die once
    expected = [r.reason for r in ingest_all(fresh("alone"), paths, jobs=1)]
    assert [r.reason for r in results] == expected
    assert CRASHED not in expected


def test_no_processes_to_be_had_means_decoding_here_said_once(
    tmp_path: Path, fresh: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: DecodePool, workers: int) -> None:
        raise OSError(38, "Function not implemented")

    paths = mixed_folder(tmp_path / "runs")
    one = fresh("one")
    expected = outcome(ingest_all(one, paths, jobs=1))
    monkeypatch.setattr(DecodePool, "_start", refuse)
    two = fresh("two")
    assert outcome(ingest_all(two, paths, jobs=2)) == expected
    said = [line for line in events(two) if "event=decode-in-process" in line]
    assert len(said) == 1
    assert "cannot start decoding processes" in said[0]


def test_a_decoding_child_imports_the_decoder_and_nothing_of_the_store(tmp_path: Path) -> None:
    paths = []
    for i in range(2):
        paths.append(tmp_path / f"run{i}.fit")
        paths[-1].write_bytes(simple_run(2, serial=600 + i))
    with DecodePool(2, UTC, decode=decoders.loaded_modules) as pool:
        loaded = {name for _, d in pool.map(paths) for name in (d.refused or "").split()}
    assert "sync.adapters.fitfile" in loaded
    assert "fitparse" in loaded
    heavy = {"sqlalchemy", "pandas", "numpy", "apscheduler", "watchdog", "garminconnect",
             "pydantic", "alembic", "psycopg", "pytest", "sync.adapters.store", "sync.usecases",
             "sync.bootstrap", "sync.entrypoints", "sync.logs"}  # fmt: skip
    assert not {
        name for name in loaded
        if name.split(".")[0] in heavy or any(name == h or name.startswith(f"{h}.") for h in heavy)
    }  # fmt: skip


def test_the_pool_reads_only_a_few_files_ahead_of_the_writer(tmp_path: Path) -> None:
    paths = []
    for i in range(3 * PREFETCH_PER_JOB):
        paths.append(tmp_path / f"run{i:02d}.fit")
        paths[-1].write_bytes(simple_run(1, serial=700 + i))
    with DecodePool(2, UTC, decode=decoders.noting_each) as pool:
        results = pool.map(paths)
        first, decoded = next(results)
        handed = len(list(tmp_path.glob("*.seen")))
        rest = [path for path, _ in results]
    assert first == paths[0]
    assert decoded.activity is not None
    assert 1 <= handed <= 2 * PREFETCH_PER_JOB
    assert [first, *rest] == paths


def test_the_first_files_are_decoded_before_the_first_result_is_asked_for(
    tmp_path: Path,
) -> None:
    """map hands the first files out as it is called: what its caller does before it
    asks (db rebuild opening the database) overlaps their decoding."""
    paths = []
    for i in range(3 * PREFETCH_PER_JOB):
        paths.append(tmp_path / f"run{i:02d}.fit")
        paths[-1].write_bytes(simple_run(1, serial=800 + i))
    with DecodePool(2, UTC, decode=decoders.noting_each) as pool:
        results = pool.map(paths)  # nothing asked for yet
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.seen"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        handed = len(list(tmp_path.glob("*.seen")))
        assert [path for path, _ in results] == paths
    assert 2 <= handed <= 2 * PREFETCH_PER_JOB


def test_one_file_or_one_job_starts_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: DecodePool, workers: int) -> None:
        raise AssertionError("no process should start")

    monkeypatch.setattr(DecodePool, "_start", refuse)
    path = tmp_path / "one.fit"
    path.write_bytes(simple_run(2))
    with DecodePool(4, UTC) as pool:
        [(_, decoded)] = list(pool.map([path]))
    assert decoded.activity is not None
    with DecodePool(1, UTC) as pool:
        assert all(d.activity is not None for _, d in pool.map([path, path]))


def test_a_file_whose_hash_is_stored_is_hashed_not_decoded(tmp_path: Path) -> None:
    from sync.adapters.rawstore import sha256_of

    data = simple_run(2)
    paths = [tmp_path / "a.fit", tmp_path / "b.fit"]
    for path in paths:
        path.write_bytes(data)
    with DecodePool(2, UTC, known={sha256_of(data)}) as pool:
        [(_, a), (_, b)] = list(pool.map(paths))
    assert (a.known, a.activity, a.data, a.sha256) == (True, None, data, sha256_of(data))
    assert b == a


def _gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _leave_while_one_is_stuck(paths: list[Path], started: Path, error: BaseException) -> None:
    with DecodePool(2, UTC, decode=decoders.stall_on_mark) as pool:
        pool.map(paths)
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        raise error  # as Ctrl-C does, wherever the caller was


@pytest.mark.usefixtures("hang_fails")
@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("the writer failed")])
def test_leaving_the_pool_does_not_wait_for_a_file_that_never_finishes(
    tmp_path: Path, error: BaseException
) -> None:
    """A read that never returns (a stalled network share) holds its process: leaving
    the pool by Ctrl-C or an error ends that process instead of waiting for it (it used
    to hang `db rebuild` for good, the children ignoring Ctrl-C)."""
    stuck = tmp_path / "a-stuck.fit"
    stuck.write_bytes(decoders.STALL_MARK)
    paths = [stuck, *(tmp_path / f"b{i}.fit" for i in range(3))]
    for i, path in enumerate(paths[1:]):
        path.write_bytes(simple_run(1, serial=900 + i))
    started = Path(f"{stuck}.started")
    with pytest.raises(type(error)):
        _leave_while_one_is_stuck(paths, started, error)
    assert _gone(int(started.read_text()))


def test_more_jobs_than_cores_start_one_process_per_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--jobs 1000 once started a process per file: each beyond the cores only takes
    memory."""
    monkeypatch.setattr(decodepool, "usable_cores", lambda: 2)
    asked: list[int] = []
    start = DecodePool._start

    def counting(self: DecodePool, workers: int) -> Any:
        asked.append(workers)
        return start(self, workers)

    monkeypatch.setattr(DecodePool, "_start", counting)
    paths = [tmp_path / f"run{i}.fit" for i in range(6)]
    for i, path in enumerate(paths):
        path.write_bytes(simple_run(1, serial=920 + i))
    with DecodePool(1000, UTC) as pool:
        assert pool.jobs == 2
        assert all(d.activity is not None for _, d in pool.map(paths))
    assert asked == [2]
    monkeypatch.setattr(decodepool, "usable_cores", lambda: 1)
    with DecodePool(1000, UTC) as pool:
        assert all(d.activity is not None for _, d in pool.map(paths))
    assert asked == [2]  # one core: decoded here, no process started


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux /proc")
def test_the_decoding_processes_print_nothing_on_her_terminal(tmp_path: Path) -> None:
    """A child still starting when runback ends (an early Ctrl-C) printed a traceback
    after runback had exited: the children's stderr is /dev/null, this process's is not."""
    paths = [tmp_path / "a.fit", tmp_path / "b.fit"]
    for path in paths:
        path.write_bytes(b"any")
    before = os.readlink("/proc/self/fd/2")
    with DecodePool(2, UTC, decode=decoders.stderr_target) as pool:
        seen = {d.refused for _, d in pool.map(paths)}
    assert seen == {os.devnull}
    assert os.readlink("/proc/self/fd/2") == before
