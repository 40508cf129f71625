"""Use case: the next workout on her Garmin Connect calendar, once, and a tidy library.

Gather, decide, apply: each step is a committed row, so a crash anywhere is picked up
where it stopped. Faults back off as in sync.usecases.garmin_sync (one line each, remembered).

Her library keeps only the workouts runback made that she can still use: the one of the
latest decision, and the ones of days she ran (their calendar entries show what she was
given). Runback's others, the superseded ones ahead of her and the past ones she did not
run, are removed. A workout is runback's to remove only if this database uploaded it and
it still carries runback's tag in its name (sync.adapters.workout_names): one she copied or
renamed is hers, and so is everything else in her library.
"""

from __future__ import annotations

from datetime import date

from rules.workout import Workout, format_spec
from sync import logs
from sync.adapters.garmin_types import GarminError, Gateway, StoredOtherwise
from sync.adapters.store.decisions import StoredDecision
from sync.adapters.store.garmin_state import CalendarWorkout
from sync.adapters.workout_names import Label, tag_of
from sync.bootstrap import App
from sync.errors import PushFailed
from sync.usecases.garmin_sync import fault, gateway, healthy, waiting_note


def push_workout(app: App, decision: StoredDecision, workout: Workout, label: Label) -> str:
    """Put the decision's workout on her calendar for its date, exactly once.

    Steps, each committed: note the intent; replace whatever an older decision put on that
    date (unschedule, delete); find the workout by its name (a retry after a crash between
    upload and our commit) or upload it; read it back and compare (what Connect changed
    is deleted again, and the push fails with the reason and backs off); schedule it
    unless the calendar already has it; tidy her library. A retry resumes from the last
    committed step.
    """
    waiting = waiting_note(app)
    if waiting:
        raise PushFailed(waiting, attempted=False)
    name = label.connect_name
    try:
        gw = gateway(app)
        with app.uow() as uow:
            mine = uow.repo.calendar_workout_for(decision.id)
            older = [w for w in uow.repo.calendar_workouts(decision.on)
                     if w.decision_id != decision.id and w.state != "removed"]  # fmt: skip
            if mine is None:
                uow.repo.save_calendar_workout(
                    decision_id=decision.id, on=decision.on, name=name, state="uploading",
                    at=app.clock(),
                )  # fmt: skip
            uow.commit()
        for old in older:
            _remove(app, gw, old.workout_id, [old])
            logs.event("garmin-replaced", date=old.on.isoformat(), workout=old.workout_id)
        with app.uow() as uow:
            mine = uow.repo.calendar_workout_for(decision.id)
        assert mine is not None
        workout_id = mine.workout_id
        if workout_id is None:
            workout_id = gw.find_workout(name) or gw.upload_workout(
                workout, name, label.connect_description
            )
            _save(app, decision, name, "uploaded", workout_id, None)
        _check_kept(app, gw, decision, name, workout_id, workout, label)
        schedule_id = mine.schedule_id
        if schedule_id is None:
            schedule_id = _schedule(gw, workout_id, decision.on)
            _save(app, decision, name, "scheduled", workout_id, schedule_id)
        tidy_library(app, gw, keep=workout_id)
    except GarminError as exc:
        fault(app, "push", exc)
        raise PushFailed(str(exc)) from None
    healthy(app)
    return (
        f"workout {workout_id} '{label.watch_name}' scheduled on {decision.on} "
        f"(schedule {schedule_id})"
    )


def _check_kept(
    app: App, gw: Gateway, decision: StoredDecision, name: str, workout_id: int,
    workout: Workout, label: Label,
) -> None:  # fmt: skip
    """Read the upload back; if Connect kept something else, it leaves her library again
    (a retry uploads afresh instead of reading the same wrong one back forever)."""
    try:
        kept = gw.stored_workout(workout_id)
        spec = format_spec(kept.steps)
        problem = None
        if spec != workout.spec:
            problem = f"Garmin Connect stored '{spec}' instead of '{workout.spec}'"
        elif kept.sport != label.sport:
            problem = f"Garmin Connect stored it as a {kept.sport} workout, not {label.sport}"
    except StoredOtherwise as exc:
        problem = f"Garmin Connect changed the workout it was sent: {exc}"
    if problem is None:
        return
    gw.delete_workout(workout_id)
    _save(app, decision, name, "uploading", None, None)
    raise StoredOtherwise(f"{problem}; the upload was deleted again")


def _schedule(gw: Gateway, workout_id: int, day: date) -> int | None:
    """The calendar entry of the workout on `day`: the one there already, or a new one."""
    on_calendar = [e for e in gw.calendar(day) if e.workout_id == workout_id]
    if on_calendar:
        return on_calendar[0].schedule_id
    schedule_id = gw.schedule(workout_id, day)
    if schedule_id is None:  # not in the answer: find it in the calendar
        found = [e for e in gw.calendar(day) if e.workout_id == workout_id]
        schedule_id = found[0].schedule_id if found else None
    return schedule_id


def tidy_library(app: App, gw: Gateway, keep: int) -> int:
    """Remove runback's workouts she can no longer use (see the module doc); the number
    removed. Every page of her library is read."""
    today = app.today()
    tz = app.settings.tz()
    with app.uow() as uow:
        ran_on = {a.start.astimezone(tz).date() for a in uow.repo.activities()}
        decided_for = {d.id: d.on for d in uow.repo.decisions()}
        rows = uow.repo.garmin_workouts()
    uploaded = {r.workout_id for r in rows if r.workout_id is not None}
    removed = 0
    for entry in gw.library():
        tag = tag_of(entry.name)
        if tag is None or entry.workout_id == keep or entry.workout_id not in uploaded:
            # Hers (no tag, a copy she made, or one she renamed), the one just pushed, or
            # one this database did not upload (a fresh install on her account): left.
            continue
        day = tag[0] or decided_for.get(tag[1])
        if day is None:
            continue
        if day <= today and day in ran_on:
            continue  # she ran that day: its calendar entry shows what she was given
        known = [r for r in rows if r.workout_id == entry.workout_id]
        _remove(app, gw, entry.workout_id, known, day)
        removed += 1
    if removed:
        logs.event("garmin-tidied", removed=removed, kept=keep)
    return removed


def _remove(
    app: App, gw: Gateway, workout_id: int | None, rows: list[CalendarWorkout],
    day: date | None = None,
) -> None:  # fmt: skip
    """Unschedule and delete one workout; its rows are marked removed."""
    schedules = {r.schedule_id for r in rows if r.schedule_id is not None}
    if day is not None and workout_id is not None:
        schedules |= {e.schedule_id for e in gw.calendar(day) if e.workout_id == workout_id}
    for schedule_id in sorted(schedules):
        gw.unschedule(schedule_id)
    if workout_id is not None:
        gw.delete_workout(workout_id)
    with app.uow() as uow:
        for r in rows:
            uow.repo.save_calendar_workout(
                decision_id=r.decision_id, on=r.on, name=r.name, state="removed",
                at=app.clock(), workout_id=r.workout_id, schedule_id=r.schedule_id,
            )  # fmt: skip
        uow.commit()


def _save(
    app: App, decision: StoredDecision, name: str, state: str,
    workout_id: int | None, schedule_id: int | None,
) -> None:  # fmt: skip
    with app.uow() as uow:
        uow.repo.save_calendar_workout(
            decision_id=decision.id, on=decision.on, name=name, state=state, at=app.clock(),
            workout_id=workout_id, schedule_id=schedule_id,
        )  # fmt: skip
        uow.commit()
