"""Each prescribed step paired with what she did in it.

Two sources of evidence. Laps, when the watch ran the structured workout, carry the
`wkt_step_index` of the step she was in: they give each step its window. Without them
the detected run bouts are aligned to the plan's run steps in order (the signal path).
Either way the bouts say what she did inside each window: a run step she ran is
`done`, one she cut short is `short` with the true run seconds, one she walked is
`missed`; a walk step she ran through is `extra`; a step that never happened is
`missed` with no window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

import numpy as np

from rules.activity import Activity, Lap
from rules.bouts import RUN, Track, detect
from rules.plan import Plan, PlannedStep
from rules.results import Compliance, IntervalResult, Match
from rules.sessions import clock
from rules.thresholds import DetectionThresholds, MatchThresholds

# Laps that end because the watch split a long step (auto lap by distance or position),
# not because the step ended.
_SPLIT_TRIGGERS = frozenset(
    {"distance", "position_start", "position_lap", "position_waypoint", "position_marked"}
)


Window = tuple[int, int]


def match(
    activity: Activity,
    plan: Plan | None,
    detection: DetectionThresholds | None = None,
    thresholds: MatchThresholds | None = None,
    track: Track | None = None,
) -> Match:
    """Pair each step of `plan` with what she did; bouts only when there is no plan."""
    th = thresholds or MatchThresholds()
    track = track if track is not None else detect(activity, detection)
    if plan is None or not plan.rows:
        return Match(plan, track.bouts, (), Compliance(0, 0, 0, 0), "none")
    rows = plan.rows
    windows = _windows_from_laps(rows, activity.laps, track, th)
    path = "laps"
    if windows is not None:
        edges = np.unique([edge for w in windows if w is not None for edge in w])
        track = track.snapped(edges.astype(np.int64))
    else:
        windows = _windows_from_signal(rows, track, th)
        path = "signal"
    intervals = tuple(
        _interval(i + 1, row, window, track, th)
        for i, (row, window) in enumerate(zip(rows, windows, strict=True))
    )
    runs = [r for r in intervals if r.kind == "run"]
    compliance = Compliance(
        run_planned_s=sum(r.planned_s or 0 for r in runs),
        run_actual_s=sum(r.actual_s for r in runs),
        run_intervals_planned=len(runs),
        run_intervals_done=sum(r.status == "done" for r in runs),
    )
    return Match(plan, track.bouts, intervals, compliance, path)


def status(
    kind: str, planned_s: int | None, actual_s: int, other_s: int, th: MatchThresholds
) -> str:
    """A step's status: a run step by the running it got, a walk step by any extra running."""
    if kind == "walk":
        return "extra" if other_s > th.extra_run_s else "done"
    if actual_s < th.missed_below_s:
        return "missed"
    if planned_s is None or actual_s >= th.done_ratio * planned_s:
        return "done"
    return "short"


def _interval(
    index: int, row: PlannedStep, window: Window | None, track: Track, th: MatchThresholds
) -> IntervalResult:
    if window is None:
        return IntervalResult(
            index, row.kind, row.planned_s, 0, "missed", None, None, None, None, None
        )
    a, b = window
    actual = track.seconds(row.kind, a, b)
    other = track.seconds("run", a, b) if row.kind == "walk" else 0
    return IntervalResult(
        index=index,
        kind=row.kind,
        planned_s=row.planned_s,
        actual_s=actual,
        status=status(row.kind, row.planned_s, actual, other, th),
        start=track.clock.time(a),
        end=track.clock.time(b),
        avg_heart_rate=_rounded(track.mean("heart_rate", a, b), 0),
        avg_cadence_spm=_rounded(track.mean("cadence_spm", a, b), 0),
        avg_speed_mps=_rounded(track.mean("speed_mps", a, b), 2),
    )


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _windows_from_laps(
    rows: Sequence[PlannedStep], laps: Sequence[Lap], track: Track, th: MatchThresholds
) -> list[Window | None] | None:
    """Windows from laps carrying wkt_step_index, or None when the laps cannot say.

    Laps are walked in order. A lap with the index of the row she is in extends that row
    when it continues it (the previous lap was an auto-lap split, or it is a tail lap of
    a few seconds, or the row's time is not yet up); otherwise it starts the next row with
    that index, and rows passed over were skipped. Laps without an index (the free lap
    after the workout ended) belong to no row.
    """
    indexed = [lap for lap in laps if lap.wkt_step_index is not None]
    known = {row.step_index for row in rows}
    if not indexed or any(lap.wkt_step_index not in known for lap in indexed):
        return None
    windows: list[Window | None] = [None] * len(rows)
    current: int | None = None
    next_row = 0
    timer_in_row = 0.0
    previous: Lap | None = None
    for lap in sorted(indexed, key=lambda lap: lap.start):
        a, b = _grid(track, lap.start), _grid(track, lap.end)
        if current is not None and rows[current].step_index == lap.wkt_step_index:
            planned = rows[current].planned_s
            continues = (
                lap.timer_s <= th.tail_lap_s
                or (previous is not None and previous.trigger in _SPLIT_TRIGGERS)
                or (planned is not None and timer_in_row < planned - th.tail_lap_s)
                or not any(
                    r.step_index == lap.wkt_step_index for r in rows[next_row : next_row + 1]
                )
            )
            if continues:
                start, _ = windows[current] or (a, b)
                windows[current] = (start, max(b, start))
                timer_in_row += lap.timer_s
                previous = lap
                continue
        k = next(
            (i for i in range(next_row, len(rows)) if rows[i].step_index == lap.wkt_step_index),
            None,
        )
        if k is None:
            previous = lap
            continue
        windows[k] = (a, max(a, b))
        current, next_row, timer_in_row, previous = k, k + 1, lap.timer_s, lap
    return windows


