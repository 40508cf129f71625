"""Build synthetic FIT files with Garmin's own SDK Encoder, for deterministic tests.

A session is a list of segments (run, walk, pause). Running is ~164 steps/min at
2.8 m/s, walking ~110 steps/min at 1.3 m/s, as real watches record them (cadence in
strides per minute plus a fractional part).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from garmin_fit_sdk import Encoder, Profile

MESG = Profile["mesg_num"]
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Segment:
    """A stretch of one activity. With `laps_per_segment`, each segment closes a lap
    (with `lap_trigger`) unless `new_lap` is False, which continues the previous lap
    (e.g. she walked the rest of a run step: same lap, different activity)."""

    kind: str  # run | walk | pause
    duration_s: int
    wkt_step_index: int | None = None
    intensity: str | None = None
    new_lap: bool = True
    lap_trigger: str = "time"


PACE = {
    "run": {"cadence": 82, "fractional": 0.0, "speed": 2.8, "hr": 150},
    "walk": {"cadence": 55, "fractional": 0.0, "speed": 1.3, "hr": 110},
}


@dataclass
class WorkoutStepSpec:
    duration_s: int | None = None
    intensity: str = "active"
    name: str | None = None
    repeat_from: int | None = None
    repeat_count: int | None = None


@dataclass
class ActivitySpec:
    segments: list[Segment]
    start: datetime = T0
    sport: str = "running"
    sub_sport: str = "generic"
    record_every_s: int = 1
    with_cadence: bool = True
    with_speed: bool = True
    laps_per_segment: bool = False
    serial: int = 3_400_000_001
    time_created: datetime | None = None
    workout_name: str | None = None
    workout_steps: list[WorkoutStepSpec] = field(default_factory=list)
    file_type: str = "activity"
    with_distance: bool = True
    # Irregular "smart" recording: the gap to the next record is drawn from 1..10 s.
    smart_recording_seed: int | None = None
    # Sensor noise: cadence +-4 spm, speed +-0.5 m/s (GPS), seeded so runs repeat.
    noise_seed: int | None = None
    # Auto lap every N metres (trigger "distance") inside each segment lap.
    auto_lap_m: float | None = None
    # What the laps' `timestamp` holds: "end" (as the FIT profile says), "start" (every
    # lap, the session and the activity stamped with the activity's start, as a current
    # Forerunner writes them) or "missing".
    lap_timestamps: str = "end"
    # Old devices without a clock: every date_time is seconds since the device was
    # switched on (below 0x10000000). The activity starts this many seconds after power-on.
    relative_from_s: int | None = None
    # The activity message's local_timestamp: the wall clock where she was (naive), or
    # None to leave it out. "auto" writes `start`'s end time shifted by `utc_offset_h`.
    local_timestamp: datetime | str | None = "auto"
    utc_offset_h: float = 0.0
    # Laps, session and activity written before the records (the FR955 and FR70 order).
    summary_first: bool = False
    # Each lap after the first starts this many seconds before the one before ended (its
    # elapsed time grows to match), as a COROS APEX file does.
    lap_overlap_s: int = 0


class _Buffer:
    """Messages kept in order, to be written in the order a device writes them."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, dict[str, Any]]] = []

    def on_mesg(self, mesg_num: int, values: dict[str, Any]) -> None:
        self.messages.append((mesg_num, values))


FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


