"""The worker's inbox pass with several runs ready: decoded ahead in processes, taken one
by one as before. Archive, quarantine, the files still arriving, the symptom journal,
the order and the log come out as with one core."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync.adapters import decodepool
from sync.adapters.decodepool import CRASHED, DecodePool
from sync.bootstrap import App, bootstrap
from sync.settings import load_settings
from sync.usecases import ingest
from sync.usecases.inbox_pass import InboxPass
from tests.support import decoders
from tests.support.fitbuilder import T0, run_walk, simple_run, workout_file

Build = Callable[[str], App]


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Build]:
    for key in list(os.environ):
        if key.startswith("RUNBACK_"):
            monkeypatch.delenv(key)
    made: list[App] = []

    def build(name: str) -> App:
        settings = load_settings(home=tmp_path / name, timezone="UTC", today=date(2026, 11, 20))
        made.append(bootstrap(settings))
        return made[-1]

    yield build
    for app in made:
        app.close()


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The files each DecodePool.map was handed, in order."""
    handed: list[list[str]] = []
    original = DecodePool.map

    def spy(self: DecodePool, paths: Any) -> Any:
        paths = list(paths)
        handed.append([p.name for p in paths])
        return original(self, paths)

    monkeypatch.setattr(DecodePool, "map", spy)
    return handed


def fill(inbox: Path) -> None:
    """Runs, a copy of one, a file that is not FIT, a workout file, a cut file left long
    ago, one still arriving (cut, and changed 10 s ago), and a symptom journal."""
    first = run_walk(serial=21)
    old, recent = time.time() - 600, time.time() - 10
    files = {
        "a-run.fit": (first, old),
        "b-copy.fit": (first, old),
        "c-journal.csv": (b"date,leak\n2026-11-02,none\n", old),
        "d-not-fit.fit": (b"not a FIT file at all", old),
        "e-run.fit": (simple_run(12, serial=22, start=T0 + timedelta(days=1)), old),
        "f-workout.fit": (workout_file(), old),
        "g-cut.fit": (simple_run(8, serial=23, start=T0 + timedelta(days=2))[:800], old),
        "h-arriving.fit": (simple_run(8, serial=24, start=T0 + timedelta(days=3))[:1500], recent),
        "i-run.fit": (run_walk(serial=25, start=T0 + timedelta(days=4)), old),
    }
    for name, (data, when) in files.items():
        (inbox / name).write_bytes(data)
        os.utime(inbox / name, (when, when))


def one_pass(app: App) -> list[tuple[Any, ...]]:
    results = InboxPass(app).run(threading.Event())
    return [(r.file, r.state, r.activity_id, r.reason) for r in results]


def what_is_where(app: App) -> list[Any]:
    def names(folder: Path) -> list[str]:
        return sorted(p.name for p in folder.iterdir())

    s = app.settings
    notes = {p.name: p.read_text() for p in s.quarantine.glob("*.reason.txt")}
    acts = [(a.id, a.file_name, a.sha256, a.source) for a in ingest.list_activities(app)]
    return [names(s.inbox), names(s.archive), names(s.quarantine), notes, acts]


def events(app: App) -> list[str]:
    """The log's lines without their time stamps, the home written HOME."""
    text = (app.settings.logs / "runback.log").read_text().replace(str(app.settings.home), "HOME")
    return [re.sub(r"^\S+ ", "", line) for line in text.splitlines()]


