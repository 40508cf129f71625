"""Symptom entries and what they say about a session: red flags, reasons to step back,
fatigue, where leaking started, and the trend against recent sessions.

The thresholds follow the guidance: Goom, Donnelly & Brockwell (2019) list bleeding,
pelvic heaviness or dragging, leaking and pain with running as reasons to stop and be
assessed; the pain-monitoring model used in musculoskeletal rehabilitation (Silbernagel
et al. 2007) accepts pain up to 2/10, asks to ease off between 3 and 5, and to stop at 5;
Deering et al. (2024, BJSM consensus) ask that symptoms, not the calendar, lead. A
configuration may make any threshold stricter, never looser.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rules.activity import Pause
    from rules.results import Bout, IntervalResult

LEAKS = ("none", "drops", "leak")
BREATHING = ("easy", "ok", "hard")
BOWEL = ("leak", "urgency")
MAX_NOTE = 2000
# A leak this many seconds into a walk that follows a run interval is placed at the end of
# that run interval (she noticed it as she stopped).
END_SLACK_S = 5


class EntryError(ValueError):
    """A symptom entry value that cannot be right; `name` is the option/column it came from."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")


@dataclass(frozen=True)
class LeakPoint:
    """Where leaking started: the step (row `interval_index`, from 1; `run_number` counts
    run steps only), seconds into that step on the watch, and running seconds before it."""

    at: datetime
    interval_index: int | None
    run_number: int | None
    interval_kind: str | None
    into_interval_s: int | None
    run_s_before: int


@dataclass(frozen=True)
class SymptomEntry:
    """How a session went, as she logged it. Ranges are checked here; `leak_at_s` is the
    workout timer (pauses not counted)."""

    on: date
    leak: str
    leak_at_s: int | None = None
    heaviness: int | None = None
    pain: int | None = None
    pain_next_day: bool = False
    bleeding: bool = False
    rpe: int | None = None
    fatigue: int | None = None
    breathing: str | None = None
    fluid_ml: int | None = None
    slept_h: float | None = None
    urgency: bool = False  # a sudden need to pass urine, with or after running
    bowel: str | None = None  # leak | urgency: faecal leaking or urgency
    note: str | None = None
    activity_id: int | None = None
    leak_point: LeakPoint | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.leak not in LEAKS:
            raise EntryError("leak", f"must be none, drops or leak, got '{self.leak}'")
        if self.leak_at_s is not None:
            if self.leak == "none":
                raise EntryError("leak-at", "given, but --leak is none")
            if self.leak_at_s < 0:
                raise EntryError("leak-at", f"must not be negative, got {self.leak_at_s}")
        _in_range("heaviness", self.heaviness, 0, 10)
        _in_range("pain", self.pain, 0, 10)
        _in_range("rpe", self.rpe, 1, 10)
        _in_range("fatigue", self.fatigue, 0, 10)
        _in_range("fluid-ml", self.fluid_ml, 0, 10_000)
        _in_range("slept-h", self.slept_h, 0, 24)
        if self.bowel is not None and self.bowel not in BOWEL:
            raise EntryError("bowel", f"must be leak or urgency, got '{self.bowel}'")
        if self.breathing is not None and self.breathing not in BREATHING:
            raise EntryError("breathing", f"must be easy, ok or hard, got '{self.breathing}'")
        if self.note is not None and len(self.note) > MAX_NOTE:
            raise EntryError("note", f"is {len(self.note)} characters; at most {MAX_NOTE}")

    @property
    def leak_level(self) -> int:
        return LEAKS.index(self.leak)

    @property
    def burden(self) -> int:
        """One number for how symptomatic a session was (higher is worse); worked out
        once per entry, as every later entry's trend compares against it. (Kept by hand,
        not by functools.cached_property, whose lock on Python 3.11 cost more than the sum.)

        A leak placed in a run interval is left out: its onset is compared on its own
        ("leaking earlier than last time"), and the leak cap answers it.
        """
        known = self.__dict__.get("_burden")
        if known is None:
            placed = self.leak_point is not None and self.leak_point.into_interval_s is not None
            known = (
                (0 if placed else 2 * LEAKS.index(self.leak))
                + (self.heaviness or 0)
                + (self.pain or 0)
                + (3 if self.bleeding else 0)
                + (1 if self.pain_next_day else 0)
                + (2 if self.urgency else 0)
                + (2 if self.bowel == "urgency" else 5 if self.bowel == "leak" else 0)
            )
            object.__setattr__(self, "_burden", known)  # frozen: not a field, not compared
        return known


