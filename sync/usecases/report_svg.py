"""The report's charts: inline SVG drawn by hand, readable on a phone.

Drawn for a 600-unit wide box that a phone shows about 366 px wide (0.61 px a unit): text
is at least 17 units (10 px), axis ticks are round numbers (whole minutes, or 0:15, 0:30,
1:00, 5:00 ... for durations) so no two read the same, and a label is written only where
it has room, so labels never run into each other however long the history is.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from datetime import date

from sync.formatting import clock

COLORS = {"run": "#1f77b4", "level": "#ff7f0e", "leak": "#d62728", "done": "#2ca02c",
          "missed": "#c7c7c7", "grid": "#e5e5e5", "text": "#333333"}  # fmt: skip
W, H, PAD, RIGHT = 600, 250, 62, 10
FONT = 17  # viewBox units: 10 px at phone width
CHAR_W = 0.56 * FONT  # the width of a character of the system sans-serif, roughly
LABEL_GAP = 30  # units between two labels on one line (18 px on a phone)

# Tick steps that read as round numbers: counts and minutes, and durations in seconds.
_COUNT_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
_TIME_STEPS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def ticks(top: float, steps: Sequence[int], most: int = 5) -> list[int]:
    """0, step, 2 step ... up to at least `top`, with at most `most` + 1 ticks."""
    top = max(top, 1)
    step = next(
        (s for s in steps if top / s <= most), steps[-1] * math.ceil(top / steps[-1] / most)
    )
    return [i * step for i in range(math.ceil(top / step) + 1)]


def day_label(day: date, with_year: bool) -> str:
    return f"{day.day} {day:%b %Y}" if with_year else f"{day.day} {day:%b}"


def spaced(positions: Sequence[float], texts: Sequence[str]) -> list[int]:
    """The indices of the labels to write, centred at `positions`: from the first, each
    that does not run into the one before or out of the chart (widths estimated from the
    characters)."""
    chosen: list[int] = []
    right_edge = -math.inf
    for i, (x, text) in enumerate(zip(positions, texts, strict=True)):
        half = len(text) * CHAR_W / 2
        if x - half >= max(right_edge + LABEL_GAP, 0) and x + half <= W:
            chosen.append(i)
            right_edge = x + half
    return chosen


def date_labels(days: Sequence[date]) -> list[str]:
    """Labels for a row of dates: the year on the first, and wherever it changes."""
    out, year = [], None
    spans_years = len({d.year for d in days}) > 1
    for day in days:
        out.append(day_label(day, spans_years and day.year != year))
        year = day.year
    return out


def spaced_dates(positions: Sequence[float], days: Sequence[date]) -> list[tuple[int, str]]:
    """(index, label) of the dates to write on one axis: spaced so none runs into another,
    the year on the first written and on the first written in each new year."""
    spans_years = len({d.year for d in days}) > 1
    full = [day_label(d, spans_years) for d in days]
    chosen = spaced(positions, full)  # room for a year on any of them
    labels = date_labels([days[i] for i in chosen])
    return list(zip(chosen, labels, strict=True))


def _text(x: float, y: float, text: str, *, anchor: str = "middle", fill: str = "text",
          cls: str = "label") -> str:  # fmt: skip
    return (
        f"<text x={x:.1f} y={y:.1f} font-size={FONT} text-anchor={anchor} class={cls} "
        f"fill='{COLORS[fill]}'>{html.escape(text)}</text>"
    )


def _frame(marks: list[int], fmt: Callable[[int], str], unit: str) -> list[str]:
    top = marks[-1] or 1
    parts = []
    for value in marks:
        y = H - PAD - (H - 2 * PAD) * value / top
        parts.append(
            f"<line x1={PAD} y1={y:.1f} x2={W - RIGHT} y2={y:.1f} stroke='{COLORS['grid']}'/>"
        )
        parts.append(_text(PAD - 6, y + 6, fmt(value), anchor="end", cls="tick"))
    parts.append(_text(4, 20, unit, anchor="start", cls="unit"))
    return parts


def _svg(parts: list[str], label: str) -> str:
    return (
        f"<svg viewBox='0 0 {W} {H}' role=img aria-label='{html.escape(label)}' class=chart>"
        f"{''.join(parts)}</svg>"
    )


def bar_chart(weeks: Sequence[date], minutes: Sequence[float], levels: Sequence[int | None]) -> str:
    """Running minutes per week, the week's level written where it changes."""
    if not weeks:
        return "<p class=muted>no runs yet</p>"
    marks = ticks(max(minutes), _COUNT_STEPS)
    top = marks[-1] or 1
    span = (W - PAD - RIGHT) / len(weeks)
    parts = _frame(marks, str, "minutes")
    centres = [PAD + (i + 0.5) * span for i in range(len(weeks))]
    for x, value in zip(centres, minutes, strict=True):
        height = (H - 2 * PAD) * value / top
        parts.append(
            f"<rect x={x - span * 0.35:.1f} y={H - PAD - height:.1f} width={span * 0.7:.1f} "
            f"height={max(height, 0.5):.1f} fill='{COLORS['run']}'/>"
        )
    for i, text in spaced_dates(centres, weeks):
        parts.append(_text(centres[i], H - PAD + 24, text))
    # Her level where it changed, in a row of its own above the bars (a label over a
    # thin bar would cover its neighbours), each kept inside the chart.
    changes = [
        i for i, lv in enumerate(levels) if lv is not None and (i == 0 or levels[i - 1] != lv)
    ]
    texts = [f"L{levels[i]}" for i in changes]
    xs = [max(centres[i], PAD + len(t) * CHAR_W / 2) for i, t in zip(changes, texts, strict=True)]
    for j in spaced(xs, texts):
        parts.append(_text(xs[j], PAD - 14, texts[j], fill="level", cls="level"))
    return _svg(parts, "running minutes per week")


def points_chart(
    days: Sequence[date], seconds: Sequence[int], color: str, empty: str, label: str
) -> str:
    """Durations over time (m:ss on the axis), 0 at the bottom: higher is longer/later."""
    if not days:
        return f"<p class=muted>{html.escape(empty)}</p>"
    marks = ticks(max(seconds), _TIME_STEPS)
    top = marks[-1] or 1
    first, last = min(days), max(days)
    width = max((last - first).days, 1)
    parts = _frame(marks, clock, "m:ss")
    left, right = PAD + 10, W - RIGHT - 10
    points = []
    for day, value in zip(days, seconds, strict=True):
        x = left + (right - left) * (day - first).days / width
        y = H - PAD - (H - 2 * PAD) * value / top
        points.append((x, y))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(f"<polyline points='{line}' fill=none stroke='{COLORS[color]}' stroke-width='2'/>")
    for x, y in points:
        parts.append(f"<circle cx={x:.1f} cy={y:.1f} r=6 fill='{COLORS[color]}'/>")
    ends = sorted({first, last})
    texts = date_labels(ends)
    xs = [left + (right - left) * (d - first).days / width for d in ends]
    anchors = ["start", "end"] if len(ends) == 2 else ["middle"]
    for x, text, anchor in zip(xs, texts, anchors, strict=True):
        parts.append(_text(max(x - 10, PAD) if anchor == "start" else x + 10, H - PAD + 24, text,
                           anchor=anchor))  # fmt: skip
    return _svg(parts, label)