def build_activity(spec: ActivitySpec) -> bytes:
    enc = _Buffer()
    created = spec.time_created or spec.start

    def when(moment: datetime) -> datetime | int:
        """A date_time as the device writes it: absolute, or seconds since power-on."""
        if spec.relative_from_s is None:
            return moment
        return spec.relative_from_s + int((moment - spec.start).total_seconds())

    enc.on_mesg(
        MESG["FILE_ID"],
        {
            "type": spec.file_type,
            "manufacturer": "garmin",
            "product": 3076,
            "serial_number": spec.serial,
            "time_created": when(created),
        },
    )
    if spec.workout_name is not None or spec.workout_steps:
        _write_workout(enc, spec)
    enc.on_mesg(
        MESG["EVENT"], {"timestamp": when(spec.start), "event": "timer", "event_type": "start"}
    )
    t = spec.start
    distance = 0.0
    timer = 0.0
    laps: list[dict[str, Any]] = []
    gaps = random.Random(spec.smart_recording_seed)
    noise = random.Random(spec.noise_seed)
    next_record = spec.start
    lap_start, lap_timer, lap_dist = spec.start, 0.0, 0.0

    def close(end: datetime, seg: Segment | None, trigger: str) -> None:
        nonlocal lap_start, lap_timer, lap_dist
        laps.append(
            {
                "start": lap_start,
                "end": end,
                "timer": lap_timer,
                "dist": lap_dist,
                "wsi": seg.wkt_step_index if seg else None,
                "intensity": seg.intensity if seg else None,
                "trigger": trigger,
            }
        )
        lap_start, lap_timer, lap_dist = end, 0.0, 0.0

    for index, seg in enumerate(spec.segments):
        if seg.kind == "pause":
            enc.on_mesg(
                MESG["EVENT"], {"timestamp": when(t), "event": "timer", "event_type": "stop_all"}
            )
            t += timedelta(seconds=seg.duration_s)
            enc.on_mesg(
                MESG["EVENT"], {"timestamp": when(t), "event": "timer", "event_type": "start"}
            )
            next_record = max(next_record, t)
            continue
        pace = PACE[seg.kind]
        for second in range(seg.duration_s):
            now = t + timedelta(seconds=second)
            if spec.auto_lap_m and lap_dist >= spec.auto_lap_m:
                close(now, seg if spec.laps_per_segment else None, "distance")
            distance += pace["speed"]
            lap_dist += pace["speed"]
            lap_timer += 1
            if spec.smart_recording_seed is not None:
                if now < next_record:
                    continue
                next_record = now + timedelta(seconds=gaps.randint(1, 10))
            elif second % spec.record_every_s:
                continue
            record: dict[str, Any] = {"timestamp": when(now), "heart_rate": pace["hr"]}
            if spec.with_distance:
                record["distance"] = round(distance, 2)
            if spec.with_speed:
                jitter = noise.uniform(-0.5, 0.5) if spec.noise_seed is not None else 0.0
                record["enhanced_speed"] = max(pace["speed"] + jitter, 0.0)
            if spec.with_cadence:
                jitter = noise.randint(-2, 2) if spec.noise_seed is not None else 0
                record["cadence"] = pace["cadence"] + jitter
                record["fractional_cadence"] = pace["fractional"]
            enc.on_mesg(MESG["RECORD"], record)
        t += timedelta(seconds=seg.duration_s)
        timer += seg.duration_s
        if spec.laps_per_segment:
            following = next((s for s in spec.segments[index + 1 :] if s.kind != "pause"), None)
            if following is None or following.new_lap:
                close(t, seg, seg.lap_trigger)
    enc.on_mesg(MESG["EVENT"], {"timestamp": when(t), "event": "timer", "event_type": "stop_all"})
    if not spec.laps_per_segment or lap_timer:
        close(t, None, "session_end")
    stamp = {"end": lambda end: when(end), "start": lambda _end: when(spec.start)}
    for i, lap in enumerate(laps):
        early = timedelta(seconds=spec.lap_overlap_s if i else 0)
        values: dict[str, Any] = {
            "message_index": i,
            "start_time": when(lap["start"] - early),
            "total_elapsed_time": (lap["end"] - lap["start"] + early).total_seconds(),
            "total_timer_time": lap["timer"],
            "total_distance": round(lap["dist"], 2),
            "sport": spec.sport,
            "event": "lap",
            "event_type": "stop",
        }
        if spec.lap_timestamps in stamp:
            values["timestamp"] = stamp[spec.lap_timestamps](lap["end"])
        if lap["wsi"] is not None:
            values["wkt_step_index"] = lap["wsi"]
        if lap["intensity"] is not None:
            values["intensity"] = lap["intensity"]
        values["lap_trigger"] = lap["trigger"]
        enc.on_mesg(MESG["LAP"], values)
    elapsed = (t - spec.start).total_seconds()
    summary_at = when(spec.start if spec.lap_timestamps == "start" else t)
    enc.on_mesg(
        MESG["SESSION"],
        {
            "message_index": 0,
            "timestamp": summary_at,
            "start_time": when(spec.start),
            "total_elapsed_time": elapsed,
            "total_timer_time": timer,
            "total_distance": round(distance, 2),
            "sport": spec.sport,
            "sub_sport": spec.sub_sport,
            "first_lap_index": 0,
            "num_laps": len(laps),
            "event": "session",
            "event_type": "stop",
        },
    )
    activity: dict[str, Any] = {
        "timestamp": summary_at,
        "total_timer_time": timer,
        "num_sessions": 1,
        "type": "manual",
        "event": "activity",
        "event_type": "stop",
    }
    local = spec.local_timestamp
    if local == "auto":
        at = spec.start if spec.lap_timestamps == "start" else t
        local = at.replace(tzinfo=None) + timedelta(hours=spec.utc_offset_h)
    if isinstance(local, datetime):
        # local_date_time: seconds since the FIT epoch on her wall clock (no zone)
        activity["local_timestamp"] = int((local.replace(tzinfo=UTC) - FIT_EPOCH).total_seconds())
    enc.on_mesg(MESG["ACTIVITY"], activity)
    summary = {MESG["LAP"], MESG["SESSION"], MESG["ACTIVITY"]}
    head = {MESG["FILE_ID"], MESG["WORKOUT"], MESG["WORKOUT_STEP"]}
    ordered = enc.messages
    if spec.summary_first:
        ordered = (
            [m for m in ordered if m[0] in head]
            + [m for m in ordered if m[0] in summary]
            + [m for m in ordered if m[0] not in head | summary]
        )
    out = Encoder()
    for mesg_num, values in ordered:
        out.on_mesg(mesg_num, values)
    return bytes(out.close())


