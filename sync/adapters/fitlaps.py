"""FIT lap messages -> rules.activity.Lap, checking every lap's fields against each other.

A lap's window should be start_time .. timestamp, and timestamp - start_time should equal
its elapsed time, with the next lap starting where it ends. Real watches break this: a
current Forerunner stamps every lap (and the session) with the activity's start, some
files leave the timestamp out, and an odd one ends a lap after the next has begun. The
fields that agree decide: a timestamp that is missing, before its start, or disagrees
with the elapsed time and with the next lap's start gives way to start_time + elapsed
time. What was repaired is said in words, so `analyze` can tell her.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rules.activity import Lap
from sync.adapters.fittime import TimeBase

AGREE_S = 2.0  # fields this close say the same thing (watches round to whole seconds)

_CAUSES = {
    "at-start": "their timestamps were the activity's start",
    "missing": "they had no timestamps",
    "before-start": "their timestamps were before their start",
    "disagree": "their timestamps were after the next lap's start",
    "no-start": "they had no start time (taken from the lap before)",
    "timer": "their timer time was longer than their elapsed time",
    "overlap": "they began before the lap before had ended (moved to its end)",
}


@dataclass
class _Raw:
    start: datetime | None
    stamp: datetime | None
    elapsed_s: float | None
    timer_s: float | None
    values: dict[str, Any]


def build_laps(
    messages: list[dict[str, Any]], times: TimeBase, activity_start: datetime | None
) -> tuple[list[Lap], list[str]]:
    """The laps of a file, in time order, and what had to be repaired (empty if nothing)."""
    raws = [
        _Raw(
            times.utc(v.get("start_time")),
            times.utc(v.get("timestamp")),
            _num(v.get("total_elapsed_time")),
            _num(v.get("total_timer_time")),
            v,
        )
        for v in messages
    ]
    causes: Counter[str] = Counter()
    for raw in raws:  # a start time from the timestamp when only that is there
        if raw.start is None and raw.stamp is not None and raw.elapsed_s is not None:
            begun = raw.stamp - timedelta(seconds=raw.elapsed_s)
            if activity_start is None or begun >= activity_start - timedelta(seconds=AGREE_S):
                raw.start = begun
    ordered = sorted(
        (r for r in raws if r.start is not None or r.stamp is not None),
        key=lambda r: r.start or r.stamp,  # type: ignore[arg-type, return-value]
    )
    # the next lap's start, for each lap (one pass from the end: files can hold 65,536 laps)
    following_start: list[datetime | None] = [None] * len(ordered)
    upcoming: datetime | None = None
    for i in range(len(ordered) - 1, -1, -1):
        following_start[i] = upcoming
        upcoming = ordered[i].start or upcoming
    laps: list[Lap] = []
    previous_end: datetime | None = None
    for i, raw in enumerate(ordered):
        start = raw.start
        if start is None:  # only a timestamp that cannot be undone: after the lap before
            if previous_end is None:
                continue
            start = previous_end
            causes["no-start"] += 1
        following = following_start[i]
        end, cause = _end(raw, start, following, activity_start)
        if end is None:
            continue
        if cause:
            causes[cause] += 1
        if previous_end is not None and start < previous_end - timedelta(seconds=AGREE_S):
            start = min(previous_end, end)  # it began before the lap before had ended
            causes["overlap"] += 1
        elapsed = (end - start).total_seconds()
        timer = raw.timer_s if raw.timer_s is not None else elapsed
        if timer > elapsed + AGREE_S:
            causes["timer"] += 1
            timer = elapsed
        laps.append(_lap(raw.values, start, end, max(timer, 0.0), elapsed))
        previous_end = end
    return laps, _words(causes, len(laps))


def _end(
    raw: _Raw, start: datetime, following: datetime | None, activity_start: datetime | None
) -> tuple[datetime | None, str | None]:
    """The lap's end, and the cause when it is not its own timestamp."""
    stamp = raw.stamp
    by_elapsed = start + timedelta(seconds=raw.elapsed_s) if raw.elapsed_s is not None else None
    if stamp is not None and stamp >= start:
        if by_elapsed is None or _close(stamp, by_elapsed):
            return stamp, None
        if stamp == start or (activity_start is not None and _close(stamp, activity_start)):
            return by_elapsed, "at-start"
        if following is not None and stamp > following + timedelta(seconds=AGREE_S):
            return by_elapsed, "disagree"  # it would overlap the next lap
        # Otherwise the timestamp stands: a last lap is often stamped when the run was
        # saved, some seconds after the timer stopped.
        return stamp, None
    if by_elapsed is None:
        return (
            (following, "missing") if following is not None and following > start else (None, None)
        )
    if stamp is None:
        return by_elapsed, "missing"
    if activity_start is not None and _close(stamp, activity_start):
        return by_elapsed, "at-start"
    return by_elapsed, "before-start"


def _close(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) <= AGREE_S


def _words(causes: Counter[str], total: int) -> list[str]:
    ends = sum(causes[c] for c in ("at-start", "missing", "before-start", "disagree"))
    out = []
    if ends:
        why = "; ".join(_CAUSES[c] for c in ("at-start", "missing", "before-start", "disagree")
                        if causes[c])  # fmt: skip
        out.append(
            f"lap ends rebuilt from start time + elapsed time for {ends} of {total} "
            f"lap{'s' if total != 1 else ''} ({why})"
        )
    for cause in ("no-start", "overlap", "timer"):
        if causes[cause]:
            out.append(f"{causes[cause]} lap{'s' if causes[cause] != 1 else ''}: {_CAUSES[cause]}")
    return out


def _lap(
    values: dict[str, Any], start: datetime, end: datetime, timer: float, elapsed: float
) -> Lap:
    wsi = values.get("wkt_step_index")
    intensity = values.get("intensity")
    distance = _num(values.get("total_distance"))
    trigger = values.get("lap_trigger")
    return Lap(
        start=start,
        end=end,
        timer_s=timer,
        elapsed_s=max(elapsed, 0.0),
        distance_m=distance if distance is None or distance >= 0 else None,
        wkt_step_index=wsi if isinstance(wsi, int) and not isinstance(wsi, bool) else None,
        # fitparse decodes values outside the profile as raw ints: keep names only.
        intensity=intensity if isinstance(intensity, str) else None,
        trigger=str(trigger) if trigger is not None and str(trigger) != "" else None,
    )


def _num(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None
