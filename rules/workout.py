"""Workouts and their spec text: `walk 5m, 5x(run 30s, walk 4m30s), walk 5m`.

Items are separated by commas; `Nx(...)` repeats and may nest; kinds are `run` and
`walk`. Durations parse from `30s`, `300s`, `4m30s`, `5m`, `1h`, `1h5m`, `m:ss` (and
`h:mm:ss`) and are written canonically (`30s`, `4m30s`, `5m`, `1h5m`). Intensity is not
written: it follows from position (a walk before the first run is `warmup`, after the
last run `cooldown`, any other walk `recovery`, runs `active`; a walk-only workout is
`active`), so `parse(format(items)) == items` always.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

KINDS = ("run", "walk")
INTENSITIES = ("warmup", "active", "recovery", "cooldown")
MAX_STEP_S = 24 * 3600
MAX_REPEAT = 100
# Repeats inside repeats: planners nest two deep at most. The bound keeps every
# recursive walk over a workout (parsing it, laying it out) far from Python's limit.
MAX_NESTING = 10


class SpecError(ValueError):
    """A workout spec that does not parse; `column` is 1-based, None for the whole spec."""

    def __init__(self, message: str, column: int | None) -> None:
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} at column {column}")


@dataclass(frozen=True)
class PlanLimits:
    """How big a workout may be once its repeats are expanded (steps, seconds).

    Every consumer of a plan (matching, the watch, the report) expands it; a few bytes of
    nested repeats (`100x(100x(100x(run 1s)))`) expand to a million steps and gigabytes.
    A real session is under a few hundred steps and a day, so the defaults lose nothing.
    """

    max_steps: int = 500
    max_total_s: int = 24 * 3600

    def __post_init__(self) -> None:
        if not 1 <= self.max_steps <= 100_000:
            raise ValueError(f"max_steps must be 1..100000, got {self.max_steps}")
        if not 60 <= self.max_total_s <= 7 * 24 * 3600:
            raise ValueError(f"max_total_s must be 60..604800, got {self.max_total_s}")

    def problem(self, steps: int, seconds: int) -> str | None:
        """Why a workout of this expanded size is too big ('expands to ...'), or None."""
        if steps > self.max_steps:
            return f"expands to {steps} steps (repeats counted); at most {self.max_steps}"
        if seconds > self.max_total_s:
            return (
                f"lasts {format_duration(seconds)} (repeats counted); "
                f"at most {format_duration(self.max_total_s)}"
            )
        return None


DEFAULT_LIMITS = PlanLimits()


def expanded_size(items: Iterable[Item]) -> tuple[int, int]:
    """(steps, seconds) of the items with repeats expanded, counted without expanding."""
    steps = seconds = 0
    for item in items:
        if isinstance(item, Step):
            steps, seconds = steps + 1, seconds + item.duration_s
        else:
            inner_steps, inner_s = expanded_size(item.steps)
            steps, seconds = steps + item.count * inner_steps, seconds + item.count * inner_s
    return steps, seconds


@dataclass(frozen=True)
class Step:
    kind: str
    duration_s: int
    intensity: str = "active"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Step.kind must be run or walk, got {self.kind!r}")
        if isinstance(self.duration_s, bool) or not isinstance(self.duration_s, int):
            raise ValueError(f"Step.duration_s must be whole seconds, got {self.duration_s!r}")
        if not 0 < self.duration_s <= MAX_STEP_S:
            raise ValueError(f"Step.duration_s must be 1..{MAX_STEP_S}, got {self.duration_s}")
        if self.intensity not in INTENSITIES:
            raise ValueError(f"Step.intensity must be one of {INTENSITIES}, got {self.intensity!r}")


@dataclass(frozen=True)
class Repeat:
    count: int
    steps: tuple[Item, ...]

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int):
            raise ValueError(f"Repeat.count must be a whole number, got {self.count!r}")
        if not 1 <= self.count <= MAX_REPEAT:
            raise ValueError(f"Repeat.count must be 1..{MAX_REPEAT}, got {self.count}")
        if not self.steps:
            raise ValueError("Repeat.steps must not be empty")
        object.__setattr__(self, "steps", tuple(self.steps))


Item = Step | Repeat


def with_intensities(items: Sequence[Item]) -> tuple[Item, ...]:
    """The same items with each step's intensity set by the position rule."""
    nodes = list(_step_nodes(items))
    runs = [i for i, (step, _) in enumerate(nodes) if step.kind == "run"]
    first_run = runs[0] if runs else None
    last_run = runs[-1] if runs else None
    intensities: dict[int, str] = {}
    for i, (step, in_repeat_with_run) in enumerate(nodes):
        if step.kind == "run" or first_run is None or last_run is None:
            intensities[i] = "active"
        elif in_repeat_with_run:
            intensities[i] = "recovery"
        elif i < first_run:
            intensities[i] = "warmup"
        elif i > last_run:
            intensities[i] = "cooldown"
        else:
            intensities[i] = "recovery"
    counter = iter(range(len(nodes)))

    def rebuild(seq: Sequence[Item]) -> tuple[Item, ...]:
        out: list[Item] = []
        for item in seq:
            if isinstance(item, Step):
                out.append(replace(item, intensity=intensities[next(counter)]))
            else:
                out.append(Repeat(item.count, rebuild(item.steps)))
        return tuple(out)

    return rebuild(items)


