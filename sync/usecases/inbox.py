"""The inbox: gather (list the files), decide (which are ready), apply (ingest, move).

A good file goes to archive/, a refused one to quarantine/ with NAME.reason.txt beside
it. Nothing is deleted and nothing is overwritten. A FIT file shorter than its header
says is still arriving: it waits until it has not changed for `inbox_truncated_wait_s`.
A folder runback cannot use (read-only, full) raises FolderError: the file stays where
it is. A name that is not UTF-8 is kept on disk as it is and written \\xNN elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sync import logs
from sync.adapters.inbox_folder import (
    NOTE_SUFFIX,
    incomplete_fit,
    move_without_overwrite,
)
from sync.adapters.rawstore import write_private_atomic
from sync.adapters.reading import read_file
from sync.bootstrap import App
from sync.errors import BadInput, FolderError
from sync.formatting import safe_text
from sync.usecases.ingest import IngestResult, ingest_bytes
from sync.usecases.journal_csv import import_csv

if TYPE_CHECKING:
    from sync.adapters.decoding import Decoded


@dataclass(frozen=True)
class Seen:
    """A file as observed: its size and modification time, and when we first saw them."""

    size: int
    mtime_ns: int
    since_s: float


# --- work-item keys -----------------------------------------------------------------------
# A work item is keyed by the file's name, size and modification time, so a file that
# changes is a new item. A name that is not UTF-8 cannot go into the database as it is:
# its key holds a hash of its bytes behind "/", which no file name can start with.


def decide_ready(
    current: Mapping[str, tuple[int, int]],
    previous: Mapping[str, Seen],
    now_s: float,
    stable_s: float,
    closed: Collection[str] = (),
) -> tuple[list[str], dict[str, Seen]]:
    """Which files are ready, and what to remember for the next look. Pure.

    A file is ready once its size and modification time have been unchanged for
    `stable_s`: its mtime is at least that old, and it has not changed since the last
    look (a copy that keeps the original mtime still changes size while it grows). A file
    the filesystem reported closed after writing, or moved in, is ready at once.
    """
    ready: list[str] = []
    memory: dict[str, Seen] = {}
    for name, (size, mtime_ns) in sorted(current.items()):
        before = previous.get(name)
        if before is None or (before.size, before.mtime_ns) != (size, mtime_ns):
            seen = Seen(size, mtime_ns, now_s)
            changed = before is not None
        else:
            seen = before
            changed = False
        quiet_for = now_s - mtime_ns / 1e9
        if name in closed or (not changed and quiet_for >= stable_s):
            ready.append(name)
        else:
            memory[name] = seen
    return ready, memory


def wait_needed(memory: Mapping[str, Seen], now_s: float, stable_s: float) -> float:
    """Seconds until the files not yet ready could be (for a one-shot pass)."""
    if not memory:
        return 0.0
    return max(
        0.0, min(stable_s, max(stable_s - (now_s - s.mtime_ns / 1e9) for s in memory.values()))
    )


def take(
    app: App, path: Path, *, quiet_s: float = math.inf, decoded: Decoded | None = None
) -> IngestResult:
    """Ingest one inbox file (a run, or a symptom CSV), then archive or quarantine it.

    `quiet_s`: how long the file has not changed. A FIT file shorter than its header says,
    a CSV whose last row has no end of line, or a CSV that is refused, is `waiting` (left
    where it is) until that reaches
    `inbox_truncated_wait_s`: a copy arriving in pieces looks just like that. A file that
    cannot be read is `failed` (left where it is, for the worker to try again). Raises
    FolderError when the archive, quarantine or raw store cannot be written. `decoded`:
    the run as a decoding process read it ahead (used when the bytes are still those).
    """
    name = path.name  # as it is on disk: the store writes it safely, the log escapes it
    waits = quiet_s < app.settings.inbox_truncated_wait_s
    try:
        data = read_file(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        return IngestResult(name, "failed", reason=f"cannot read: {exc.strerror or exc}")
    if path.suffix.lower() == ".csv":
        if waits and data and not data.endswith((b"\n", b"\r")):
            # A journal cut mid-row reads as a shorter row (pain 1 of 10): wait for the rest.
            return IngestResult(name, "waiting", reason="its last row has no end of line yet")
        result = _import_symptoms(app, path, name)
        if result.state == "refused-journal" and waits:
            return IngestResult(name, "waiting", reason="refused for now; it may still be arriving")
    else:
        expected = incomplete_fit(data)
        if expected is not None and waits:
            return IngestResult(
                name, "waiting", reason=f"{len(data)} bytes so far; its header says more is coming"
            )
        result = ingest_bytes(app, data, file_name=name, source="inbox", decoded=decoded)
    if result.ok:
        moved = move_without_overwrite(path, app.settings.archive, app.settings.inbox)
        logs.event("archived", file=name, to=str(moved))
    else:
        quarantine(app, path, name, result.reason or "refused", result.state)
    return result


def quarantine(app: App, path: Path, name: str, reason: str, state: str) -> Path:
    """Move a refused file to quarantine/ with NAME.reason.txt beside it. A symptom file's
    refusal (state refused-journal) and one refused by the worker itself (give-up) are
    recorded here; a FIT refusal was recorded by its ingest."""
    moved = move_without_overwrite(path, app.settings.quarantine, app.settings.inbox)
    note = moved.with_name(moved.name + NOTE_SUFFIX)
    try:
        write_private_atomic(note, f"{reason}\n".encode())
    except OSError as exc:
        raise FolderError.from_os(exc, app.settings.quarantine, "write to") from None
    if state != "rejected":
        with app.uow() as uow:
            uow.repo.log_ingest(
                at=app.clock(), file_name=safe_text(name), source="inbox", state="rejected",
                reason=reason,
            )  # fmt: skip
            uow.commit()
    # A symptom file's reason may quote a symptom value: it stays in the note.
    shown = reason if state != "refused-journal" else "see the .reason.txt note"
    logs.event("quarantined", file=name, to=str(moved), reason=shown)
    return moved


def _import_symptoms(app: App, path: Path, name: str) -> IngestResult:
    """A symptom CSV is imported whole or not at all (refused: quarantined by take)."""
    try:
        report = import_csv(app, path, source="inbox")
    except BadInput as exc:
        return IngestResult(name, "refused-journal", reason=safe_text(str(exc)))
    reason = f"symptoms: {report.added} added, {report.already} already recorded"
    return IngestResult(name, "imported", reason=reason)
