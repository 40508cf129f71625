"""What she reads of a workout on her watch and in Garmin Connect: its name, its sport and
a one-line note on why it is this session.

Names: a watch shows at most 15 bytes of a workout's name (the FIT workout message holds
`wkt_name` in 16 bytes with the terminator: FIT_WORKOUT_MESG_WKT_NAME_COUNT in Garmin's C
SDK), so the name leads with what she will do and ends with the day:
`5x30s/4:30 Tu29`, `6x15s/4:30 Th31`, `Run 16:30 Mo 14`, `Walk 20m Mon 14`. Sessions
that ask different running of her differ in name wherever 15 bytes allow (a shorter form
drops the walks before it drops a run); a new decision for a date replaces the old
workout on the watch and in Connect anyway, so she never has two for one day. In Connect (80
characters) the name goes on with a tag, `(runback 2026-12-02 #57)`: the date and the
decision it came from, by which runback finds its own workouts in her library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from rules.workout import Item, Repeat, Step, Workout, flatten, totals

WATCH_NAME_BYTES = 15
CONNECT_NAME_CHARS = 80  # reported by a project that creates Connect workouts (sydspost)
FIT_TEXT_BYTES = 250  # a FIT string holds at most 254 bytes with its terminator
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TAG = re.compile(r" \(runback (\d{4}-\d{2}-\d{2}) #(\d+)\)$")
_EARLIER_TAG = re.compile(r"^RB L\d+ \d\d-\d\d #(\d+)$")  # runback's names before 2026-12


@dataclass(frozen=True)
class Label:
    watch_name: str  # at most WATCH_NAME_BYTES, ASCII
    connect_name: str  # the watch name and runback's tag
    description: str  # why this session, one line: for her own files and watch
    sport: str  # running | walking
    # For Garmin Connect, a third party's servers: the session without its reasons,
    # which may name symptoms (health data stays with her).
    connect_description: str = ""


def label(
    workout: Workout, decision_id: int, reasons: Sequence[str], phase: str = "", level: int = 0
) -> Label:
    name = watch_name(workout)
    what = f"{phase} level {level}" if phase else "the next session"
    return Label(
        watch_name=name,
        connect_name=f"{name} (runback {workout.on.isoformat()} #{decision_id})",
        description=one_line(reasons, FIT_TEXT_BYTES),
        sport=sport_of(workout.steps),
        connect_description=f"runback: {what} for {workout.on:%a %d %b %Y}. Why: runback plan.",
    )


def sport_of(items: Iterable[Item]) -> str:
    """A session without running is a walk: the watch offers it under its walk profile."""
    return "running" if totals(items).run_s else "walking"


def watch_name(workout: Workout) -> str:
    """The name on the watch: the session in short, then the day (within 15 bytes)."""
    day = workout.on
    weekday = _WEEKDAYS[day.weekday()]
    dates = (f"{weekday} {day.day}", f"{weekday[:2]} {day.day}", f"{weekday[:2]}{day.day}",
             f"{day.day}")  # fmt: skip
    for main in summaries(workout.steps):
        for when in dates:
            candidate = f"{main} {when}"
            if len(candidate.encode()) <= WATCH_NAME_BYTES:
                return candidate
    tail = f" {day.day}"
    return summary(workout.steps)[: WATCH_NAME_BYTES - len(tail)] + tail


def summary(items: Sequence[Item]) -> str:
    """The running of a session in a few characters: `5x30s/4:30` (5 times 30 s of running
    and 4:30 of walking), `7x15s/3:45+10s` (a shorter run after the block), `10m+5m`,
    `Run 16:30`, `Walk 20m`."""
    return summaries(items)[0]


def summaries(items: Sequence[Item]) -> list[str]:
    """The summary, then shorter forms that still tell the running apart, for a small
    screen: without the walks (`6x2:25+30s`), then without the run after the block."""
    steps = flatten(items)
    runs = [s.duration_s for s in steps if s.kind == "run"]
    if not runs:
        return [f"Walk {duration(sum(s.duration_s for s in steps))}"]
    blocks = [item for item in items if isinstance(item, Repeat) and totals([item]).run_s]
    if blocks:
        block = max(blocks, key=lambda r: totals([r]).run_s)
        inner = block.steps
        shape = tuple(s.kind for s in inner if isinstance(s, Step))
        if len(shape) == len(inner) and shape in (("run", "walk"), ("run",)):
            parts = [duration(s.duration_s) for s in inner if isinstance(s, Step)]
            head = f"{block.count}x{'/'.join(parts)}"
            short = f"{block.count}x{parts[0]}"
            extra = [r for r in _outside(items, block)]
            if not extra:
                return [head, short]
            tail = "+" + "+".join(duration(r) for r in extra) if len(extra) <= 2 else "+"
            return [head + tail, short + tail, head + "+", short + "+"]
    if len(runs) == 1:
        return [f"Run {duration(runs[0])}"]
    joined = "+".join(duration(r) for r in runs)
    return [joined if len(joined) <= 12 else f"{len(runs)} runs"]


def _outside(items: Sequence[Item], block: Repeat) -> list[int]:
    """The run seconds of the session outside `block`, in order."""
    out: list[int] = []
    for item in items:
        if item is block:
            continue
        out += [s.duration_s for s in flatten([item]) if s.kind == "run"]
    return out


def duration(seconds: int) -> str:
    """30s, 4:30, 15m, 16:30, 1h5m: the shortest a runner reads at a glance."""
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes >= 60 and not secs:
        hours, minutes = divmod(minutes, 60)
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if not secs else f"{minutes}:{secs:02d}"


def one_line(reasons: Sequence[str], max_bytes: int) -> str:
    """The reasons as one line of at most `max_bytes` (UTF-8), cut on a word with '…'."""
    text = " ".join(" ".join(r.split()) for r in reasons if r.strip())
    if len(text.encode()) <= max_bytes:
        return text
    budget = max_bytes - len("…".encode())
    cut = text.encode()[:budget].decode(errors="ignore")
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def tag_of(name: str) -> tuple[date | None, int] | None:
    """(date, decision id) of a workout runback made, from its Connect name; None for hers.
    Names from earlier versions carry no year: their date is None."""
    found = _TAG.search(name)
    if found:
        return date.fromisoformat(found[1]), int(found[2])
    earlier = _EARLIER_TAG.match(name)
    if earlier:
        return None, int(earlier[1])
    return None
