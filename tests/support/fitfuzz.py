"""Seeded mutants of real FIT files, and the bookkeeping of what became of each.

Mutations are the damage files meet on the way from a watch (cut copies, flipped bits)
and the shapes an attacker would try: bits flipped with the CRC fixed up (so the decoder
reads the damage instead of stopping at the checksum), chunks duplicated, headers that
claim more than the file holds. The same seed gives the same mutants.
"""

from __future__ import annotations

import hashlib
import random
import struct
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Small real files of each kind: runs (structured, smart recording, compressed
# timestamps, developer fields), multisport, chained, a course and a workout.
CI_SOURCES = (
    "run_fr70_no-gps_intervals.fit",
    "run_fr245_no-gps.fit",
    "run_fr225_time-jump_manual-laps.fit",
    "struct_run_fr245_loslopen-45.fit",
    "struct_run_fr245_aerobic-intervals-1.fit",
    "sdk_activity_multisport.fit",
    "chained_activity-settings.fit",
    "sdk_developer-data.fit",
    "course_garmin_old-stage.fit",
    "workout_sdk_repeat-steps.fit",
)
MUTATIONS = (
    "flip-bits",
    "flip-bits-crc-fixed",
    "truncate",
    "truncate-crc-fixed",
    "duplicate-chunk",
    "set-bytes-crc-fixed",
    "oversized-header",
)

_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip


def fit_crc(data: bytes) -> int:
    """The FIT protocol's CRC-16 of `data`."""
    crc = 0
    for byte in data:
        for nibble in (byte & 0x0F, byte >> 4):
            tmp = _CRC_TABLE[crc & 0x0F]
            crc = (crc >> 4) & 0x0FFF
            crc = crc ^ tmp ^ _CRC_TABLE[nibble]
    return crc


def with_crc_fixed(body: bytes, header_size: int) -> bytes:
    """`body` (header + records, no trailing CRC) as a file whose sizes and CRCs agree."""
    data = bytearray(body)
    struct.pack_into("<I", data, 4, len(body) - header_size)
    if header_size == 14:
        struct.pack_into("<H", data, 12, fit_crc(bytes(data[:12])))
    return bytes(data) + struct.pack("<H", fit_crc(bytes(data)))


@dataclass(frozen=True)
class Mutant:
    name: str
    data: bytes
    how: str


def mutants(sources: Sequence[tuple[str, bytes]], count: int, seed: int) -> Iterator[Mutant]:
    """`count` mutants, cycling through the sources and the mutations, drawn from `seed`."""
    rng = random.Random(seed)
    for number in range(count):
        source_name, data = sources[number % len(sources)]
        how = MUTATIONS[(number // len(sources) + number) % len(MUTATIONS)]
        mutated = _mutate(rng, data, how)
        stem = source_name.removesuffix(".fit")
        yield Mutant(f"{number:05d}-{how}-{stem}.fit", mutated, how)


def _mutate(rng: random.Random, data: bytes, how: str) -> bytes:
    header = data[0] if data and data[0] in (12, 14) else 12
    body = bytearray(data[:-2])  # header + records, without the file CRC
    records = max(len(body) - header, 1)
    if how in ("flip-bits", "flip-bits-crc-fixed"):
        for _ in range(rng.randint(1, 8)):
            at = header + rng.randrange(records)
            body[at] ^= 1 << rng.randrange(8)
        if how == "flip-bits":
            return bytes(body) + data[-2:]
        return with_crc_fixed(bytes(body), header)
    if how == "truncate":
        return data[: rng.randrange(len(data))]
    if how == "truncate-crc-fixed":
        return with_crc_fixed(bytes(body[: header + rng.randrange(records)]), header)
    if how == "duplicate-chunk":
        start = header + rng.randrange(records)
        chunk = body[start : start + rng.randint(1, 512)]
        at = header + rng.randrange(records)
        return with_crc_fixed(bytes(body[:at] + chunk + body[at:]), header)
    if how == "set-bytes-crc-fixed":
        for _ in range(rng.randint(1, 4)):
            body[header + rng.randrange(records)] = rng.choice((0x00, 0xFF, 0x7F, 0x80))
        return with_crc_fixed(bytes(body), header)
    # oversized-header: a header that claims more than the file holds, or a size no
    # FIT header has.
    mutated = bytearray(data)
    choice = rng.randrange(3)
    if choice == 0:
        struct.pack_into("<I", mutated, 4, 0xFFFFFFFF)
    elif choice == 1:
        mutated[0] = rng.choice((13, 15, 64, 255))
    else:
        struct.pack_into("<I", mutated, 4, len(data) * rng.randint(2, 1000))
    return bytes(mutated)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Tally:
    """What became of the mutants: every one must be accounted for."""

    tried: int = 0
    stored: int = 0  # ingested, or a duplicate of one already stored
    refused: int = 0
    quarantined: int = 0
    lost: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def line(self, label: str) -> str:
        return (
            f"{label}: {self.tried} tried, {self.stored} stored, {self.refused} refused, "
            f"{self.quarantined} quarantined, {self.lost} lost"
        )


def reason_kind(reason: str) -> str:
    """A reason without its numbers, to count reasons by kind."""
    return "".join("#" if ch.isdigit() else ch for ch in reason)[:90]


def fixture_sources(folder: Path, names: Sequence[str]) -> list[tuple[str, bytes]]:
    return [(name, (folder / name).read_bytes()) for name in names if (folder / name).is_file()]