def _step_nodes(
    items: Sequence[Item], in_repeat_with_run: bool = False
) -> Iterator[tuple[Step, bool]]:
    """Each Step node once, depth first, with whether an enclosing repeat holds a run."""
    for item in items:
        if isinstance(item, Step):
            yield item, in_repeat_with_run
        else:
            has_run = in_repeat_with_run or _has_run(item.steps)
            yield from _step_nodes(item.steps, has_run)


def _has_run(items: Iterable[Item]) -> bool:
    return any(
        item.kind == "run" if isinstance(item, Step) else _has_run(item.steps) for item in items
    )


def flatten(items: Iterable[Item]) -> list[Step]:
    """The steps in the order she does them, repeats expanded."""
    out: list[Step] = []
    for item in items:
        if isinstance(item, Step):
            out.append(item)
        else:
            inner = flatten(item.steps)
            for _ in range(item.count):
                out.extend(inner)
    return out


@dataclass(frozen=True)
class Totals:
    total_s: int
    run_s: int
    longest_run_s: int


def totals(items: Iterable[Item]) -> Totals:
    steps = flatten(items)
    runs = [s.duration_s for s in steps if s.kind == "run"]
    return Totals(sum(s.duration_s for s in steps), sum(runs), max(runs, default=0))


@dataclass(frozen=True)
class Workout:
    """A named workout for a date; its steps carry intensities by the position rule."""

    name: str
    on: date
    steps: tuple[Item, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a workout needs at least one step")
        object.__setattr__(self, "steps", with_intensities(self.steps))

    @classmethod
    def from_spec(cls, name: str, on: date, text: str) -> Workout:
        return cls(name, on, parse(text))

    @property
    def spec(self) -> str:
        return format_spec(self.steps)

    @property
    def totals(self) -> Totals:
        return totals(self.steps)


# --- durations ---------------------------------------------------------------------------

_UNITS = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d{2})")


def parse_duration(text: str) -> int:
    """Seconds from `30s`, `300s`, `4m30s`, `5m`, `1h`, `1h5m`, `4:30` or `1:05:00`."""
    t = text.strip().lower()
    clock = _CLOCK.fullmatch(t)
    if clock:
        hours, minutes, seconds = int(clock[1] or 0), int(clock[2]), int(clock[3])
        if seconds >= 60 or (clock[1] is not None and minutes >= 60):
            raise ValueError(f"'{text}' is not a time (minutes and seconds go up to 59)")
        return hours * 3600 + minutes * 60 + seconds
    units = _UNITS.fullmatch(t)
    if t and units and any(units.groups()):
        h, m, s = (int(g) if g else 0 for g in units.groups())
        return h * 3600 + m * 60 + s
    raise ValueError(f"'{text}' is not a duration (like 30s, 4m30s, 5m, 1h5m or 4:30)")