def _write_workout(enc: _Buffer, spec: ActivitySpec) -> None:
    enc.on_mesg(
        MESG["WORKOUT"],
        {
            "wkt_name": spec.workout_name or "workout",
            "sport": "running",
            "num_valid_steps": len(spec.workout_steps),
        },
    )
    for i, step in enumerate(spec.workout_steps):
        if step.repeat_from is not None:
            values: dict[str, Any] = {
                "message_index": i,
                "duration_type": "repeat_until_steps_cmplt",
                "duration_value": step.repeat_from,
                "target_value": step.repeat_count,
            }
        else:
            values = {
                "message_index": i,
                "duration_type": "time",
                "duration_value": int((step.duration_s or 0) * 1000),
                "target_type": "open",
                "intensity": step.intensity,
            }
        if step.name:
            values["wkt_step_name"] = step.name
        enc.on_mesg(MESG["WORKOUT_STEP"], values)


def simple_run(minutes: int = 20, **kwargs: Any) -> bytes:
    """A continuous run of `minutes`, one lap."""
    return build_activity(ActivitySpec([Segment("run", minutes * 60)], **kwargs))


def run_walk(repeats: int = 5, run_s: int = 30, walk_s: int = 270, **kwargs: Any) -> bytes:
    """walk 5m, N x (run, walk), walk 5m: the first run/walk session of the ladder."""
    segments = [Segment("walk", 300)]
    for _ in range(repeats):
        segments += [Segment("run", run_s), Segment("walk", walk_s)]
    segments.append(Segment("walk", 300))
    return build_activity(ActivitySpec(segments, **kwargs))


def workout_file() -> bytes:
    """A FIT workout file (not an activity)."""
    enc = Encoder()
    enc.on_mesg(
        MESG["FILE_ID"],
        {"type": "workout", "manufacturer": "development", "serial_number": 7, "time_created": T0},
    )
    enc.on_mesg(MESG["WORKOUT"], {"wkt_name": "Run/Walk", "sport": "running", "num_valid_steps": 1})
    enc.on_mesg(
        MESG["WORKOUT_STEP"],
        {
            "message_index": 0,
            "duration_type": "time",
            "duration_value": 300_000,
            "target_type": "open",
            "intensity": "warmup",
        },
    )
    return bytes(enc.close())


def true_bouts(spec: ActivitySpec) -> list[tuple[str, datetime, int]]:
    """What she really did: (kind, start, seconds) per stretch of one kind, split by pauses."""
    out: list[tuple[str, datetime, int]] = []
    t = spec.start
    previous: str | None = None
    for seg in spec.segments:
        if seg.kind != "pause" and seg.kind == previous:
            kind, start, seconds = out[-1]
            out[-1] = (kind, start, seconds + seg.duration_s)
        elif seg.kind != "pause":
            out.append((seg.kind, t, seg.duration_s))
        previous = seg.kind
        t += timedelta(seconds=seg.duration_s)
    return out


# The first run/walk level: walk 5m, 5x(run 30s, walk 4m30s), walk 5m, as the FIT
# workout runback writes it (step 3 repeats steps 1-2 five times).
FIRST_LEVEL_SPEC = "walk 5m, 5x(run 30s, walk 4m30s), walk 5m"
FIRST_LEVEL_STEPS = [
    WorkoutStepSpec(300, "warmup", "Walk"),
    WorkoutStepSpec(30, "active", "Run"),
    WorkoutStepSpec(270, "recovery", "Walk"),
    WorkoutStepSpec(repeat_from=1, repeat_count=5),
    WorkoutStepSpec(300, "cooldown", "Walk"),
]


