"""Symptom entries under concurrency and database errors, on SQLite and PostgreSQL: the
same entry recorded twice at once is "already recorded", and no database error ever
carries a symptom value or a note (engines hide statement parameters)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError

from sync.adapters.store import schema as s
from sync.adapters.store.journal import JournalQueries
from sync.bootstrap import App
from sync.usecases.journal import record_entry
from sync.usecases.journal_csv import import_csv

TODAY = date(2026, 11, 2)
NOTE = "zebra-crossing-7731"
FIELDS = {"leak": "drops", "pain": "3", "fluid-ml": "9876", "note": NOTE}


@pytest.fixture
def japp(make_app: Callable[..., App]) -> App:
    return make_app(today=TODAY, timezone="UTC")


def race_once(monkeypatch: pytest.MonkeyPatch, other: Callable[[], object]) -> None:
    """The first duplicate check finds nothing, because another process (`other`, on its
    own connection) records the same entry just after it looked."""
    original = JournalQueries.entry_id_by_key
    state = {"raced": False}

    def looked_too_early(self: JournalQueries, key: str) -> int | None:
        if not state["raced"]:
            state["raced"] = True
            other()
            return None
        return original(self, key)

    monkeypatch.setattr(JournalQueries, "entry_id_by_key", looked_too_early)


def test_two_identical_entries_at_once_are_one_entry_already_recorded(
    japp: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first: list[int] = []
    race_once(monkeypatch, lambda: first.append(record_entry(japp, FIELDS).entry_id))
    with caplog.at_level(logging.DEBUG):
        again = record_entry(japp, FIELDS)
    assert again.duplicate
    assert again.entry_id == first[0]
    with japp.uow() as uow:
        assert len(uow.repo.entries()) == 1
    assert NOTE not in caplog.text
    assert "9876" not in caplog.text


def test_two_identical_imports_at_once_add_each_entry_once(
    japp: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sheet = tmp_path / "journal.csv"
    sheet.write_text(f"date,leak,note\n2026-11-01,drops,{NOTE}\n2026-11-02,none,\n")
    first = []
    race_once(monkeypatch, lambda: first.append(import_csv(japp, sheet)))
    again = import_csv(japp, sheet)
    assert (first[0].added, again.added, again.already) == (2, 0, 2)


def test_a_database_error_never_carries_the_values_it_was_given(japp: App) -> None:
    """A foreign key that does not exist: the error names the statement, not the values."""
    values = {
        "athlete_id": japp.athlete_id, "on_date": TODAY, "leak": "drops", "pain": 3,
        "pain_next_day": False, "bleeding": False, "fluid_ml": 9876, "note": NOTE,
        "activity_id": 424242, "source": "cli", "entry_key": "k" * 64,
        "recorded_at": datetime(2026, 11, 2, tzinfo=UTC),
    }  # fmt: skip
    with japp.uow() as uow, pytest.raises(DBAPIError) as caught:
        uow.repo.conn.execute(insert(s.symptom_entry).values(values))
    shown = "".join(traceback.format_exception(caught.value))
    assert NOTE not in shown
    assert "9876" not in shown
    assert "parameters hidden" in shown