def _grid(track: Track, when: datetime) -> int:
    return min(max(track.clock.grid(when), 0), len(track))


def _windows_from_signal(
    rows: Sequence[PlannedStep], track: Track, th: MatchThresholds
) -> list[Window | None]:
    """Windows from the run bouts aligned in order to the plan's run steps.

    Work in timer time (pauses removed), where the plan's offsets live. The plan is first
    placed where its run steps overlap her running most (one cross-correlation); then each
    run step takes the unused run bout starting nearest where the plan expects it, within
    half the planned distance to its neighbouring runs, and the next expectation is
    measured from that bout. A run step with no bout there was walked (missed); walk
    steps take the time between their neighbours.
    """
    n_rows = len(rows)
    active = track.active_before
    total = int(active[-1])
    planned = np.array([row.planned_s or 0 for row in rows], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(planned)))
    run_rows = [i for i, row in enumerate(rows) if row.kind == "run"]
    runs = track.bout_label == RUN
    b_start = active[track.bout_start[runs]]
    b_end = active[track.bout_end[runs]]
    windows_a: list[tuple[int, int] | None] = [None] * n_rows
    shift = _best_shift(rows, offsets, b_start, b_end, total) if run_rows else 0
    used = np.zeros(b_start.size, dtype=bool)
    anchor_row, anchor_at = 0, shift
    for pos, i in enumerate(run_rows):
        expected = anchor_at + int(offsets[i] - offsets[anchor_row])
        gaps = []
        if pos > 0:
            gaps.append(int(offsets[i] - offsets[run_rows[pos - 1]]))
        if pos + 1 < len(run_rows):
            gaps.append(int(offsets[run_rows[pos + 1]] - offsets[i]))
        tolerance = max(th.align_tolerance_s, min(gaps) // 2 if gaps else total)
        distance = np.abs(b_start - expected)
        candidates = np.flatnonzero(~used & (distance <= tolerance))
        duration = int(planned[i])
        if candidates.size:
            best = int(candidates[np.argmin(distance[candidates])])
            used[: best + 1] = True  # bouts are in order: earlier ones cannot serve later rows
            start = int(b_start[best])
            end = start + duration if duration else int(b_end[best])
            windows_a[i] = (start, end)
            anchor_row, anchor_at = i, start
        elif expected < total:
            windows_a[i] = (max(expected, 0), max(expected, 0) + duration)
    _clip_runs(windows_a, run_rows, total)
    _place_walks(windows_a, rows, offsets, total)
    return [None if w is None else _to_grid(active, w) for w in windows_a]


def _best_shift(
    rows: Sequence[PlannedStep],
    offsets: np.ndarray,
    b_start: np.ndarray,
    b_end: np.ndarray,
    total: int,
) -> int:
    """Where the plan starts in her timer time: the shift overlapping runs the most."""
    if total <= 0 or b_start.size == 0:
        return 0
    length = int(offsets[-1])
    plan_mask = np.zeros(max(length, 1), dtype=np.float64)
    for i, row in enumerate(rows):
        if row.kind == "run" and row.planned_s:
            plan_mask[int(offsets[i]) : int(offsets[i + 1])] = 1.0
    observed = np.zeros(total, dtype=np.float64)
    delta = np.zeros(total + 1, dtype=np.float64)
    np.add.at(delta, b_start, 1.0)
    np.add.at(delta, b_end, -1.0)
    observed[:] = np.cumsum(delta)[:total]
    size = 1 << int(np.ceil(np.log2(total + plan_mask.size)))
    corr = np.fft.irfft(np.fft.rfft(observed, size) * np.conj(np.fft.rfft(plan_mask, size)), size)
    # corr[s] = overlap when the plan starts s seconds into the session (negative s wraps).
    shifts = np.arange(size)
    shifts = np.where(shifts > size // 2, shifts - size, shifts)
    first_run = int(offsets[next(i for i, r in enumerate(rows) if r.kind == "run")])
    allowed = (shifts >= -first_run) & (shifts < total)
    score = np.where(allowed, np.round(corr), -np.inf) - np.abs(shifts) * 1e-6
    return int(shifts[int(np.argmax(score))])


def _clip_runs(windows: list[tuple[int, int] | None], run_rows: Sequence[int], total: int) -> None:
    """A run step's window ends where the next run step's begins, and within the session."""
    placed = [i for i in run_rows if windows[i] is not None]
    for pos, i in enumerate(placed):
        start, end = _at(windows, i)
        limit = total
        if pos + 1 < len(placed):
            limit = min(limit, _at(windows, placed[pos + 1])[0])
        start = min(start, total)
        windows[i] = (start, max(start, min(end, limit))) if start < total else None


def _place_walks(
    windows: list[tuple[int, int] | None],
    rows: Sequence[PlannedStep],
    offsets: np.ndarray,
    total: int,
) -> None:
    """Walk steps share the time between the run steps around them, by planned length.

    Before the first placed run step they end where it starts; after the last they run
    on at their planned lengths until the session ends (a step that would start after the
    end never happened).
    """
    n = len(rows)
    anchors = [i for i in range(n) if rows[i].kind == "run" and windows[i] is not None]
    bounds = [-1, *anchors, n]
    for left, right in pairwise(bounds):
        walks = [i for i in range(left + 1, right) if rows[i].kind == "walk"]
        if not walks:
            continue
        lengths = [int(offsets[i + 1] - offsets[i]) for i in walks]
        if left >= 0 and right < n:
            gap_start = _at(windows, left)[1]
            gap_end = _at(windows, right)[0]
            _share(windows, walks, lengths, gap_start, gap_end)
        elif right < n:
            gap_end = _at(windows, right)[0]
            gap_start = max(0, gap_end - sum(lengths))
            _share(windows, walks, lengths, gap_start, gap_end)
        else:
            at = _at(windows, left)[1] if left >= 0 else 0
            for j, i in enumerate(walks):
                if at >= total:
                    break
                end = total if j == len(walks) - 1 else min(at + lengths[j], total)
                windows[i] = (at, end)
                at = end


def _at(windows: Sequence[tuple[int, int] | None], i: int) -> tuple[int, int]:
    """A window the caller knows is placed."""
    window = windows[i]
    assert window is not None, f"step {i} has no window"
    return window


def _share(
    windows: list[tuple[int, int] | None],
    walks: Sequence[int],
    lengths: Sequence[int],
    start: int,
    end: int,
) -> None:
    span = max(end - start, 0)
    planned = sum(lengths)
    at = start
    for j, i in enumerate(walks):
        if j == len(walks) - 1:
            stop = start + span
        elif planned and span < planned:
            stop = at + span * lengths[j] // planned
        else:
            stop = at + lengths[j]
        windows[i] = (at, max(at, stop))
        at = stop


def _to_grid(active: np.ndarray, window: tuple[int, int]) -> Window:
    """Timer-time window -> grid window (starts after a pause, ends before one)."""
    a = int(np.searchsorted(active, window[0], side="right")) - 1
    b = int(np.searchsorted(active, window[1], side="left"))
    return (max(a, 0), max(b, max(a, 0)))


def verdict(result: Match) -> str:
    """One line a runner reads: '4 of 5 run intervals done; run 3 stopped at 0:18 of 0:30'."""
    if result.plan is None or not result.intervals:
        run_s = sum(b.duration_s for b in result.bouts if b.kind == "run")
        walk_s = sum(b.duration_s for b in result.bouts if b.kind == "walk")
        return f"no plan to match: ran {clock(run_s)}, walked {clock(walk_s)}"
    c = result.compliance
    if c.run_intervals_planned == 0:
        extra = [r for r in result.intervals if r.status == "extra"]
        done = sum(r.status == "done" for r in result.intervals)
        tail = f"; ran during walk {extra[0].index}" if extra else ""
        return f"{done} of {len(result.intervals)} walk steps done{tail}"
    parts = [f"{c.run_intervals_done} of {c.run_intervals_planned} run intervals done"]
    number = 0
    for row in result.intervals:
        if row.kind != "run":
            continue
        number += 1
        if row.status == "short" and row.planned_s:
            parts.append(f"run {number} stopped at {clock(row.actual_s)} of {clock(row.planned_s)}")
        elif row.status == "missed":
            parts.append(f"run {number} missed")
    extras = [r for r in result.intervals if r.status == "extra"]
    if extras:
        parts.append("ran through " + ("a walk" if len(extras) == 1 else f"{len(extras)} walks"))
    return "; ".join(parts)