def _in_range(name: str, value: float | None, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        raise EntryError(name, f"must be {low:g}-{high:g}, got {shown}")


def timer_to_time(start: datetime, pauses: Sequence[Pause], timer_s: float) -> datetime:
    """The moment the workout timer showed `timer_s` (timer pauses do not count)."""
    at = start + timedelta(seconds=timer_s)
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.start < at:
            at += pause.end - pause.start
    return at


def timer_between(pauses: Sequence[Pause], a: datetime, b: datetime) -> float:
    """Timer seconds from `a` to `b`: wall time less the pauses inside."""
    paused = sum(max((min(p.end, b) - max(p.start, a)).total_seconds(), 0.0) for p in pauses)
    return max((b - a).total_seconds() - paused, 0.0)


def link_leak(
    leak_at_s: float,
    start: datetime,
    pauses: Sequence[Pause],
    intervals: Sequence[IntervalResult],
    bouts: Sequence[Bout],
) -> LeakPoint:
    """Tie a leak on the workout timer to the step she was in and the running before it.

    A leak noticed in the first seconds of a walk (`END_SLACK_S`) belongs to the run
    interval that just ended: many women notice it as they stop running."""
    at = timer_to_time(start, pauses, leak_at_s)
    run_before = sum(
        max((min(b.end, at) - b.start).total_seconds(), 0.0) for b in bouts if b.kind == "run"
    )
    run_number = 0
    previous: IntervalResult | None = None
    for row in intervals:
        if row.kind == "run":
            run_number += 1
        if row.start is not None and row.end is not None and row.start <= at < row.end:
            into = round(timer_between(pauses, row.start, at))
            ran = previous
            just_ran = ran is not None and ran.kind == "run" and ran.start and ran.end
            if row.kind == "walk" and into <= END_SLACK_S and just_ran:
                assert ran is not None
                assert ran.start is not None
                assert ran.end is not None
                return LeakPoint(
                    at=at,
                    interval_index=ran.index,
                    run_number=run_number,
                    interval_kind="run",
                    into_interval_s=round(timer_between(pauses, ran.start, ran.end)),
                    run_s_before=round(run_before),
                )
            return LeakPoint(
                at=at,
                interval_index=row.index,
                run_number=run_number if row.kind == "run" else None,
                interval_kind=row.kind,
                into_interval_s=into,
                run_s_before=round(run_before),
            )
        previous = row
    return LeakPoint(at, None, None, None, None, round(run_before))


@dataclass(frozen=True)
class SymptomThresholds:
    """Defaults and their sources: config/runback.toml [symptoms]. Stricter only."""

    red_flag_pain: int = 5  # pain at or above this is a red flag
    red_flag_heaviness: int = 3  # pelvic heaviness at or above this is a red flag
    step_back_pain: int = 2  # pain above this (and below the red flag) is a step back
    high_rpe: int = 8  # effort at or above this is a fatigue sign
    high_fatigue: int = 7  # fatigue at or above this is a fatigue sign
    poor_sleep_h: float = 5.0  # less sleep than this the night before is a fatigue sign
    trend_sessions: int = 3  # how many earlier sessions the trend compares against
    trend_worse_points: int = 2  # a session this much worse than the recent mean is "worse"

    def __post_init__(self) -> None:
        # The guidance's limits: a setting may be lower (stricter), never higher.
        if not 1 <= self.red_flag_pain <= 5:
            raise ValueError(f"red_flag_pain may be 1..5 (stricter only), got {self.red_flag_pain}")
        if not 1 <= self.red_flag_heaviness <= 3:
            raise ValueError(
                f"red_flag_heaviness may be 1..3 (stricter only), got {self.red_flag_heaviness}"
            )
        if not 0 <= self.step_back_pain <= min(2, self.red_flag_pain - 1):
            raise ValueError(
                "step_back_pain may be 0..2 and below red_flag_pain (stricter only), "
                f"got {self.step_back_pain}"
            )
        if not 1 <= self.high_rpe <= 8:
            raise ValueError(f"high_rpe may be 1..8 (stricter only), got {self.high_rpe}")
        if not 1 <= self.high_fatigue <= 7:
            raise ValueError(f"high_fatigue may be 1..7 (stricter only), got {self.high_fatigue}")
        if not 5.0 <= self.poor_sleep_h <= 12.0:
            raise ValueError(f"poor_sleep_h may be 5..12 (stricter only), got {self.poor_sleep_h}")
        if not 1 <= self.trend_sessions <= 20:
            raise ValueError(f"trend_sessions must be 1..20, got {self.trend_sessions}")
        if not 1 <= self.trend_worse_points <= 2:
            raise ValueError(
                f"trend_worse_points may be 1..2 (stricter only), got {self.trend_worse_points}"
            )


@dataclass(frozen=True)
class Assessment:
    """What one session's entry says. Flags are short words the rules and reports use."""

    on: date
    red_flags: tuple[str, ...]  # bleeding | pain | heaviness | bowel
    step_back: tuple[str, ...]  # pain | pain-next-day | leak-earlier
    fatigue: tuple[str, ...]  # rpe | fatigue | breathing | sleep
    leak: LeakPoint | None
    trend: str | None  # better | same | worse; None without earlier sessions
    symptom_free: bool
    activity_id: int | None = None  # the run it is about; None for a day entry
    # Symptoms present at all, for referrals: leak | heaviness | pain (above the
    # acceptable 2/10, or the next day) | urgency (bladder or bowel)
    signs: tuple[str, ...] = ()

    @property
    def leaked(self) -> bool:
        return self.leak is not None


def assess(
    entry: SymptomEntry,
    history: Sequence[SymptomEntry],
    thresholds: SymptomThresholds | None = None,
) -> Assessment:
    """Assess `entry` against the entries before it (`history`, oldest first)."""
    th = thresholds or SymptomThresholds()
    previous = next((e.leak_point for e in reversed(history) if e.leak_point is not None), None)
    return assess_after(entry, history[-th.trend_sessions :], previous, th)


def assess_after(
    entry: SymptomEntry,
    recent: Sequence[SymptomEntry],
    previous_leak: LeakPoint | None,
    th: SymptomThresholds,
) -> Assessment:
    """`assess` from what it reads of the history: the entries just before (at least
    `trend_sessions` of them, oldest first) and the latest leak point placed before this
    entry. A season is assessed in one pass this way, not by rereading it per entry."""
    red: list[str] = []
    if entry.bleeding:
        red.append("bleeding")
    if entry.pain is not None and entry.pain >= th.red_flag_pain:
        red.append("pain")
    if entry.heaviness is not None and entry.heaviness >= th.red_flag_heaviness:
        red.append("heaviness")
    if entry.bowel == "leak":
        red.append("bowel")
    back: list[str] = []
    if entry.pain is not None and th.step_back_pain < entry.pain < th.red_flag_pain:
        back.append("pain")
    if entry.pain_next_day:
        back.append("pain-next-day")
    if _earlier(entry.leak_point, previous_leak):
        back.append("leak-earlier")
    tired: list[str] = []
    if entry.rpe is not None and entry.rpe >= th.high_rpe:
        tired.append("rpe")
    if entry.fatigue is not None and entry.fatigue >= th.high_fatigue:
        tired.append("fatigue")
    if entry.breathing == "hard":
        tired.append("breathing")
    if entry.slept_h is not None and entry.slept_h < th.poor_sleep_h:
        tired.append("sleep")
    signs: list[str] = []
    if entry.leak != "none":
        signs.append("leak")
    if (entry.heaviness or 0) > 0:
        signs.append("heaviness")
    if (entry.pain or 0) > th.step_back_pain or entry.pain_next_day:
        signs.append("pain")
    if entry.urgency or entry.bowel == "urgency":
        signs.append("urgency")
    free = not signs and not red
    return Assessment(
        on=entry.on,
        red_flags=tuple(red),
        step_back=tuple(back),
        fatigue=tuple(tired),
        leak=entry.leak_point,
        trend=_trend(entry, recent[-th.trend_sessions :], back, th, free),
        symptom_free=free,
        activity_id=entry.activity_id,
        signs=tuple(signs),
    )


def _trend(
    entry: SymptomEntry,
    recent: Sequence[SymptomEntry],
    back: Sequence[str],
    th: SymptomThresholds,
    free: bool,
) -> str | None:
    """Worse only when it is a real worsening: `trend_worse_points` above the recent mean
    (pain up to 2/10 that settles is acceptable, and such a session is symptom-free and
    has no trend at all), or leaking earlier than last time where the cap cannot answer it."""
    if not recent:
        return None
    if "leak-earlier" in back:
        return "worse"
    baseline = sum(e.burden for e in recent) / len(recent)
    now = entry.burden
    if now >= baseline + th.trend_worse_points and not free:
        return "worse"
    if now <= baseline - 1:
        return "better"
    return "same"


def _earlier(now: LeakPoint | None, before: LeakPoint | None) -> bool:
    """Leaking started earlier than last time (5 s of slack for reading the watch)."""
    if now is None or before is None:
        return False
    if now.into_interval_s is not None and before.into_interval_s is not None:
        return now.into_interval_s < before.into_interval_s - 5
    return now.run_s_before < before.run_s_before - 5


def merged(entries: Sequence[SymptomEntry]) -> SymptomEntry:
    """One run's entries (oldest first) as one: the worst of each symptom, the earliest
    leak onset placed in a run interval. A second entry for the same run adds to the
    first, it never erases a symptom she logged (a leak, a red flag)."""
    if len(entries) == 1:
        return entries[0]
    first, last = entries[0], entries[-1]
    points = [e.leak_point for e in entries if e.leak_point is not None]
    placed = [p for p in points if p.run_number is not None and p.into_interval_s is not None]
    point = (
        min(placed, key=lambda p: p.into_interval_s or 0)
        if placed
        else (points[0] if points else None)
    )
    leaky = [e for e in entries if e.leak_point is point] if point is not None else []
    worst_breathing = max(
        (e.breathing for e in entries if e.breathing), key=BREATHING.index, default=None
    )
    bowel = max((e.bowel for e in entries if e.bowel), key=("urgency", "leak").index, default=None)
    return SymptomEntry(
        on=first.on,
        leak=max((e.leak for e in entries), key=LEAKS.index),
        leak_at_s=leaky[0].leak_at_s
        if leaky
        else next((e.leak_at_s for e in entries if e.leak_at_s is not None), None),
        heaviness=_most(e.heaviness for e in entries),
        pain=_most(e.pain for e in entries),
        pain_next_day=any(e.pain_next_day for e in entries),
        bleeding=any(e.bleeding for e in entries),
        rpe=_most(e.rpe for e in entries),
        fatigue=_most(e.fatigue for e in entries),
        breathing=worst_breathing,
        fluid_ml=last.fluid_ml,
        slept_h=min((e.slept_h for e in entries if e.slept_h is not None), default=None),
        urgency=any(e.urgency for e in entries),
        bowel=bowel,
        note=last.note,
        activity_id=first.activity_id,
        leak_point=point,
    )


def _most(values: Iterable[int | None]) -> int | None:
    return max((v for v in values if v is not None), default=None)
