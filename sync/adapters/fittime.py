"""FIT times as UTC datetimes, including the relative ones devices without a clock write.

FIT profile: a `date_time` below 0x10000000 is not seconds since 1989-12-31 UTC but
"system time", seconds since the device was switched on. Such a file can only be placed
in time by a value that is absolute: the `activity` message's `local_timestamp` (her wall
clock when the activity ended) read in her time zone, paired with that message's own
relative `timestamp`. Without one, the file is refused with a reason that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeGuard

RELATIVE_LIMIT = 0x10000000
# fitparse turns every local_date_time into a datetime, relative ones too: those fall
# before this moment (naive, her wall clock).
_LOCAL_RELATIVE_BEFORE = datetime(1989, 12, 31) + timedelta(seconds=RELATIVE_LIMIT)
RELATIVE_WORDS = "the watch recorded its times as seconds since it was switched on (no clock set)"


def is_relative(value: Any) -> TypeGuard[int]:
    """A date_time that fitparse left as a number: seconds since power-on."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < RELATIVE_LIMIT


@dataclass(frozen=True)
class TimeBase:
    """Turns the file's times into UTC. `offset_s` is the Unix time of power-on (relative
    zero), or None when the file has no relative times or nothing anchors them."""

    offset_s: float | None = None

    def utc(self, value: Any) -> datetime | None:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if self.offset_s is not None and is_relative(value):
            return datetime.fromtimestamp(self.offset_s + value, UTC)
        return None

    def unix(self, seconds: float) -> float:
        """A record's timestamp (Unix seconds, or relative seconds below the limit)."""
        if self.offset_s is not None and seconds < RELATIVE_LIMIT:
            return self.offset_s + seconds
        return seconds


@dataclass(frozen=True)
class Anchoring:
    base: TimeBase
    note: str | None = None  # what was done, for the analysis
    refusal: str | None = None  # why the file cannot be placed in time


def anchor(activity_message: dict[str, Any] | None, tz: tzinfo) -> Anchoring:
    """The time base of a file that holds relative times, from its activity message."""
    values = activity_message or {}
    relative = values.get("timestamp")
    local = values.get("local_timestamp")
    if not is_relative(relative):
        return Anchoring(
            TimeBase(),
            refusal=f"{RELATIVE_WORDS}, and the file has no local time to anchor them "
            "(its activity message has no relative timestamp to pair with one)",
        )
    if not isinstance(local, datetime):
        return Anchoring(
            TimeBase(), refusal=f"{RELATIVE_WORDS}, and the file has no local time to anchor them"
        )
    if local.replace(tzinfo=None) < _LOCAL_RELATIVE_BEFORE:
        return Anchoring(
            TimeBase(),
            refusal=f"{RELATIVE_WORDS}, and the file has no local time to anchor them "
            "(its local time is relative too)",
        )
    wall = local.replace(tzinfo=tz)
    offset = wall.astimezone(UTC).timestamp() - relative
    name = getattr(tz, "key", None) or str(tz)
    note = (
        f"{RELATIVE_WORDS}: placed by the activity's local time "
        f"{local:%Y-%m-%d %H:%M:%S} read in {name}"
    )
    return Anchoring(TimeBase(offset), note=note)
