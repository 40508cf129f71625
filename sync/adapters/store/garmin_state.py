"""Queries for the Garmin Connect state: login, back-off, pulls, calendar workouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from sync.adapters.store import schema as s


@dataclass(frozen=True)
class GarminState:
    login: str  # ok | login-needed
    backoff_until: datetime | None
    failures: int
    last_pull_at: datetime | None
    pulled_through: date | None


@dataclass(frozen=True)
class CalendarWorkout:
    id: int
    decision_id: int
    on: date
    name: str
    workout_id: int | None
    schedule_id: int | None
    state: str


class GarminQueries:
    conn: Connection
    athlete_id: int

    def garmin_state(self) -> GarminState | None:
        row = self.conn.execute(
            select(s.garmin_state).where(s.garmin_state.c.athlete_id == self.athlete_id)
        ).first()
        if row is None:
            return None
        return GarminState(
            row.login, row.backoff_until, row.failures, row.last_pull_at, row.pulled_through
        )

    def set_garmin_state(self, at: datetime, **values: Any) -> None:
        g = s.garmin_state.c
        if self.garmin_state() is None:
            base = {"login": "ok", "failures": 0}
            self.conn.execute(
                insert(s.garmin_state).values(
                    athlete_id=self.athlete_id, updated_at=at, **(base | values)
                )
            )
        else:
            self.conn.execute(
                update(s.garmin_state)
                .where(g.athlete_id == self.athlete_id)
                .values(updated_at=at, **values)
            )

    def pulled_ids(self) -> set[str]:
        p = s.garmin_pulled.c
        return set(
            self.conn.execute(select(p.remote_id).where(p.athlete_id == self.athlete_id)).scalars()
        )

    def pull_refusals(self) -> list[tuple[str, str | None, datetime]]:
        """(remote id, reason, when) of every download refused, the latest first."""
        p = s.garmin_pulled.c
        rows = self.conn.execute(
            select(p.remote_id, p.detail, p.at)
            .where(p.athlete_id == self.athlete_id, p.state == "rejected")
            .order_by(p.at.desc(), p.id.desc())
        )
        return [(row.remote_id, row.detail, row.at) for row in rows]

    def record_pulled(self, remote_id: str, state: str, detail: str | None, at: datetime) -> None:
        self.conn.execute(
            insert(s.garmin_pulled).values(
                athlete_id=self.athlete_id, remote_id=remote_id, state=state, detail=detail, at=at
            )
        )

    def calendar_workouts(self, on: date) -> list[CalendarWorkout]:
        w = s.garmin_workout.c
        rows = self.conn.execute(
            select(s.garmin_workout)
            .where(w.athlete_id == self.athlete_id, w.on_date == on)
            .order_by(w.id)
        )
        return [_calendar(row) for row in rows]

    def garmin_workouts(self) -> list[CalendarWorkout]:
        """Every workout runback put in her Connect library, oldest first."""
        w = s.garmin_workout.c
        rows = self.conn.execute(
            select(s.garmin_workout).where(w.athlete_id == self.athlete_id).order_by(w.id)
        )
        return [_calendar(row) for row in rows]

    def calendar_workout_for(self, decision_id: int) -> CalendarWorkout | None:
        w = s.garmin_workout.c
        row = self.conn.execute(
            select(s.garmin_workout).where(w.decision_id == decision_id)
        ).first()
        return _calendar(row) if row is not None else None

    def save_calendar_workout(
        self, *, decision_id: int, on: date, name: str, state: str, at: datetime,
        workout_id: int | None = None, schedule_id: int | None = None,
    ) -> None:  # fmt: skip
        w = s.garmin_workout.c
        values = {"state": state, "at": at, "workout_id": workout_id, "schedule_id": schedule_id}
        if self.calendar_workout_for(decision_id) is None:
            self.conn.execute(
                insert(s.garmin_workout).values(
                    athlete_id=self.athlete_id,
                    decision_id=decision_id,
                    on_date=on,
                    name=name,
                    **values,
                )
            )
        else:
            self.conn.execute(
                update(s.garmin_workout).where(w.decision_id == decision_id).values(values)
            )


def _calendar(row: Any) -> CalendarWorkout:
    return CalendarWorkout(
        row.id, row.decision_id, row.on_date, row.name, row.workout_id, row.schedule_id, row.state
    )
