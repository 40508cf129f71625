"""What runback knows of Garmin Connect, without garminconnect: the errors a caller can act
on (LoginNeeded, RateLimited, Unavailable, NotFound, StoredOtherwise, GarminError), what
comes back (activities, calendar and library entries, stored workouts) and `Gateway`,
which ConnectGateway (garmin.py) and FakeGateway (garmin_fake.py) implement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from rules.workout import Item, Workout
from sync.errors import RunbackError


class GarminError(RunbackError):
    """Garmin Connect answered something runback cannot use."""


class LoginNeeded(GarminError):
    """The saved login is gone or refused: `runback garmin login` again."""


class RateLimited(GarminError):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class Unavailable(GarminError):
    """5xx, a timeout or no network: try again later."""


class NotFound(GarminError):
    """Connect has no such thing (404): deleted meanwhile, by her or by an earlier try."""


class StoredOtherwise(GarminError):
    """Connect kept something other than the workout sent (a step it rewrote, a sport it
    changed): the upload must not stay in her library."""


@dataclass(frozen=True)
class RemoteActivity:
    activity_id: str
    start: datetime  # UTC
    sport: str  # running | walking | cycling | ...


@dataclass(frozen=True)
class CalendarEntry:
    schedule_id: int
    workout_id: int
    day: date
    title: str


@dataclass(frozen=True)
class LibraryEntry:
    """A workout in her Connect library (hers or runback's)."""

    workout_id: int
    name: str


@dataclass(frozen=True)
class StoredWorkout:
    """A workout as Connect keeps it, read back: what the watch will get."""

    name: str
    sport: str  # running | walking | ...
    steps: tuple[Item, ...]


class Gateway(Protocol):
    def activities(self, since: date, until: date) -> list[RemoteActivity]: ...
    def original(self, activity_id: str) -> bytes: ...
    def library(self) -> list[LibraryEntry]: ...
    def find_workout(self, name: str) -> int | None: ...
    def upload_workout(self, workout: Workout, name: str, description: str = "") -> int: ...
    def stored_workout(self, workout_id: int) -> StoredWorkout: ...
    def schedule(self, workout_id: int, day: date) -> int | None: ...
    def calendar(self, day: date) -> list[CalendarEntry]: ...
    def unschedule(self, schedule_id: int) -> None: ...
    def delete_workout(self, workout_id: int) -> None: ...