def test_a_pass_over_several_runs_decodes_ahead_and_comes_out_as_with_one_core(
    fresh: Build, pools: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decodepool, "usable_cores", lambda: 1)
    one = fresh("one")
    fill(one.settings.inbox)
    by_one = one_pass(one)
    one_log = events(one)
    assert pools == []  # one core: no processes
    monkeypatch.setattr(decodepool, "usable_cores", lambda: 2)
    two = fresh("two")
    fill(two.settings.inbox)
    by_two = one_pass(two)
    assert by_two == by_one
    assert what_is_where(two) == what_is_where(one)
    assert events(two) == one_log
    # the FIT files the pass was going to take, in its order (the CSV is read as before)
    assert pools == [["a-run.fit", "b-copy.fit", "d-not-fit.fit", "e-run.fit",
                      "f-workout.fit", "g-cut.fit", "h-arriving.fit", "i-run.fit"]]  # fmt: skip
    assert [state for _, state, _, _ in by_two] == [
        "ingested", "duplicate", "imported", "rejected", "ingested", "rejected", "rejected",
        "waiting", "ingested",
    ]  # fmt: skip
    assert (two.settings.inbox / "h-arriving.fit").exists()  # waits for the rest


def test_a_pass_with_one_run_ready_starts_no_process(
    fresh: Build, pools: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decodepool, "usable_cores", lambda: 2)
    app = fresh("home")
    path = app.settings.inbox / "tuesday.fit"
    path.write_bytes(run_walk())
    os.utime(path, (time.time() - 60, time.time() - 60))
    (app.settings.inbox / "journal.csv").write_bytes(b"date,leak\n2026-11-02,none\n")
    os.utime(app.settings.inbox / "journal.csv", (time.time() - 60, time.time() - 60))
    assert [state for _, state, _, _ in one_pass(app)] == ["imported", "ingested"]
    assert pools == []


def test_a_run_that_kills_its_decoder_is_quarantined_and_the_pass_goes_on(
    fresh: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decodepool, "usable_cores", lambda: 2)
    monkeypatch.setattr(decodepool, "decode_path", decoders.crash_on_mark)
    app = fresh("home")
    for i in range(4):
        data = simple_run(5, serial=800 + i, start=T0 + timedelta(days=i))
        (app.settings.inbox / f"run{i}.fit").write_bytes(data)
    (app.settings.inbox / "run1-bad.fit").write_bytes(decoders.CRASH_MARK)
    for path in app.settings.inbox.iterdir():
        os.utime(path, (time.time() - 60, time.time() - 60))
    results = one_pass(app)
    assert [(f, s) for f, s, _, _ in results] == [
        ("run0.fit", "ingested"), ("run1-bad.fit", "rejected"), ("run1.fit", "ingested"),
        ("run2.fit", "ingested"), ("run3.fit", "ingested"),
    ]  # fmt: skip
    assert results[1][3] == CRASHED
    assert (app.settings.quarantine / "run1-bad.fit.reason.txt").read_text() == f"{CRASHED}\n"
    assert sorted(p.name for p in app.settings.archive.iterdir()) == [
        "run0.fit", "run1.fit", "run2.fit", "run3.fit",
    ]  # fmt: skip


def test_a_run_changed_after_it_was_decoded_ahead_is_read_again(
    fresh: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is stored is what the file holds when it is taken, never an older decode."""
    monkeypatch.setattr(decodepool, "usable_cores", lambda: 2)
    app = fresh("home")
    inbox = app.settings.inbox
    old = time.time() - 60
    for name, minutes in (("a.fit", 5), ("b.fit", 6)):
        (inbox / name).write_bytes(simple_run(minutes, serial=900 + minutes))
        os.utime(inbox / name, (old, old))
    original = InboxPass._take
    replaced = simple_run(6, serial=999)
    assert len(replaced) == (inbox / "b.fit").stat().st_size

    def take_after_a_change(self: InboxPass, item: Any, ahead: Any) -> Any:
        if item.file_name == "b.fit":  # same size and time, other bytes: still its item
            (inbox / "b.fit").write_bytes(replaced)
            os.utime(inbox / "b.fit", (old, old))
        return original(self, item, ahead)

    monkeypatch.setattr(InboxPass, "_take", take_after_a_change)
    assert [state for _, state, _, _ in one_pass(app)] == ["ingested", "ingested"]
    with app.uow() as uow:
        serials = [uow.repo.activity(a.id) for a in uow.repo.activities()]
    assert [a.device_serial for a in serials if a] == [905, 999]