def first_level_segments(structured: bool = True) -> list[Segment]:
    """The first level done exactly as prescribed, with laps by workout step if structured."""

    def seg(kind: str, seconds: int, index: int, intensity: str) -> Segment:
        return Segment(
            kind, seconds, index if structured else None, intensity if structured else None
        )

    segments = [seg("walk", 300, 0, "warmup")]
    for _ in range(5):
        segments += [seg("run", 30, 1, "active"), seg("walk", 270, 2, "recovery")]
    segments.append(seg("walk", 300, 4, "cooldown"))
    return segments


def three_hour_run(structured: bool = True) -> ActivitySpec:
    """walk 10m, 16x(run 5m, walk 5m), walk 10m at 1 Hz with sensor noise: three hours."""
    steps = [
        WorkoutStepSpec(600, "warmup", "Walk"),
        WorkoutStepSpec(300, "active", "Run"),
        WorkoutStepSpec(300, "recovery", "Walk"),
        WorkoutStepSpec(repeat_from=1, repeat_count=16),
        WorkoutStepSpec(600, "cooldown", "Walk"),
    ]

    def seg(kind: str, seconds: int, index: int, intensity: str) -> Segment:
        if structured:
            return Segment(kind, seconds, index, intensity)
        return Segment(kind, seconds)

    segments = [seg("walk", 600, 0, "warmup")]
    for _ in range(16):
        segments += [seg("run", 300, 1, "active"), seg("walk", 300, 2, "recovery")]
    segments.append(seg("walk", 600, 4, "cooldown"))
    return ActivitySpec(
        segments,
        laps_per_segment=structured,
        workout_steps=steps if structured else [],
        workout_name="Long" if structured else None,
        noise_seed=3,
    )


def follow(
    spec_text: str,
    start: datetime,
    *,
    serial: int,
    run_for: dict[int, int] | None = None,
    structured: bool = True,
    record_every_s: int = 1,
    lap_timestamps: str = "end",
    smart_recording_seed: int | None = None,
) -> bytes:
    """A session that follows a workout spec as the watch ran it: one lap per step with
    its FIT step index, the workout recorded in the file (steps named Run/Walk as runback
    writes them). `run_for` maps a run number (1-based) to the seconds she really ran of
    it; she walks the rest of that step."""
    from rules.workout import Repeat, Step, parse

    steps: list[WorkoutStepSpec] = []
    segments: list[Segment] = []

    def layout(items: tuple[object, ...]) -> list[tuple[str, int, int]]:
        rows: list[tuple[str, int, int]] = []
        for item in items:
            if isinstance(item, Step):
                index = len(steps)
                steps.append(WorkoutStepSpec(item.duration_s, item.intensity, item.kind.title()))
                rows.append((item.kind, item.duration_s, index))
            elif isinstance(item, Repeat):
                first = len(steps)
                inner = layout(item.steps)
                steps.append(WorkoutStepSpec(repeat_from=first, repeat_count=item.count))
                rows.extend(inner * item.count)
        return rows

    run_number = 0
    for kind, seconds, index in layout(parse(spec_text)):
        step_index = index if structured else None
        if kind == "run":
            run_number += 1
            ran = (run_for or {}).get(run_number, seconds)
            if ran > 0:
                segments.append(Segment("run", ran, step_index, "active"))
            if ran < seconds:
                segments.append(
                    Segment("walk", seconds - ran, step_index, "active", new_lap=ran == 0)
                )
        else:
            segments.append(Segment("walk", seconds, step_index, "active"))
    spec = ActivitySpec(
        segments,
        start=start,
        serial=serial,
        laps_per_segment=structured,
        workout_name=f"runback {start:%Y-%m-%d}" if structured else None,
        workout_steps=steps if structured else [],
        record_every_s=record_every_s,
        lap_timestamps=lap_timestamps,
        smart_recording_seed=smart_recording_seed,
    )
    return build_activity(spec)


def nested_repeats_run(levels: int = 3, count: int = 100, **kwargs: Any) -> bytes:
    """A 10-minute run whose recorded workout is `run 1s` repeated `count` times, that
    repeated `count` times, ... `levels` deep: a few bytes that expand to count**levels."""
    steps = [WorkoutStepSpec(1, "active", "Run")]
    steps += [WorkoutStepSpec(repeat_from=0, repeat_count=count) for _ in range(levels)]
    spec = ActivitySpec([Segment("run", 600)], workout_name="nested", workout_steps=steps, **kwargs)
    return build_activity(spec)
