"""What a FIT file is, read from its message headers without decoding its records.

A FIT file says what it is in a few bytes: the `type` of its file_id message and the
`sport` of its sessions. Finding them means walking the message stream, but not decoding
it: a definition message gives each local message type's size, so every data message can
be stepped over by that size. On a 2.4 MB ride of 100,000 records this takes a fraction
of a second, where decoding every record takes seconds; a file that is not a run or a
walk is refused before the decoder sees it (sync.adapters.fitfile).

Only a whole, well-formed stream gives an answer; anything unexpected gives None, and
the full decoder then decides (and explains) as before.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache

_FILE_ID, _SPORT, _SESSION = 0, 12, 18
# (global message number, field number) -> what it is
_WANTED = {(_FILE_ID, 0): "file_type", (_SPORT, 0): "sport", (_SESSION, 5): "session_sport"}


@dataclass(frozen=True)
class Kind:
    """The file types of a (possibly chained) FIT file and the sports it states."""

    file_types: tuple[str, ...]
    session_sports: tuple[str | None, ...]
    sport_message: str | None


@dataclass(frozen=True)
class _Definition:
    size: int  # bytes of one data message of this local type
    wanted: tuple[tuple[int, str], ...]  # (offset, what) of the one-byte fields we read


def scan(data: bytes) -> Kind | None:
    """The kind of file, from headers and a few one-byte fields; None when the stream is
    not exactly as the FIT protocol describes it (the decoder then says why)."""
    file_types: list[str] = []
    sessions: list[str | None] = []
    sport: str | None = None
    start = 0
    while start < len(data):
        part = _scan_one(data, start)
        if part is None:
            return None
        end, found = part
        for what, value in found:
            if what == "file_type":
                file_types.append(_name("file", value) or "")
            elif what == "session_sport":
                sessions.append(_name("sport", value))
            elif sport is None:
                sport = _name("sport", value)
        start = end
    return Kind(tuple(file_types), tuple(sessions), sport)


def _scan_one(data: bytes, start: int) -> tuple[int, list[tuple[str, int]]] | None:
    """(end of this FIT file, the wanted values in order) for the file at `start`."""
    if len(data) - start < 12 or data[start + 8 : start + 12] != b".FIT":
        return None
    header_size = data[start]
    if header_size not in (12, 14):
        return None
    (data_size,) = struct.unpack_from("<I", data, start + 4)
    pos, end = start + header_size, start + header_size + data_size
    if end + 2 > len(data):
        return None
    local: dict[int, _Definition] = {}
    found: list[tuple[str, int]] = []
    while pos < end:
        header = data[pos]
        pos += 1
        if header & 0x80:  # compressed timestamp: a data message of local type 0-3
            definition = local.get((header >> 5) & 0x03)
        elif header & 0x40:  # a definition message
            parsed = _definition(data, pos, end, bool(header & 0x20))
            if parsed is None:
                return None
            pos, local[header & 0x0F] = parsed
            continue
        else:
            definition = local.get(header & 0x0F)
        if definition is None or pos + definition.size > end:
            return None
        for offset, what in definition.wanted:
            found.append((what, data[pos + offset]))
        pos += definition.size
    return end + 2, found


def _definition(data: bytes, pos: int, end: int, developer: bool) -> tuple[int, _Definition] | None:
    if pos + 5 > end:
        return None
    big_endian = data[pos + 1] == 1
    (number,) = struct.unpack_from(">H" if big_endian else "<H", data, pos + 2)
    count = data[pos + 4]
    pos += 5
    if pos + 3 * count > end:
        return None
    size = 0
    wanted = []
    for i in range(count):
        field, field_size = data[pos + 3 * i], data[pos + 3 * i + 1]
        what = _WANTED.get((number, field))
        if what is not None:
            if field_size != 1:
                return None  # not the one-byte enum the profile says: let the decoder judge
            wanted.append((size, what))
        size += field_size
    pos += 3 * count
    if developer:
        if pos + 1 > end:
            return None
        dev_count = data[pos]
        pos += 1
        if pos + 3 * dev_count > end:
            return None
        size += sum(data[pos + 3 * i + 1] for i in range(dev_count))
        pos += 3 * dev_count
    return pos, _Definition(size, tuple(wanted))


def _name(kind: str, value: int) -> str | None:
    """The profile's name for an enum value as fitparse gives it: None when invalid
    (0xFF), the number as text when the profile does not know it."""
    if value == 0xFF:
        return None
    return _names(kind).get(value, str(value))


@cache
def _names(kind: str) -> dict[int, str]:
    from fitparse.profile import FIELD_TYPES

    return dict(FIELD_TYPES[kind].values)


def time_created(data: bytes) -> int | None:
    """The file_id's `time_created` as written (FIT seconds: since 1989-12-31 UTC, or
    since power-on below 0x10000000), read from the first messages only; None when the
    file does not start as the protocol says or has no such field."""
    if len(data) < 14 or data[8:12] != b".FIT" or data[0] not in (12, 14):
        return None
    (data_size,) = struct.unpack_from("<I", data, 4)
    pos, end = data[0], min(len(data), data[0] + data_size)
    layouts: dict[int, tuple[int, int | None, bool, int]] = {}  # local -> (global, offset...)
    for _ in range(64):  # file_id comes first; a file that hides it is the decoder's to judge
        if pos >= end:
            return None
        header = data[pos]
        pos += 1
        if header & 0x80:
            return None  # a compressed-timestamp record before the file_id: not for us
        if header & 0x40:
            if pos + 5 > end:
                return None
            big = data[pos + 1] == 1
            (number,) = struct.unpack_from(">H" if big else "<H", data, pos + 2)
            count = data[pos + 4]
            fields = pos + 5
            if fields + 3 * count > end:
                return None
            size, offset = 0, None
            for i in range(count):
                field, field_size = data[fields + 3 * i], data[fields + 3 * i + 1]
                if number == _FILE_ID and field == 4 and field_size == 4:
                    offset = size
                size += field_size
            pos = fields + 3 * count
            if header & 0x20:  # developer fields
                if pos >= end:
                    return None
                dev = data[pos]
                if pos + 1 + 3 * dev > end:
                    return None
                size += sum(data[pos + 1 + 3 * i + 1] for i in range(dev))
                pos += 1 + 3 * dev
            layouts[header & 0x0F] = (number, offset, big, size)
            continue
        layout = layouts.get(header & 0x0F)
        if layout is None or pos + layout[3] > end:
            return None
        number, offset, big, size = layout
        if number == _FILE_ID:
            if offset is None:
                return None
            (value,) = struct.unpack_from(">I" if big else "<I", data, pos + offset)
            return None if value in (0, 0xFFFFFFFF) else int(value)
        pos += size
    return None
