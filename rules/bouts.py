"""Running and walking bouts from the samples: what she actually did, second by second.

The samples go onto a one-second grid (each second takes the nearest sample, so smart
recording's 1-10 s gaps fill in; a gap longer than `max_gap_s` stays unknown), are
smoothed with a rolling median, and each second is labelled from cadence (steps/min),
from speed where cadence is missing or ambiguous, and from Garmin's own run/walk
`split` messages where neither signal says. Timer pauses are never running or walking
time and no bout spans one. Stretches shorter than `min_bout_s` are absorbed by their
neighbour, so a bout is at least that long. Everything is vectorised with numpy and
pandas: a three-hour 1 Hz run takes a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from rules.results import Bout
from rules.thresholds import DetectionThresholds

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from rules.activity import Activity

# Second labels on the grid. Ordered so that |a - b| says how alike two labels are.
NONE, STAND, WALK, RUN = -1, 0, 1, 2
_AMBIGUOUS = 3
KIND_OF = {RUN: "run", WALK: "walk"}
LABEL_OF = {"run": RUN, "walk": WALK, "stand": STAND}

# A gap between samples longer than this is a clock jump, not missing data: the grid
# skips it (keeping one unknown second) instead of allocating every second in between.
CLOCK_JUMP_S = 3600


@dataclass(frozen=True, eq=False)
class Track:
    """The session on a one-second grid.

    Grid second `g` is the UTC epoch second `clock.epoch(g)`. `labels[g]` is RUN, WALK,
    STAND or NONE (paused, or no data); `paused[g]` is True while the timer was stopped.
    Bouts are kept as grid offsets (`bout_start`, `bout_end` exclusive, `bout_label`) for
    fast window arithmetic, and as `Bout` values for people.
    """

    clock: GridClock
    labels: NDArray[np.int8]
    paused: NDArray[np.bool_]
    heart_rate: NDArray[np.float64]
    cadence_spm: NDArray[np.float64]
    speed_mps: NDArray[np.float64]
    bout_start: NDArray[np.int64]
    bout_end: NDArray[np.int64]
    bout_label: NDArray[np.int8]
    signal: str
    sample_at: NDArray[np.int64]  # grid second of each sample, ascending
    _sums: dict[str, tuple[NDArray[np.float64], NDArray[np.int64]]] = field(
        default_factory=dict, repr=False
    )

    def __len__(self) -> int:
        return len(self.labels)

    @cached_property
    def bouts(self) -> tuple[Bout, ...]:
        return tuple(
            Bout(KIND_OF[int(lab)], self.clock.time(int(s)), self.clock.time(int(e)))
            for s, e, lab in zip(self.bout_start, self.bout_end, self.bout_label, strict=True)
        )

    @cached_property
    def active_before(self) -> NDArray[np.int64]:
        """active_before[g]: seconds the timer ran in grid seconds [0, g) (length n + 1)."""
        out = np.zeros(len(self.labels) + 1, dtype=np.int64)
        np.cumsum(~self.paused, out=out[1:])
        return out

    def snapped(self, boundaries: NDArray[np.int64]) -> Track:
        """The same track with bout edges moved onto known step boundaries (lap edges)
        wherever the samples cannot tell them apart: the edge and the boundary fall in
        the same gap between two samples (smart recording writes one every 1-10 s)."""
        if self.bout_start.size == 0 or self.sample_at.size < 2 or boundaries.size == 0:
            return self
        starts, ends = self.bout_start.copy(), self.bout_end.copy()
        at = self.sample_at
        nxt = np.clip(np.searchsorted(at, boundaries, side="left"), 0, at.size - 1)
        prev = np.clip(np.searchsorted(at, boundaries, side="right") - 1, 0, at.size - 1)
        # A sample right on the boundary (a watch writes one as a lap starts) tells the
        # two steps apart no better than its neighbours: the gaps on both sides count.
        on = at[prev] == boundaries
        prev = np.where(on, np.maximum(prev - 1, 0), prev)
        nxt = np.where(on, np.minimum(nxt + 1, at.size - 1), nxt)
        for boundary, lo, hi in zip(
            boundaries.tolist(), at[prev].tolist(), at[nxt].tolist(), strict=True
        ):
            if hi - lo <= 1:
                continue
            starts[(starts > lo) & (starts <= hi)] = boundary
            ends[(ends > lo) & (ends <= hi)] = boundary
        keep = ends > starts
        return replace(
            self,
            bout_start=starts[keep],
            bout_end=ends[keep],
            bout_label=self.bout_label[keep],
            _sums={},
        )

    def seconds(self, kind: str, start: int, end: int) -> int:
        """Seconds of `kind` bouts inside grid window [start, end)."""
        mask = self.bout_label == LABEL_OF[kind]
        overlap = np.minimum(self.bout_end[mask], end) - np.maximum(self.bout_start[mask], start)
        return int(overlap[overlap > 0].sum())

    def mean(self, column: str, start: int, end: int) -> float | None:
        """Time-weighted mean of a sample column over grid window [start, end), or None."""
        if column not in self._sums:
            values = getattr(self, column)
            valid = ~np.isnan(values)
            sums = np.zeros(len(values) + 1)
            counts = np.zeros(len(values) + 1, dtype=np.int64)
            np.cumsum(np.where(valid, values, 0.0), out=sums[1:])
            np.cumsum(valid, out=counts[1:])
            self._sums[column] = (sums, counts)
        sums, counts = self._sums[column]
        start, end = max(start, 0), min(end, len(self.labels))
        if end <= start:
            return None
        n = int(counts[end] - counts[start])
        return float(sums[end] - sums[start]) / n if n else None


@dataclass(frozen=True)
class GridClock:
    """Grid seconds <-> epoch seconds, skipping clock jumps (piecewise constant offset)."""

    t0_s: int
    jump_at: tuple[int, ...] = ()  # grid second where each skipped stretch ends
    jump_add: tuple[int, ...] = ()  # cumulative seconds skipped up to there

    def epoch(self, g: int) -> int:
        add = 0
        for at, total in zip(self.jump_at, self.jump_add, strict=True):
            if g >= at:
                add = total
        return self.t0_s + g + add

    def time(self, g: int) -> datetime:
        return datetime.fromtimestamp(self.epoch(g), UTC)

    def grid(self, when: datetime) -> int:
        """The grid second of a UTC time; a time inside a skipped jump clamps to its edge."""
        e = round(when.timestamp()) - self.t0_s
        starts = (0, *self.jump_at)
        adds = (0, *self.jump_add)
        for k in range(len(starts) - 1, -1, -1):
            if k == 0 or e - adds[k] >= starts[k]:
                g = e - adds[k]
                return min(g, starts[k + 1] - 1) if k + 1 < len(starts) else g
        raise AssertionError("unreachable: stretch 0 always matches")


def detect(activity: Activity, thresholds: DetectionThresholds | None = None) -> Track:
    """The activity's running and walking bouts, on a one-second grid."""
    th = thresholds or DetectionThresholds()
    c = activity.columns
    ts = np.asarray(c.timestamp_s, dtype=np.float64)
    keep = ~np.isnan(ts)
    if not keep.all():
        ts = ts[keep]
    if ts.size == 0:
        return _empty_track(activity)
    order = np.argsort(ts, kind="stable")
    ts = ts[order]

    def column(values: object) -> NDArray[np.float64]:
        arr = np.asarray(values, dtype=np.float64)
        return arr[keep][order] if arr.size else np.full(ts.size, np.nan)

    speed, cadence = column(c.speed_mps), column(c.cadence_spm)
    hr, dist = column(c.heart_rate), column(c.distance_m)
    speed = _speed_from_distance(ts, speed, dist)

    t0 = int(np.floor(ts[0]))
    raw = np.round(ts - t0).astype(np.int64)
    sec, clock = _compress_jumps(raw, t0)
    n = int(sec[-1]) + 1
    grid = np.arange(n, dtype=np.int64)
    idx = _nearest(sec, grid, th.max_gap_s)
    unknown = idx < 0
    for at in clock.jump_at:
        unknown[at - 1] = True  # the second standing in for a skipped clock jump
    safe = np.where(unknown, 0, idx)

    def on_grid(values: NDArray[np.float64]) -> NDArray[np.float64]:
        out = values[safe]
        out[unknown] = np.nan
        return out

    paused = np.zeros(n, dtype=bool)
    for pause in activity.pauses:
        a = max(clock.grid(pause.start), 0)
        b = min(clock.grid(pause.end), n)
        if b > a:
            paused[a:b] = True
    g_cad, g_speed, g_hr = on_grid(cadence), on_grid(speed), on_grid(hr)
    for arr in (g_cad, g_speed, g_hr):
        arr[paused] = np.nan
    has_cadence = bool(np.any(g_cad > 0))
    has_speed = bool(np.any(g_speed > 0))
    s_cad = _rolling_median(g_cad, th.cadence_smoothing_s) if has_cadence else g_cad
    s_speed = _rolling_median(g_speed, th.speed_smoothing_s)

    labels = _label(s_cad if has_cadence else None, s_speed, th)
    if activity.splits:
        _fill_from_splits(labels, activity, clock, n)
    labels[paused] = NONE
    _clip_to_timer(labels, activity.timer_s)
    start, end, lab = _segments(labels, th.min_bout_s)
    is_bout = ((lab == RUN) | (lab == WALK)) & (end - start >= th.min_bout_s)
    signal = "+".join(
        name for name, present in (("cadence", has_cadence), ("speed", has_speed)) if present
    )
    return Track(
        clock=clock,
        labels=labels,
        paused=paused,
        heart_rate=g_hr,
        cadence_spm=g_cad,
        speed_mps=g_speed,
        bout_start=start[is_bout],
        bout_end=end[is_bout],
        bout_label=lab[is_bout].astype(np.int8),
        signal=signal or "none",
        sample_at=np.unique(sec),
    )


