"""Runs from before the birth (a watch's whole history in the inbox): kept, never lost, but
outside the programme. They are not matched against prescriptions, take no part in the
progression and stay out of the report's charts; ingest and the worker say so once per
file, and `activities` shows it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sync.usecases.ingest import ingest_bytes, list_activities, programme_start
from sync.usecases.journal import log_readiness, record_entry, set_profile
from sync.usecases.planning import gather, refresh
from sync.usecases.report import build
from sync.usecases.summary import PassReport, summary_text
from tests.support.fitbuilder import follow, simple_run

BORN = date(2026, 6, 1)
TODAY = date(2026, 9, 7)  # 14 weeks
OLD_RUNS = [date(2014, 5, 3), date(2019, 3, 9), date(2025, 11, 30), date(2026, 5, 31)]


def at(app: Any, day: date) -> Any:
    app.settings = app.settings.replace(today=day)
    return app


def ready(make_app: Callable[..., Any]) -> Any:
    app = at(make_app(timezone="UTC"), TODAY)
    set_profile(app, birth_date=BORN, delivery="vaginal", cleared_on=date(2026, 8, 24))
    log_readiness(app, date(2026, 8, 25), "all", None, None)
    return app


def old_run(day: date, serial: int, minutes: int = 134) -> bytes:
    # 2 h 14 min: "longest run interval 8061" in the old report
    return simple_run(
        minutes, start=datetime.combine(day, time(7), UTC), serial=serial, record_every_s=10
    )


def test_runs_before_the_birth_are_stored_but_take_no_part_in_the_programme(
    make_app: Callable[..., Any],
) -> None:
    app = ready(make_app)
    before, _ = refresh(app)
    results = [
        ingest_bytes(app, old_run(day, 900 + i), file_name=f"{day}.fit", source="inbox")
        for i, day in enumerate(OLD_RUNS)
    ]
    assert [r.state for r in results] == ["ingested"] * len(OLD_RUNS)
    assert all(r.before_birth == BORN for r in results)
    assert len(list_activities(app)) == len(OLD_RUNS)  # nothing she gave is lost
    assert programme_start(app) == BORN
    with app.uow() as uow:
        inputs = gather(app, uow)
        assert inputs.sessions == []
        for result in results:
            assert uow.repo.match_of(result.activity_id) is None or (
                uow.repo.match_of(result.activity_id).plan_source != "prescribed"
            )
    after, _ = refresh(app)
    assert after == before  # the old runs changed nothing


def test_a_run_on_the_day_of_the_birth_or_after_is_part_of_the_programme(
    make_app: Callable[..., Any],
) -> None:
    app = ready(make_app)
    walk = follow("walk 20m", datetime.combine(BORN + timedelta(days=70), time(7), UTC), serial=5)
    result = ingest_bytes(app, walk, file_name="walk.fit", source="inbox")
    assert result.before_birth is None
    with app.uow() as uow:
        assert [s.activity_id for s in gather(app, uow).sessions] == [result.activity_id]


def test_entries_for_days_before_the_birth_do_not_pause_her(
    make_app: Callable[..., Any],
) -> None:
    app = ready(make_app)
    first, _ = refresh(app)
    assert first.phase == "run-walk"
    record_entry(app, {"date": "2026-05-20", "leak": "none", "bleeding": "yes"})
    decision, _ = refresh(app)
    assert decision.phase == "run-walk"
    assert not any(f.startswith("red-flag") for f in decision.flags)


def test_without_a_birth_date_nothing_is_marked(make_app: Callable[..., Any]) -> None:
    app = at(make_app(timezone="UTC"), TODAY)
    result = ingest_bytes(app, old_run(OLD_RUNS[0], 77), file_name="old.fit", source="inbox")
    assert result.before_birth is None
    assert programme_start(app) is None


def test_setting_the_birth_date_later_moves_old_runs_out(make_app: Callable[..., Any]) -> None:
    app = at(make_app(timezone="UTC"), TODAY)
    ingest_bytes(app, old_run(OLD_RUNS[1], 78), file_name="old.fit", source="inbox")
    set_profile(app, birth_date=BORN)
    with app.uow() as uow:
        assert gather(app, uow).sessions == []


def test_the_report_leaves_old_runs_out_of_its_charts_and_says_how_many(
    make_app: Callable[..., Any],
) -> None:
    app = ready(make_app)
    for i, day in enumerate(OLD_RUNS):
        ingest_bytes(app, old_run(day, 600 + i), file_name=f"{day}.fit", source="inbox")
    page = build(app)
    assert "2014" not in page
    assert "2:14:00" not in page
    assert "8040" not in page
    assert "4 runs from before the birth" in page


def test_the_pass_summary_counts_old_runs_apart() -> None:
    from sync.usecases.ingest import IngestResult

    report = PassReport(
        files=[
            IngestResult("a.fit", "ingested", 1, before_birth=BORN),
            IngestResult("b.fit", "ingested", 2, before_birth=BORN),
            IngestResult("c.fit", "ingested", 3),
        ]
    )
    assert summary_text(report, None).startswith("3 runs stored (2 from before the birth)")


def test_ingest_and_activities_say_it_in_one_line(
    tmp_path: Any, capsys: Any, monkeypatch: Any
) -> None:
    from sync.entrypoints.cli import main

    monkeypatch.setenv("RUNBACK_TIMEZONE", "UTC")
    home = tmp_path / "home"
    base = ["--home", str(home), "--today", TODAY.isoformat()]
    assert main([*base, "profile", "set", "--birth-date", BORN.isoformat()]) == 0
    old = tmp_path / "2019-03-09.fit"
    old.write_bytes(old_run(date(2019, 3, 9), 42))
    capsys.readouterr()
    assert main([*base, "ingest", str(old)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].endswith("; before the birth (2026-06-01): kept, not part of the programme")
    assert main([*base, "activities"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[1].endswith("2019-03-09.fit  (before the birth)")
    assert listing[-1].startswith("1 run from before the birth (2026-06-01): kept")
    log = (home / "logs" / "runback.log").read_text()
    assert "programme=before-birth" in log


def test_analyze_and_a_journal_entry_for_an_old_run_say_it_is_outside_the_programme(
    tmp_path: Any, capsys: Any, monkeypatch: Any
) -> None:
    from sync.entrypoints.cli import main

    monkeypatch.setenv("RUNBACK_TIMEZONE", "UTC")
    home = tmp_path / "home"
    base = ["--home", str(home), "--today", TODAY.isoformat()]
    assert main([*base, "profile", "set", "--birth-date", BORN.isoformat()]) == 0
    old = tmp_path / "old.fit"
    old.write_bytes(old_run(date(2019, 3, 9), 43, minutes=30))
    assert main([*base, "ingest", str(old)]) == 0
    capsys.readouterr()
    assert main([*base, "analyze", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "before the birth (2026-06-01): kept, not part of the programme"
    code = main(
        [*base, "symptoms", "log", "--activity", "1", "--leak", "leak", "--leak-at", "0:20"]
    )
    assert code == 0
    line = capsys.readouterr().out.strip()
    assert line.endswith("; a run from before the birth (2026-06-01): not part of the programme")
    assert "from at" not in line
