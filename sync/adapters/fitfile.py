"""FIT bytes -> rules.activity.Activity. The only module that touches fitparse messages.

Every failure, whatever the parser raised, becomes one FitFileError whose reason a
person can act on ("truncated: ends at byte 1207 of 5120", "CRC mismatch: ...").
"""

from __future__ import annotations

import math
import re
import struct
import traceback
import warnings
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from rules.activity import (
    Activity,
    Pause,
    RecordedStep,
    SampleColumns,
    Split,
    refusal,
)
from sync.adapters.fitlaps import build_laps
from sync.adapters.fitscan import scan
from sync.adapters.fittime import TimeBase, anchor, is_relative
from sync.dates import out_of_range
from sync.errors import FitFileError

NAN = math.nan
_TIMER_STOPS = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})
_SPLIT_KINDS = {"rwd_run": "run", "rwd_walk": "walk", "rwd_stand": "stand"}
# Workout steps are numbered by a uint16 message_index: more cannot be one workout, and a
# small file repeating the message cannot make the reader hold millions of them.
_MAX_WORKOUT_STEPS = 65_536
# Laps are numbered by a uint16 message_index too: a file repeating lap messages past
# that is not a run anyone recorded.
_MAX_LAPS = 65_536


def check_header(data: bytes) -> None:
    """Refuse what is plainly not a whole FIT file before the parser sees it."""
    size = len(data)
    if size == 0:
        raise FitFileError("empty file (0 bytes)")
    if size < 12 or data[8:12] != b".FIT":
        raise FitFileError("not a FIT file (no '.FIT' header)")
    header_size = data[0]
    if header_size not in (12, 14):
        raise FitFileError(f"not a FIT file (header size {header_size}, expected 12 or 14)")
    (data_size,) = struct.unpack_from("<I", data, 4)
    expected = header_size + data_size + 2
    if size < expected:
        raise FitFileError(f"truncated: ends at byte {size} of {expected}")


def read_activity(data: bytes, tz: tzinfo = UTC) -> Activity:
    """Decode a FIT activity of a run or a walk; raise FitFileError for anything else.

    A file that says it is something else (its file type, its sessions' sports) is
    refused from its message headers, before any record is decoded. `tz` is her time
    zone: a file from a device without a clock is placed in time by its local timestamp.
    """
    check_header(data)
    early = refused_early(data)
    if early:
        raise FitFileError(early)
    reader = _Reader()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reader.consume(data)
    except FitFileError:
        raise
    except Exception as exc:  # the parser can raise anything; none of it may escape
        raise FitFileError(_reason_for(exc, len(data), reader.stopped_at)) from exc
    if any("terminated unexpectedly" in str(w.message) for w in caught):
        raise FitFileError(f"truncated: the last message is cut off (file is {len(data)} bytes)")
    try:
        return reader.activity(tz)
    except ValueError as exc:  # a value object refused what the file holds
        raise FitFileError(f"damaged: the file holds impossible values ({exc})") from exc


def refused_early(data: bytes) -> str | None:
    """Why the file is not a run or a walk, when its headers say so; else None (a run, a
    walk, no session yet, or a stream the decoder must judge). The same rule and words
    as after a full decode."""
    kind = scan(data)
    if kind is None or not kind.file_types:
        return None
    if "activity" not in kind.file_types:
        return refusal(kind.file_types, [])
    if not kind.session_sports:
        return None  # cut short before its summary, perhaps: the decoder says which
    sports = [sport for sport in kind.session_sports if sport is not None]
    return refusal(kind.file_types, sports or [kind.sport_message or "generic"])


# fitparse's own complaints, and what they mean for her file.
_PARSE_PROBLEMS = (
    ("invalid local message type", "a data message uses a message type the file never defined"),
    ("dev_data_index", "a developer field refers to a description the file does not hold"),
    ("Invalid struct format", "a field's size does not fit its type"),
)
_BAD_VALUE = "a field holds a value its type cannot have"
# Where fitparse reads definitions: an exception there means a corrupt definition.
_DEFINITION_READERS = {
    "_parse_definition_message": "a message definition is corrupt (a field's size does not "
    "fit its type)",
    "add_dev_field_description": "a developer field description names a field type that "
    "does not exist",
}


