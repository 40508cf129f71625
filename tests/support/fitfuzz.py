"""Seeded mutants of real FIT files, and the bookkeeping of what became of each.

Mutations are the damage files meet on the way from a watch (cut copies, flipped bits)
and the shapes an attacker would try: bits flipped with the CRC fixed up (so the decoder
reads the damage instead of stopping at the checksum), chunks duplicated, headers that
claim more than the file holds. The same seed gives the same mutants.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import struct
import subprocess
import time
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


# --- through the real command -----------------------------------------------------------

PYTHON_NAMES = re.compile(r"\b\w*(Error|Exception)\b|NoneType|object has no attribute")


def write_old(folder: Path, batch: Sequence[Mutant]) -> None:
    """The mutants as files, a minute old (settled, so the inbox takes them at once)."""
    folder.mkdir(parents=True, exist_ok=True)
    old = time.time() - 60
    for mutant in batch:
        path = folder / mutant.name
        path.write_bytes(mutant.data)
        os.utime(path, (old, old))


def through_ingest(
    command: Sequence[str], env: dict[str, str], folder: Path, batch: Sequence[Mutant]
) -> tuple[Tally, list[str]]:
    """`runback ingest FOLDER` over the mutants: one line each, files left as they were."""
    write_old(folder, batch)
    done = subprocess.run(
        [*command, "--quiet", "ingest", str(folder)],
        env=env, capture_output=True, text=True, timeout=3600, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    problems = _process_problems("ingest", done, expected=(0, 2))
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    tally = Tally(tried=len(batch))
    for mutant in batch:
        path = folder / mutant.name
        if not path.is_file() or path.read_bytes() != mutant.data:
            problems.append(f"{mutant.name}: changed or moved by ingest")
        mine = [line for line in lines if line.split(" ", 1)[-1].startswith(f"{path}: ")]
        if len(mine) != 1:
            tally.lost += 1
            problems.append(f"{mutant.name}: {len(mine)} output lines, expected 1")
            continue
        state, _, rest = mine[0].partition(" ")
        reason = rest.removeprefix(f"{path}: ")
        if state in ("ingested", "duplicate"):
            tally.stored += 1
        elif state == "rejected":
            tally.refused += 1
            tally.reasons[reason_kind(reason)] += 1
            if PYTHON_NAMES.search(reason):
                problems.append(f"{mutant.name}: reason not in words: {reason}")
        else:
            problems.append(f"{mutant.name}: unexpected line {mine[0]!r}")
    return tally, problems


def through_worker(
    command: Sequence[str], env: dict[str, str], home: Path, batch: Sequence[Mutant]
) -> tuple[Tally, list[str]]:
    """`runback worker --once` over an inbox of mutants: each archived or quarantined with
    a reason, none left behind, none lost (the bytes in archive/ and quarantine/ are the
    bytes given), the worker exits 0."""
    inbox, archive, quarantine = home / "inbox", home / "archive", home / "quarantine"
    before = Counter(sha256(p.read_bytes()) for p in _fit_files(archive, quarantine))
    write_old(inbox, batch)
    done = subprocess.run(
        [*command, "worker", "--once"],
        env=env, capture_output=True, text=True, timeout=3600, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    problems = _process_problems("worker --once", done, expected=(0,))
    left = sorted(p.name for p in inbox.iterdir()) if inbox.is_dir() else []
    if left:
        problems.append(f"left in the inbox: {left[:5]}{' ...' if len(left) > 5 else ''}")
    after = Counter(sha256(p.read_bytes()) for p in _fit_files(archive, quarantine))
    given = Counter(sha256(m.data) for m in batch)
    missing = given - (after - before)
    tally = Tally(tried=len(batch), lost=sum(missing.values()))
    names = {m.name for m in batch}
    for path in _fit_files(archive):
        tally.stored += _original_name(path) in names
    for path in _fit_files(quarantine):
        if _original_name(path) not in names:
            continue
        tally.refused += 1
        note = path.with_name(path.name + ".reason.txt")
        reason = note.read_text().strip() if note.is_file() else ""
        if reason:
            tally.quarantined += 1
            tally.reasons[reason_kind(reason)] += 1
            if PYTHON_NAMES.search(reason):
                problems.append(f"{path.name}: reason not in words: {reason}")
        else:
            problems.append(f"{path.name}: quarantined without a reason")
    log = home / "logs" / "runback.log"
    if log.is_file() and "Traceback" in log.read_text(errors="replace"):
        problems.append("a traceback in logs/runback.log")
    return tally, problems


def _process_problems(
    what: str, done: subprocess.CompletedProcess[str], expected: tuple[int, ...]
) -> list[str]:
    problems = []
    if done.returncode not in expected:
        problems.append(f"{what} exited {done.returncode}: {done.stderr[-500:]}")
    for marker in ("Traceback", "internal error"):
        if marker in done.stderr:
            problems.append(f"{what}: {marker!r} on stderr: {done.stderr[-800:]}")
    return problems


def _fit_files(*folders: Path) -> list[Path]:
    return [
        p for folder in folders if folder.is_dir() for p in sorted(folder.iterdir())
        if p.suffix.lower() == ".fit"
    ]  # fmt: skip


def _original_name(path: Path) -> str:
    """NAME.fit for NAME.fit and for NAME.2.fit (the inbox never overwrites)."""
    stem, dot, number = path.stem.rpartition(".")
    return f"{stem}{path.suffix}" if dot and number.isdigit() else path.name
