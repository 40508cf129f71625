"""Workouts as FIT workout files, written with Garmin's own SDK Encoder (fitparse cannot
write). The only module that touches garmin_fit_sdk.

Layout (../shared/reference/garmin-workout-formats.md, section 3): file_id(type workout,
a non-zero serial unique per workout), workout (sport running, a short name with level
and date, num_valid_steps = every workout_step message), then the steps depth first,
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

STEP_NAMES = {"run": "Run", "walk": "Walk"}


def short_name(workout: Workout, level: int) -> str:
    """'RB L4 11-20': short enough for any watch's list (some show 15 characters)."""
    return f"RB L{level} {workout.on:%m-%d}"


def serial_for(workout: Workout, level: int) -> int:
    """A non-zero 32-bit serial that differs for every distinct workout and date."""
    key = f"{workout.on.isoformat()}|{level}|{workout.spec}".encode()
    return zlib.crc32(key) or 1


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


def workout_file(workout: Workout, level: int, created: datetime) -> bytes:
    """The FIT workout file for `workout` (UTC-aware `created`)."""
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
            "serial_number": serial_for(workout, level),
            "time_created": created,
        },
    )
    enc.on_mesg(
        mesg["WORKOUT"],
        {
            "wkt_name": short_name(workout, level),
            "sport": "running",
            "sub_sport": "generic",
            "capabilities": 32,
            "num_valid_steps": len(steps),
        },
    )
    for step in steps:
        enc.on_mesg(mesg["WORKOUT_STEP"], step)
    return bytes(enc.close())
