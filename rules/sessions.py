"""Sessions as the progression sees them: past ones (`SessionRecord`), the next one
(`Decision`), and how reasons write times and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rules.workout import Workout

# A session without a plan counts as a run only with at least this much running: a brisk
# pram walk can show a few seconds of "running" cadence.
MIN_FREESTYLE_RUN_S = 30


@dataclass(frozen=True)
class SessionRecord:
    """One past session as the rules see it.

    `level` is the level she was given for that day (None for a session runback did not
    prescribe); `runs_planned`/`runs_done`/`runs_missed` count run intervals of the match
    (None without a plan); `run_s` is the running she actually did; `longest_run_s` is the
    longest run interval of the plan it was matched against (None without a plan).
    """

    day: date
    activity_id: int
    run_s: int
    level: int | None = None
    runs_planned: int | None = None
    runs_done: int | None = None
    runs_missed: int | None = None
    longest_run_s: int | None = None

    @property
    def all_done(self) -> bool:
        """Every planned run interval done (a session without a plan: nothing to miss)."""
        return not self.runs_planned or self.runs_done == self.runs_planned


def is_run(s: SessionRecord, first_run_level: int) -> bool:
    """A running session at a running level: she was given runs, or she ran. A walk she
    logged while on a running level is not one (it says nothing about her running)."""
    if s.level is None or s.level < first_run_level:
        return False
    return bool(s.runs_planned) or s.run_s >= MIN_FREESTYLE_RUN_S


def clock(seconds: int) -> str:
    """What her watch shows: `0:20`, `1:35`, `15:00`, `1:05:00`."""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def day_month(day: date) -> str:
    """`05-01`: a date in reasons, read close to it."""
    return day.strftime("%m-%d")


@dataclass(frozen=True)
class Decision:
    on: date
    phase: str  # not-ready | walk | run-walk | continuous | paused
    level: int
    workout: Workout | None
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    leak_cap_s: int | None = None
