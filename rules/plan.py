"""The flattened plan a session is matched against: one row per step she was to do.

A plan comes from runback's own workout items (`Workout.steps`, a `--plan` spec) or
from the workout another planner recorded in the activity file. Each row remembers the
FIT `message_index` of the workout step it came from, so laps carrying
`wkt_step_index` can say which row she was in.

Step indices follow the FIT workout layout runback writes (and Garmin's planners use):
steps in order, depth first, each repeat step placed after the steps it repeats.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rules.workout import (
    DEFAULT_LIMITS,
    MAX_NESTING,
    MAX_REPEAT,
    Item,
    PlanLimits,
    Repeat,
    Step,
    format_spec,
)

if TYPE_CHECKING:
    from rules.activity import RecordedStep

# A recorded step named or marked like this is a walk row; every other step is a run.
_WALK_NAME = re.compile(r"walk|rest|recover", re.IGNORECASE)
_WALK_INTENSITIES = frozenset({"rest", "recovery"})


@dataclass(frozen=True)
class PlannedStep:
    """One row of the flattened plan; `planned_s` is None for an untimed step."""

    kind: str
    planned_s: int | None
    step_index: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("run", "walk"):
            raise ValueError(f"PlannedStep.kind must be run or walk, got {self.kind!r}")
        if self.planned_s is not None and self.planned_s <= 0:
            raise ValueError(f"PlannedStep.planned_s must be > 0, got {self.planned_s}")


@dataclass(frozen=True)
class Plan:
    """The rows to match, the spec text a person reads (None if untimed), and its origin."""

    rows: tuple[PlannedStep, ...]
    spec: str | None
    source: str  # "option" | "file" | "prescribed"


def plan_from_items(items: Sequence[Item], source: str) -> Plan:
    """A plan from runback's own workout items, with FIT step indices as runback writes them."""
    counter = iter(range(10**6))

    def layout(seq: Sequence[Item]) -> list[PlannedStep]:
        rows: list[PlannedStep] = []
        for item in seq:
            if isinstance(item, Step):
                rows.append(PlannedStep(item.kind, item.duration_s, next(counter)))
            else:
                inner = layout(item.steps)
                next(counter)  # the repeat step itself, after its children
                rows.extend(inner * item.count)
        return rows

    return Plan(tuple(layout(items)), format_spec(items), source)


class PlanTooLarge(ValueError):
    """A recorded workout too big (or too deeply nested) to expand; the message says why."""


def plan_from_recorded(
    steps: Sequence[RecordedStep], limits: PlanLimits = DEFAULT_LIMITS
) -> Plan | None:
    """A plan from the workout recorded in an activity file, or None if it has no steps.

    Repeat steps (`repeat_from`, `repeat_count`) nest the steps since `repeat_from`; a
    repeat that is not counted (repeat until time, distance...) is taken once. The spec is
    the nearest spec text when every step is timed, else None. The expanded size is
    counted before anything expands: beyond `limits` it raises PlanTooLarge.
    """
    where = "the workout recorded in the file"
    plain = sum(1 for s in steps if not _is_repeat(s))
    if plain > limits.max_steps:
        raise PlanTooLarge(f"{where} {limits.problem(plain, 0)}")
    nodes: list[_Node] = []
    for step in sorted(steps, key=lambda s: s.index):
        if _is_repeat(step):
            first = step.repeat_from
            if first is None or first >= step.index:
                continue
            count = step.repeat_count if step.repeat_count and step.repeat_count > 0 else 1
            # Nodes are in index order, so the repeated ones are a tail of the list.
            cut = len(nodes)
            while cut > 0 and nodes[cut - 1].first_index >= first:
                cut -= 1
            inner = nodes[cut:]
            if not inner:
                continue
            del nodes[cut:]
            node = _Node(first_index=inner[0].first_index, children=inner, count=count)
            if node.depth > MAX_NESTING:
                raise PlanTooLarge(f"{where}: repeats nest more than {MAX_NESTING} deep")
            nodes.append(node)
        else:
            nodes.append(_Node(first_index=step.index, step=step))
    if not nodes:
        return None
    problem = limits.problem(sum(n.size for n in nodes), sum(n.seconds for n in nodes))
    if problem:
        raise PlanTooLarge(f"{where} {problem}")
    rows = [row for node in nodes for row in node.rows()]
    items = [node.item() for node in nodes]
    spec = None if any(item is None for item in items) else format_spec([i for i in items if i])
    return Plan(tuple(rows), spec, "file")


def _is_repeat(step: RecordedStep) -> bool:
    return bool(step.duration_type and step.duration_type.startswith("repeat"))


@dataclass
class _Node:
    """A recorded step, or a repeat of nodes; its expanded size is known when it is made."""

    first_index: int
    step: RecordedStep | None = None
    children: list[_Node] | None = None
    count: int = 1
    depth: int = field(init=False, default=0)
    size: int = field(init=False, default=0)
    seconds: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        children = self.children or []
        passes = min(self.count, MAX_REPEAT)
        self.depth = 1 + max((c.depth for c in children), default=0) if children else 0
        if self.step is not None:
            self.size, self.seconds = 1, _timed_s(self.step) or 0
        else:
            self.size = passes * sum(c.size for c in children)
            self.seconds = passes * sum(c.seconds for c in children)

    def rows(self) -> list[PlannedStep]:
        if self.step is not None:
            return [PlannedStep(_kind(self.step), _timed_s(self.step), self.step.index)]
        inner = [row for child in self.children or () for row in child.rows()]
        return inner * min(self.count, MAX_REPEAT)

    def item(self) -> Item | None:
        if self.step is not None:
            seconds = _timed_s(self.step)
            return Step(_kind(self.step), seconds) if seconds else None
        inner = [child.item() for child in self.children or ()]
        if any(i is None for i in inner):
            return None
        return Repeat(min(self.count, MAX_REPEAT), tuple(i for i in inner if i))


def _kind(step: RecordedStep) -> str:
    if step.name and _WALK_NAME.search(step.name):
        return "walk"
    return "walk" if step.intensity in _WALK_INTENSITIES else "run"


def _timed_s(step: RecordedStep) -> int | None:
    if step.duration_type == "time" and step.duration_s:
        seconds = round(step.duration_s)
        return seconds if seconds > 0 else None
    return None
