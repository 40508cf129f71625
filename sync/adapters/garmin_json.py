"""Workout JSON for Garmin Connect, built by hand (../shared/reference/garmin-workout-formats.md
§2), and read back to check what Connect kept.

Time end conditions in seconds, repeats as RepeatGroupDTO with numberOfIterations and
end condition {7, iterations}, one stepOrder counter over the whole tree, no target; the
IDs are written explicitly because garminconnect 0.3.2's typed constants for some of them
are wrong. A walk goes as a walking workout: sport type 12, which two projects found by
uploading each id and reading back the key Connect gave it (Taxuspt/garmin_mcp #91, #94);
the read back compares the sport too, so a wrong id is caught rather than stored."""

from __future__ import annotations

from typing import Any

from rules.workout import Item, Repeat, Step, Workout, flatten
from sync.adapters.garmin_types import (
    StoredOtherwise,
    StoredWorkout,
)
from sync.adapters.workout_names import sport_of

_STEP_TYPES = {"warmup": (1, "warmup"), "cooldown": (2, "cooldown"), "active": (3, "interval"),
               "recovery": (4, "recovery")}  # fmt: skip


SPORTS = {"running": 1, "walking": 12}


_NO_TARGET = {"workoutTargetTypeId": 1, "workoutTargetTypeKey": "no.target"}


DESCRIPTION_CHARS = 512  # the partner API documents 1024 for a workout, 512 for a step


def workout_json(workout: Workout, name: str, description: str = "") -> dict[str, Any]:
    """Garmin Connect's workout JSON for a runback workout: a walk as a walking workout,
    whose main steps are walks ("interval" is the sport's own effort: Walk)."""
    sport_key = sport_of(workout.steps)
    sport = {"sportTypeId": SPORTS[sport_key], "sportTypeKey": sport_key}
    order = iter(range(1, 10_000))
    groups = iter(range(1, 10_000))

    def steps(items: tuple[Item, ...], child_of: int | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, Step):
                type_id, type_key = _STEP_TYPES[item.intensity]
                step: dict[str, Any] = {
                    "type": "ExecutableStepDTO",
                    "stepOrder": next(order),
                    "stepType": {"stepTypeId": type_id, "stepTypeKey": type_key},
                    "endCondition": {"conditionTypeId": 2, "conditionTypeKey": "time"},
                    "endConditionValue": float(item.duration_s),
                    "targetType": dict(_NO_TARGET),
                    "description": item.kind.title(),
                }
                if child_of is not None:
                    step["childStepId"] = child_of
                out.append(step)
            else:
                assert isinstance(item, Repeat)
                group_order, group_id = next(order), next(groups)
                group: dict[str, Any] = {
                    "type": "RepeatGroupDTO",
                    "stepOrder": group_order,
                    "stepType": {"stepTypeId": 6, "stepTypeKey": "repeat"},
                    "childStepId": group_id,
                    "numberOfIterations": item.count,
                    "smartRepeat": False,
                    "endCondition": {"conditionTypeId": 7, "conditionTypeKey": "iterations"},
                    "endConditionValue": float(item.count),
                    "workoutSteps": steps(item.steps, group_id),
                }
                out.append(group)
        return out

    total = sum(s.duration_s for s in flatten(workout.steps))
    body: dict[str, Any] = {
        "workoutName": name,
        "sportType": dict(sport),
        "estimatedDurationInSecs": total,
        "workoutSegments": [
            {
                "segmentOrder": 1,
                "sportType": dict(sport),
                "workoutSteps": steps(workout.steps, None),
            }
        ],
    }
    if description:
        body["description"] = description[:DESCRIPTION_CHARS]
    return body


_CONDITIONS = {1: "the lap button", 3: "a distance", 7: "iterations"}


def stored_from_json(body: dict[str, Any]) -> StoredWorkout:
    """A workout as Garmin stores it, to check what it kept. What runback would not have
    sent (a step that ends on the lap button, a repeat without its count) raises
    StoredOtherwise saying what."""
    sport = str((body.get("sportType") or {}).get("sportTypeKey") or "unknown")

    def convert(raw: list[dict[str, Any]]) -> tuple[Item, ...]:
        out: list[Item] = []
        for step in sorted(raw, key=lambda s: s.get("stepOrder", 0)):
            if step.get("type") == "RepeatGroupDTO":
                count = step.get("numberOfIterations")
                if not isinstance(count, int) or count < 1:
                    raise StoredOtherwise(f"a repeat without its number of passes ({count!r})")
                out.append(Repeat(count, convert(step.get("workoutSteps") or [])))
                continue
            condition = (step.get("endCondition") or {}).get("conditionTypeId")
            if condition != 2:
                ends = (
                    _CONDITIONS.get(condition, f"condition {condition!r}")
                    if isinstance(condition, int)
                    else f"condition {condition!r}"
                )
                raise StoredOtherwise(f"a step ends on {ends}, not after a time")
            effort = "walk" if sport == "walking" else "run"
            kind = effort if (step.get("stepType") or {}).get("stepTypeId") == 3 else "walk"
            if str(step.get("description") or "").lower() in ("run", "walk"):
                kind = str(step["description"]).lower()
            out.append(Step(kind, round(float(step.get("endConditionValue") or 0))))
        return tuple(out)

    segments = body.get("workoutSegments") or []
    if not segments:
        raise StoredOtherwise("the workout has no steps")
    try:
        steps = convert(segments[0].get("workoutSteps") or [])
    except (ValueError, TypeError) as exc:  # a value object refused what came back
        raise StoredOtherwise(f"its steps do not read as a workout ({exc})") from None
    return StoredWorkout(str(body.get("workoutName") or ""), sport, steps)