def _reason_for(exc: Exception, size: int, at: int | None = None) -> str:
    """What is wrong with the file, in words (never a Python exception's name)."""
    import fitparse.utils as fu

    if isinstance(exc, fu.FitCRCError):
        found = re.search(r"computed: (0x[0-9A-Fa-f]+), read: (0x[0-9A-Fa-f]+)", str(exc))
        detail = f" (computed {found[1]}, file says {found[2]})" if found else ""
        return f"CRC mismatch: the file is damaged{detail}"
    if isinstance(exc, fu.FitEOFError):
        return f"truncated: ends early at byte {size} ({exc})"
    if isinstance(exc, fu.FitHeaderError):
        return "damaged: a chained FIT header inside the file is invalid"
    where = f"damaged at byte {at}" if at is not None else "damaged"
    if isinstance(exc, fu.FitParseError):
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        words = next((w for needle, w in _PARSE_PROBLEMS if needle in text), text[:160])
        return f"{where}: {words}"
    frames = [frame.name for frame in traceback.extract_tb(exc.__traceback__)]
    in_definition = [_DEFINITION_READERS[f] for f in frames if f in _DEFINITION_READERS]
    return f"{where}: {in_definition[0] if in_definition else _BAD_VALUE}"


def _num(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def fast_processor() -> Any:
    """fitparse's default data processing, with each processor looked up once per name.

    The stock processor formats a method name and calls getattr for every field of every
    message (three times), raising AttributeError for most; on a one-hour file that is a
    large share of the parse. This one gives identical values (a test compares them).
    """
    from fitparse.processors import FitFileDataProcessor

    class CachedLookupProcessor(FitFileDataProcessor):  # type: ignore[misc]
        def __init__(self) -> None:
            self._cache: dict[tuple[str, str], Any] = {}

        def _processor(self, prefix: str, name: str) -> Any:
            key = (prefix, name)
            try:
                return self._cache[key]
            except KeyError:
                method = getattr(self, self._scrub_method_name(prefix + name), None)
                self._cache[key] = method
                return method

        def run_type_processor(self, field_data: Any) -> None:
            method = self._processor("process_type_", field_data.type.name)
            if method is not None:
                method(field_data)

        def run_field_processor(self, field_data: Any) -> None:
            method = self._processor("process_field_", field_data.name)
            if method is not None:
                method(field_data)

        def run_unit_processor(self, field_data: Any) -> None:
            if field_data.units:
                method = self._processor("process_units_", field_data.units)
                if method is not None:
                    method(field_data)

        def run_message_processor(self, data_message: Any) -> None:
            method = self._processor("process_message_", data_message.def_mesg.name)
            if method is not None:
                method(data_message)

    return CachedLookupProcessor()


class _Reader:
    """Walks the message stream once, keeping only what an Activity needs."""

    def __init__(self) -> None:
        self.file_types: list[str] = []
        self.file_id: dict[str, Any] | None = None
        self.sessions: list[dict[str, Any]] = []
        self.laps: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.workout_name: str | None = None
        self.timer_events: list[tuple[Any, str]] = []  # (time as decoded, event type)
        self.activity_message: dict[str, Any] | None = None
        self.relative = False  # some times are seconds since power-on
        self.splits: list[dict[str, Any]] = []
        self.sport_message: str | None = None
        self.ts: list[float] = []
        self.speed: list[float] = []
        self.cadence: list[float] = []
        self.hr: list[float] = []
        self.dist: list[float] = []
        self.stopped_at: int | None = None

    def consume(self, data: bytes) -> None:
        """Read every message; on failure `stopped_at` is the byte the decoder had reached."""
        import fitparse

        fit = fitparse.UncachedFitFile(data, data_processor=fast_processor())
        try:
            self._consume(fit)
        except Exception:
            self.stopped_at = _position(fit)
            raise

    def _consume(self, fit: Any) -> None:
        for msg in fit.get_messages():
            name = msg.name
            if name == "record":
                self._record(msg.fields)
            elif name == "file_id":
                values = msg.get_values()
                kind = values.get("type")
                # A name, or a number the profile does not name; anything else is damage.
                self.file_types.append(str(kind) if isinstance(kind, (str, int)) else "")
                if kind == "activity" and self.file_id is None:
                    self.file_id = values
            elif name == "session":
                self.sessions.append(msg.get_values())
            elif name == "lap" and len(self.laps) < _MAX_LAPS:
                self.laps.append(msg.get_values())
            elif name == "event":
                values = msg.get_values()
                if values.get("event") == "timer" and values.get("timestamp") is not None:
                    self.timer_events.append((values["timestamp"], str(values.get("event_type"))))
            elif name == "activity" and self.activity_message is None:
                self.activity_message = msg.get_values()
            elif name == "workout":
                self.workout_name = msg.get_values().get("wkt_name")
            elif name == "workout_step" and len(self.steps) < _MAX_WORKOUT_STEPS:
                self.steps.append(msg.get_values())
            elif name == "split":
                self.splits.append(msg.get_values())
            elif name == "sport" and self.sport_message is None:
                self.sport_message = msg.get_values().get("sport")

    def _record(self, fields: Any) -> None:
        ts = speed = enhanced = cad = frac = hr = dist = None
        for f in fields:
            spec = f.field  # reading the profile field directly is cheaper than f.name
            if spec is None:
                continue
            n = spec.name
            if n == "timestamp":
                ts = f.value
            elif n == "enhanced_speed":
                enhanced = f.value
            elif n == "speed":
                speed = f.value
            elif n == "cadence":
                cad = f.value
            elif n == "fractional_cadence":
                frac = f.value
            elif n == "heart_rate":
                hr = f.value
            elif n == "distance":
                dist = f.value
        if isinstance(ts, datetime):
            self.ts.append(ts.replace(tzinfo=UTC).timestamp())
        elif is_relative(ts):  # seconds since power-on: anchored once the file is read
            self.ts.append(float(ts))
            self.relative = True
        else:
            return
        chosen = enhanced if enhanced is not None else speed
        self.speed.append(float(chosen) if isinstance(chosen, (int, float)) else NAN)
        if isinstance(cad, (int, float)):
            # FIT cadence is strides (cycles) per minute: steps/min = 2 x (cadence + fraction).
            extra = frac if isinstance(frac, (int, float)) else 0.0
            self.cadence.append(2.0 * (cad + extra))
        else:
            self.cadence.append(NAN)
        self.hr.append(float(hr) if isinstance(hr, (int, float)) else NAN)
        self.dist.append(float(dist) if isinstance(dist, (int, float)) else NAN)

    def activity(self, tz: tzinfo = UTC) -> Activity:
        sports = [str(s["sport"]) for s in self.sessions if isinstance(s.get("sport"), (str, int))]
        if self.file_types and not sports and self.sessions:
            sports = [self.sport_message or "generic"]
        reason = refusal(self.file_types, sports)
        if reason:
            raise FitFileError(reason)
        session = self.sessions[0]
        repairs: list[str] = []
        times = TimeBase()
        if self.relative or any(is_relative(session.get(k)) for k in ("start_time", "timestamp")):
            anchored = anchor(self.activity_message, tz)
            if anchored.refusal:
                raise FitFileError(anchored.refusal)
            times = anchored.base
            repairs.append(anchored.note or "")
            self.ts = [times.unix(t) for t in self.ts]
        first_ts = datetime.fromtimestamp(self.ts[0], UTC) if self.ts else None
        start = (
            times.utc(session.get("start_time")) or first_ts or times.utc(session.get("timestamp"))
        )
        if start is None:
            raise FitFileError("an activity without a start time")
        beyond = out_of_range(start.date())
        if beyond:
            raise FitFileError(f"an activity whose start cannot be right: {beyond}")
        timer_s = _num(session.get("total_timer_time"))
        elapsed_s = _num(session.get("total_elapsed_time"))
        if timer_s is None:
            timer_s = sum(_num(lap.get("total_timer_time")) or 0.0 for lap in self.laps)
        if elapsed_s is None:
            elapsed_s = timer_s
        laps, lap_repairs = build_laps(self.laps, times, start)
        repairs += lap_repairs
        file_id = self.file_id or {}
        serial = file_id.get("serial_number")
        return Activity(
            start=start,
            sport=sports[0],
            sub_sport=_str_or_none(session.get("sub_sport")),
            timer_s=timer_s,
            elapsed_s=max(elapsed_s, 0.0),
            distance_m=_num(session.get("total_distance")),
            laps=tuple(laps),
            workout_name=_str_or_none(self.workout_name),
            workout_steps=tuple(self._steps()),
            pauses=tuple(self._pauses(times)),
            splits=tuple(self._splits(times)),
            device_serial=int(serial) if isinstance(serial, int) and serial > 0 else None,
            time_created=times.utc(file_id.get("time_created")),
            repairs=tuple(repairs),
            columns=SampleColumns(self.ts, self.speed, self.cadence, self.hr, self.dist),
        )

    def _steps(self) -> list[RecordedStep]:
        steps = []
        for position, values in enumerate(self.steps):
            index = values.get("message_index")
            duration_type = _str_or_none(values.get("duration_type"))
            repeating = bool(duration_type and duration_type.startswith("repeat"))
            intensity = values.get("intensity")
            repeat_from = values.get("duration_step") if repeating else None
            repeat_count = values.get("repeat_steps") if repeating else None
            steps.append(
                RecordedStep(
                    index=index if isinstance(index, int) and index >= 0 else position,
                    duration_type=duration_type,
                    duration_s=_non_negative(_num(values.get("duration_time"))),
                    distance_m=_non_negative(_num(values.get("duration_distance"))),
                    repeat_from=repeat_from if isinstance(repeat_from, int) else None,
                    repeat_count=repeat_count if isinstance(repeat_count, int) else None,
                    intensity=intensity if isinstance(intensity, str) else None,
                    name=_str_or_none(values.get("wkt_step_name")),
                    target_type=_str_or_none(values.get("target_type")),
                )
            )
        steps.sort(key=lambda step: step.index)
        return steps

    def _pauses(self, times: TimeBase) -> list[Pause]:
        pauses = []
        stopped_at: datetime | None = None
        events = [(times.utc(raw), kind) for raw, kind in self.timer_events]
        known = [(when, kind) for when, kind in events if when is not None]
        for when, kind in sorted(known, key=lambda e: e[0]):
            if kind in _TIMER_STOPS:
                stopped_at = stopped_at or when
            elif kind == "start" and stopped_at is not None:
                if when > stopped_at:
                    pauses.append(Pause(stopped_at, when))
                stopped_at = None
        return pauses

    def _splits(self, times: TimeBase) -> list[Split]:
        splits = []
        for values in self.splits:
            kind = _SPLIT_KINDS.get(str(values.get("split_type")))
            start = times.utc(values.get("start_time"))
            end = times.utc(values.get("end_time"))
            if end is None and start is not None:
                elapsed = _num(values.get("total_elapsed_time"))
                end = start + timedelta(seconds=elapsed) if elapsed is not None else None
            if kind and start is not None and end is not None and end >= start:
                splits.append(Split(kind, start, end))
        splits.sort(key=lambda split: split.start)
        return splits


def _position(fit: Any) -> int | None:
    try:
        return int(fit._file.tell())
    except Exception:  # fitparse's internals moved: the reason goes without the byte
        return None


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None and str(value) != "" else None


def _non_negative(value: float | None) -> float | None:
    return value if value is None or value >= 0 else None
