"""What a recorded run or walk is, independent of the file format it came in.

Times are UTC-aware datetimes; units are in the names (`_s` seconds, `_m` metres,
`_mps` metres per second, `_spm` steps per minute).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# Sports runback follows: running, and walking for the walk-first phase.
SESSION_SPORTS = frozenset({"running", "walking"})

SAMPLE_COLUMNS = ("timestamp", "speed_mps", "cadence_spm", "heart_rate", "distance_m")


def _require_utc(name: str, value: datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value!r}")


def _require_non_negative(name: str, value: float | None) -> None:
    if value is not None and not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")


@dataclass(frozen=True)
class Lap:
    """One lap as the watch recorded it.

    `wkt_step_index` is the `message_index` of the workout step the watch was executing,
    or None (freestyle laps, and the short session-end lap after a workout finishes).
    """

    start: datetime
    end: datetime
    timer_s: float
    elapsed_s: float
    distance_m: float | None = None
    wkt_step_index: int | None = None
    intensity: str | None = None
    trigger: str | None = None

    def __post_init__(self) -> None:
        _require_utc("Lap.start", self.start)
        _require_utc("Lap.end", self.end)
        _require_non_negative("Lap.timer_s", self.timer_s)
        _require_non_negative("Lap.elapsed_s", self.elapsed_s)
        _require_non_negative("Lap.distance_m", self.distance_m)
        if self.end < self.start:
            raise ValueError(f"Lap ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class RecordedStep:
    """A `workout_step` recorded in the activity file (the workout the watch ran).

    For a time step `duration_s` is set; for a repeat step `repeat_from` is the index of
    the first repeated step and `repeat_count` the number of passes. `name` and
    `intensity` are whatever the planner wrote (e.g. 'warmup', 'rest', 'recovery').
    """

    index: int
    duration_type: str | None
    duration_s: float | None = None
    distance_m: float | None = None
    repeat_from: int | None = None
    repeat_count: int | None = None
    intensity: str | None = None
    name: str | None = None
    target_type: str | None = None

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"RecordedStep.index must be >= 0, got {self.index}")
        _require_non_negative("RecordedStep.duration_s", self.duration_s)
        _require_non_negative("RecordedStep.distance_m", self.distance_m)


@dataclass(frozen=True)
class Pause:
    """The timer was stopped from `start` to `end` (timer stop/start events)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_utc("Pause.start", self.start)
        _require_utc("Pause.end", self.end)
        if self.end < self.start:
            raise ValueError(f"Pause ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class Split:
    """Garmin's own run/walk detection (`split` messages of kind rwd_run, rwd_walk, rwd_stand)."""

    kind: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_utc("Split.start", self.start)
        _require_utc("Split.end", self.end)


@dataclass(frozen=True)
class SampleColumns:
    """Per-record samples as plain columns; `Activity.samples` turns them into a DataFrame.

    Kept as sequences so that reading and storing a file does not pay for pandas; the
    DataFrame is built the first time something asks for it. `timestamp_s` is seconds
    since the Unix epoch (UTC). Missing values are NaN.
    """

    timestamp_s: Sequence[float]
    speed_mps: Sequence[float]
    cadence_spm: Sequence[float]
    heart_rate: Sequence[float]
    distance_m: Sequence[float]

    def __post_init__(self) -> None:
        n = len(self.timestamp_s)
        for name in ("speed_mps", "cadence_spm", "heart_rate", "distance_m"):
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"SampleColumns.{name} has {len(getattr(self, name))} values, "
                    f"timestamp_s has {n}"
                )

    def __len__(self) -> int:
        return len(self.timestamp_s)


@dataclass(frozen=True, eq=False)
class Activity:
    """A recorded running or walking session.

    `samples` is a DataFrame with the columns in SAMPLE_COLUMNS (`timestamp` UTC, one row
    per record at whatever rate the watch recorded).
    """

    start: datetime
    sport: str
    timer_s: float
    elapsed_s: float
    distance_m: float | None
    sub_sport: str | None = None
    laps: tuple[Lap, ...] = ()
    workout_name: str | None = None
    workout_steps: tuple[RecordedStep, ...] = ()
    pauses: tuple[Pause, ...] = ()
    splits: tuple[Split, ...] = ()
    device_serial: int | None = None
    time_created: datetime | None = None
    # What the reader had to repair or infer in the file (in words), e.g. lap ends rebuilt
    # from start time + elapsed time; empty when the file was consistent.
    repairs: tuple[str, ...] = ()
    columns: SampleColumns = field(
        default_factory=lambda: SampleColumns((), (), (), (), ()), repr=False
    )

    def __post_init__(self) -> None:
        _require_utc("Activity.start", self.start)
        _require_utc("Activity.time_created", self.time_created)
        _require_non_negative("Activity.timer_s", self.timer_s)
        _require_non_negative("Activity.elapsed_s", self.elapsed_s)
        _require_non_negative("Activity.distance_m", self.distance_m)
        if not self.sport:
            raise ValueError("Activity.sport must be named")

    @cached_property
    def samples(self) -> pd.DataFrame:
        import pandas as pd

        c = self.columns
        return pd.DataFrame(
            {
                "timestamp": pd.to_datetime(
                    pd.Series(c.timestamp_s, dtype="float64"), unit="s", utc=True
                ),
                "speed_mps": pd.Series(c.speed_mps, dtype="float64"),
                "cadence_spm": pd.Series(c.cadence_spm, dtype="float64"),
                "heart_rate": pd.Series(c.heart_rate, dtype="float64"),
                "distance_m": pd.Series(c.distance_m, dtype="float64"),
            }
        )


def refusal(file_types: Sequence[str], sports: Sequence[str]) -> str | None:
    """Why a decoded FIT file is not a session runback follows, or None when it is.

    `file_types` are the file_id types in the file (a chained file has several);
    `sports` the sports of its sessions. A walk is a session: walking is where the
    return to running starts.
    """
    if "activity" not in file_types:
        kind = next((t for t in file_types if t), None)
        if kind is None and file_types:
            return "not an activity: the file's type is missing or unreadable"
        if kind is None:
            return "not an activity: the file has no file_id message"
        if kind.isdigit():  # a number the FIT profile does not name
            return f"a file of unknown type {kind}, not an activity"
        return f"a {kind} file, not an activity"
    if not sports:
        return "an activity without a session summary, so its sport is unknown"
    distinct = list(dict.fromkeys(sports))
    if len(distinct) > 1:
        return (
            f"a multisport activity ({', '.join(distinct)}): "
            "runback follows single running and walking sessions"
        )
    sport = distinct[0]
    if sport.isdigit():
        return f"an activity of unknown sport {sport}: runback follows running and walking"
    if sport not in SESSION_SPORTS:
        kind = _with_article(_sport_adjective(sport))
        return f"{kind} activity: runback follows running and walking"
    return None


def _sport_adjective(sport: str) -> str:
    names = {"cycling": "cycling", "swimming": "swimming", "generic": "generic (no sport)"}
    return names.get(sport, sport.replace("_", " "))


def _with_article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word