def _empty_track(activity: Activity) -> Track:
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0, dtype=np.float64)
    return Track(
        clock=GridClock(round(activity.start.timestamp())),
        labels=np.zeros(0, dtype=np.int8),
        paused=np.zeros(0, dtype=bool),
        heart_rate=empty_f,
        cadence_spm=empty_f,
        speed_mps=empty_f,
        bout_start=empty_i,
        bout_end=empty_i,
        bout_label=np.zeros(0, dtype=np.int8),
        signal="none",
        sample_at=empty_i,
    )


def _speed_from_distance(
    ts: NDArray[np.float64], speed: NDArray[np.float64], dist: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Fill missing speed from the distance the watch recorded (footpods, old watches)."""
    missing = np.isnan(speed)
    if not missing.any() or np.isnan(dist).all() or ts.size < 2:
        return speed
    dt = np.diff(ts)
    dd = np.diff(dist)
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = np.concatenate(([np.nan], np.where(dt > 0, dd / dt, np.nan)))
    derived[derived < 0] = np.nan
    filled: NDArray[np.float64] = np.where(missing, derived, speed)
    return filled


def _compress_jumps(raw: NDArray[np.int64], t0: int) -> tuple[NDArray[np.int64], GridClock]:
    gaps = np.diff(raw)
    jumps = np.flatnonzero(gaps > CLOCK_JUMP_S)
    if jumps.size == 0:
        return raw, GridClock(t0)
    removed = gaps[jumps] - 2  # keep one unknown second between the two stretches
    cumulative = np.cumsum(removed)
    shift = np.zeros(raw.size, dtype=np.int64)
    for j, total in zip(jumps, cumulative, strict=True):
        shift[j + 1 :] = total
    sec = raw - shift
    jump_at = tuple(int(sec[j + 1]) for j in jumps)
    return sec, GridClock(t0, jump_at, tuple(int(x) for x in cumulative))


def _nearest(sec: NDArray[np.int64], grid: NDArray[np.int64], max_gap_s: int) -> NDArray[np.int64]:
    """Index of the sample nearest each grid second; -1 inside gaps longer than max_gap_s."""
    prev = np.searchsorted(sec, grid, side="right") - 1
    nxt = np.minimum(prev + 1, sec.size - 1)
    take_next = (sec[nxt] - grid) < (grid - sec[prev])
    idx = np.where(take_next, nxt, prev)
    gap = sec[nxt] - sec[prev]
    inside_long_gap = (gap > max_gap_s) & (grid != sec[prev]) & (grid != sec[nxt])
    return np.where(inside_long_gap, -1, idx)


def _rolling_median(values: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    if window <= 1:
        return values
    import pandas as pd

    smoothed = pd.Series(values).rolling(window, center=True, min_periods=1).median()
    out: NDArray[np.float64] = smoothed.to_numpy(dtype=np.float64, copy=True)
    out[np.isnan(values)] = np.nan  # smoothing must not invent data inside gaps
    return out


def _label(
    cadence: NDArray[np.float64] | None, speed: NDArray[np.float64], th: DetectionThresholds
) -> NDArray[np.int8]:
    """Each second's label: cadence first, speed where cadence is missing or unsure."""
    v_valid = ~np.isnan(speed)
    by_speed = np.where(
        speed >= th.run_speed_mps, RUN, np.where(speed >= th.walk_speed_mps, WALK, STAND)
    ).astype(np.int8)
    by_speed[~v_valid] = NONE
    if cadence is None:
        return by_speed
    c = cadence
    labels = np.where(
        c >= th.run_cadence_spm,
        RUN,
        np.where(
            c > th.walk_cadence_max_spm,
            _AMBIGUOUS,
            np.where(c >= th.walk_cadence_min_spm, WALK, STAND),
        ),
    ).astype(np.int8)
    labels[np.isnan(c)] = NONE
    # Between walking and running cadence: speed decides when there is one, else the
    # nearer cadence band does.
    unsure = labels == _AMBIGUOUS
    midpoint = (th.walk_cadence_max_spm + th.run_cadence_spm) / 2
    labels[unsure] = np.where(
        v_valid[unsure],
        np.where(speed[unsure] >= th.run_speed_mps, RUN, WALK),
        np.where(c[unsure] >= midpoint, RUN, WALK),
    )
    # No cadence this second, or none while speed says she moves (a dropped footpod or
    # wrist reading): speed decides.
    fallback = (labels == NONE) | ((labels == STAND) & (by_speed > STAND))
    labels[fallback] = by_speed[fallback]
    return labels


def _clip_to_timer(labels: NDArray[np.int8], timer_s: float) -> None:
    """Never more moving seconds than the timer ran: drop the excess at the end.

    Watches write a record or two after the timer's last stop; without this a session's
    run seconds could exceed its timer seconds by the width of that tail.
    """
    known = np.flatnonzero(labels != NONE)
    excess = known.size - int(np.floor(timer_s))
    if excess > 0:
        labels[known[-excess:]] = NONE


def _fill_from_splits(
    labels: NDArray[np.int8], activity: Activity, clock: GridClock, n: int
) -> None:
    """Garmin's run/walk splits label the seconds the samples say nothing about."""
    for split in activity.splits:
        if split.kind not in LABEL_OF:
            continue
        a = max(clock.grid(split.start), 0)
        b = min(clock.grid(split.end), n)
        if b > a:
            window = labels[a:b]
            window[window == NONE] = LABEL_OF[split.kind]


def _segments(
    labels: NDArray[np.int8], min_bout_s: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """Run-length segments, with stretches under min_bout_s absorbed by a neighbour.

    A short stretch takes the label of the neighbour most like it (standing joins walking
    before running), never across unknown or paused time. The loop is over segments, not
    samples: a few hundred at most.
    """
    n = labels.size
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.int8)
    change = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate(([0], change)).tolist()
    ends = np.concatenate((change, [n])).tolist()
    labs = labels[np.concatenate(([0], change))].tolist()
    out_s: list[int] = []
    out_e: list[int] = []
    out_l: list[int] = []
    count = len(labs)
    for i in range(count):
        s, e, lab = starts[i], ends[i], labs[i]
        if lab != NONE and e - s < min_bout_s:
            prev = out_l[-1] if out_l else NONE
            nxt = labs[i + 1] if i + 1 < count else NONE
            if prev != NONE and (nxt == NONE or abs(prev - lab) <= abs(nxt - lab)):
                lab = prev
            elif nxt != NONE:
                lab = nxt
                labs[i + 1] = nxt
        if out_l and out_l[-1] == lab:
            out_e[-1] = e
        else:
            out_s.append(s)
            out_e.append(e)
            out_l.append(lab)
    return (
        np.asarray(out_s, dtype=np.int64),
        np.asarray(out_e, dtype=np.int64),
        np.asarray(out_l, dtype=np.int8),
    )
