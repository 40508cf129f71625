"""An in-memory Garmin Connect: the same contract as ConnectGateway, with faults to inject.

Used by the tests (and by anyone trying runback without an account); the contract tests
run the same checks on this and on the real adapter with its HTTP calls intercepted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date

from rules.workout import Item, Workout
from sync.adapters.garmin_types import (
    CalendarEntry,
    GarminError,
    LibraryEntry,
    RemoteActivity,
    StoredOtherwise,
    StoredWorkout,
)
from sync.adapters.workout_names import sport_of


@dataclass
class FakeGateway:
    activities_by_id: dict[str, tuple[RemoteActivity, bytes]] = field(default_factory=dict)
    workouts: dict[int, tuple[str, tuple[Item, ...]]] = field(default_factory=dict)
    descriptions: dict[int, str] = field(default_factory=dict)
    # What Connect would say when it kept something else than was sent (None: it keeps it).
    stores_otherwise: str | None = None
    scheduled: dict[int, CalendarEntry] = field(default_factory=dict)
    # Exceptions to raise, in order, before the next calls (any method).
    faults: deque[Exception] = field(default_factory=deque)
    # Names of methods after which to raise once (a crash between two steps).
    crash_after: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    _next_id: int = 1000

    def add_activity(self, activity: RemoteActivity, original: bytes) -> None:
        self.activities_by_id[activity.activity_id] = (activity, original)

    def _enter(self, name: str) -> None:
        self.calls.append(name)
        if self.faults:
            raise self.faults.popleft()

    def _leave(self, name: str) -> None:
        if name in self.crash_after:
            self.crash_after.discard(name)
            raise KeyboardInterrupt(f"simulated crash after {name}")

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def activities(self, since: date, until: date) -> list[RemoteActivity]:
        self._enter("activities")
        found = [a for a, _ in self.activities_by_id.values() if since <= a.start.date() <= until]
        return sorted(found, key=lambda a: a.start)

    def original(self, activity_id: str) -> bytes:
        self._enter("original")
        if activity_id not in self.activities_by_id:
            raise GarminError(f"Garmin Connect: API Error 404 - activity {activity_id}")
        return self.activities_by_id[activity_id][1]

    def library(self) -> list[LibraryEntry]:
        self._enter("library")
        return [LibraryEntry(i, name) for i, (name, _) in sorted(self.workouts.items())]

    def find_workout(self, name: str) -> int | None:
        self._enter("find_workout")
        return next((i for i, (n, _) in self.workouts.items() if n == name), None)

    def upload_workout(self, workout: Workout, name: str, description: str = "") -> int:
        self._enter("upload_workout")
        workout_id = self._new_id()
        self.workouts[workout_id] = (name, workout.steps)
        self.descriptions[workout_id] = description
        self._leave("upload_workout")
        return workout_id

    def stored_workout(self, workout_id: int) -> StoredWorkout:
        self._enter("stored_workout")
        if workout_id not in self.workouts:
            raise GarminError(f"Garmin Connect: API Error 404 - workout {workout_id}")
        if self.stores_otherwise:
            raise StoredOtherwise(self.stores_otherwise)
        name, steps = self.workouts[workout_id]
        return StoredWorkout(name, sport_of(steps), steps)

    def schedule(self, workout_id: int, day: date) -> int | None:
        self._enter("schedule")
        if workout_id not in self.workouts:
            raise GarminError(f"Garmin Connect: API Error 404 - workout {workout_id}")
        schedule_id = self._new_id()
        name = self.workouts[workout_id][0]
        self.scheduled[schedule_id] = CalendarEntry(schedule_id, workout_id, day, name)
        self._leave("schedule")
        return schedule_id

    def calendar(self, day: date) -> list[CalendarEntry]:
        self._enter("calendar")
        return [e for e in self.scheduled.values() if e.day == day]

    def unschedule(self, schedule_id: int) -> None:
        self._enter("unschedule")
        self.scheduled.pop(schedule_id, None)

    def delete_workout(self, workout_id: int) -> None:
        self._enter("delete_workout")
        self.workouts.pop(workout_id, None)
