"""What detection and matching find: plain values, no numpy.

Apart from the algorithms (rules.bouts, rules.matching) so that the store, the symptom
rules and the commands that only read results do not import numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rules.plan import Plan


@dataclass(frozen=True)
class Bout:
    """A stretch of running or walking, `start` inclusive, `end` exclusive (UTC)."""

    kind: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.kind not in ("run", "walk"):
            raise ValueError(f"Bout.kind must be run or walk, got {self.kind!r}")
        if self.end <= self.start:
            raise ValueError(f"Bout ends ({self.end}) at or before it starts ({self.start})")

    @property
    def duration_s(self) -> int:
        return round((self.end - self.start).total_seconds())


@dataclass(frozen=True)
class IntervalResult:
    """One row of the flattened plan and what happened in it (`index` counts from 1)."""

    index: int
    kind: str
    planned_s: int | None
    actual_s: int
    status: str  # done | short | missed | extra
    start: datetime | None
    end: datetime | None
    avg_heart_rate: float | None
    avg_cadence_spm: float | None
    avg_speed_mps: float | None


@dataclass(frozen=True)
class Compliance:
    run_planned_s: int
    run_actual_s: int
    run_intervals_planned: int
    run_intervals_done: int


@dataclass(frozen=True)
class Match:
    """The session against its plan. `path` says how windows were found: laps or signal."""

    plan: Plan | None
    bouts: tuple[Bout, ...]
    intervals: tuple[IntervalResult, ...]
    compliance: Compliance
    path: str  # "laps" | "signal" | "none"
