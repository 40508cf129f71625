"""The journal through the service layer, on SQLite and PostgreSQL: entries tied to the
run interval where leaking started, CSV imports that are all-or-nothing and idempotent,
and every validation error as one clear reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from sync.bootstrap import App
from sync.errors import BadInput
from sync.usecases import ingest
from sync.usecases.insights import assessments
from sync.usecases.journal import log_readiness, record_entry, set_profile
from sync.usecases.journal_csv import import_csv
from tests.support.fitbuilder import (
    FIRST_LEVEL_STEPS,
    T0,
    ActivitySpec,
    build_activity,
    first_level_segments,
)

TODAY = date(2026, 11, 2)  # the day of the synthetic run (T0, 08:00 UTC)


@pytest.fixture
def japp(make_app: Callable[..., App]) -> App:
    return make_app(today=TODAY, timezone="Europe/Berlin")


def level_one(app: App) -> int:
    spec = ActivitySpec(
        first_level_segments(), laps_per_segment=True, workout_name="L1",
        workout_steps=FIRST_LEVEL_STEPS,
    )  # fmt: skip
    result = ingest.ingest_bytes(app, build_activity(spec), file_name="l1.fit", source="inbox")
    assert result.activity_id is not None
    return result.activity_id


def test_a_leak_at_15_20_is_tied_to_run_interval_3_at_20_s(japp: App) -> None:
    run = level_one(japp)
    done = record_entry(japp, {"leak": "leak", "leak-at": "15:20", "pain": "1"})
    assert done.activity is not None
    assert done.activity.id == run
    point = done.entry.leak_point
    assert point is not None
    assert (point.interval_index, point.run_number, point.into_interval_s) == (6, 3, 20)
    assert point.run_s_before == 80
    [assessed] = assessments(japp)
    assert assessed.assessment.leak == point


def test_the_run_of_a_date_is_found_in_her_time_zone(japp: App) -> None:
    run = level_one(japp)  # 08:00 UTC is 09:00 in Berlin, the same date
    assert record_entry(japp, {"leak": "none", "date": "2026-11-02"}).activity.id == run  # type: ignore[union-attr]
    day = record_entry(japp, {"leak": "none", "date": "2026-11-01", "note": "rest day"})
    assert day.activity is None
    assert record_entry(japp, {"leak": "none", "activity": str(run), "rpe": "4"}).entry.on == TODAY


def test_the_same_entry_twice_is_recorded_once(japp: App) -> None:
    level_one(japp)
    first = record_entry(japp, {"leak": "drops", "leak-at": "5:10"})
    again = record_entry(japp, {"leak": "drops", "leak-at": "5:10"})
    assert again.duplicate
    assert again.entry_id == first.entry_id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"leak": "leak", "leak-at": "40:00"}, "--leak-at: 40:00 is past the end of the run"),
        ({"leak": "none", "activity": "99"}, "--activity: no activity 99"),
        ({"leak": "none", "date": "2026-11-03"}, "--date: 2026-11-03 is in the future"),
        ({"leak": "none", "pain": "11"}, "--pain: must be 0-10, got 11"),
        ({"leak": "none", "heaviness": "lots"}, "--heaviness: 'lots' is not a whole number"),
        ({"leak": "none", "slept-h": "a while"}, "--slept-h: 'a while' is not a number"),
        ({"leak": "none", "bleeding": "maybe"}, "--bleeding: 'maybe' is not yes or no"),
        ({"leak": "none", "date": "2.11.2026"}, "--date: '2.11.2026' is not a date"),
        ({"leak": "leak", "leak-at": "soon"}, "--leak-at: 'soon' is not a time on the watch"),
        ({"leak": "none", "leak-at": "1:00"}, "--leak-at: given, but --leak is none"),
        ({"leak": "none", "date": "2026-11-01", "activity": "1"}, "--activity: give --activity"),
        ({"pain": "2"}, "--leak: is required"),
        ({"leak": "none", "mood": "great"}, "--mood: unknown"),
        ({"leak": "leak", "leak-at": "1:00", "date": "2026-11-01"}, "--leak-at: there is no run"),
    ],
)
def test_every_bad_value_is_refused_with_its_reason(
    japp: App, fields: dict[str, str], message: str
) -> None:
    level_one(japp)
    with pytest.raises(BadInput) as caught:
        record_entry(japp, fields)
    assert str(caught.value).startswith(message)


CSV = (
    "date,leak,leak-at,heaviness,pain,pain-next-day,bleeding,rpe,fatigue,breathing,"
    "fluid-ml,slept-h,note\n"
    "2026-11-02,leak,15:20,1,2,no,no,6,3,ok,1800,6.5,windy\n"
    "2026-10-30,none,,0,0,,,,,,,,day off\n"
)


def test_a_csv_imports_once_however_often_it_comes(japp: App, tmp_path: Path) -> None:
    level_one(japp)
    sheet = tmp_path / "journal.csv"
    sheet.write_text(CSV)
    first = import_csv(japp, sheet)
    assert (first.added, first.already, first.skipped) == (2, 0, [])
    again = import_csv(japp, sheet)
    assert (again.added, again.already) == (0, 2)
    with japp.uow() as uow:
        entries = uow.repo.entries()
    assert len(entries) == 2
    linked = next(e.entry for e in entries if e.entry.activity_id)
    assert linked.leak_point is not None
    assert linked.leak_point.run_number == 3


def test_a_csv_with_a_bad_row_imports_nothing_and_names_row_and_column(
    japp: App, tmp_path: Path
) -> None:
    level_one(japp)
    sheet = tmp_path / "journal.csv"
    sheet.write_text(CSV + "2026-10-31,drops,,,12,,,,,,,,\n")
    with pytest.raises(BadInput) as caught:
        import_csv(japp, sheet)
    assert str(caught.value) == ("journal.csv row 4, column pain: must be 0-10 (nothing imported)")
    with japp.uow() as uow:
        assert uow.repo.entries() == []
    report = import_csv(japp, sheet, skip_bad=True)
    assert (report.added, report.skipped) == (
        2,
        ["journal.csv row 4, column pain: must be 0-10"],
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,leak,mood\n2026-11-02,none,ok\n", "journal.csv row 1: unknown column 'mood'"),
        ("date,pain\n2026-11-02,1\n", "journal.csv row 1: the column 'leak' is required"),
        ("", "journal.csv: empty file"),
        ("date;leak;pain\n2026-11-02;none;1\n", None),  # semicolons, as some spreadsheets save
        ("Date,Leak,Leak_At\n2026-11-02,drops,5:00\n", None),  # header spelt loosely
    ],
)
def test_csv_headers(japp: App, tmp_path: Path, text: str, message: str | None) -> None:
    level_one(japp)
    sheet = tmp_path / "journal.csv"
    sheet.write_text(text)
    if message is None:
        assert import_csv(japp, sheet).added == 1
    else:
        with pytest.raises(BadInput, match=message):
            import_csv(japp, sheet)


def test_profile_and_readiness_validation(japp: App) -> None:
    with pytest.raises(BadInput, match="give at least one of"):
        set_profile(japp)
    with pytest.raises(BadInput, match="--birth-date: 2026-11-03 is in the future"):
        set_profile(japp, birth_date=date(2026, 11, 3))
    set_profile(japp, birth_date=date(2026, 8, 10), delivery="cesarean")
    with pytest.raises(BadInput, match="--cleared-on: 2026-08-01 is before the birth"):
        set_profile(japp, cleared_on=date(2026, 8, 1))
    view = set_profile(japp, cleared_on=date(2026, 11, 1))
    assert view.as_json()["weeks_postpartum"] == 12.0
    assert view.as_json()["clearances"] == ["2026-11-01"]
    set_profile(japp, cleared_on=TODAY)
    assert set_profile(japp, delivery="cesarean").as_json()["clearances"] == [
        "2026-11-01", "2026-11-02",
    ]  # fmt: skip
    with pytest.raises(BadInput, match="give --passed ITEMS, --failed ITEMS or both"):
        log_readiness(japp, TODAY, None, None, None)
    with pytest.raises(BadInput, match="--passed: unknown item 'skip'"):
        log_readiness(japp, TODAY, "skip", None, None)
    with pytest.raises(BadInput, match="--symptoms: unknown 'tired'"):
        log_readiness(japp, TODAY, "hop", None, "tired")
    with pytest.raises(BadInput, match="both passed and failed"):
        log_readiness(japp, TODAY, "hop", "hop", None)
    with pytest.raises(BadInput, match="--date: 2026-11-09 is in the future"):
        log_readiness(japp, TODAY + timedelta(days=7), "hop", None, None)
    assert log_readiness(japp, TODAY, "all", None, None).passed


def test_assessments_follow_the_runs_in_order(japp: App) -> None:
    first = level_one(japp)
    later = ActivitySpec(
        first_level_segments(), laps_per_segment=True, workout_steps=FIRST_LEVEL_STEPS,
        start=T0 - timedelta(days=3), serial=42,
    )  # fmt: skip
    earlier = ingest.ingest_bytes(japp, build_activity(later), file_name="e.fit", source="inbox")
    record_entry(japp, {"leak": "leak", "leak-at": "15:20", "activity": str(first)})
    record_entry(japp, {"leak": "leak", "leak-at": "15:25", "activity": str(earlier.activity_id)})
    older, newer = assessments(japp)
    assert older.entry.activity_id == earlier.activity_id
    assert newer.assessment.step_back == ()  # 20 s vs 25 s: within the slack
    assert newer.assessment.trend == "same"


def test_urgency_and_bowel_are_stored_assessed_and_imported(japp: App, tmp_path: Path) -> None:
    run = level_one(japp)
    done = record_entry(japp, {"leak": "none", "urgency": "yes", "bowel": "urgency"})
    assert (done.entry.urgency, done.entry.bowel) == (True, "urgency")
    day = record_entry(japp, {"leak": "none", "date": "2026-11-01", "bowel": "leak"})
    by_id = {a.entry_id: a for a in assessments(japp)}
    assert by_id[done.entry_id].assessment.signs == ("urgency",)
    assert by_id[done.entry_id].assessment.red_flags == ()
    assert by_id[day.entry_id].assessment.red_flags == ("bowel",)
    assert done.activity is not None
    assert done.activity.id == run
    sheet = tmp_path / "journal.csv"
    sheet.write_text("date,leak,urgency,bowel\n2026-10-30,none,yes,\n2026-10-31,none,,urgency\n")
    imported = import_csv(japp, sheet)
    assert imported.added == 2


def test_a_bad_bowel_value_names_the_option(japp: App) -> None:
    with pytest.raises(BadInput, match="bowel: must be leak or urgency, got 'often'"):
        record_entry(japp, {"leak": "none", "bowel": "often"})


def test_entries_from_before_urgency_keep_their_key() -> None:
    """Re-importing a journal written before urgency and bowel existed adds nothing."""
    import hashlib

    from rules.symptoms import SymptomEntry
    from sync.usecases.journal import entry_key

    old = SymptomEntry(on=date(2026, 11, 1), leak="none", pain=1)
    before = ["2026-11-01", None, "none", None, None, 1, False, False, None, None, None, None,
              None, None]  # fmt: skip
    assert entry_key(old) == hashlib.sha256(repr(before).encode()).hexdigest()
    urgent = SymptomEntry(on=date(2026, 11, 1), leak="none", pain=1, urgency=True)
    assert entry_key(urgent) != entry_key(old)


def test_a_second_entry_for_a_run_adds_to_the_first_and_never_erases_a_leak(japp: App) -> None:
    level_one(japp)
    first = record_entry(japp, {"leak": "leak", "leak-at": "15:20"})
    second = record_entry(japp, {"leak": "none", "pain-next-day": "yes"})
    assert second.entry_id != first.entry_id
    [run] = [a for a in assessments(japp) if a.entry.activity_id is not None]
    assert run.assessment.leak is not None
    assert run.assessment.leak.into_interval_s == 20
    assert "pain-next-day" in run.assessment.step_back


def test_an_entry_logged_before_its_run_arrives_is_tied_to_it(japp: App) -> None:
    early = record_entry(japp, {"leak": "none", "pain": "1"})  # the watch has not synced
    assert early.activity is None
    run = level_one(japp)
    [assessed] = [a for a in assessments(japp) if a.entry_id == early.entry_id]
    assert assessed.entry.activity_id == run


def test_a_journal_imported_before_its_runs_adds_nothing_when_imported_again(
    japp: App, tmp_path: Path
) -> None:
    sheet = tmp_path / "journal.csv"
    sheet.write_text("date,leak,pain\n2026-11-02,none,1\n")
    assert import_csv(japp, sheet).added == 1
    level_one(japp)
    again = import_csv(japp, sheet)
    assert (again.added, again.already) == (0, 1)
