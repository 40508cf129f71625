"""Workouts as FIT workout files, written with Garmin's own SDK Encoder (fitparse cannot
write). The only module that touches garmin_fit_sdk.

Layout (../shared/reference/garmin-workout-formats.md, section 3): file_id(type workout,
a non-zero serial for the workout's date), workout (sport running, or walking for a walk,
the name she reads on the watch, the reason as its description, num_valid_steps = every
workout_step message), then the steps depth first,
each with its message_index; time in milliseconds in `duration_value`; no target; a
repeat step after its children with `duration_value` = the index of the first child and
`target_value` = the number of passes. Only main field names with raw values: the
Encoder silently drops sub-field names such as `duration_time`.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from rules.workout import Item, Repeat, Step, Workout
from sync.adapters.workout_names import Label

STEP_NAMES = {"run": "Run", "walk": "Walk"}


def serial_for(workout: Workout) -> int:
    """A non-zero 32-bit serial for the workout's date. A device tells workout files apart
    by file_id (type, manufacturer, product, serial): a new decision for the same date is
    the same file to it, and replaces the one it had instead of standing beside it."""
    return zlib.crc32(f"runback|{workout.on.isoformat()}".encode()) or 1


def step_messages(items: tuple[Item, ...]) -> list[dict[str, Any]]:
    """The flat workout_step messages for a workout tree, depth first."""
    out: list[dict[str, Any]] = []

    def walk(seq: tuple[Item, ...]) -> None:
        for item in seq:
            if isinstance(item, Step):
                out.append(
                    {
                        "message_index": len(out),
                        "wkt_step_name": STEP_NAMES[item.kind],
                        "duration_type": "time",
                        "duration_value": item.duration_s * 1000,
                        "target_type": "open",
                        "target_value": 0,
                        "intensity": item.intensity,
                    }
                )
            else:
                assert isinstance(item, Repeat)
                first = len(out)
                walk(item.steps)
                out.append(
                    {
                        "message_index": len(out),
                        "duration_type": "repeat_until_steps_cmplt",
                        "duration_value": first,
                        "target_type": "open",
                        "target_value": item.count,
                    }
                )

    walk(items)
    return out


def workout_file(workout: Workout, label: Label, created: datetime) -> bytes:
    """The FIT workout file for `workout` (UTC-aware `created`), named and described by
    `label`."""
    from garmin_fit_sdk import Encoder, Profile

    mesg = Profile["mesg_num"]
    steps = step_messages(workout.steps)
    enc = Encoder()
    enc.on_mesg(
        mesg["FILE_ID"],
        {
            "type": "workout",
            "manufacturer": "development",
            "product": 0,
            "serial_number": serial_for(workout),
            "time_created": created,
        },
    )
    header: dict[str, Any] = {
        "wkt_name": label.watch_name,
        "sport": label.sport,
        "sub_sport": "generic",
        "capabilities": 32,
        "num_valid_steps": len(steps),
    }
    if label.description:
        header["wkt_description"] = label.description
    enc.on_mesg(mesg["WORKOUT"], header)
    for step in steps:
        enc.on_mesg(mesg["WORKOUT_STEP"], step)
    return bytes(enc.close())
