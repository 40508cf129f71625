"""Use cases for her journal: profile, readiness test, symptom entries (one at a time or
from a CSV file), and the views of them. Shared by the CLI and the worker.

Values arrive as text (options or CSV cells) and are parsed in one place, so a bad value
gets the same one-line reason whichever way it came, naming the option or column.
Symptom details are health data: log lines say only that an entry was recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from rules.profile import (
    READINESS_SYMPTOMS,
    Profile,
    Readiness,
    ReadinessLog,
    parse_items,
    readiness,
)
from rules.symptoms import EntryError, SymptomEntry, link_leak
from sync import logs
from sync.errors import BadInput
from sync.formatting import clock
from sync.usecases.journal_values import (
    MAX_BIRTH_AGE_DAYS,
    iso_day,
    not_future,
    not_future_entry,
    parse_fields,
)

if TYPE_CHECKING:  # types only: the option checks run before the database is opened
    from sync.adapters.store.repository import StoredActivity, UnitOfWork
    from sync.bootstrap import App


# --- profile and readiness ----------------------------------------------------------------


@dataclass(frozen=True)
class ProfileView:
    profile: Profile | None
    readiness: Readiness
    today: date

    def as_json(self) -> dict[str, Any]:
        p = self.profile or Profile()
        weeks = p.weeks_postpartum(self.today)
        r = self.readiness
        return {
            "birth_date": iso_day(p.birth_date),
            "delivery": p.delivery,
            "weeks_postpartum": None if weeks is None else round(weeks, 1),
            "clearances": [d.isoformat() for d in p.clearances],
            "cleared": p.latest_clearance(self.today) is not None,
            "readiness": {
                "passed": r.passed,
                "passed_on": iso_day(r.passed_on),
                "items": r.items,
                "missing": r.missing,
                "strength": r.strength,
            },
        }


def set_profile(
    app: App,
    *,
    birth_date: date | None = None,
    delivery: str | None = None,
    cleared_on: date | None = None,
) -> ProfileView:
    if birth_date is None and delivery is None and cleared_on is None:
        raise BadInput("profile set: give at least one of --birth-date, --delivery, --cleared-on")
    today = app.today()
    if birth_date is not None:
        not_future("--birth-date", birth_date, today)
        if (today - birth_date).days > MAX_BIRTH_AGE_DAYS:
            raise BadInput(
                f"--birth-date: {birth_date} is more than 10 years ago "
                "(it is the day the baby was born)"
            )
    if delivery is not None and delivery not in ("vaginal", "cesarean"):
        raise BadInput(f"--delivery: must be vaginal or cesarean, got '{delivery}'")
    with app.uow() as uow:
        current = uow.repo.profile() or Profile()
        born = birth_date or current.birth_date
        if cleared_on is not None:
            not_future("--cleared-on", cleared_on, today)
            if born is not None and cleared_on < born:
                raise BadInput(
                    f"--cleared-on: {cleared_on} is before the birth ({born}); "
                    "a return-to-running clearance comes after it"
                )
        if born is not None and current.clearances and current.clearances[0] < born:
            raise BadInput(
                f"--birth-date: {born} is after the clearance of {current.clearances[0]}"
            )
        if birth_date is not None or delivery is not None:
            uow.repo.set_profile(birth_date=birth_date, delivery=delivery, at=app.clock())
        if cleared_on is not None:
            uow.repo.add_clearance(cleared_on, app.clock())
        uow.commit()
    logs.event("profile-updated")
    decide_again(app)
    return profile_view(app)


def profile_view(app: App) -> ProfileView:
    with app.uow() as uow:
        profile = uow.repo.profile()
        sittings = uow.repo.readiness_logs()
    return ProfileView(profile, readiness(sittings), app.today())


def log_readiness(
    app: App, on: date, passed: str | None, failed: str | None, symptoms: str | None
) -> Readiness:
    if not passed and not failed:
        raise BadInput("readiness log: give --passed ITEMS, --failed ITEMS or both")
    not_future("--date", on, app.today())
    try:
        passed_items = parse_items(passed) if passed else frozenset()
    except ValueError as exc:
        raise BadInput(f"--passed: {exc}") from None
    try:
        failed_items = parse_items(failed) if failed else frozenset()
    except ValueError as exc:
        raise BadInput(f"--failed: {exc}") from None
    found = frozenset(p.strip().lower() for p in (symptoms or "").split(",") if p.strip())
    unknown = sorted(found - set(READINESS_SYMPTOMS))
    if unknown:
        raise BadInput(f"--symptoms: unknown '{unknown[0]}' (use {','.join(READINESS_SYMPTOMS)})")
    try:
        sitting = ReadinessLog(on, passed_items, failed_items, found)
    except ValueError as exc:
        raise BadInput(f"readiness log: {exc}") from None
    with app.uow() as uow:
        uow.repo.add_readiness(sitting, app.clock())
        result = readiness(uow.repo.readiness_logs())
        uow.commit()
    logs.event("readiness-logged", passed=result.passed)
    decide_again(app)
    return result


# --- symptom entries ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    entry: SymptomEntry
    entry_id: int
    duplicate: bool
    activity: StoredActivity | None


def resolve(
    uow: UnitOfWork, entry: SymptomEntry, activity_id: int | None, app: App
) -> tuple[SymptomEntry, StoredActivity | None]:
    """Tie an entry to its run (the given id, else the last run of that local date) and,
    through the stored match, to the step where leaking started."""
    if activity_id is not None:
        run = uow.repo.activity(activity_id)
        if run is None:
            raise EntryError("activity", f"no activity {activity_id} (see 'runback activities')")
        entry = replace(entry, on=run.start.astimezone(app.settings.tz()).date())
        not_future_entry(entry.on, app.today())
    else:
        tz = app.settings.tz()
        since = datetime.combine(entry.on, time(0), tz)
        runs = uow.repo.activities(since=since, until=since + timedelta(days=1))
        run = runs[-1] if runs else None
    if run is None:
        if entry.leak_at_s is not None:
            raise EntryError(
                "leak-at", f"there is no run on {entry.on} to place it in (a day entry has none)"
            )
        return replace(entry, activity_id=None), None
    entry = replace(entry, activity_id=run.id)
    if entry.leak_at_s is not None:
        if entry.leak_at_s > run.timer_s:
            raise EntryError(
                "leak-at",
                f"{clock(entry.leak_at_s)} is past the end of the run "
                f"(activity {run.id}: {clock(run.timer_s)} on the timer)",
            )
        stored = uow.repo.match_of(run.id)
        point = link_leak(
            entry.leak_at_s,
            run.start,
            uow.repo.pauses(run.id),
            stored.intervals if stored else (),
            uow.repo.bouts(run.id),
        )
        entry = replace(entry, leak_point=point)
    return entry, run


def record_entry(app: App, fields: Mapping[str, str | None], source: str = "cli") -> Recorded:
    """Validate, link and store one entry; the same entry twice is stored once."""
    try:
        entry, activity_id = parse_fields(fields, app.today())
        not_future_entry(entry.on, app.today())
        with app.uow() as uow:
            entry, run = resolve(uow, entry, activity_id, app)
            key = entry_key(entry)
            existing = already_recorded(uow, entry, key)
            if existing is not None:
                return Recorded(entry, existing, True, run)
            new_id = uow.repo.add_entry(entry, source=source, key=key, at=app.clock())
            uow.commit()
            if new_id is None:  # the same entry, recorded by another process just now
                stored = uow.repo.entry_id_by_key(key)
                assert stored is not None, "the insert met this very entry"
                return Recorded(entry, stored, True, run)
    except EntryError as exc:
        raise BadInput(f"--{exc.name}: {exc.message}") from None
    logs.event("symptoms-recorded", entry=new_id, source=source)
    decide_again(app)
    return Recorded(entry, new_id, False, run)


def already_recorded(uow: UnitOfWork, entry: SymptomEntry, key: str) -> int | None:
    """The stored entry with these values: under this key, or recorded for the day before
    its run arrived (and tied to the run since), under the key without the run."""
    found = uow.repo.entry_id_by_key(key)
    if found is None and entry.activity_id is not None and entry.leak_at_s is None:
        found = uow.repo.entry_id_by_key(entry_key(replace(entry, activity_id=None)))
    return found


def entry_key(entry: SymptomEntry) -> str:
    """The identity of an entry: the same values on the same run are the same entry."""
    parts = [
        entry.on.isoformat(), entry.activity_id, entry.leak, entry.leak_at_s, entry.heaviness,
        entry.pain, entry.pain_next_day, entry.bleeding, entry.rpe, entry.fatigue,
        entry.breathing, entry.fluid_ml, entry.slept_h, entry.note,
    ]  # fmt: skip
    if entry.urgency or entry.bowel:  # entries from before these fields keep their key
        parts += [entry.urgency, entry.bowel]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def decide_again(app: App) -> None:
    """An input of the next decision changed: decide again (stored only if it differs)."""
    # Here, for start-up time: `profile show` and the symptom views import this module
    # and decide nothing; the deciding rules are 25 ms of such a call.
    from sync.usecases.planning import refresh

    refresh(app)


# --- views -----------------------------------------------------------------------------------


def entry_json(entry_id: int, entry: SymptomEntry, source: str) -> dict[str, Any]:
    point = entry.leak_point
    return {
        "id": entry_id,
        "date": entry.on.isoformat(),
        "activity": entry.activity_id,
        "leak": entry.leak,
        "leak_at_s": entry.leak_at_s,
        "heaviness": entry.heaviness,
        "pain": entry.pain,
        "pain_next_day": entry.pain_next_day,
        "bleeding": entry.bleeding,
        "rpe": entry.rpe,
        "fatigue": entry.fatigue,
        "breathing": entry.breathing,
        "fluid_ml": entry.fluid_ml,
        "slept_h": entry.slept_h,
        "urgency": entry.urgency,
        "bowel": entry.bowel,
        "note": entry.note,
        "source": source,
        "leak_onset": None
        if point is None
        else {
            "interval": point.interval_index,
            "run_interval": point.run_number,
            "interval_kind": point.interval_kind,
            "into_interval_s": point.into_interval_s,
            "run_s_before": point.run_s_before,
        },
    }


def describe_leak(entry: SymptomEntry) -> str:
    """What follows 'leaking from': 'run interval 3 at 0:20 (1:20 of running before)', or
    '34:59 on the timer (...)' when it is in no step of the plan, or ''."""
    p = entry.leak_point
    if p is None:
        return ""
    before = f"{clock(p.run_s_before)} of running before"
    if p.interval_index is None or p.into_interval_s is None:
        return f"{clock(entry.leak_at_s or 0)} on the timer ({before})"
    where = (
        f"run interval {p.run_number}"
        if p.run_number is not None
        else f"step {p.interval_index} (walk)"
    )
    return f"{where} at {clock(p.into_interval_s)} ({before})"


# --- small parsers ---------------------------------------------------------------------------


def entries_view(app: App) -> list[tuple[int, SymptomEntry, str]]:
    with app.uow() as uow:
        return [(e.id, e.entry, e.source) for e in uow.repo.entries()]