def format_duration(seconds: int) -> str:
    """Canonical: `30s`, `4m30s`, `5m`, `1h`, `1h5m`, `1h5m30s`."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s else ""]
    return "".join(parts) or "0s"


# --- spec text ---------------------------------------------------------------------------


def format_spec(items: Sequence[Item]) -> str:
    return ", ".join(_format_item(item) for item in items)


def _format_item(item: Item) -> str:
    if isinstance(item, Step):
        return f"{item.kind} {format_duration(item.duration_s)}"
    return f"{item.count}x({format_spec(item.steps)})"


def parse(text: str, limits: PlanLimits = DEFAULT_LIMITS) -> tuple[Item, ...]:
    """Items from spec text; a SpecError names what is wrong and the column.

    A workout bigger than `limits` once expanded is refused before anything expands it.
    """
    parser = _SpecParser(text)
    items = parser.sequence(top=True)
    problem = limits.problem(*expanded_size(items))
    if problem:
        raise SpecError(f"the workout {problem}", None)
    return with_intensities(items)


class _SpecParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _at_end(self) -> bool:
        self._skip_space()
        return self.pos >= len(self.text)

    def _column(self) -> int:
        self._skip_space()
        return self.pos + 1

    def sequence(self, *, top: bool) -> list[Item]:
        items: list[Item] = []
        while True:
            if self._at_end():
                if top and not items:
                    raise SpecError("empty workout: expected a step like 'run 30s'", 1)
                if top:
                    raise SpecError("expected a step after ','", self._column())
                raise SpecError("missing ')'", self._column())
            items.append(self.item())
            if self._at_end():
                if top:
                    return items
                raise SpecError("missing ')'", self._column())
            ch = self.text[self.pos]
            if ch == ",":
                self.pos += 1
                continue
            if ch == ")":
                if top:
                    raise SpecError("unexpected ')'", self._column())
                return items
            raise SpecError(f"expected ',' but found '{self._word()}'", self._column())

    def _word(self) -> str:
        match = re.compile(r"[^\s,()]+|.").match(self.text, self.pos)
        return match.group(0) if match else ""

    def item(self) -> Item:
        column = self._column()
        repeat = re.compile(r"(\d+)\s*[xX]\s*\(").match(self.text, self.pos)
        if repeat:
            count = int(repeat[1])
            if not 1 <= count <= MAX_REPEAT:
                raise SpecError(f"repeat count {count} is out of range 1..{MAX_REPEAT}", column)
            if self.depth >= MAX_NESTING:
                raise SpecError(f"repeats nest more than {MAX_NESTING} deep", column)
            self.pos = repeat.end()
            self.depth += 1
            inner = self.sequence(top=False)
            self.depth -= 1
            self.pos += 1  # the ')'
            return Repeat(count, tuple(inner))
        kind = re.compile(r"[A-Za-z]+").match(self.text, self.pos)
        if not kind:
            raise SpecError(f"expected 'run' or 'walk' but found '{self._word()}'", column)
        name = kind.group(0).lower()
        if name not in KINDS:
            raise SpecError(f"unknown kind '{kind.group(0)}'", column)
        self.pos = kind.end()
        dur_column = self._column()
        dur = re.compile(r"[^\s,()]+").match(self.text, self.pos)
        if not dur:
            raise SpecError(f"'{name}' needs a duration (like 30s or 4m30s)", dur_column)
        try:
            seconds = parse_duration(dur.group(0))
        except ValueError as exc:
            raise SpecError(str(exc), dur_column) from None
        if not 0 < seconds <= MAX_STEP_S:
            raise SpecError(
                f"duration must be between 1s and 24h, got '{dur.group(0)}'", dur_column
            )
        self.pos = dur.end()
        return Step(name, seconds)
